"""One thin view per data-action: bind the form, call one service, answer with fragments (htmx)
or a 303 back to the page (no JavaScript)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from storefront.exceptions import ProviderError, StorefrontError
from storefront.htmx import (
    HtmxHttpRequest,
    add_error,
    cart_changed,
    redirect_303,
    render_fragments,
    safe_next,
)
from storefront.providers.types import Cart

from . import forms, selectors, services
from .session import CartSession

CART_TEMPLATE = "carts/cart.html"
CART_PARTIALS = ("cart-lines", "price-breakup", "delivery-promise", "cart-summary-count")


def _cart_fragments(request, cart: Cart, *, status: int = 200, line_errors=None) -> HttpResponse:
    context = {"cart": cart, "line_errors": line_errors or {}}
    return render_fragments(request, CART_TEMPLATE, CART_PARTIALS, context, status=status)


def _unavailable(request) -> HttpResponse:
    if request.htmx:
        # nothing to swap in place; the message goes out of band (htmx still applies OOB parts)
        response = render_fragments(
            request, "partials/messages.html", (), {"oob": True}, status=503, with_messages=False
        )
        response["HX-Reswap"] = "none"
        return response
    return render(request, "unavailable.html", status=503)


def _mutate(
    request: HtmxHttpRequest,
    form,
    run: Callable[[CartSession, dict], Cart],
    *,
    success: Callable[[Cart, dict], str] | None = None,
    default_next: str | None = None,
    fragments: Callable[..., HttpResponse] = _cart_fragments,
) -> HttpResponse:
    cs = CartSession.of(request)
    back = safe_next(request, default_next or reverse("carts:cart"))
    error: str | None = None
    status = 200
    if not form.is_valid():
        _, error = forms.first_error(form)
        messages.error(request, error)
        status = 422
    else:
        try:
            cart = run(cs, form.cleaned_data)
        except (ProviderError, StorefrontError) as exc:
            status = add_error(request, exc)
            if status >= 500:
                return _unavailable(request)
            error = exc.user_message
        else:
            if success:
                messages.success(request, success(cart, form.cleaned_data))
            if request.htmx:
                return cart_changed(fragments(request, cart))
            return redirect_303(back)
    if not request.htmx:
        return redirect_303(back)
    # in place: the cart as it stands (nothing changed), with the message beside the line
    try:
        cart = selectors.cart_get(cs=cs)
    except StorefrontError:
        return _unavailable(request)
    line_id = form.data.get("line", "")
    return fragments(request, cart, status=422 if status < 500 else status, line_errors={line_id: error})


@require_GET
@vary_on_headers("HX-Request")
def cart_page(request: HtmxHttpRequest) -> HttpResponse:
    cs = CartSession.of(request)
    try:
        cart = selectors.cart_get(cs=cs)
    except StorefrontError as exc:
        add_error(request, exc)
        return _unavailable(request)
    return render(request, CART_TEMPLATE, {"cart": cart, "line_errors": {}})


@require_GET
def cart_badge(request: HtmxHttpRequest) -> HttpResponse:
    cs = CartSession.of(request)
    try:
        count = selectors.cart_count(cs=cs)
    except StorefrontError:
        count = cs.count
    return render(request, "partials/cart_badge.html", {"cart_count": count})


def _add_status(request, cart: Cart, *, status: int = 200, line_errors=None) -> HttpResponse:
    # product pages show the outcome next to the button; messages carry the text
    return render_fragments(
        request, "partials/add_status.html", (), {"cart": cart}, status=status, with_messages=False
    )


@require_POST
def add_to_cart(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.AddToCartForm(request.POST)

    def run(cs, data):
        return services.cart_add_item(
            cs=cs, product_id=data["product"], variant_id=data["size"] or None, quantity=data["quantity"]
        )

    def success(cart, data):
        added = next((ln for ln in cart.lines if ln.product.id == data["product"]), None)
        return services.MSG_ADDED.format(name=added.product.name if added else "the item")

    return _mutate(request, form, run, success=success, fragments=_add_status)


@require_POST
def update_line(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.UpdateLineForm(request.POST)

    def run(cs, data):
        return services.cart_update_line(
            cs=cs, line_id=data["line"], quantity=data["quantity"], variant_id=data["size"] or None
        )

    return _mutate(request, form, run, success=lambda cart, data: services.MSG_UPDATED)


@require_POST
def remove_line(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.RemoveLineForm(request.POST)
    return _mutate(
        request,
        form,
        lambda cs, data: services.cart_remove_line(cs=cs, line_id=data["line"]),
        success=lambda cart, data: services.MSG_REMOVED,
    )


@require_POST
def clear_cart(request: HtmxHttpRequest) -> HttpResponse:
    return _mutate(
        request,
        forms.ClearCartForm(request.POST),
        lambda cs, data: services.cart_clear(cs=cs),
        success=lambda cart, data: services.MSG_CLEARED,
    )


@require_POST
def check_delivery(request: HtmxHttpRequest) -> HttpResponse:
    form = forms.CheckDeliveryForm(request.POST)

    def run(cs, data):
        check = services.cart_check_delivery(cs=cs, pincode=data["pincode"])
        if not check.serviceable:
            raise StorefrontError(check.message, field="pincode")
        messages.success(request, check.message)
        return selectors.cart_get(cs=cs)

    return _mutate(request, form, run)
