"""Cart writes. Each takes the shopper's CartSession and plain values, calls the active provider
once, remembers the returned cart in the session and returns it."""

from __future__ import annotations

from storefront.providers import get_shop_provider
from storefront.providers.base import CartContext, MergeResult
from storefront.providers.types import Cart, DeliveryCheck

from .session import CartSession

MSG_ADDED = "Added {name} to your cart."
MSG_UPDATED = "Cart updated."
MSG_REMOVED = "Item removed from your cart."
MSG_CLEARED = "Your cart is empty now."
MSG_MERGED = "We added {n} item(s) from before you signed in to your cart."
MSG_MERGE_ADJUSTED = "Some quantities were adjusted: {details}."


def cart_add_item(*, cs: CartSession, product_id: str, variant_id: str | None, quantity: int) -> Cart:
    cart = get_shop_provider().add_item(
        cs.context(), product_id=product_id, variant_id=variant_id, quantity=quantity
    )
    cs.remember(cart)
    return cart


def cart_update_line(*, cs: CartSession, line_id: str, quantity: int, variant_id: str | None = None) -> Cart:
    cart = get_shop_provider().update_line(
        cs.context(), line_id=line_id, quantity=quantity, variant_id=variant_id
    )
    cs.remember(cart)
    return cart


def cart_remove_line(*, cs: CartSession, line_id: str) -> Cart:
    cart = get_shop_provider().remove_line(cs.context(), line_id=line_id)
    cs.remember(cart)
    return cart


def cart_clear(*, cs: CartSession) -> Cart:
    cart = get_shop_provider().clear_cart(cs.context())
    cs.remember(cart)
    return cart


def cart_check_delivery(*, cs: CartSession, pincode: str, product_slug: str | None = None) -> DeliveryCheck:
    """Check a pincode; a serviceable one becomes the shopper's delivery pincode."""
    check = get_shop_provider().check_delivery(pincode=pincode, product_slug=product_slug)
    if check.serviceable:
        cs.remember_pincode(check.pincode)
    return check


def cart_merge_at_login(*, cs: CartSession, anonymous_cart_id: str | None) -> MergeResult | None:
    """Called by the login view right after authentication: the cart built before signing in
    joins the customer's cart. Returns None when there was nothing to merge."""
    if not anonymous_cart_id:
        return None
    source = CartContext(cart_id=anonymous_cart_id, pincode=cs.pincode)
    result = get_shop_provider().merge_carts(source=source, target=cs.context())
    cs.forget_cart()
    cs.remember(result.cart)
    return result


def merge_message(result: MergeResult) -> str:
    text = MSG_MERGED.format(n=result.merged_lines)
    if result.adjusted:
        text += " " + MSG_MERGE_ADJUSTED.format(details="; ".join(result.adjusted))
    return text
