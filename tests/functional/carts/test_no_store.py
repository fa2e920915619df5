"""Cart, checkout, order and account pages are never kept by the browser, so Back after an order
shows the cart as it is now; after an order the badge is 0 on every page (issue 9, point 4)."""

from __future__ import annotations

import pytest

from carts.checkout_views import MSG_ALREADY_PLACED
from carts.session import BADGE_COOKIE
from tests.checkout_kit import address_form, checkout_key, fill_groceries
from tests.functional.pages import Page

pytestmark = pytest.mark.django_db

PRIVATE = ["/cart/", "/checkout/", "/orders/", "/accounts/login/", "/accounts/signup/", "/cart/share/links/"]


def _no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


@pytest.mark.parametrize("path", PRIVATE)
def test_private_pages_are_no_store(client, demo, path):
    fill_groceries(client, demo)

    response = client.get(path)

    assert response.status_code in (200, 302, 303), path
    assert _no_store(response), (path, response.get("Cache-Control"))


def test_cart_actions_and_fragments_are_no_store_too(client, demo):
    fill_groceries(client, demo)

    assert _no_store(client.get("/cart/count/"))
    assert _no_store(client.post("/cart/check-delivery/", {"pincode": "560001"}))


def test_catalogue_pages_stay_cacheable(client, demo):
    assert "no-store" not in client.get("/").get("Cache-Control", "")
    assert "no-store" not in client.get("/products/toor-dal-1kg/").get("Cache-Control", "")


def test_after_an_order_the_cart_is_empty_and_the_badge_is_zero_everywhere(client, demo):
    fill_groceries(client, demo)
    client.post("/cart/address/", address_form())
    key = checkout_key(client.get("/checkout/").content)

    placed = client.post("/checkout/place/", {"idempotency_key": key, "payment_mode": "cod"})

    assert placed.status_code == 303
    assert placed.cookies[BADGE_COOKIE].value == "0"
    order_page = client.get(placed["Location"])
    assert _no_store(order_page)
    for path in ("/", "/products/toor-dal-1kg/", "/cart/", placed["Location"]):
        assert Page(client.get(path).content).cart_count == 0, path
    cart = Page(client.get("/cart/").content)
    assert cart.line_ids == []


def test_back_to_checkout_after_an_order_says_the_order_is_placed(client, demo):
    fill_groceries(client, demo)
    client.post("/cart/address/", address_form())
    key = checkout_key(client.get("/checkout/").content)
    placed = client.post("/checkout/place/", {"idempotency_key": key, "payment_mode": "cod"})
    number = placed["Location"].split("/")[2]
    client.get(placed["Location"])  # the confirmation page shows its own message

    back = client.get("/checkout/")  # what Back asks for again

    assert back.status_code == 303 and back["Location"] == "/cart/"
    cart = Page(client.get("/cart/").content)
    assert ("info", MSG_ALREADY_PLACED.format(number=number)) in cart.alerts
