# ruff: noqa: F811 - pytest fixtures imported from sourcehub_kit are parameters here
"""SourceHub orders on the order ledger: one order per key, a lost answer reconciled from the cart
and the day's orders before anything is sent again, concurrent submits, and reorder."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from carts import selectors, services
from storefront import ledger
from storefront.exceptions import CheckoutChanged, ProviderRejected, ProviderUnavailable
from storefront.models import OrderAttempt
from storefront.providers.sourcehub import carts as sh_carts
from storefront.providers.sourcehub.client import RateLimited

from .sourcehub_kit import ARJUN, NITA, RAMESH, account, fake_sh, provider, session_for, user  # noqa: F401

pytestmark = pytest.mark.django_db

CREATE = "/api/orders/create"
FAULTS = {
    "5xx": {"kind": "status", "status": 502},
    "drop": {"kind": "drop"},
    "hang": {"kind": "hang", "seconds": 3},
}


def _place(provider, cs, key: str):
    return provider.place_order(cs.context(), idempotency_key=key, payment_mode="invoice")


def _ready(email: str = NITA):
    cs = session_for(user(email))
    services.cart_add_item(cs=cs, product_id="11", variant_id="1101", quantity=2)
    return cs


def test_an_order_is_placed_once_per_key_and_keeps_packs_gstin_and_the_order_number(provider, fake_sh):
    cs = _ready()
    fake_sh.reset_counts()

    order = _place(provider, cs, "key-1")
    again = _place(provider, cs, "key-1")

    assert again.id == order.id == "5001"
    assert fake_sh.api_calls() == [("GET", "/api/carts"), ("POST", CREATE)]
    assert len(fake_sh.orders) == 1 and fake_sh.carts[12] == []
    (line,) = order.lines
    assert (line.variant_label, line.quantity, str(line.line_total)) == ("Pack of 6", 2, "380")
    assert (line.product_id, line.variant_id) == ("11", "1101")
    assert order.meta.gstin == "24AABCP5678D1ZG"
    assert order.status == "Placed · SourceHub order SO-005001"
    assert order.shipping_address.line1 == "Shop 4, Laxmi Market"
    assert [o.id for o in provider.list_orders(cs.context())] == ["5001"]


def test_a_pending_buyer_cannot_order(provider, fake_sh):
    cs = _ready(ARJUN)

    with pytest.raises(CheckoutChanged) as refused:
        _place(provider, cs, "key-p")

    assert "waiting for SourceHub's approval" in refused.value.changes[0].text
    assert fake_sh.count("POST", CREATE) == 0


@pytest.mark.parametrize("fault", FAULTS)
def test_a_lost_answer_is_reconciled_from_the_emptied_cart_and_todays_orders(provider, fake_sh, fault):
    cs = _ready()
    fake_sh.fault(CREATE, after_commit=True, method="POST", **FAULTS[fault])

    with pytest.raises(ledger.OrderOutcomeUnknown):
        _place(provider, cs, "key-lost")
    fake_sh.reset_counts()
    order = _place(provider, cs, "key-lost")  # pressing the button again

    assert order.id == "5001" and len(fake_sh.orders) == 1
    assert fake_sh.api_calls() == [("GET", "/api/carts"), ("GET", "/api/orders")]
    query = fake_sh.calls[1].q()
    today = fake_sh.local_today().strftime("%d-%m-%Y")
    assert query["phone_number"] == "9820067890" and query["from_date"] == query["to_date"] == today
    assert fake_sh.count("POST", CREATE) == 0  # never sent again


def test_a_lost_answer_with_the_cart_untouched_was_not_placed_and_may_be_tried_again(provider, fake_sh):
    cs = _ready()
    fake_sh.fault(CREATE, "status", status=502)  # refused before the commit: the cart stays

    with pytest.raises(ProviderUnavailable):
        _place(provider, cs, "key-a")
    with pytest.raises(ProviderRejected, match="did not take your order"):
        _place(provider, cs, "key-a")
    order = _place(provider, cs, "key-b")

    assert order.id == "5001" and fake_sh.count("POST", CREATE) == 2


def test_the_cart_does_not_change_while_an_order_is_unknown(provider, fake_sh):
    cs = _ready()
    fake_sh.fault(CREATE, "drop", after_commit=True)
    with pytest.raises(ledger.OrderOutcomeUnknown):
        _place(provider, cs, "key-u")
    fake_sh.fault("/api/carts", "status", status=500, times=10)  # SourceHub cannot tell us yet

    with pytest.raises(ProviderRejected, match="still checking"):
        services.cart_add_item(cs=cs, product_id="12", variant_id="1201", quantity=1)

    fake_sh.clear_faults()
    cart = services.cart_add_item(cs=cs, product_id="12", variant_id="1201", quantity=1)  # settled: placed
    assert [ln.product.id for ln in cart.lines] == ["12"]
    assert OrderAttempt.objects.get().state == OrderAttempt.State.PLACED
    assert sh_carts.MSG_ORDER_CHECKING.startswith("We are still checking")


def test_a_rate_limited_order_was_not_placed(provider, fake_sh):
    cs = _ready()
    fake_sh.fault(CREATE, "status", status=429, times=3)

    with pytest.raises(RateLimited):
        _place(provider, cs, "key-r")

    assert OrderAttempt.objects.get().state == OrderAttempt.State.FAILED
    assert _place(provider, cs, "key-r").id == "5001"  # the same key may go again


def test_four_submits_of_one_key_make_one_order(provider, fake_sh, django_db_blocker):
    """Sequential on SQLite (its shared in-memory test database cannot take concurrent writers);
    the threaded version below runs on PostgreSQL in CI."""
    cs = _ready()

    orders = [_place(provider, cs, "key-4") for _ in range(4)]

    assert {o.id for o in orders} == {"5001"} and fake_sh.count("POST", CREATE) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL for concurrent writers")
def test_four_concurrent_submits_make_one_order(provider, fake_sh):
    cs = _ready()
    fake_sh.latency = 0.2  # all four are in flight together
    start = threading.Barrier(4)
    results: list = [None] * 4

    def submit(i: int) -> None:
        try:
            start.wait(timeout=10)
            results[i] = _place(provider, session_for(cs.user), "key-c").id
        except Exception as exc:  # noqa: BLE001 - reported below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    placed = [r for r in results if isinstance(r, str)]
    assert placed and set(placed) == {"5001"}
    assert all(isinstance(r, str | ProviderRejected) for r in results), results
    assert fake_sh.count("POST", CREATE) == 1 and len(fake_sh.orders) == 1


def test_reorder_puts_a_previous_orders_packs_in_the_cart(provider, fake_sh):
    cs = _ready(RAMESH)  # the seed's 3 bags + 2 packs of 6
    order = _place(provider, cs, "key-re")
    fake_sh.reset_counts()

    cart, skipped = services.order_reorder(cs=cs, order_id=order.id)

    assert skipped == ()
    assert sorted((ln.product.id, ln.variant.id, ln.quantity) for ln in cart.lines) == [
        ("11", "1101", 2),
        ("4", "1058", 3),
    ]
    assert fake_sh.count("POST", "/api/cart/add-item") == 2
    assert selectors.cart_get(cs=cs).count == 2


def test_the_calls_of_adding_and_of_placing_an_order_through_the_checkout(provider, fake_sh):
    cs = session_for(user(NITA))
    services.cart_add_item(cs=cs, product_id="11", variant_id="1101", quantity=1)  # links the buyer
    fake_sh.reset_counts()

    services.cart_add_item(cs=cs, product_id="12", variant_id="1201", quantity=1)
    assert fake_sh.api_calls() == [("POST", "/api/cart/add-item")]
    cart = selectors.cart_get(cs=cs, for_checkout=True)
    token = services.checkout_issue_key(cart=cart, cs=cs)
    fake_sh.reset_counts()

    order = services.checkout_place_order(cs=cs, token=token, payment_mode="invoice")

    assert order.id == "5001"
    assert fake_sh.api_calls() == [("GET", "/api/carts"), ("GET", "/api/carts"), ("POST", CREATE)]
    fake_sh.reset_counts()
    assert services.checkout_place_order(cs=cs, token=token, payment_mode="invoice").id == "5001"
    # the checkout's re-read of the open cart (the customer's, empty now); no order call
    assert fake_sh.api_calls() == [("GET", "/api/carts")]


def test_an_order_answer_without_an_id_is_still_placed_under_our_reference(provider, fake_sh):
    cs = _ready()
    fake_sh.fault(
        CREATE, "status", status=200, body={"data": {}, "message": "Sales order created"}, after_commit=True
    )

    order = _place(provider, cs, "key-noid")

    assert order.id.startswith("SF") and len(fake_sh.orders) == 1
    assert OrderAttempt.objects.get().state == OrderAttempt.State.PLACED
