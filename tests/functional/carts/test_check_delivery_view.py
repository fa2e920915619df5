"""POST /cart/check-delivery/ (data-action check-delivery), with and without htmx."""

from datetime import datetime

import pytest

from carts.forms import MSG_PINCODE
from storefront.providers.local.cart_view import MSG_PINCODE_BLOCKS
from storefront.providers.messages import MSG_PINCODE_OK_CITY
from storefront.text import format_day
from tests.conftest import HTMX
from tests.functional.pages import add_via_form, cart_changed, cart_fragment, cart_page, follow, snapshot


def _ok_message(page, pincode: str, city: str) -> str:
    ((_, high),) = page.delivery("delivery-promise")
    return MSG_PINCODE_OK_CITY.format(
        pincode=pincode, city=city, date=format_day(datetime.fromisoformat(high))
    )


def test_check_delivery_with_htmx_shows_the_promise(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")

    response = client.post("/cart/check-delivery/", {"pincode": "560001"}, headers=HTMX)

    page = cart_fragment(response)
    assert cart_changed(response)
    ((low, high),) = page.delivery("delivery-promise")
    assert datetime.fromisoformat(low) <= datetime.fromisoformat(high)
    assert ("success", _ok_message(page, "560001", "Bengaluru")) in page.alerts
    (line,) = page.line_ids
    assert page.delivery(line) == [(low, high)]


def test_check_delivery_without_htmx_redirects_to_the_cart_with_the_promise(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")

    page = follow(client, client.post("/cart/check-delivery/", {"pincode": " 110001 "}))

    assert ("success", _ok_message(page, "110001", "New Delhi")) in page.alerts
    assert "110001" in page.by_id("delivery-promise").content


def test_a_new_pincode_replaces_the_old_one(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")
    client.post("/cart/check-delivery/", {"pincode": "560001"})
    bengaluru = cart_page(client).delivery("delivery-promise")

    client.post("/cart/check-delivery/", {"pincode": "794001"})  # Tura: 6 to 10 days
    tura = cart_page(client).delivery("delivery-promise")

    assert tura[0][1] > bengaluru[0][1]
    assert "794001" in cart_page(client).by_id("delivery-promise").content


BAD_PINCODES = [
    ("5600", MSG_PINCODE),
    ("5600011", MSG_PINCODE),
    ("56000a", MSG_PINCODE),
    ("056001", MSG_PINCODE),
    ("", MSG_PINCODE),
]


@pytest.fixture
def cart_with_pincode(client, demo):
    """A cart already delivering to 560001."""
    add_via_form(client, demo, "toor-dal-1kg")
    client.post("/cart/check-delivery/", {"pincode": "560001"})
    return snapshot(client), cart_page(client).delivery("delivery-promise")


@pytest.mark.parametrize(("pincode", "message"), BAD_PINCODES, ids=[p or "empty" for p, _ in BAD_PINCODES])
def test_bad_pincode_with_htmx_explains_and_keeps_the_promise(client, cart_with_pincode, pincode, message):
    before, promise = cart_with_pincode

    response = client.post("/cart/check-delivery/", {"pincode": pincode}, headers=HTMX)

    page = cart_fragment(response, status=422)
    assert ("error", message) in page.alerts
    assert not cart_changed(response)
    assert page.delivery("delivery-promise") == promise
    assert snapshot(client) == before
    assert cart_page(client).delivery("delivery-promise") == promise


@pytest.mark.parametrize(("pincode", "message"), BAD_PINCODES, ids=[p or "empty" for p, _ in BAD_PINCODES])
def test_bad_pincode_without_htmx_explains_and_keeps_the_promise(client, cart_with_pincode, pincode, message):
    before, promise = cart_with_pincode

    page = follow(client, client.post("/cart/check-delivery/", {"pincode": pincode}))

    assert ("error", message) in page.alerts
    assert page.delivery("delivery-promise") == promise
    assert snapshot(client) == before


BLOCKED = MSG_PINCODE_BLOCKS.format(pincode="999999")


def _checkout_offered(page) -> bool:
    return any(e.tag == "a" and "Proceed to checkout" in e.content for e in page.elements)


def test_unserviceable_pincode_on_a_fresh_cart_shows_no_promise_and_offers_no_checkout(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")

    page = follow(client, client.post("/cart/check-delivery/", {"pincode": "999999"}))

    # said once, where checkout would have been offered
    assert [text for _, text in page.alerts if "999999" in text] == [
        MSG_PINCODE_BLOCKS.format(pincode="999999")
    ]
    assert page.delivery() == []
    assert not _checkout_offered(page)


def test_an_unserviceable_pincode_replaces_a_good_one_instead_of_being_ignored(client, cart_with_pincode):
    response = client.post("/cart/check-delivery/", {"pincode": "999999"}, headers=HTMX)

    page = cart_fragment(response)
    assert [text for _, text in page.alerts if "999999" in text] == [
        MSG_PINCODE_BLOCKS.format(pincode="999999")
    ]
    assert page.delivery("delivery-promise") == []
    assert not _checkout_offered(page)
    # the cart says so on its own page too, and checkout starts from that pincode, not 560001
    cart = cart_page(client)
    assert ("error", MSG_PINCODE_BLOCKS.format(pincode="999999")) in cart.alerts
    assert not _checkout_offered(cart)
    # a good pincode brings checkout back
    client.post("/cart/check-delivery/", {"pincode": "110001"})
    assert _checkout_offered(cart_page(client))
