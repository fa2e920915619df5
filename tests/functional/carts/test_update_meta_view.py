"""POST /cart/meta/ (data-action update-meta): gift message, GSTIN, comment, delivery or pick-up,
with and without htmx."""

import pytest

from carts.forms import (
    GIFT_MESSAGE_MAX,
    MSG_GIFT_MESSAGE_LONG,
    MSG_GSTIN,
    MSG_PHONE,
    MSG_PICKUP_NAME,
    MSG_PICKUP_STORE,
)
from carts.services import MSG_META_SAVED
from storefront.providers.local import models as m
from storefront.providers.local.redemptions import MSG_UNKNOWN_STORE
from storefront.providers.types import Capability
from tests.checkout_kit import HTMX_ON_CHECKOUT, checkout_fragment, drop_capabilities, fill_groceries
from tests.conftest import HTMX
from tests.functional.pages import Page, cart_changed, cart_fragment, cart_page, follow

HOME = {"order_type": "HomeDelivery"}


@pytest.fixture
def groceries(client, demo):
    fill_groceries(client, demo)
    return client


def saved_meta(client) -> dict[str, str]:
    """What the cart's order-details form shows now."""
    page = cart_page(client)
    (form,) = page.forms("update-meta")
    found = {}
    for e in page.elements:
        name = e.attrs.get("name")
        if form in e.parents and name and name not in ("csrfmiddlewaretoken", "next") and e.tag != "button":
            found[e.attrs["name"]] = e.attrs.get("value", e.content) if e.tag == "input" else e.content
    return found


@pytest.fixture
def store() -> m.Store:
    return m.Store.objects.get(city="Bengaluru")


def test_save_with_htmx(groceries):
    data = {
        **HOME,
        "gift_message": "Happy Diwali, Amma!",
        "gstin": "29aagcb7383j1z4",
        "business_name": "Bharat",
    }

    response = groceries.post("/cart/meta/", data, headers=HTMX)

    page = cart_fragment(response)
    assert cart_changed(response)
    assert "cart-meta" in page.oob_ids
    assert ("success", MSG_META_SAVED) in page.alerts
    assert "GST invoice to Bharat · 29AAGCB7383J1Z4" in page.by_id("cart-meta").content
    assert saved_meta(groceries)["gift_message"] == "Happy Diwali, Amma!"


def test_save_without_htmx(groceries):
    data = {**HOME, "comment": "Leave with the security desk", "gstin": "27AAPFU0939F1ZV"}

    page = follow(groceries, groceries.post("/cart/meta/", data))

    assert ("success", MSG_META_SAVED) in page.alerts
    assert saved_meta(groceries)["comment"] == "Leave with the security desk"
    # no business name given: the invoice line names the GSTIN only
    assert "GST invoice for GSTIN 27AAPFU0939F1ZV" in page.by_id("cart-meta").content


def test_business_name_is_dropped_without_a_gstin(groceries):
    follow(groceries, groceries.post("/cart/meta/", {**HOME, "business_name": "Bharat Traders"}))

    assert saved_meta(groceries)["business_name"] == ""
    assert not [e for e in cart_page(groceries).elements if "gst-invoice" in e.attrs.get("class", "")]


def test_a_gift_message_of_exactly_the_limit_is_kept(groceries):
    message = "x" * GIFT_MESSAGE_MAX

    follow(groceries, groceries.post("/cart/meta/", {**HOME, "gift_message": message}))

    assert saved_meta(groceries)["gift_message"] == message


@pytest.mark.parametrize("prefix", ["+91 ", "0", "91-", ""])
def test_pick_up_at_a_store_with_an_indian_mobile(groceries, store, prefix):
    data = {
        "order_type": "PickAtStore",
        "pickup_store": str(store.pk),
        "pickup_name": "Ravi Kumar",
        "pickup_phone": f"{prefix}9845012345",
    }

    response = groceries.post("/cart/meta/", data, headers=HTMX_ON_CHECKOUT)

    page = checkout_fragment(response)
    assert cart_changed(response)
    assert store.name in page.by_id("checkout-delivery").content
    assert page.amount("delivery_charge") == 0
    checkout = Page(groceries.get("/checkout/").content)
    assert 'value="9845012345"' in checkout.html


BAD_META = [
    (
        {**HOME, "gift_message": "x" * (GIFT_MESSAGE_MAX + 1)},
        MSG_GIFT_MESSAGE_LONG.format(n=GIFT_MESSAGE_MAX),
    ),
    ({**HOME, "gstin": "29AAGCB7383J1Z5"}, MSG_GSTIN),
    ({**HOME, "gstin": "GSTIN-PLEASE"}, MSG_GSTIN),
    ({"order_type": "PickAtStore", "pickup_name": "Ravi", "pickup_phone": "9845012345"}, MSG_PICKUP_STORE),
    ({"order_type": "PickAtStore", "pickup_store": "STORE", "pickup_phone": "9845012345"}, MSG_PICKUP_NAME),
    ({"order_type": "PickAtStore", "pickup_store": "STORE", "pickup_name": "Ravi"}, MSG_PHONE),
    (
        {
            "order_type": "PickAtStore",
            "pickup_store": "STORE",
            "pickup_name": "Ravi",
            "pickup_phone": "5845012345",
        },
        MSG_PHONE,
    ),
    (
        {
            "order_type": "PickAtStore",
            "pickup_store": "999999",
            "pickup_name": "Ravi",
            "pickup_phone": "9845012345",
        },
        MSG_UNKNOWN_STORE,
    ),
]
BAD_IDS = [
    "gift-message-too-long",
    "gstin-check-digit",
    "gstin-format",
    "pickup-without-store",
    "pickup-without-name",
    "pickup-without-phone",
    "pickup-phone-not-a-mobile",
    "pickup-unknown-store",
]


def _with_store(data: dict, store: m.Store) -> dict:
    return {k: (str(store.pk) if v == "STORE" else v) for k, v in data.items()}


@pytest.mark.parametrize(("data", "message"), BAD_META, ids=BAD_IDS)
def test_bad_meta_with_htmx_explains_and_changes_nothing(groceries, store, data, message):
    before = saved_meta(groceries)

    response = groceries.post("/cart/meta/", _with_store(data, store), headers=HTMX)

    page = cart_fragment(response, status=422)
    assert ("error", message) in page.alerts
    assert not cart_changed(response)
    assert saved_meta(groceries) == before


@pytest.mark.parametrize(("data", "message"), BAD_META, ids=BAD_IDS)
def test_bad_meta_without_htmx_redirects_with_the_reason(groceries, store, data, message):
    before = saved_meta(groceries)

    page = follow(groceries, groceries.post("/cart/meta/", _with_store(data, store)))

    assert ("error", message) in page.alerts
    assert saved_meta(groceries) == before


def test_bad_meta_on_the_checkout_page_keeps_the_checkout(groceries):
    response = groceries.post("/cart/meta/", {**HOME, "gstin": "29AAGCB7383J1Z5"}, headers=HTMX_ON_CHECKOUT)

    page = checkout_fragment(response, status=422)
    assert ("error", MSG_GSTIN) in page.alerts


def test_no_meta_form_when_the_provider_has_no_cart_meta(groceries, monkeypatch):
    drop_capabilities(monkeypatch, Capability.CART_META)

    assert not cart_page(groceries).forms("update-meta")
    assert not Page(groceries.get("/checkout/").content).forms("update-meta")
