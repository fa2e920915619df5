"""Checkout and orders: one view per page or action, like carts.views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from storefront import degraded
from storefront.exceptions import AddressNeeded, CheckoutChanged, CircuitOpen, NotFound, StorefrontError
from storefront.htmx import HtmxHttpRequest, add_error, redirect_303, render_fragments
from storefront.ledger import OrderOutcomeUnknown

from . import forms, selectors, services
from .page_context import (
    ADDRESS_FORM_KEY,
    CHECKOUT_PARTIALS,
    CHECKOUT_TEMPLATE,
    address_form_state,
    checkout_context,
)
from .session import CartSession
from .views import _unavailable, render_readonly_cart

MSG_EMPTY = "Your cart is empty. Add something before checking out."
MSG_ALREADY_PLACED = "Your order {number} is placed, so your cart is empty now."
LAST_ORDER_KEY = "checkout:last-order"  # the number of the order this browser placed last
MSG_PLACED = "Thank you! Your order {number} is placed."
MSG_NO_SAVED_ADDRESS_THERE = (
    "You checked delivery to {pincode}. None of your saved addresses is there: "
    "choose one, or add an address below."
)


def _checkout_url(cs: CartSession) -> str:
    return reverse("checkout") + ("?cart=buy-now" if cs.buy_now else "")


@never_cache
@require_safe
@vary_on_headers("HX-Request")
def checkout_page(request: HtmxHttpRequest) -> HttpResponse:
    cs = CartSession.of(request)
    try:
        with degraded.stale_allowed() as stale:
            cart = selectors.cart_get(cs=cs, for_checkout=True)
        if stale.served:
            # degraded mode: the summary as last seen, and checkout paused (nothing is priced from it)
            return render_readonly_cart(
                request, cart, checkout_paused=degraded.MSG_CHECKOUT_PAUSED, status=503
            )
        if cart.is_empty:
            # Back after an order lands here: say the order went through, so no one orders twice
            last = request.session.get(LAST_ORDER_KEY) if not cs.buy_now else None
            messages.info(request, MSG_ALREADY_PLACED.format(number=last) if last else MSG_EMPTY)
            return redirect_303(reverse("carts:cart"))
        pincode_note = ""
        if cart.shipping_address is None:
            # a returning customer ships to their latest saved address, or rather the latest one
            # in the pincode they checked; checkout never quietly moves to another pincode: with
            # no saved address there, none is chosen and the page says so
            saved = selectors.cart_addresses(cs=cs)
            there = [a for a in saved if a.pincode == cs.pincode] if cs.pincode else saved
            if there:
                cart = services.cart_select_address(cs=cs, address_id=there[0].id, role="shipping")
                if selectors.checkout_needs_repricing(cs=cs):
                    cart = selectors.cart_get(cs=cs, for_checkout=True)
            elif saved:
                pincode_note = MSG_NO_SAVED_ADDRESS_THERE.format(pincode=cs.pincode)
        kept = request.session.pop(ADDRESS_FORM_KEY, None)
        address_form = address_form_state(cs, **kept) if isinstance(kept, dict) else None
        context = checkout_context(request, cart, address_form=address_form) | {"pincode_note": pincode_note}
    except StorefrontError as exc:
        add_error(request, exc)
        return _unavailable(request)
    return render(request, CHECKOUT_TEMPLATE, context)


@require_POST
def place_order(request: HtmxHttpRequest) -> HttpResponse:
    """Place the order the page showed. Double clicks, reloads and retries with the same
    idempotency_key all land on the same order; a changed cart is listed, not ordered."""
    cs = CartSession.of(request)
    form = forms.PlaceOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, services.MSG_CHECKOUT_EXPIRED)
        return _back_to_checkout(request, cs, status=422)
    data = form.cleaned_data
    try:
        order = services.checkout_place_order(
            cs=cs, token=data["idempotency_key"], payment_mode=data["payment_mode"], email=data["email"]
        )
    except AddressNeeded as exc:
        if not request.htmx:
            request.session[ADDRESS_FORM_KEY] = {"errors": {"form": exc.user_message}}
        return _back_to_checkout(
            request, cs, status=409, address_form=address_form_state(cs, errors={"form": exc.user_message})
        )
    except CheckoutChanged as exc:
        messages.warning(request, exc.user_message)
        for change in exc.changes:
            messages.warning(request, change.text)
        return _back_to_checkout(request, cs, status=409, changes=exc.changes)
    except OrderOutcomeUnknown as exc:
        return _order_unconfirmed(request, cs, data, exc)
    except CircuitOpen:
        # the provider is down (its breaker is open): nothing was sent, checkout is paused
        messages.error(request, degraded.MSG_CHECKOUT_PAUSED)
        return _unavailable(request)
    except StorefrontError as exc:
        if add_error(request, exc) >= 500:
            return _unavailable(request)
        return _back_to_checkout(request, cs, status=422)
    url = reverse("order-detail", args=[order.id])
    if order.guest_token:
        url += f"?t={order.guest_token}"
    if order.payment_url:
        # the provider's hosted payment page (no message: it could only show on the page after
        # it, our payment return page, which says how the payment went)
        url = order.payment_url
    else:
        messages.success(request, MSG_PLACED.format(number=order.id))
    if not cs.buy_now:
        request.session[LAST_ORDER_KEY] = order.id
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect_303(url)


def _order_unconfirmed(request, cs: CartSession, data: dict, exc: OrderOutcomeUnknown) -> HttpResponse:
    """The provider may have taken the order but its answer was lost. The same key is never sent
    again: pressing the button again (same key) asks the provider what became of it. With htmx
    the checkout form stays on the page with its key; without JavaScript this page carries it."""
    if request.htmx:
        add_error(request, exc)
        return _unavailable(request)
    context = {
        "message": exc.user_message,
        "idempotency_key": data["idempotency_key"],
        "payment_mode": data["payment_mode"],
        "email": data["email"],
        "buy_now": cs.buy_now,
    }
    return render(request, "carts/order_unconfirmed.html", context, status=202)


def _back_to_checkout(
    request, cs: CartSession, *, status: int, changes=(), address_form=None
) -> HttpResponse:
    if not request.htmx:
        return redirect_303(_checkout_url(cs))
    try:
        cart = selectors.cart_get(cs=cs, for_checkout=True)
    except StorefrontError:
        return _unavailable(request)
    if cart.is_empty:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("carts:cart")
        return response
    context = checkout_context(request, cart, changes=changes, address_form=address_form)
    return render_fragments(request, CHECKOUT_TEMPLATE, CHECKOUT_PARTIALS, context, status=status)


@require_safe
def order_list(request: HtmxHttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        orders = selectors.order_list(cs=CartSession.of(request))
    except StorefrontError as exc:
        add_error(request, exc)
        return _unavailable(request)
    return render(request, "carts/order_list.html", {"orders": orders})


@never_cache
@require_safe
def order_detail(request: HtmxHttpRequest, order_id: str) -> HttpResponse:
    """The customer's own order, or a guest's through the secret link in the confirmation.
    Anyone else gets a 404, never a hint that the order exists."""
    try:
        order = selectors.order_get(
            cs=CartSession.of(request), order_id=order_id, guest_token=request.GET.get("t", "")
        )
    except NotFound as exc:
        raise Http404(exc.user_message) from exc
    except StorefrontError as exc:
        add_error(request, exc)
        return _unavailable(request)
    return render(request, "carts/order_detail.html", {"order": order})


@require_POST
def reorder(request: HtmxHttpRequest) -> HttpResponse:
    """Put a previous order's lines in the cart again and go to the cart (a 303, or HX-Redirect)."""
    form = forms.ReorderForm(request.POST)
    cart_url = reverse("carts:cart")
    if not form.is_valid() or not request.user.is_authenticated:
        raise Http404(services.MSG_ORDER_NOT_FOUND)
    order_id = form.cleaned_data["order"]
    try:
        _cart, skipped = services.order_reorder(cs=CartSession.of(request), order_id=order_id)
    except NotFound as exc:
        raise Http404(exc.user_message) from exc
    except StorefrontError as exc:
        if add_error(request, exc) >= 500:
            return _unavailable(request)
        return redirect_303(reverse("order-detail", args=[order_id]))
    messages.success(request, services.MSG_REORDERED.format(number=order_id))
    if skipped:
        messages.warning(request, services.MSG_REORDER_SKIPPED.format(names=", ".join(skipped)))
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = cart_url
        return response
    return redirect_303(cart_url)
