"""Every shop provider's price breakup adds up the way the cart page shows it: the lines make the
subtotal, MRP ≥ subtotal ≥ what is paid before delivery, and the `total` row is the cart's total."""

from __future__ import annotations

from decimal import Decimal

from storefront.providers.types import Capability

from .test_cart import add

ZERO = Decimal("0")
# added on top of the goods (or, for a promotion, taken off them) when they are not informational;
# `gst_charges` adds to the total where prices are without GST (Commerce Engine)
CHARGES = ("delivery_charge", "cod_charge", "handling_charge", "gst_charges", "promotion")


def amount(cart, key: str) -> Decimal:
    row = cart.row(key)
    return row.amount if row is not None else ZERO


def charges(cart) -> Decimal:
    return sum((r.amount for r in cart.breakup if r.key in CHARGES and not r.informational), ZERO)


def assert_consistent(cart) -> None:
    total = cart.row("total")
    assert total is not None and total.amount == cart.total
    after_total = cart.breakup[cart.breakup.index(total) + 1 :]
    assert all(row.informational for row in after_total)  # nothing after the total adds to it
    assert amount(cart, "mrp_total") == sum(ln.line_mrp for ln in cart.lines)
    assert amount(cart, "subtotal") == sum(ln.line_total for ln in cart.lines)
    before_charges = cart.total - charges(cart)
    assert amount(cart, "mrp_total") >= amount(cart, "subtotal") >= before_charges >= ZERO
    for line in cart.lines:
        assert line.line_total == line.unit_price * line.quantity
        assert line.line_mrp == line.unit_mrp * line.quantity
        assert line.unit_mrp >= line.unit_price


def test_the_breakup_of_one_line_adds_up(shop):
    shopper = shop.anonymous()

    cart = add(shop, shopper, shop.item_a, 2)

    assert_consistent(cart)
    assert cart.total > ZERO


def test_the_breakup_of_several_lines_with_a_coupon_adds_up(shop):
    shop.needs(Capability.COUPONS)
    shopper = shop.anonymous()
    add(shop, shopper, shop.item_a, shop.coupon_quantity)
    add(shop, shopper, shop.item_b, 1)

    cart = shopper.keep(shop.provider.apply_coupon(shopper.ctx, code=shop.coupon))

    assert_consistent(cart)
    assert cart.total == amount(cart, "subtotal") + amount(cart, "coupon") + charges(cart)


def test_an_empty_cart_costs_nothing(shop):
    cart = shop.provider.get_cart(shop.anonymous().ctx)

    assert cart.is_empty and cart.count == 0
    assert cart.total == ZERO
