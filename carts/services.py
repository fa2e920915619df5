"""Cart writes. Each takes the shopper's CartSession and plain values, calls the active provider
once, remembers the returned cart in the session and returns it."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from decimal import Decimal

from storefront import throttle
from storefront.exceptions import (
    AddressNeeded,
    CheckoutChanged,
    NotFound,
    ProviderRejected,
    StorefrontError,
)
from storefront.money import format_inr
from storefront.providers.base import CartContext, MergeResult, require
from storefront.providers.messages import MSG_NEED_ADDRESS
from storefront.providers.types import (
    Address,
    Capability,
    Cart,
    CartMeta,
    CheckoutChange,
    DeliveryCheck,
    Order,
    OrderType,
)
from storefront.text import count_noun

from . import assist, sharing
from .models import ShareLink
from .session import CartSession

MSG_ADDED = "Added {name} to your cart."
MSG_UPDATED = "Cart updated."
MSG_REMOVED = "Item removed from your cart."
MSG_CLEARED = "Your cart is empty now."
MSG_MERGED = "We added {items} from before you signed in to your cart."
MSG_MERGE_ADJUSTED = "Some quantities were adjusted: {details}."


logger = logging.getLogger("storefront.carts")


def _write(
    cs: CartSession,
    capability: Capability,
    action: str,
    call: Callable[..., Cart],
    *,
    details: dict | None = None,
) -> Cart:
    """The one path every cart write takes: check the capability, call the provider with the
    cart's owner and the acting user, remember the cart (id and badge count) and record who
    acted when it was not the owner.

    While a member of staff assists the owner (carts.assist), the customer's own money (points,
    gift cards, store credit) is refused until the customer confirmed they are present, and each
    change goes into the audit trail (AssistEvent) with a summary of what changed, worked out
    from the cart before and after (one more cart read per assisted write). `details` are plain
    values for the trail; never a pin, token or password."""
    provider = require(cs.provider, capability)
    if cs.assist is not None:
        cs.assist.refuse(capability)
    ctx = cs.context()
    before = provider.get_cart(ctx) if cs.assist is not None else None
    cart = call(provider, ctx)
    cs.remember(cart)
    if ctx.acting_user is not None:
        logger.info(
            "cart %s: %s by %s for customer %s",
            cart.id,
            action,
            ctx.acting_user.id,
            ctx.customer.id if ctx.customer else "guest",
        )
    if cs.assist is not None:
        assist.record_change(
            cs.assist, provider=provider, action=action, before=before, after=cart, details=details
        )
    return cart


def cart_add_item(*, cs: CartSession, product_id: str, variant_id: str | None, quantity: int) -> Cart:
    cs.start()  # the cart is tied to the browser session from its first item (race-safe)
    with cs.first_cart():  # two first adds at once: one creates the cart, the other adds to it
        return _write(
            cs,
            Capability.CART,
            "add-to-cart",
            lambda p, ctx: p.add_item(ctx, product_id=product_id, variant_id=variant_id, quantity=quantity),
            details={"product": product_id, "size": variant_id or "", "quantity": quantity},
        )


def cart_update_line(*, cs: CartSession, line_id: str, quantity: int, variant_id: str | None = None) -> Cart:
    if variant_id:
        require(cs.provider, Capability.SIZE_CHANGE)
    return _write(
        cs,
        Capability.CART,
        "update-line",
        lambda p, ctx: p.update_line(ctx, line_id=line_id, quantity=quantity, variant_id=variant_id),
        details={"line": line_id, "quantity": quantity, "size": variant_id or ""},
    )


def cart_remove_line(*, cs: CartSession, line_id: str) -> Cart:
    return _write(
        cs,
        Capability.CART,
        "remove-line",
        lambda p, ctx: p.remove_line(ctx, line_id=line_id),
        details={"line": line_id},
    )


def cart_clear(*, cs: CartSession) -> Cart:
    return _write(cs, Capability.CART, "clear-cart", lambda p, ctx: p.clear_cart(ctx))


def cart_check_delivery(*, cs: CartSession, pincode: str, product_slug: str | None = None) -> DeliveryCheck:
    """Check a pincode; it becomes the shopper's delivery pincode, whether we deliver there or
    not: the cart, the next product page and checkout then say so about the pincode the shopper
    gave, instead of quietly going on with an earlier one."""
    check = cs.provider.check_delivery(pincode=pincode, product_slug=product_slug)
    if check.pincode and cs.pincode != check.pincode:
        cs.remember_pincode(check.pincode)
    return check


def cart_merge_at_login(*, cs: CartSession, anonymous_cart_id: str | None) -> MergeResult | None:
    """The sign-in hook, called by the login view right after authentication: the cart built
    before signing in joins the customer's cart. Returns None when there was nothing to merge."""
    caps = cs.provider.capabilities
    if not anonymous_cart_id and Capability.OTP_SIGN_IN not in caps and Capability.BUYER_ACCESS not in caps:
        return None
    # a provider that signs its own customers in links them at every sign-in (even without a cart);
    # so does one whose carts belong to its own customers (B2B): the badge then shows their cart
    source = CartContext(cart_id=anonymous_cart_id, pincode=cs.pincode, session=cs.session)
    result = cs.provider.merge_carts(source=source, target=cs.context())
    cs.forget_cart()
    cs.remember(result.cart)
    return result


def cart_sign_out(*, cs: CartSession) -> None:
    """The sign-out hook: the provider ends what it keeps for this shopper. Signing out never
    fails for the shopper; a provider that cannot be reached is logged."""
    try:
        cs.provider.sign_out(cs.context())
    except StorefrontError:
        logger.warning("provider sign-out failed; signing out of the storefront anyway")


def merge_message(result: MergeResult) -> str:
    text = MSG_MERGED.format(items=count_noun(result.merged_lines, "item"))
    if result.adjusted:
        text += " " + MSG_MERGE_ADJUSTED.format(details="; ".join(result.adjusted))
    if result.kept:
        text += " " + " ".join(result.kept)
    return text


# ---------------------------------------------------------------------------- redemptions

MSG_COUPON_APPLIED = "Coupon {code} applied: you save {amount}."
MSG_COUPON_REMOVED = "Coupon removed."
MSG_POINTS_APPLIED = "{points} loyalty points applied."
MSG_POINTS_REMOVED = "Loyalty points removed."
MSG_GIFT_CARD_APPLIED = "Gift card …{tail} applied."
MSG_GIFT_CARD_REMOVED = "Gift card …{tail} removed."
MSG_CREDIT_APPLIED = "Store credit applied."
MSG_CREDIT_REMOVED = "Store credit removed."
MSG_META_SAVED = "Order details saved."
MSG_ADDRESS_SAVED = "Delivery address saved."


def cart_apply_coupon(*, cs: CartSession, code: str) -> Cart:
    """Coupon tries are limited per client and per account (RATE_LIMITS "coupon"), so codes
    cannot be guessed by the hundred."""
    throttle.hit(cs.request, "coupon", session=cs.session, account=cs.user, field="code")
    return _write(
        cs,
        Capability.COUPONS,
        "apply-coupon",
        lambda p, ctx: p.apply_coupon(ctx, code=code),
        details={"coupon": code.strip().upper()},
    )


def cart_remove_coupon(*, cs: CartSession) -> Cart:
    return _write(cs, Capability.COUPONS, "remove-coupon", lambda p, ctx: p.remove_coupon(ctx))


def cart_apply_loyalty(*, cs: CartSession, points: int | None) -> Cart:
    return _write(
        cs,
        Capability.LOYALTY,
        "apply-loyalty",
        lambda p, ctx: p.apply_loyalty(ctx, points=points),
        details={"points_asked": points},
    )


def cart_remove_loyalty(*, cs: CartSession) -> Cart:
    return _write(cs, Capability.LOYALTY, "remove-loyalty", lambda p, ctx: p.remove_loyalty(ctx))


def cart_apply_gift_card(*, cs: CartSession, code: str, pin: str) -> Cart:
    """Every try is counted before the provider is asked (storefront.throttle, RATE_LIMITS
    "gift-card": per client, per account, then per card far higher), so parallel guesses cannot
    pass the limit and a stranger throttled on their own address adds nothing to the card's count.
    A refused try raises Throttled (429) without asking the provider."""
    throttle.hit(
        cs.request,
        "gift-card",
        session=cs.session,
        account=cs.user,
        field="pin",
        card=throttle.digest(code),
    )
    return _write(
        cs,
        Capability.GIFT_CARDS,
        "apply-gift-card",
        lambda p, ctx: p.apply_gift_card(ctx, code=code, pin=pin),
        details={"card": "…" + code.strip()[-4:]},
    )


def cart_remove_gift_card(*, cs: CartSession, code: str) -> Cart:
    return _write(
        cs,
        Capability.GIFT_CARDS,
        "remove-gift-card",
        lambda p, ctx: p.remove_gift_card(ctx, code=code),
        details={"card": "…" + code.strip()[-4:]},
    )


def cart_apply_credit(*, cs: CartSession) -> Cart:
    return _write(cs, Capability.STORE_CREDIT, "apply-credit", lambda p, ctx: p.apply_credit(ctx))


def cart_remove_credit(*, cs: CartSession) -> Cart:
    return _write(cs, Capability.STORE_CREDIT, "remove-credit", lambda p, ctx: p.remove_credit(ctx))


def cart_update_meta(*, cs: CartSession, meta: CartMeta, pickup_store_id: str | None) -> Cart:
    return _write(
        cs,
        Capability.CART_META,
        "update-meta",
        lambda p, ctx: p.update_meta(ctx, meta=meta, pickup_store_id=pickup_store_id),
    )


def cart_set_address(*, cs: CartSession, address: Address) -> Cart:
    cart = _write(
        cs,
        Capability.ADDRESSES,
        "set-address",
        lambda p, ctx: p.set_address(ctx, address=address),
        details={"pincode": address.pincode},
    )
    cs.remember_pincode(address.pincode)
    return cart


def cart_select_address(*, cs: CartSession, address_id: str, role: str) -> Cart:
    cart = _write(
        cs,
        Capability.ADDRESSES,
        "select-address",
        lambda p, ctx: p.select_address(ctx, address_id=address_id, role=role),
        details={"address": address_id, "role": role},
    )
    chosen = cart.shipping_address.pincode if role == "shipping" and cart.shipping_address else ""
    if chosen and cs.pincode != chosen:
        # the shopper chose where it goes: the cart and product pages now check that pincode
        cs.remember_pincode(chosen)
    return cart


def cart_buy_now(*, cs: CartSession, product_id: str, variant_id: str | None, quantity: int) -> Cart:
    """A separate, new cart with just this item; the main cart is not touched."""
    require(cs.provider, Capability.BUY_NOW)
    return _write(
        cs.fresh_buy_now(),
        Capability.CART,
        "buy-now",
        lambda p, ctx: p.add_item(ctx, product_id=product_id, variant_id=variant_id, quantity=quantity),
        details={"product": product_id, "size": variant_id or "", "quantity": quantity},
    )


# ---------------------------------------------------------------------------- checkout

MSG_CHECKOUT_EXPIRED = (
    "Your checkout page was out of date, so nothing was ordered. Please check and try again."
)
MSG_CHANGED_REMOVED = "An item was removed from your cart."
MSG_CHANGED_PRICE_DOWN = "{name}: price dropped from {old} to {new}."
MSG_CHANGED_PRICE_UP = "{name}: price went up from {old} to {new}."
MSG_CHANGED_QUANTITY = "{name}: quantity changed from {old} to {new}."
MSG_CHANGED_UNAVAILABLE = "{name}: {reason}"
MSG_CHANGED_ADDED = "{name} was added to your cart."
MSG_CHANGED_COUPON = "The coupon on your cart changed."
MSG_CHANGED_COUPON_INVALID = "Coupon {code} no longer applies: {reason}"
MSG_CHANGED_TOTAL = "Your total changed from {old} to {new}."
MSG_CHANGED_GIFT_CARD = "Gift card …{tail} now pays {new} instead of {old}."
MSG_CHANGED_POINTS = "Your loyalty points now take off {new} instead of {old}."
MSG_CHANGED_CREDIT = "Your store credit now pays {new} instead of {old}."
CHECKOUT_MAX_AGE = 60 * 60 * 6


def checkout_snapshot(cart: Cart) -> dict:
    """What the customer saw: each line's quantity and price, the redemptions and the total."""
    return {
        "cart": cart.id,
        "lines": {ln.id: [ln.variant.id, ln.quantity, str(ln.unit_price)] for ln in cart.lines},
        "coupon": cart.coupon_code,
        "paid_by": _paid_by(cart),
        "total": str(cart.total),
    }


def _paid_by(cart: Cart) -> dict[str, str]:
    """What each gift card, the points and the store credit pay on this cart."""
    return {
        f"gift_card:{r.code}" if r.kind == "gift_card" else r.kind: str(r.amount)
        for r in cart.redemptions
        if r.kind in ("gift_card", "loyalty_points", "credit_balance")
    }


CHECKOUT_KEYS = "checkout:keys"  # session key: the keys this session was issued, newest last
CHECKOUT_KEYS_KEPT = 8  # open checkout tabs of one session that can still place their order
MSG_CHECKOUT_NOT_YOURS = (
    "This checkout page was opened before you signed in or out, so nothing was ordered. "
    "Please check and try again."
)


def _key_owner(cs: CartSession) -> int | None:
    user = cs.user
    return user.pk if user is not None and getattr(user, "is_authenticated", False) else None


def checkout_issue_key(*, cart: Cart, cs: CartSession) -> str:
    """The hidden idempotency_key of the checkout form: an opaque random id. What the page showed
    (checkout_snapshot) stays in this session, with the customer it was shown to, so the key
    means nothing in another browser or account (issue 14, finding 4). Each page gets its own
    key; the session keeps the newest CHECKOUT_KEYS_KEPT."""
    slot = cs._key(CHECKOUT_KEYS)
    issued = dict(cs.session.get(slot) or {})
    key = secrets.token_urlsafe(24)
    issued[key] = {"s": checkout_snapshot(cart), "u": _key_owner(cs), "t": time.time()}
    cs.session[slot] = dict(list(issued.items())[-CHECKOUT_KEYS_KEPT:])
    return key


def checkout_read_key(token: str, *, cs: CartSession) -> tuple[str, dict]:
    """What the page with this key showed, when this session issued it to this customer and it
    is not too old; otherwise StorefrontError (a refusal: nothing is ordered)."""
    entry = (cs.session.get(cs._key(CHECKOUT_KEYS)) or {}).get(token) if isinstance(token, str) else None
    if entry is None:
        # never issued here: another browser's key, a made-up one, or one dropped as too old
        raise StorefrontError(MSG_CHECKOUT_EXPIRED, field="idempotency_key")
    if entry["u"] != _key_owner(cs):
        raise StorefrontError(MSG_CHECKOUT_NOT_YOURS, field="idempotency_key")
    if time.time() - entry["t"] > CHECKOUT_MAX_AGE:
        raise StorefrontError(MSG_CHECKOUT_EXPIRED, field="idempotency_key")
    return token, dict(entry["s"])


def checkout_changes(*, shown: dict, cart: Cart) -> list[CheckoutChange]:
    """What differs, line by line, between the checkout the customer saw and the cart now."""
    changes: list[CheckoutChange] = []
    now = {ln.id: ln for ln in cart.lines}
    for line_id, (_variant, quantity, price) in shown.get("lines", {}).items():
        line = now.get(line_id)
        if line is None:
            changes.append(CheckoutChange(MSG_CHANGED_REMOVED, line_id=line_id))
            continue
        name = f"{line.product.name} ({line.variant.label})" if line.product.has_sizes else line.product.name
        old = Decimal(price)
        if line.unit_price != old:
            template = MSG_CHANGED_PRICE_DOWN if line.unit_price < old else MSG_CHANGED_PRICE_UP
            changes.append(
                CheckoutChange(
                    template.format(name=name, old=format_inr(old), new=format_inr(line.unit_price)),
                    line_id=line_id,
                )
            )
        if line.quantity != quantity:
            changes.append(
                CheckoutChange(
                    MSG_CHANGED_QUANTITY.format(name=name, old=quantity, new=line.quantity), line_id=line_id
                )
            )
        if not line.available:
            changes.append(
                CheckoutChange(
                    MSG_CHANGED_UNAVAILABLE.format(name=name, reason=line.messages[0].text), line_id=line_id
                )
            )
    for line_id, line in now.items():
        if line_id not in shown.get("lines", {}):
            changes.append(CheckoutChange(MSG_CHANGED_ADDED.format(name=line.product.name), line_id=line_id))
    if shown.get("coupon", "") != cart.coupon_code:
        changes.append(CheckoutChange(MSG_CHANGED_COUPON))
    else:
        # the same coupon, but it no longer gives anything (expired, used up, ...): say why
        row = cart.row("coupon")
        if cart.coupon_code and row is not None and not row.amount and row.messages:
            text = MSG_CHANGED_COUPON_INVALID.format(code=cart.coupon_code, reason=row.messages[0])
            changes.append(CheckoutChange(text))
    paid_by = _paid_by(cart)
    for key, amount in shown.get("paid_by", {}).items():
        if paid_by.get(key, "0.00") != amount:
            kind, _, code = key.partition(":")
            old, new = format_inr(Decimal(amount)), format_inr(Decimal(paid_by.get(key, "0")))
            if kind == "gift_card":
                text = MSG_CHANGED_GIFT_CARD.format(tail=code[-4:], old=old, new=new)
            else:
                text = (MSG_CHANGED_POINTS if kind == "loyalty_points" else MSG_CHANGED_CREDIT).format(
                    old=old, new=new
                )
            changes.append(CheckoutChange(text))
    if not changes and Decimal(shown.get("total", "0")) != cart.total:
        changes.append(
            CheckoutChange(
                MSG_CHANGED_TOTAL.format(old=format_inr(Decimal(shown["total"])), new=format_inr(cart.total))
            )
        )
    return changes


MSG_ORDER_NOT_FOUND = "We couldn't find that order."
MSG_REORDERED = "We added the items of order {number} to your cart."
MSG_REORDER_SKIPPED = "These items of that order can't be added now: {names}."


def order_reorder(*, cs: CartSession, order_id: str) -> tuple[Cart, tuple[str, ...]]:
    """Put a previous order's lines (the same products, sizes or packs and quantities) in the
    shopper's cart, one add per line; returns the cart and the names of lines that could not be
    added (no longer sold, or refused). Lines a provider gives no product id for are skipped."""
    provider = require(cs.provider, Capability.CHECKOUT)
    order = provider.get_order(cs.context(), order_id=order_id)
    cart = None
    skipped = []
    for line in order.lines:
        if not line.product_id:
            skipped.append(line.product_name)
            continue
        try:
            cart = cart_add_item(
                cs=cs, product_id=line.product_id, variant_id=line.variant_id or None, quantity=line.quantity
            )
        except (ProviderRejected, NotFound):
            skipped.append(line.product_name)
    if cart is None:
        cart = provider.get_cart(cs.context())
        cs.remember(cart)
    return cart, tuple(skipped)


def checkout_place_order(*, cs: CartSession, token: str, payment_mode: str, email: str = "") -> Order:
    """Place the order the checkout page showed. The same token always gives the same order; a
    cart that changed since the page was shown is not ordered (CheckoutChanged lists why).

    A member of staff assisting the customer places it only with `carts.place_order_on_behalf`,
    and the order goes into the audit trail."""
    if cs.assist is not None and not cs.assist.can_place_order:
        raise assist.AssistRefused(assist.MSG_NO_PLACE_ORDER)
    key, shown = checkout_read_key(token, cs=cs)
    provider = require(cs.provider, Capability.CHECKOUT)
    ctx = cs.context(with_payment_charges=True)
    cart = provider.get_cart(ctx)
    same_cart = bool(cart.id) and cart.id == shown.get("cart")
    if not same_cart and shown.get("cart"):
        # the cart the page showed is no longer the shopper's open cart (it was ordered, from this
        # page or another tab): the key may bring back that cart's order, never order another cart
        # (the browser's session stays on it: a provider may keep the shopper's tokens there)
        ctx = CartContext(
            cart_id=shown["cart"],
            pincode=ctx.pincode,
            buy_now=ctx.buy_now,
            session=ctx.session,
            origin=ctx.origin,
        )
    ordering = cart if same_cart else provider.get_cart(ctx)
    if (
        ordering.lines
        and Capability.ADDRESSES in provider.capabilities
        and ordering.meta.order_type == OrderType.HOME_DELIVERY
        and not ordering.shipping_address
    ):
        # nothing changed: the address was never given; said once, beside the address form (a
        # provider without addresses in the storefront ships to the one it keeps itself)
        raise AddressNeeded(MSG_NEED_ADDRESS, field="address")
    if ordering.id:
        changes = checkout_changes(shown=shown, cart=ordering)
        if changes:
            raise CheckoutChanged(changes)
    order = provider.place_order(
        ctx,
        idempotency_key=f"{shown.get('cart')}:{key}",
        payment_mode=payment_mode,
        email=email,
        expected_total=Decimal(shown["total"]) if "total" in shown else None,
    )
    if cs.assist is not None:
        assist.record(
            cs.assist,
            action="place-order",
            summary=f"Placed order {order.id}: {format_inr(order.total)}, {order.payment_mode}",
            cart_id=shown.get("cart") or "",
            provider=assist.provider_key(provider),
            details={"order": order.id, "total": str(order.total), "payment_mode": order.payment_mode},
        )
    if same_cart or not cart.id:
        cs.forget_cart()  # a cart started since is kept
    if order.guest_token:
        guest_orders = cs.session.get("orders:guest", {})
        guest_orders[order.id] = order.guest_token
        cs.session["orders:guest"] = guest_orders
    return order


def order_retry_payment(*, cs: CartSession, order_id: str, guest_token: str = "") -> str:
    """A new hosted payment page for an order whose payment failed (Capability.HOSTED_PAYMENT),
    when the provider allows a retry."""
    if not guest_token:
        guest_token = cs.session.get("orders:guest", {}).get(order_id, "")
    provider = require(cs.provider, Capability.HOSTED_PAYMENT)
    return provider.retry_payment(cs.context(), order_id=order_id, guest_token=guest_token)


# ---------------------------------------------------------------------------- share links

MSG_SHARED_LINK = "Anyone with this link can add these items to their cart until {date}: {url}"
MSG_SHARED_MERGED = "The shared items were added to your cart."
MSG_SHARED_REPLACED = "Your cart now holds the shared items."


def cart_share(*, cs: CartSession) -> tuple[ShareLink, str]:
    """Share the cart as it is now: a link of ours (carts.sharing) around the provider's share;
    returns the link and its token, shown to the owner this once. Limited per client and per
    account (RATE_LIMITS "share-link"): each link is a row and a provider share."""
    throttle.hit(cs.request, "share-link", session=cs.session, account=cs.user)
    return sharing.share_link_create(cs=cs)


def cart_accept_shared(*, cs: CartSession, token: str, mode: str) -> Cart:
    """Take a shared cart's items into the shopper's cart (`merge`) or make them its items
    (`replace`); a link that expired, was withdrawn or never existed raises ShareLinkGone."""
    link = sharing.share_link_get(cs=cs, token=token)
    return _write(
        cs,
        Capability.SHARE_CART,
        "accept-shared-cart",
        lambda p, ctx: p.accept_shared_cart(ctx, token=link.provider_token, mode=mode),
        details={"mode": mode},
    )
