"""Gift-voucher pages and their data-actions: one thin view each. Bind the input, call one service
or selector, then render the page, answer htmx with the page's blocks, or 303 back with a message
(no JavaScript). The voucher provider is `request.vouchers` (resolved once per request by
ShopMiddleware); a store without one answers 404 on every voucher URL.

Pages showing codes (an order, a reveal) are `Cache-Control: no-store`; a code and pin are only
in the HTML of the answer to the owner's reveal-voucher POST (and, without JavaScript, of the one
page view that follows it)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from carts.assist import assisting
from storefront.exceptions import CapabilityMissing, NotFound, ProviderError, StorefrontError
from storefront.htmx import LAYOUT, HtmxHttpRequest, error_message, redirect_303, render_fragments
from storefront.providers.base import VoucherProvider, require
from storefront.providers.types import Capability, VoucherCart
from storefront.urlcache import reverse_once
from storefront.validators import MSG_CONTROL, has_hostile_values, query_text

from . import fulfilment, payment, selectors, services

CATALOGUE = "vouchers/catalogue.html"
PRODUCT = "vouchers/product.html"
CART = "vouchers/voucher_cart.html"
ORDERS = "vouchers/order_list.html"
ORDER = "vouchers/order_detail.html"
CART_PARTS = ("voucher-cart-lines", "voucher-summary", "voucher-cart-link")
UPDATED = "voucher-cart-updated"
REVEALED_KEY = "vouchers:revealed"  # without JavaScript: the voucher to show on the next page view


def _provider(request) -> VoucherProvider:
    return require(request.vouchers, Capability.VOUCHERS)


def voucher_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """No voucher provider, or an unknown brand/order: 404. The provider unreachable on a page: the
    friendly unavailable page (503)."""

    @wraps(view)
    def wrapper(request, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST" and has_hostile_values(request.POST):
            return _refuse_hostile(request)
        try:
            return view(request, *args, **kwargs)
        except CapabilityMissing as exc:
            raise Http404() from exc
        except NotFound as exc:
            raise Http404(exc.user_message) from exc
        except StorefrontError as exc:
            text, status = error_message(exc)
            messages.error(request, text)
            if request.htmx:
                response = render_fragments(request, LAYOUT, (), {}, status=status)
                response["HX-Reswap"] = "none"
                return response
            return render(request, "unavailable.html", status=status)

    return wrapper


def _refuse_hostile(request) -> HttpResponse:
    """A voucher form with a control character (NUL included) in a field: refused, nothing
    changed, the message shown where the shopper is (storefront.validators)."""
    messages.error(request, MSG_CONTROL)
    if request.htmx:
        response = render_fragments(request, LAYOUT, (), {}, status=400)
        response["HX-Reswap"] = "none"
        return response
    return redirect_303(reverse_once("vouchers:cart"))


MSG_NOT_WHILE_ASSISTING = (
    "Gift vouchers are paid from the customer's own balances, so customers buy them themselves. "
    "End assisting to use your own voucher cart."
)


def customer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Vouchers are paid from the customer's balances: a guest is sent to sign in (htmx: the
    browser goes there)."""

    @wraps(view)
    def wrapper(request, *args: Any, **kwargs: Any) -> HttpResponse:
        if assisting(request) is not None:
            # the staff console acts on the customer's shop cart; vouchers are paid from the
            # customer's own balances, so they buy them themselves (never staff on their behalf)
            messages.info(request, MSG_NOT_WHILE_ASSISTING)
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse_once("vouchers:catalogue")
                return response
            return redirect_303(reverse_once("vouchers:catalogue"))
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        _provider(request)  # no voucher store: 404 before anything else
        login = redirect_to_login(
            request.get_full_path() if request.method == "GET" else reverse_once("vouchers:cart")
        )
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login["Location"]
            return response
        messages.info(request, payment.MSG_SIGN_IN)
        return redirect_303(login["Location"])

    return wrapper


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True, private=True)
    return response


# ---------------------------------------------------------------------------- catalogue


@require_safe
@vary_on_headers("HX-Request")
@voucher_view
def catalogue(request: HtmxHttpRequest) -> HttpResponse:
    q = query_text(request.GET, "q", 80)
    category = query_text(request.GET, "category", 60)
    products, categories = selectors.voucher_catalogue(provider=_provider(request), q=q, category=category)
    context = {"products": products, "categories": categories, "q": q, "category": category}
    if request.htmx and not request.htmx.boosted:
        return render(request, f"{CATALOGUE}#voucher-results", context)
    return render(request, CATALOGUE, {**context, **_cart_link(request)})


def _cart_link(request) -> dict[str, Any]:
    return {"voucher_count": selectors.voucher_cart_count(provider=_provider(request), user=request.user)}


@require_safe
@voucher_view
def product(request: HtmxHttpRequest, product_id: str) -> HttpResponse:
    item = _provider(request).get_voucher_product(product_id)
    return render(request, PRODUCT, {"product": item, "add_error": None, "added": "", **_cart_link(request)})


@require_POST
@voucher_view
@customer_required
def voucher_add(request: HtmxHttpRequest) -> HttpResponse:
    provider = _provider(request)
    product_id = request.POST.get("product", "")
    back = reverse_once("vouchers:product", product_id) if product_id else reverse_once("vouchers:catalogue")
    try:
        _cart, text = services.voucher_cart_add(
            provider=provider,
            user=request.user,
            product_id=product_id,
            denomination_id=request.POST.get("config", ""),
            quantity=request.POST.get("quantity", "1") or "1",
            amount=request.POST.get("amount", ""),
        )
    except NotFound as exc:
        if not request.htmx and product_id:
            messages.error(request, exc.user_message)
            return redirect_303(reverse_once("vouchers:catalogue"))
        return _add_status(request, provider, error=exc)
    except (ProviderError, StorefrontError) as exc:
        if request.htmx:
            return _add_status(request, provider, error=exc)
        messages.error(request, error_message(exc)[0])
        return redirect_303(back)
    if request.htmx:
        return trigger_client_event(_add_status(request, provider, added=text), UPDATED)
    messages.success(request, text)
    return redirect_303(back)


def _add_status(request, provider, *, added: str = "", error: Exception | None = None) -> HttpResponse:
    text, status = error_message(error) if error else ("", 200)
    context = {"added": added, "add_error": text or None, **_cart_link(request)}
    if status >= 500:
        messages.error(request, text)
        context["add_error"] = None
    targets = ("voucher-add-status", "voucher-cart-link")
    return render_fragments(request, PRODUCT, targets, context, status=422 if 400 <= status < 500 else status)


# ---------------------------------------------------------------------------- the voucher cart


def _cart_context(request, cart: VoucherCart, *, errors: dict[str, str] | None = None) -> dict[str, Any]:
    have = payment.balance(request.user)
    try:
        paid = payment.split(cart.price_total, have) if not cart.is_empty else None
        short = None
    except payment.InsufficientBalance as exc:
        paid, short = None, exc
    return {
        "cart": cart,
        "errors": errors or {},
        "balance": have,
        "payment": paid,
        "shortfall": short,
        "idempotency_key": services.voucher_issue_key(cart=cart, user=request.user) if cart.id else "",
        "voucher_count": cart.count,
    }


@require_safe
@vary_on_headers("HX-Request")
@voucher_view
@customer_required
def cart_page(request: HtmxHttpRequest) -> HttpResponse:
    cart = selectors.voucher_cart_get(provider=_provider(request), user=request.user)
    return render(request, CART, _cart_context(request, cart))


def _cart_mutation(request: HtmxHttpRequest, run: Callable[[], VoucherCart], success: str) -> HttpResponse:
    provider = _provider(request)
    back = reverse_once("vouchers:cart")
    try:
        cart = run()
    except (ProviderError, StorefrontError) as exc:
        text, status = error_message(exc)
        if not request.htmx:
            messages.error(request, text)
            return redirect_303(back)
        cart = selectors.voucher_cart_get(provider=provider, user=request.user)
        if status >= 500:
            messages.error(request, text)
            response = render_fragments(request, LAYOUT, (), {}, status=status)
            response["HX-Reswap"] = "none"
            return response
        line = _line_id(cart, request.POST)
        if line is None:
            messages.error(request, text)
        errors = {line: text} if line else {}
        return render_fragments(
            request, CART, CART_PARTS, _cart_context(request, cart, errors=errors), status=422
        )
    messages.success(request, success)
    if not request.htmx:
        return redirect_303(back)
    response = render_fragments(request, CART, CART_PARTS, _cart_context(request, cart))
    return trigger_client_event(response, UPDATED)


def _line_id(cart: VoucherCart, data) -> str | None:
    for line in cart.lines:
        if line.product.id == data.get("product") and line.denomination.id == data.get("config"):
            amount = (data.get("amount") or "").strip()
            if not amount or amount in (str(line.face_value), f"{line.face_value:.0f}"):
                return line.id
    return None


@require_POST
@voucher_view
@customer_required
def voucher_update(request: HtmxHttpRequest) -> HttpResponse:
    data = request.POST
    return _cart_mutation(
        request,
        lambda: services.voucher_cart_update(
            provider=_provider(request),
            user=request.user,
            product_id=data.get("product", ""),
            denomination_id=data.get("config", ""),
            quantity=data.get("quantity", ""),
            amount=data.get("amount", ""),
        ),
        services.MSG_UPDATED,
    )


@require_POST
@voucher_view
@customer_required
def voucher_remove(request: HtmxHttpRequest) -> HttpResponse:
    data = request.POST
    return _cart_mutation(
        request,
        lambda: services.voucher_cart_remove(
            provider=_provider(request),
            user=request.user,
            product_id=data.get("product", ""),
            denomination_id=data.get("config", ""),
            amount=data.get("amount", ""),
        ),
        services.MSG_REMOVED,
    )


@require_POST
@voucher_view
@customer_required
def voucher_place_order(request: HtmxHttpRequest) -> HttpResponse:
    provider = _provider(request)
    try:
        placed = services.voucher_order_place(
            provider=provider, user=request.user, token=request.POST.get("idempotency_key", "")
        )
    except (ProviderError, StorefrontError) as exc:
        text, status = error_message(exc)
        if not request.htmx:
            messages.error(request, text)
            return redirect_303(reverse_once("vouchers:cart"))
        cart = selectors.voucher_cart_get(provider=provider, user=request.user)
        context = _cart_context(request, cart, errors={"place-order": text})
        parts = ("voucher-summary", "voucher-cart-lines", "voucher-cart-link")
        return render_fragments(request, CART, parts, context, status=status if status >= 500 else 422)
    (messages.success if placed.confirmed else messages.warning)(request, placed.message)
    target = reverse_once("vouchers:order", placed.order.reference)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return trigger_client_event(response, UPDATED)
    return redirect_303(target)


# ---------------------------------------------------------------------------- orders


@require_safe
@voucher_view
@customer_required
def order_list(request: HtmxHttpRequest) -> HttpResponse:
    _provider(request)
    orders = selectors.voucher_orders_of(user=request.user)
    return render(request, ORDERS, {"orders": orders, **_cart_link(request)})


@sensitive_variables()
def _order_context(request, order, revealed: dict[int, dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "order": order,
        "lines": list(order.lines.all()),
        "vouchers": list(order.vouchers.select_related("line")),
        "revealed": revealed or {},
        "is_owner": order.user_id == request.user.pk,
        "voucher_count": selectors.voucher_cart_count(provider=_provider(request), user=request.user),
    }


@require_safe
@vary_on_headers("HX-Request")
@voucher_view
@customer_required
@sensitive_variables()
def order_detail(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    _provider(request)
    order = selectors.voucher_order_get(user=request.user, reference=reference)
    order = fulfilment.voucher_order_check(order)  # a page that is not final asks (at most every few s)
    revealed: dict[int, dict[str, str]] = {}
    shown = request.session.pop(REVEALED_KEY, None)
    if shown and order.user_id == request.user.pk:
        voucher, secret = services.voucher_reveal(user=request.user, reference=reference, voucher_id=shown)
        revealed[voucher.pk] = secret
    context = _order_context(request, order, revealed)
    if request.htmx and not request.htmx.boosted:
        return _no_store(render(request, f"{ORDER}#voucher-order", context))
    return _no_store(render(request, ORDER, context))


@require_POST
@voucher_view
@customer_required
@sensitive_variables()
def reveal_voucher(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """The owner's reveal of one voucher: recorded (who, when), then shown in place (htmx) or on
    the one page view the 303 leads to. Anyone else: 404."""
    _provider(request)
    voucher_id = request.POST.get("voucher", "")
    order = selectors.voucher_order_get(user=request.user, reference=reference)
    if order.user_id != request.user.pk:
        raise NotFound()
    if not request.htmx:
        # validate now (404 for a voucher that is not theirs); the page view shows it once
        if not order.vouchers.filter(pk=int(voucher_id) if voucher_id.isdigit() else 0).exists():
            raise NotFound()
        request.session[REVEALED_KEY] = voucher_id
        return _no_store(redirect_303(reverse_once("vouchers:order", reference)))
    voucher, secret = services.voucher_reveal(user=request.user, reference=reference, voucher_id=voucher_id)
    context = _order_context(request, order, {voucher.pk: secret})
    return _no_store(render(request, f"{ORDER}#voucher-order", context))
