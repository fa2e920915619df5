from __future__ import annotations

from storefront.providers import get_shop_provider
from storefront.providers.types import Cart

from .session import CartSession


def cart_get(*, cs: CartSession) -> Cart:
    cart = get_shop_provider().get_cart(cs.context())
    cs.remember(cart)
    return cart


def cart_count(*, cs: CartSession) -> int:
    count = get_shop_provider().cart_count(cs.context())
    cs.remember_count(count)
    return count
