"""GET /orders/ and /orders/<id>/: a customer's own orders, a guest's order through its secret
link or the same browser, nobody else's; and orders in Django admin."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from storefront.providers.local import models as m
from tests.checkout_kit import address_form, checkout_key, fill_groceries
from tests.conftest import DEMO_PASSWORD
from tests.functional.pages import Page


def order_for(client) -> str:
    """Place an order of dal ×3 through the pages; returns the confirmation URL."""
    key = checkout_key(client.get("/checkout/").content)
    response = client.post("/checkout/place/", {"idempotency_key": key, "payment_mode": "cod"})
    assert response.status_code == 303
    return response["Location"]


@pytest.fixture
def customer_order(signed_in_client, demo) -> str:
    fill_groceries(signed_in_client, demo)
    return order_for(signed_in_client)  # to the saved Bengaluru address


@pytest.fixture
def guest() -> Client:
    """A guest's browser, separate from the signed-in customer's."""
    return Client()


@pytest.fixture
def guest_order(guest, demo) -> str:
    fill_groceries(guest, demo)
    guest.post("/cart/address/", address_form())
    return order_for(guest)


def order_ids(response) -> list[str]:
    assert response.status_code == 200
    return [e.attrs["data-order-id"] for e in Page(response.content).having("data-order-id")]


def test_customer_sees_their_orders_listed(signed_in_client, customer_order):
    number = customer_order.split("/")[2]

    response = signed_in_client.get("/orders/")

    assert response.status_code == 200
    page = Page(response.content)
    assert [
        e.attrs["href"]
        for e in page.elements
        if e.tag == "a" and e.attrs.get("href", "").startswith("/orders/K")
    ] == [customer_order]
    assert f"Order {number}" in page.html


def test_customer_opens_their_order(signed_in_client, customer_order):
    response = signed_in_client.get(customer_order)

    assert order_ids(response) == [customer_order.split("/")[2]]
    page = Page(response.content)
    assert "Asha Rao" in page.html
    assert [key for key, _ in page.breakup][:3] == ["mrp_total", "discount", "subtotal"]


def test_orders_list_needs_sign_in(client, demo):
    response = client.get("/orders/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "next=/orders/" in response["Location"]


def test_another_customer_gets_404_for_someone_elses_order(customer_order, demo):
    other = get_user_model().objects.create_user("neha@demo.local", "neha@demo.local", DEMO_PASSWORD)
    browser = Client()
    browser.force_login(other, backend="storefront.accounts.EmailBackend")

    assert browser.get(customer_order).status_code == 404
    assert order_ids(browser.get("/orders/")) == []
    assert customer_order.split("/")[2] not in browser.get("/orders/").content.decode()


def test_a_guest_cannot_open_a_customers_order(customer_order):
    assert Client().get(customer_order).status_code == 404


def test_guest_sees_their_order_through_the_confirmation_link(guest_order):
    assert "?t=" in guest_order

    assert order_ids(Client().get(guest_order)) == [guest_order.split("/")[2]]


def test_guest_sees_their_order_again_in_the_same_browser(guest, guest_order):
    plain = guest_order.split("?")[0]

    assert order_ids(guest.get(plain)) == [plain.split("/")[2]]


@pytest.mark.parametrize("token", ["", "?t=wrong-token", "?t="], ids=["none", "wrong", "empty"])
def test_a_wrong_or_missing_token_404s_elsewhere(guest_order, token):
    plain = guest_order.split("?")[0]

    assert Client().get(plain + token).status_code == 404


def test_an_unknown_order_404s(signed_in_client, demo):
    assert signed_in_client.get("/orders/KC0000NOPE/").status_code == 404


def test_orders_are_listed_and_searchable_in_admin(admin_client, customer_order, guest_order):
    customer_number = customer_order.split("/")[2]
    guest_number = guest_order.split("/")[2].split("?")[0]
    assert m.Order.objects.get(number=guest_number).user is None

    everything = admin_client.get("/admin/localshop/order/")
    found = admin_client.get(f"/admin/localshop/order/?q={customer_number}")
    by_email = admin_client.get("/admin/localshop/order/?q=shopper@demo.local")

    assert everything.status_code == found.status_code == by_email.status_code == 200
    assert customer_number in everything.content.decode() and guest_number in everything.content.decode()
    assert customer_number in found.content.decode() and guest_number not in found.content.decode()
    assert customer_number in by_email.content.decode() and guest_number not in by_email.content.decode()
