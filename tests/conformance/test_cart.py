"""Every shop provider keeps a cart the same way: add, add again, change the quantity, remove, empty
it, and refuse what makes no sense, as a shopper would see it."""

from __future__ import annotations

import pytest

from storefront.exceptions import NotFound, ProviderRejected

from .conftest import Item, ProviderUnderTest, Shopper


def add(shop: ProviderUnderTest, shopper: Shopper, item: Item, quantity: int = 1):
    return shopper.keep(
        shop.provider.add_item(
            shopper.ctx, product_id=item.product_id, variant_id=item.variant_id, quantity=quantity
        )
    )


def badge(shop: ProviderUnderTest, units: int, lines: int) -> int:
    """What the header badge shows for a cart of `units` items on `lines` lines."""
    return units if shop.counts == "units" else lines


def test_an_added_item_is_in_the_cart(shop):
    shopper = shop.anonymous()

    cart = add(shop, shopper, shop.item_a, 2)

    line = shop.item_a.line_in(cart)
    assert line is not None and line.quantity == 2
    assert line.line_total == line.unit_price * 2
    assert cart.count == badge(shop, units=2, lines=1)
    assert shop.provider.cart_count(shopper.ctx) == cart.count
    assert shop.item_a.line_in(shop.provider.get_cart(shopper.ctx)).quantity == 2  # it stays


def test_two_items_make_two_lines(shop):
    shopper = shop.anonymous()
    add(shop, shopper, shop.item_a, 2)

    cart = add(shop, shopper, shop.item_b, 1)

    assert len(cart.lines) == 2
    assert cart.count == badge(shop, units=3, lines=2)


def test_adding_the_same_item_twice_keeps_one_line(shop):
    shopper = shop.anonymous()
    add(shop, shopper, shop.item_a, 1)

    cart = add(shop, shopper, shop.item_a, 2)

    assert len(cart.lines) == 1
    assert shop.item_a.line_in(cart).quantity == 3


def test_changing_the_quantity(shop):
    shopper = shop.anonymous()
    line = shop.item_a.line_in(add(shop, shopper, shop.item_a, 1))

    cart = shopper.keep(shop.provider.update_line(shopper.ctx, line_id=line.id, quantity=3))

    updated = shop.item_a.line_in(cart)
    assert updated.quantity == 3
    assert updated.line_total == updated.unit_price * 3
    assert cart.count == badge(shop, units=3, lines=1)


def test_removing_a_line_leaves_the_others(shop):
    shopper = shop.anonymous()
    add(shop, shopper, shop.item_a, 1)
    line = shop.item_b.line_in(add(shop, shopper, shop.item_b, 1))

    cart = shopper.keep(shop.provider.remove_line(shopper.ctx, line_id=line.id))

    assert shop.item_b.line_in(cart) is None
    assert shop.item_a.line_in(cart) is not None
    assert cart.count == badge(shop, units=1, lines=1)


def test_clearing_the_cart_empties_it(shop):
    shopper = shop.anonymous()
    add(shop, shopper, shop.item_a, 2)
    add(shop, shopper, shop.item_b, 1)

    cart = shopper.keep(shop.provider.clear_cart(shopper.ctx))

    assert cart.is_empty and cart.count == 0
    assert shop.provider.get_cart(shopper.ctx).is_empty
    assert shop.provider.cart_count(shopper.ctx) == 0


def test_a_shoppers_cart_is_their_own(shop):
    shopper = shop.anonymous()
    add(shop, shopper, shop.item_a, 1)

    stranger = shop.provider.get_cart(shop.anonymous().ctx)

    assert stranger.is_empty


def test_a_signed_in_shoppers_cart_follows_them(shop):
    customer = shop.signed_in()
    add(shop, customer, shop.item_a, 2)

    elsewhere = shop.provider.get_cart(customer.elsewhere().ctx)

    assert shop.item_a.line_in(elsewhere).quantity == 2


@pytest.mark.parametrize("change", ["update", "remove"])
def test_an_unknown_line_is_not_found(shop, change):
    shopper = shop.anonymous()
    add(shop, shopper, shop.item_a, 1)

    with pytest.raises(NotFound):
        if change == "update":
            shop.provider.update_line(shopper.ctx, line_id="no-such-line", quantity=2)
        else:
            shop.provider.remove_line(shopper.ctx, line_id="no-such-line")

    assert shop.item_a.line_in(shop.provider.get_cart(shopper.ctx)).quantity == 1


@pytest.mark.parametrize("quantity", [0, -1, 999])
def test_a_quantity_that_cannot_be_bought_is_refused(shop, quantity):
    shopper = shop.anonymous()

    with pytest.raises(ProviderRejected) as refused:
        add(shop, shopper, shop.item_a, quantity)

    assert refused.value.user_message
    assert shop.provider.get_cart(shopper.ctx).is_empty


@pytest.mark.parametrize("quantity", [-1, 999])
def test_a_quantity_change_that_cannot_be_bought_is_refused(shop, quantity):
    shopper = shop.anonymous()
    line = shop.item_a.line_in(add(shop, shopper, shop.item_a, 2))

    with pytest.raises(ProviderRejected) as refused:
        shop.provider.update_line(shopper.ctx, line_id=line.id, quantity=quantity)

    assert refused.value.user_message
    assert shop.item_a.line_in(shop.provider.get_cart(shopper.ctx)).quantity == 2
