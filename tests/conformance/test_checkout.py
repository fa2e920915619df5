"""Every shop provider with a checkout places an order exactly once per idempotency key: the same key
again answers with the same order, the back end holds one order, and the shopper sees it once."""

from __future__ import annotations

import uuid

import pytest

from storefront.exceptions import NotFound

from .conftest import ProviderUnderTest, Shopper
from .test_cart import add


def ready(shop: ProviderUnderTest, shopper: Shopper):
    """A cart with something in it and a delivery address."""
    if not shop.takes_orders:
        pytest.skip(f"{shop.name}: the fake server takes no orders yet")
    add(shop, shopper, shop.item_a, 2)
    return shop.give_address(shopper)


def place(shop: ProviderUnderTest, shopper: Shopper, key: str, cart):
    return shop.provider.place_order(
        shopper.ctx,
        idempotency_key=key,
        payment_mode=shop.provider.payment_modes(cart)[0][0],
        email=shopper.customer.email if shopper.customer else "guest@example.com",
    )


def test_the_same_key_places_one_order(shop):
    customer = shop.signed_in()
    cart = ready(shop, customer)
    key = f"{cart.id}:{uuid.uuid4().hex}"
    orders_before = shop.orders_upstream()

    first = place(shop, customer, key, cart)
    again = place(shop, customer, key, cart)

    assert again.id == first.id
    assert shop.orders_upstream() == orders_before + 1
    assert shop.order_calls() in (None, 1)  # one order-creating call upstream (None: no HTTP)
    shown = shop.item_a.line_in(cart)
    assert [(ln.quantity, ln.line_total) for ln in first.lines] == [(2, shown.line_total)]
    assert [o.id for o in shop.provider.list_orders(customer.ctx)] == [first.id]
    assert shop.provider.get_order(customer.ctx, order_id=first.id).id == first.id


def test_a_guests_double_submit_places_one_order(shop):
    guest = shop.anonymous()
    cart = ready(shop, guest)
    key = f"{cart.id}:{uuid.uuid4().hex}"
    orders_before = shop.orders_upstream()

    first = place(shop, guest, key, cart)
    again = place(shop, guest, key, cart)

    assert again.id == first.id and again.guest_token == first.guest_token
    assert shop.orders_upstream() == orders_before + 1
    assert shop.order_calls() in (None, 1)  # (None: no HTTP)
    found = shop.provider.get_order(guest.ctx, order_id=first.id, guest_token=first.guest_token)
    assert found.id == first.id


def test_an_ordered_cart_is_empty_afterwards(shop):
    customer = shop.signed_in()
    cart = ready(shop, customer)

    place(shop, customer, f"{cart.id}:{uuid.uuid4().hex}", cart)

    assert shop.provider.get_cart(customer.elsewhere().ctx).is_empty


def test_another_customer_cannot_see_the_order(shop):
    customer = shop.signed_in()
    cart = ready(shop, customer)
    order = place(shop, customer, f"{cart.id}:{uuid.uuid4().hex}", cart)
    other = shop.signed_in()

    assert shop.provider.list_orders(other.ctx) == ()
    with pytest.raises(NotFound):
        shop.provider.get_order(other.ctx, order_id=order.id)
