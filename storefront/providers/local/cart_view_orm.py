"""The cart built through the ORM, as the local provider built it before the raw read: the cart
row with its joins, its lines with their products and sizes, its gift cards, each read and mapped
by Django's models. Nothing in the shop calls this; the property test compares `build_cart`
(cart_view.py) with it on random carts, so the fast read keeps answering what the ORM answers.
"""

from __future__ import annotations

import uuid

from django.db.models import Prefetch

from storefront.providers.base import CartContext
from storefront.providers.types import Capability, Cart, CartLine

from . import models as m
from .cart_read import CartHead
from .cart_view import cart_line, empty_cart, priced_cart, priced_line
from .catalog import map_product, map_variant, serviceable_promise
from .pricing import PricedLine
from .redemptions import coupon_eligible, map_address, redemptions_of

CART_JOINS = (
    "redemptions__coupon",
    "redemptions__pickup_store",
    "redemptions__shipping_address",
    "redemptions__billing_address",
    "user__loyalty",
    "user__store_credit",
)


def orm_cart(pk: uuid.UUID | str) -> m.LocalCart | None:
    return m.LocalCart.objects.select_related(*CART_JOINS).filter(pk=pk).first()


def build_cart_orm(cart: m.LocalCart | None, ctx: CartContext, capabilities: frozenset[Capability]) -> Cart:
    if cart is None:
        return empty_cart(ctx, capabilities)
    red = redemptions_of(cart)
    head = CartHead(
        id=cart.pk,
        user_id=cart.user_id,
        buy_now=cart.buy_now,
        staff_user=cart.staff_user,
        redemptions=red,
        loyalty=getattr(cart.user, "loyalty", None) if cart.user_id else None,
        credit=getattr(cart.user, "store_credit", None) if cart.user_id else None,
    )
    shipping = map_address(red.shipping_address) if red else None
    pin, promise = serviceable_promise(shipping.pincode if shipping else ctx.pincode)
    lines: list[CartLine] = []
    priced: list[PricedLine] = []
    rows = (
        m.LocalCartLine.objects.filter(cart=cart)
        .select_related("variant__product__brand", "variant__product__category")
        .prefetch_related(Prefetch("variant__product__variants"))
    )
    for row in rows:
        variant = row.variant
        line = cart_line(
            row.pk,
            map_product(variant.product),
            map_variant(variant),
            row.quantity,
            row.price_at_add,
            promise,
        )
        lines.append(line)
        if line.available:
            priced.append(priced_line(line, coupon_eligible=coupon_eligible(head.coupon, variant.product)))
    cards = (
        tuple(use.gift_card for use in m.CartGiftCard.objects.filter(cart=cart).select_related("gift_card"))
        if red and red.has_gift_cards
        else ()
    )
    return priced_cart(
        head,
        ctx,
        capabilities,
        lines=tuple(lines),
        priced=tuple(priced),
        cards=cards,
        pin=pin,
        promise=promise,
    )
