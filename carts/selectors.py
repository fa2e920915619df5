from __future__ import annotations

from storefront.exceptions import CapabilityMissing
from storefront.providers import get_shop_provider
from storefront.providers.types import Address, Capability, Cart, CouponOffer, Order, Store

from .session import CartSession


def cart_get(*, cs: CartSession, for_checkout: bool = False) -> Cart:
    """The cart; `for_checkout` prices it as it will be paid (providers that add payment charges,
    such as a cash-on-delivery fee, add them only then)."""
    cart = get_shop_provider().get_cart(cs.context(with_payment_charges=for_checkout))
    cs.remember(cart)
    return cart


def cart_count(*, cs: CartSession) -> int:
    count = get_shop_provider().cart_count(cs.context())
    cs.remember_count(count)
    return count


def cart_coupons(*, cs: CartSession) -> tuple[CouponOffer, ...]:
    provider = get_shop_provider()
    if Capability.COUPONS not in provider.capabilities:
        raise CapabilityMissing()
    return provider.list_coupons(cs.context())


def cart_addresses(*, cs: CartSession) -> tuple[Address, ...]:
    provider = get_shop_provider()
    if Capability.ADDRESSES not in provider.capabilities:
        return ()
    return provider.list_addresses(cs.context())


def pickup_stores() -> tuple[Store, ...]:
    provider = get_shop_provider()
    if Capability.CART_META not in provider.capabilities:
        return ()
    return provider.list_stores()


def payment_modes(*, cart: Cart) -> tuple[tuple[str, str], ...]:
    return get_shop_provider().payment_modes(cart)


def order_list(*, cs: CartSession) -> tuple[Order, ...]:
    return get_shop_provider().list_orders(cs.context())


def order_get(*, cs: CartSession, order_id: str, guest_token: str = "") -> Order:
    if not guest_token:
        guest_token = cs.session.get("orders:guest", {}).get(order_id, "")
    return get_shop_provider().get_order(cs.context(), order_id=order_id, guest_token=guest_token)


def shared_cart_get(*, token: str) -> Cart:
    provider = get_shop_provider()
    if Capability.SHARE_CART not in provider.capabilities:
        raise CapabilityMissing()
    return provider.get_shared_cart(token)


def checkout_needs_repricing() -> bool:
    """Whether a cart returned by a mutation must be read again to show checkout totals."""
    return bool(getattr(get_shop_provider(), "prices_payment_at_checkout", False))
