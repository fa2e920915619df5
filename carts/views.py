"""One thin view per data-action: bind the form, call one service, answer with fragments (htmx)
or a 303 back to the page (no JavaScript)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from storefront import degraded, formmemory, throttle
from storefront.exceptions import NotFound, ProviderError, StorefrontError
from storefront.htmx import (
    LAYOUT,
    HtmxHttpRequest,
    add_error,
    cart_changed,
    error_message,
    redirect_303,
    render_fragments,
    safe_next,
)
from storefront.money import format_inr
from storefront.providers.types import Address, Capability, Cart, CartMeta, OrderType
from storefront.text import format_day
from storefront.urlcache import reverse_once

from . import assist, forms, selectors, services, sharing
from .page_context import (
    ADDRESS_FORM_KEY,
    CHECKOUT_PARTIALS,
    CHECKOUT_TEMPLATE,
    address_form_state,
    checkout_context,
)
from .session import CartSession

CART_TEMPLATE = "carts/cart.html"
READONLY_TEMPLATE = "carts/cart_readonly.html"  # degraded mode: the last cart seen, no forms
PRODUCT_TEMPLATE = "storefront/product_detail.html"  # add-to-cart answers into its #add-status
CART_PARTIALS = (
    "cart-lines",
    "price-breakup",
    "delivery-promise",
    "cart-summary-count",
    "redemptions",
    "cart-meta",
    "checkout-button",
)
CART_PARTIALS_WITHOUT_META = tuple(p for p in CART_PARTIALS if p != "cart-meta")


def _on_checkout(request) -> bool:
    current = request.htmx.current_url_abs_path or "" if request.htmx else ""
    return current.startswith(reverse_once("checkout"))


def _cart_fragments(
    request, cart: Cart, *, status: int = 200, errors=None, with_meta: bool = False
) -> HttpResponse:
    """The regions a cart change touches, on whichever page the form was on. The cart-meta form
    only changes with update-meta, or when the cart empties and it goes away."""
    if _on_checkout(request):
        cs = CartSession.of(request)
        if selectors.checkout_needs_repricing(cs=cs):
            cart = selectors.cart_get(cs=cs, for_checkout=True)
        context = checkout_context(request, cart, errors=errors)
        return render_fragments(request, CHECKOUT_TEMPLATE, CHECKOUT_PARTIALS, context, status=status)
    partials = CART_PARTIALS if with_meta or cart.is_empty else CART_PARTIALS_WITHOUT_META
    context = {"cart": cart, "errors": errors or {}}
    return render_fragments(request, CART_TEMPLATE, partials, context, status=status)


def _unavailable(request) -> HttpResponse:
    if request.htmx:
        # nothing to swap in place; the message goes out of band (htmx still applies OOB parts)
        response = render_fragments(request, LAYOUT, (), {}, status=503)
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
    error_key: str = "",
) -> HttpResponse:
    """Bind, run, answer. An error is shown in place: beside the line (keyed by line id) or the
    form (keyed by `error_key`, the data-action), and nothing changes."""
    cs = CartSession.of(request)
    back = safe_next(request, default_next or reverse_once("carts:cart"))
    throttled: throttle.Throttled | None = None
    beside_field = True  # a refusal of what was typed; not one of who may do it (403)
    field = ""  # the field a provider's refusal names ("size": shown in the size fieldset)
    if not form.is_valid():
        _, error = forms.first_error(form)
    else:
        try:
            cart = run(cs, form.cleaned_data)
        except throttle.Throttled as exc:
            # 429 with Retry-After: a page of its own without JavaScript, in place with htmx
            if not request.htmx:
                return throttle.throttled_response(request, exc, back=back)
            throttled, error = exc, exc.user_message
        except (ProviderError, StorefrontError) as exc:
            text, status = error_message(exc)
            beside_field = status != 403
            field = getattr(exc, "field", None) or ""
            if status >= 500:
                messages.error(request, text)
                return _unavailable(request)
            error = text
        else:
            if success:
                messages.success(request, success(cart, form.cleaned_data))
            if request.htmx:
                return cart_changed(fragments(request, cart))
            return redirect_303(back)
    if error_key == "add-to-cart" and field == "size" and _product_slug(back):
        error_key = formmemory.ADD_SIZE  # no size chosen: said in the size fieldset, not above it
    if not request.htmx:
        if not (beside_field and formmemory.keep(request, error_key, error)):  # kept: beside its field
            messages.error(request, error)
        elif error_key in ("apply-coupon", "apply-gift-card") and "#" not in back:
            # said beside its box in the offers section, far below the first screen: the page opens
            # there, or the shopper sees nothing happen (the page-level messages stay empty)
            back += "#redemptions"
        return redirect_303(back)
    # with htmx the error is shown once, in place (beside the line or the form), and the regions
    # are re-rendered from the cart as it stands: nothing changed
    try:
        cart = selectors.cart_get(cs=cs)
    except StorefrontError:
        return _unavailable(request)
    key = form.data.get("line", "") or error_key
    if not error_key and cart.line(key) is None:
        # no such line on the page to show it beside: the message area says it instead
        messages.error(request, error)
    if throttled is not None:
        response = fragments(request, cart, status=429, errors={key: error})
        response["Retry-After"] = str(throttled.retry_after)
        return response
    return fragments(request, cart, status=422, errors={key: error})


@require_safe
@vary_on_headers("HX-Request")
def cart_page(request: HtmxHttpRequest) -> HttpResponse:
    cs = CartSession.of(request, buy_now=False)
    try:
        with degraded.stale_allowed() as stale:
            cart = selectors.cart_get(cs=cs)
    except StorefrontError as exc:
        add_error(request, exc)
        return _unavailable(request)
    if stale.served:
        return render_readonly_cart(request, cart)
    context = {
        "cart": cart,
        "errors": {},
        "prepared": selectors.cart_prepared_by(cs=cs, cart=cart),
        "may_have_share_links": sharing.may_have_links(cs=cs),
    }
    return render(request, CART_TEMPLATE, context)


def render_readonly_cart(
    request, cart: Cart, *, checkout_paused: str = "", status: int = 200
) -> HttpResponse:
    """Degraded mode: the provider is unavailable and `cart` is the last copy of it the provider
    kept. Read-only: no form that would fail, a banner that changes are paused and nothing is lost."""
    context = {"cart": cart, "banner": degraded.MSG_CART_PAUSED, "checkout_paused": checkout_paused}
    return render(request, READONLY_TEMPLATE, context, status=status)


@require_safe
def cart_badge(request: HtmxHttpRequest) -> HttpResponse:
    cs = CartSession.of(request, buy_now=False)
    try:
        count = selectors.cart_count(cs=cs)
    except StorefrontError:
        count = cs.count
    return render(request, f"{LAYOUT}#cart-badge", {"cart_count": count})


def _add_status(request, cart: Cart | None, *, status: int = 200, errors=None) -> HttpResponse:
    # product pages show the outcome next to the button; a missing size is said in the size
    # fieldset instead, which comes back out of band marked invalid with the first size focused
    errors = dict(errors or {})
    size_error = errors.pop(formmemory.ADD_SIZE, "")
    context = {"added": cart, "add_errors": [e for e in errors.values() if e]}
    product = _form_product(request) if size_error else None
    if product is None or not product.has_sizes:
        if size_error:
            context["add_errors"].append(size_error)
        return render(request, f"{PRODUCT_TEMPLATE}#add-status", context, status=status)
    context |= {"product": product, "size_error": size_error, "default_variant": None}
    return render_fragments(
        request,
        PRODUCT_TEMPLATE,
        ("add-status", "size-fieldset"),
        context,
        status=status,
        with_messages=False,
    )


def _product_slug(url: str) -> str:
    """The product of a product page's address, else ""."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return ""
    return match.kwargs.get("slug", "") if match.url_name == "product-detail" else ""


def _form_product(request):
    """The product whose page the add-to-cart form was on (its `next`), or None."""
    slug = _product_slug(safe_next(request, ""))
    if not slug:
        return None
    try:
        return selectors.catalogue_product(cs=CartSession.of(request), slug=slug)
    except StorefrontError:
        return None


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

    return _mutate(request, form, run, success=success, fragments=_add_status, error_key="add-to-cart")


@require_POST
def buy_now(request: HtmxHttpRequest) -> HttpResponse:
    """Put one product in a separate buy-now cart and go to checkout; the main cart stays as it is."""
    form = forms.AddToCartForm(request.POST)
    checkout_url = reverse("checkout") + "?cart=buy-now"
    back = safe_next(request, reverse("carts:cart"))
    size_error = ""  # no size chosen: said in the size fieldset, as for Add to cart
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.cart_buy_now(
                cs=CartSession.of(request, buy_now=True),
                product_id=data["product"],
                variant_id=data["size"] or None,
                quantity=data["quantity"],
            )
        except StorefrontError as exc:
            text, status = error_message(exc)
            if exc.field == "size" and status < 500 and _product_slug(back):
                size_error = text
            elif add_error(request, exc) >= 500:
                return _unavailable(request)
        else:
            if request.htmx:
                response = HttpResponse(status=204)
                response["HX-Redirect"] = checkout_url
                return response
            return redirect_303(checkout_url)
    else:
        messages.error(request, forms.first_error(form)[1])
    if request.htmx:
        errors = {formmemory.ADD_SIZE: size_error} if size_error else None
        return _add_status(request, None, status=422, errors=errors)
    if size_error:
        formmemory.keep(request, formmemory.ADD_SIZE, size_error)
    return redirect_303(back)


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
    return _mutate(
        request,
        forms.RemoveLineForm(request.POST),
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
        cart = selectors.cart_get(cs=cs)
        if not check.serviceable and cart.checkout_blocked:
            # the cart says it once, where checkout would be offered (it now is not)
            return cart
        if not check.serviceable:
            raise StorefrontError(check.message, field="pincode")
        messages.success(request, check.message)
        return cart

    return _mutate(request, form, run, error_key="check-delivery")


# ---------------------------------------------------------------------------- redemptions


@require_safe
@vary_on_headers("HX-Request")
def coupon_list(request: HtmxHttpRequest) -> HttpResponse:
    """The coupons a shopper can use, each marked applicable or not with the reason."""
    cs = CartSession.of(request)
    try:
        offers = selectors.cart_coupons(cs=cs)
        cart = selectors.cart_get(cs=cs)
    except StorefrontError as exc:
        add_error(request, exc)
        return _unavailable(request)
    template = "carts/coupons.html"
    if request.htmx:
        template += "#coupon-list"
    return render(request, template, {"offers": offers, "cart": cart, "buy_now": cs.buy_now})


@require_POST
def apply_coupon(request: HtmxHttpRequest) -> HttpResponse:
    return _mutate(
        request,
        forms.ApplyCouponForm(request.POST),
        lambda cs, data: services.cart_apply_coupon(cs=cs, code=data["code"]),
        success=lambda cart, data: services.MSG_COUPON_APPLIED.format(
            code=cart.coupon_code, amount=format_inr(-cart.row("coupon").amount)
        ),
        error_key="apply-coupon",
    )


@require_POST
def remove_coupon(request: HtmxHttpRequest) -> HttpResponse:
    return _mutate(
        request,
        forms.EmptyForm(request.POST),
        lambda cs, data: services.cart_remove_coupon(cs=cs),
        success=lambda cart, data: services.MSG_COUPON_REMOVED,
        error_key="redemptions",
    )


@require_POST
def apply_loyalty(request: HtmxHttpRequest) -> HttpResponse:
    return _mutate(
        request,
        forms.ApplyLoyaltyForm(request.POST),
        lambda cs, data: services.cart_apply_loyalty(cs=cs, points=data["points"]),
        success=lambda cart, data: services.MSG_POINTS_APPLIED.format(
            points=cart.loyalty.applied if cart.loyalty else 0
        ),
        error_key="redemptions",
    )


@require_POST
def remove_loyalty(request: HtmxHttpRequest) -> HttpResponse:
    return _mutate(
        request,
        forms.EmptyForm(request.POST),
        lambda cs, data: services.cart_remove_loyalty(cs=cs),
        success=lambda cart, data: services.MSG_POINTS_REMOVED,
        error_key="redemptions",
    )


@require_POST
def apply_gift_card(request: HtmxHttpRequest) -> HttpResponse:
    return _mutate(
        request,
        forms.GiftCardForm(request.POST),
        lambda cs, data: services.cart_apply_gift_card(cs=cs, code=data["code"], pin=data["pin"]),
        success=lambda cart, data: services.MSG_GIFT_CARD_APPLIED.format(tail=data["code"][-4:]),
        error_key="apply-gift-card",
    )


@require_POST
def remove_gift_card(request: HtmxHttpRequest) -> HttpResponse:
    return _mutate(
        request,
        forms.RemoveGiftCardForm(request.POST),
        lambda cs, data: services.cart_remove_gift_card(cs=cs, code=data["code"]),
        success=lambda cart, data: services.MSG_GIFT_CARD_REMOVED.format(tail=data["code"][-4:]),
        error_key="redemptions",
    )


@require_POST
def apply_credit(request: HtmxHttpRequest) -> HttpResponse:
    return _mutate(
        request,
        forms.EmptyForm(request.POST),
        lambda cs, data: services.cart_apply_credit(cs=cs),
        success=lambda cart, data: services.MSG_CREDIT_APPLIED,
        error_key="redemptions",
    )


@require_POST
def remove_credit(request: HtmxHttpRequest) -> HttpResponse:
    return _mutate(
        request,
        forms.EmptyForm(request.POST),
        lambda cs, data: services.cart_remove_credit(cs=cs),
        success=lambda cart, data: services.MSG_CREDIT_REMOVED,
        error_key="redemptions",
    )


# ---------------------------------------------------------------------------- meta and addresses


@require_POST
def update_meta(request: HtmxHttpRequest) -> HttpResponse:
    def run(cs, data):
        meta = CartMeta(
            gift_message=data["gift_message"].strip(),
            gstin=data["gstin"],
            business_name=data["business_name"].strip() if data["gstin"] else "",
            comment=data["comment"].strip(),
            order_type=OrderType(data["order_type"]),
            pickup_name=data["pickup_name"].strip(),
            pickup_phone=data.get("pickup_phone") or "",
        )
        return services.cart_update_meta(cs=cs, meta=meta, pickup_store_id=data["pickup_store"] or None)

    return _mutate(
        request,
        forms.UpdateMetaForm(request.POST),
        run,
        success=lambda cart, data: services.MSG_META_SAVED,
        error_key="update-meta",
        fragments=partial(_cart_fragments, with_meta=True),
    )


FORM_ERROR = "form"  # an address error that belongs to no one field
MSG_ADDRESS_NOT_DELIVERED = (
    "We don't deliver to {pincode} yet. Enter another pincode, or choose pick-up in store below."
)


@require_POST
def set_address(request: HtmxHttpRequest) -> HttpResponse:
    """A new delivery address. Whatever is wrong is said beside its field (aria-invalid, the
    message tied to the field by aria-describedby, the first bad field focused through autofocus),
    and everything the shopper typed stays in the form: with htmx in the swapped form, without
    JavaScript through the session for the page the redirect shows."""
    form = forms.SetAddressForm(request.POST)
    cs = CartSession.of(request)
    back = safe_next(request, reverse("checkout"))
    errors: dict[str, str] = {}
    if not form.is_valid():
        errors = form.field_errors()
    else:
        data = form.cleaned_data
        address = Address(
            id="",
            name=data["name"].strip(),
            phone=data["phone"],
            line1=data["line1"].strip(),
            line2=data["line2"].strip(),
            city=data["city"].strip(),
            state=data["state"],
            pincode=data["pincode"],
            country=(data.get("country") or "India").strip(),
        )
        try:
            # a provider that promises delivery by pincode says here whether it delivers there
            delivers = Capability.DELIVERY_PROMISE in cs.provider.capabilities
            check = cs.provider.check_delivery(pincode=address.pincode) if delivers else None
            if check is not None and not check.serviceable:
                raise ProviderError(
                    MSG_ADDRESS_NOT_DELIVERED.format(pincode=address.pincode), field="pincode"
                )
            cart = services.cart_set_address(cs=cs, address=address)
        except (ProviderError, StorefrontError) as exc:
            text, status = error_message(exc)
            if status >= 500:
                messages.error(request, text)
                return _unavailable(request)
            # beside its field when the provider named one of ours, else at the top of the form
            field = exc.field if exc.field in forms.SetAddressForm.FIELD_ORDER else FORM_ERROR
            errors = {field: text}
        else:
            messages.success(request, services.MSG_ADDRESS_SAVED)
            if request.htmx:
                return cart_changed(_cart_fragments(request, cart))
            return redirect_303(back)
    if not request.htmx:
        request.session[ADDRESS_FORM_KEY] = {"values": _typed(form), "errors": errors}
        return redirect_303(back)
    return _address_fragments(request, cs, form, errors, status=422)


def _typed(form) -> dict[str, str]:
    """What the shopper typed into the address form, as they typed it."""
    return {name: str(form.data.get(name, ""))[:200] for name in forms.SetAddressForm.FIELD_ORDER}


def _address_fragments(request, cs: CartSession, form, errors: dict, *, status: int) -> HttpResponse:
    try:
        cart = selectors.cart_get(cs=cs, for_checkout=True)
    except StorefrontError:
        return _unavailable(request)
    address_form = address_form_state(cs, values=_typed(form), errors=errors)
    context = checkout_context(request, cart, address_form=address_form)
    return render_fragments(request, CHECKOUT_TEMPLATE, CHECKOUT_PARTIALS, context, status=status)


@require_POST
def select_address(request: HtmxHttpRequest) -> HttpResponse:
    return _mutate(
        request,
        forms.SelectAddressForm(request.POST),
        lambda cs, data: services.cart_select_address(
            cs=cs, address_id=data["address"], role=data.get("role") or "shipping"
        ),
        success=lambda cart, data: services.MSG_ADDRESS_SAVED,
        default_next=reverse("checkout"),
        error_key="set-address",
    )


# ---------------------------------------------------------------------------- share links

SHARED_TEMPLATE = "carts/shared_cart.html"
MSG_SHARE_EMAILED = "We emailed the link to {email} too."
SHARE_LINKS_TEMPLATE = "carts/share_links.html"


@require_POST
def share_cart(request: HtmxHttpRequest) -> HttpResponse:
    """Make a share link and show it once (in place with htmx; as a message after the redirect)."""
    cs = CartSession.of(request)
    try:
        link, token = services.cart_share(cs=cs)
    except throttle.Throttled as exc:
        if request.htmx:
            response = render(
                request, "carts/cart.html#share-cart", {"share_error": exc.user_message}, status=429
            )
            response["Retry-After"] = str(exc.retry_after)
            return response
        return throttle.throttled_response(request, exc, back=reverse("carts:cart"))
    except StorefrontError as exc:
        text, status = error_message(exc)
        if status >= 500:
            messages.error(request, text)
            return _unavailable(request)
        if request.htmx:
            return render(request, "carts/cart.html#share-cart", {"share_error": text}, status=422)
        messages.error(request, text)
        return redirect_303(reverse("carts:cart"))
    url = request.build_absolute_uri(reverse("carts:shared-cart", args=[token]))
    helping = cs.assist
    if helping is not None and assist.share_link_send(assist=helping, url=url, expires_at=link.expires_at):
        messages.info(request, MSG_SHARE_EMAILED.format(email=helping.customer.email))
    if request.htmx:
        return render_fragments(
            request, "carts/cart.html", ("share-cart",), {"share_url": url, "share_link": link}
        )
    messages.success(request, services.MSG_SHARED_LINK.format(url=url, date=format_day(link.expires_at)))
    return redirect_303(reverse("carts:cart"))


def _share_gone(request, exc: sharing.ShareLinkGone) -> HttpResponse:
    """An unknown, expired or withdrawn link: a 404 page that says which."""
    return render(request, "carts/shared_gone.html", {"message": exc.user_message}, status=404)


@require_safe
def shared_cart(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The shared items at today's prices and availability, with what changed marked; nothing
    about the person who shared them."""
    try:
        shared = sharing.shared_cart_get(cs=CartSession.of(request), token=token)
    except sharing.ShareLinkGone as exc:
        return _share_gone(request, exc)
    except NotFound:
        # the provider no longer has the items behind a link of ours
        return _share_gone(request, sharing.ShareLinkGone(sharing.MSG_SHARE_UNKNOWN))
    except StorefrontError as exc:
        add_error(request, exc)
        return _unavailable(request)
    return render(request, SHARED_TEMPLATE, {"shared": shared, "token": token})


@require_POST
def accept_shared_cart(request: HtmxHttpRequest, token: str) -> HttpResponse:
    form = forms.AcceptSharedCartForm(request.POST)
    cs = CartSession.of(request)
    if not form.is_valid():
        messages.error(request, forms.first_error(form)[1])
        return redirect_303(reverse("carts:shared-cart", args=[token]))
    mode = form.cleaned_data["mode"]
    try:
        services.cart_accept_shared(cs=cs, token=token, mode=mode)
    except sharing.ShareLinkGone as exc:
        return _share_gone(request, exc)
    except StorefrontError as exc:
        if add_error(request, exc) >= 500:
            return _unavailable(request)
        return redirect_303(reverse("carts:shared-cart", args=[token]))
    messages.success(request, services.MSG_SHARED_MERGED if mode == "merge" else services.MSG_SHARED_REPLACED)
    response = redirect_303(reverse("carts:cart"))
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("carts:cart")
    return response


@require_safe
@vary_on_headers("HX-Request")
def share_links(request: HtmxHttpRequest) -> HttpResponse:
    """The shopper's share links that still work, each with a button to withdraw it."""
    links = sharing.share_links_owned(cs=CartSession.of(request))
    return render(request, SHARE_LINKS_TEMPLATE, {"links": links})


@require_POST
def revoke_share_link(request: HtmxHttpRequest, link_id: int) -> HttpResponse:
    cs = CartSession.of(request)
    try:
        sharing.share_link_revoke(cs=cs, link_id=link_id)
    except NotFound as exc:
        raise Http404(exc.user_message) from exc
    messages.success(request, sharing.MSG_SHARE_LINK_REVOKED)
    if request.htmx:
        context = {"links": sharing.share_links_owned(cs=cs)}
        return render_fragments(request, SHARE_LINKS_TEMPLATE, ("share-links",), context)
    return redirect_303(reverse("carts:share-links"))
