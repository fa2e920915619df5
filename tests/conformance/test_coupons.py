"""Every shop provider that takes coupons shows one the same way: a negative `coupon` row in the
breakup, a total lower by as much, and both gone again when the coupon is removed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storefront.exceptions import ProviderRejected
from storefront.providers.types import Capability

from .test_cart import add


def gst_on_top(cart) -> Decimal:
    row = cart.row("gst_charges")
    return row.amount if row is not None and not row.informational else Decimal(0)


def test_a_coupon_takes_its_amount_off_the_total(shop):
    shop.needs(Capability.COUPONS)
    shopper = shop.anonymous()
    before = add(shop, shopper, shop.item_a, shop.coupon_quantity)

    cart = shopper.keep(shop.provider.apply_coupon(shopper.ctx, code=shop.coupon))

    row = cart.row("coupon")
    assert row is not None and row.amount < 0
    # GST charged on top of the prices is charged on the discounted price (Commerce Engine)
    assert cart.total - gst_on_top(cart) == before.total - gst_on_top(before) + row.amount
    assert cart.coupon_code.upper() == shop.coupon.upper()
    assert [(r.kind, r.amount) for r in cart.redemptions if r.kind == "coupon"] == [("coupon", -row.amount)]
    assert shop.provider.get_cart(shopper.ctx).row("coupon") == row  # it stays on the cart


def test_removing_the_coupon_restores_the_total(shop):
    shop.needs(Capability.COUPONS)
    shopper = shop.anonymous()
    before = add(shop, shopper, shop.item_a, shop.coupon_quantity)
    shopper.keep(shop.provider.apply_coupon(shopper.ctx, code=shop.coupon))

    cart = shopper.keep(shop.provider.remove_coupon(shopper.ctx))

    assert cart.row("coupon") is None
    assert cart.total == before.total
    assert not cart.coupon_code
    assert shop.provider.get_cart(shopper.ctx).total == before.total


def test_an_unknown_coupon_is_refused_and_changes_nothing(shop):
    shop.needs(Capability.COUPONS)
    shopper = shop.anonymous()
    before = add(shop, shopper, shop.item_a, shop.coupon_quantity)

    with pytest.raises(ProviderRejected) as refused:
        shop.provider.apply_coupon(shopper.ctx, code="NO-SUCH-COUPON")

    assert refused.value.user_message
    after = shop.provider.get_cart(shopper.ctx)
    assert after.total == before.total and after.row("coupon") is None
