"""An order Fynd committed whose answer was lost: a 5xx after the commit, a dropped connection, a
hang past the read timeout. The shopper is told we could not confirm it; the order is never
posted again; pressing the button again with the same key, opening their orders, or the
operator's `reconcile_orders` finds it, and it is listed once. Runs on SQLite and, in CI, on
PostgreSQL."""

from __future__ import annotations

import html
import io
import re

import pytest
from django.core.management import call_command

from carts import selectors, services
from storefront import ledger
from storefront.exceptions import ProviderRejected, ProviderUnavailable
from storefront.models import OrderAttempt
from tests.fakes.fynd_server import (
    CART,
    fake_fynd,  # noqa: F401 - the fixture
)
from tests.integration.providers.test_fynd_provider import (  # noqa: F401 - fixtures
    _ready,
    account,
    cs,
    customer,
    customer_cs,
)

pytestmark = pytest.mark.django_db

CHECKOUT = f"{CART}/checkout"
ADDRESS = {
    "name": "Asha Rao", "phone": "9876543210", "line1": "12 Link Road", "line2": "Andheri West",
    "city": "Mumbai", "state": "Maharashtra", "pincode": "400059", "country": "India",
}  # fmt: skip
FAULTS = {"5xx": {"kind": "status", "status": 502}, "drop": {"kind": "drop"}, "hang": {"kind": "hang"}}


def _checkout_key(shopper) -> str:
    _ready(shopper)
    return services.checkout_issue_key(cart=selectors.cart_get(cs=shopper, for_checkout=True), cs=shopper)


def _lose_the_answer(fake, shopper, fault: str) -> str:
    token = _checkout_key(shopper)
    fake.fault(CHECKOUT, method="POST", after_commit=True, **FAULTS[fault])
    with pytest.raises(ProviderUnavailable) as exc:
        services.checkout_place_order(cs=shopper, token=token, payment_mode="COD")
    assert exc.value.user_message == ledger.MSG_ORDER_UNKNOWN
    assert len(fake.orders) == 1  # Fynd has it
    assert OrderAttempt.objects.get().state == OrderAttempt.State.UNKNOWN
    return token


@pytest.mark.parametrize("fault", FAULTS)
def test_the_same_key_again_shows_the_order_fynd_committed(customer_cs, fake_fynd, fault):  # noqa: F811
    token = _lose_the_answer(fake_fynd, customer_cs, fault)

    order = services.checkout_place_order(cs=customer_cs, token=token, payment_mode="COD")
    again = services.checkout_place_order(cs=customer_cs, token=token, payment_mode="COD")

    assert again.id == order.id
    assert [(ln.product_name, ln.quantity) for ln in order.lines] == [("Classic Cotton T-Shirt", 2)]
    assert order.total > 0
    assert [o.id for o in selectors.order_list(cs=customer_cs)] == [order.id]
    assert fake_fynd.count("POST", CHECKOUT) == 1
    assert len(fake_fynd.orders) == 1


@pytest.mark.parametrize("fault", FAULTS)
def test_opening_the_orders_page_finds_the_order(customer_cs, fake_fynd, fault):  # noqa: F811
    _lose_the_answer(fake_fynd, customer_cs, fault)

    listed = selectors.order_list(cs=customer_cs)
    listed_again = selectors.order_list(cs=customer_cs)

    assert len(listed) == 1 and [o.id for o in listed_again] == [listed[0].id]
    assert selectors.order_get(cs=customer_cs, order_id=listed[0].id).id == listed[0].id
    assert fake_fynd.count("POST", CHECKOUT) == 1


def test_the_operator_command_reconciles_a_guest_order(cs, fake_fynd, capsys):  # noqa: F811
    token = _lose_the_answer(fake_fynd, cs, "drop")

    call_command("reconcile_orders")

    assert "reconciled: 1 placed, 0 not placed, 0 still unknown" in capsys.readouterr().out
    attempt = OrderAttempt.objects.get()
    assert attempt.state == OrderAttempt.State.PLACED
    # the guest presses the button again: their order, with the token for its page
    order = services.checkout_place_order(cs=cs, token=token, payment_mode="COD")
    assert order.id == attempt.order_id
    assert selectors.order_get(cs=cs, order_id=order.id).id == order.id
    assert fake_fynd.count("POST", CHECKOUT) == 1


def test_a_checkout_that_never_reached_fynd_is_found_not_placed_and_can_be_placed(customer_cs, fake_fynd):  # noqa: F811
    token = _checkout_key(customer_cs)
    fake_fynd.fault(CHECKOUT, "drop", method="POST")  # dropped before Fynd did anything
    with pytest.raises(ProviderUnavailable):
        services.checkout_place_order(cs=customer_cs, token=token, payment_mode="COD")
    assert not fake_fynd.orders

    with pytest.raises(ProviderRejected) as exc:
        services.checkout_place_order(cs=customer_cs, token=token, payment_mode="COD")
    assert exc.value.user_message == ledger.MSG_ORDER_NOT_PLACED
    # the cart is the shopper's again, and a fresh checkout orders it once
    cart = selectors.cart_get(cs=customer_cs, for_checkout=True)
    assert [ln.quantity for ln in cart.lines] == [2]
    order = services.checkout_place_order(
        cs=customer_cs, token=services.checkout_issue_key(cart=cart, cs=customer_cs), payment_mode="COD"
    )
    assert list(fake_fynd.orders) == [order.id]
    assert fake_fynd.count("POST", CHECKOUT) == 2


def test_without_javascript_a_lost_answer_page_lets_the_shopper_check_their_order(client, fake_fynd):  # noqa: F811
    call_command(
        "provider", "add", "--kind", "fynd", "--name", "fynd-nojs", "--base-url", fake_fynd.base_url,
        "--set", f"application_id={fake_fynd.app_id}", "--set", f"application_token={fake_fynd.app_token}",
        "--activate", stdout=io.StringIO(),
    )  # fmt: skip
    client.post("/cart/add/", {"product": "7501", "size": "M", "quantity": "2"})
    client.post("/cart/address/", ADDRESS)
    checkout = client.get("/checkout/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', checkout).group(1)
    fake_fynd.fault(CHECKOUT, "drop", method="POST", after_commit=True)

    lost = client.post("/checkout/place/", {"idempotency_key": key, "payment_mode": "COD", "email": "a@b.in"})

    page = html.unescape(lost.content.decode())
    assert lost.status_code == 202
    assert ledger.MSG_ORDER_UNKNOWN in page
    assert 'data-action="place-order"' in page and f'value="{key}"' in page
    # pressing "Check my order" asks Fynd about the order, never posts it again
    form = {"idempotency_key": key, "payment_mode": "COD", "email": "a@b.in"}
    found = client.post("/checkout/place/", form)
    assert found.status_code == 303 and "/orders/" in found["Location"]
    order_page = client.get(found["Location"])
    assert order_page.status_code == 200 and b"data-order-id" in order_page.content
    assert fake_fynd.count("POST", CHECKOUT) == 1 and len(fake_fynd.orders) == 1
