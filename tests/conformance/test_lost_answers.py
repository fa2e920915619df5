"""An order the back end committed whose answer never arrived (a 5xx after the commit, a dropped
connection, a hang past the read timeout; for the local store, an answer the browser lost) is
never placed twice: the same key again answers with it, and the shopper's orders list it once."""

from __future__ import annotations

import uuid

import pytest

from storefront.exceptions import ProviderUnavailable

from .test_checkout import place, ready

FAULTS = {
    "5xx": {"kind": "status", "status": 502},
    "dropped": {"kind": "drop"},
    "hang": {"kind": "hang"},
}


def _lose_the_answer(shop, shopper, key, cart, fault: str) -> None:
    if shop.fake is None:
        if fault != "5xx":
            pytest.skip(f"{shop.name}: no remote call, one lost answer is enough")
        place(shop, shopper, key, cart)  # committed; the browser never saw the answer
        return
    shop.lose_order_answer(**FAULTS[fault])
    with pytest.raises(ProviderUnavailable):
        place(shop, shopper, key, cart)


@pytest.mark.parametrize("fault", FAULTS)
def test_the_same_key_again_answers_with_the_committed_order(shop, fault):
    customer = shop.signed_in()
    cart = ready(shop, customer)
    key = f"{cart.id}:{uuid.uuid4().hex}"
    before = shop.orders_upstream()

    _lose_the_answer(shop, customer, key, cart, fault)
    order = place(shop, customer, key, cart)
    again = place(shop, customer, key, cart)

    assert again.id == order.id
    assert [ln.quantity for ln in order.lines] == [2]
    assert shop.orders_upstream() == before + 1
    assert shop.order_calls() in (None, 1)
    assert [o.id for o in shop.provider.list_orders(customer.ctx)] == [order.id]


@pytest.mark.parametrize("fault", FAULTS)
def test_the_shoppers_orders_show_the_committed_order_once(shop, fault):
    customer = shop.signed_in()
    cart = ready(shop, customer)
    before = shop.orders_upstream()

    _lose_the_answer(shop, customer, f"{cart.id}:{uuid.uuid4().hex}", cart, fault)
    listed = shop.provider.list_orders(customer.ctx)

    assert len(listed) == 1
    assert [o.id for o in shop.provider.list_orders(customer.ctx)] == [listed[0].id]
    assert shop.provider.get_order(customer.ctx, order_id=listed[0].id).total == listed[0].total
    assert shop.orders_upstream() == before + 1
    assert shop.order_calls() in (None, 1)
