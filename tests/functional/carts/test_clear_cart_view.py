"""POST /cart/clear/ (data-action clear-cart), with and without htmx."""

from carts.services import MSG_CLEARED
from tests.conftest import HTMX
from tests.functional.pages import add_via_form, cart_changed, cart_fragment, follow, snapshot


def test_clear_with_htmx_empties_every_region(client, demo):
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    add_via_form(client, demo, "mineral-water-1l", quantity=12)

    response = client.post("/cart/clear/", headers=HTMX)

    page = cart_fragment(response)
    assert cart_changed(response)
    assert page.line_ids == []
    assert ("success", MSG_CLEARED) in page.alerts
    assert page.breakup == []  # no ₹0 breakup for an empty cart
    assert "hidden" in page.by_id("price-breakup").attrs
    assert "items" not in page.by_id("cart-summary-count").content
    assert snapshot(client) == ({}, page.breakup, 0)


def test_clear_without_htmx_redirects_to_the_empty_cart(client, demo):
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)

    page = follow(client, client.post("/cart/clear/"))

    assert ("success", MSG_CLEARED) in page.alerts
    assert page.line_ids == []
    assert page.cart_count == 0
    assert page.breakup == [] and "Start shopping" in page.by_id("cart-lines").content


def test_clearing_an_empty_cart_is_harmless(client, demo):
    page = follow(client, client.post("/cart/clear/"))

    assert ("success", MSG_CLEARED) in page.alerts
    assert page.line_ids == []


def test_clear_returns_to_a_safe_next_page(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")

    response = client.post("/cart/clear/", {"next": "/products/"})

    assert response.status_code == 303
    assert response["Location"] == "/products/"
    assert snapshot(client)[0] == {}
