"""POST /cart/address/ (data-action set-address) and /cart/address/select/ (select-address): a
signed-in customer's address book, a guest's address, and pincodes we cannot deliver to."""

import pytest

from carts.forms import (
    MSG_ADDRESS_CITY,
    MSG_ADDRESS_LINE1,
    MSG_ADDRESS_NAME,
    MSG_ADDRESS_STATE,
    MSG_PHONE,
    MSG_PINCODE,
)
from carts.services import MSG_ADDRESS_SAVED
from storefront.providers.local import models as m
from storefront.providers.local.cart_view import MSG_ADDRESS_UNSERVICEABLE
from storefront.providers.messages import MSG_NEED_ADDRESS
from tests.checkout_kit import HTMX_ON_CHECKOUT, address_form, checkout_fragment, fill_groceries
from tests.functional.pages import Page, cart_changed


@pytest.fixture
def guest(client, demo):
    fill_groceries(client, demo)
    return client


@pytest.fixture
def customer(signed_in_client, demo):
    fill_groceries(signed_in_client, demo)
    return signed_in_client


def checkout(client) -> Page:
    response = client.get("/checkout/")
    assert response.status_code == 200
    return Page(response.content)


def selected(page: Page) -> str:
    (box,) = page.having("data-address-selected")
    return box.content


def test_guest_enters_an_address_at_checkout_with_htmx(guest):
    assert not checkout(guest).having("data-address-selected")

    response = guest.post("/cart/address/", address_form(), headers=HTMX_ON_CHECKOUT)

    page = checkout_fragment(response)
    assert cart_changed(response)
    assert ("success", MSG_ADDRESS_SAVED) in page.alerts
    assert "Meera Iyer" in selected(page)
    assert "9845012345" in selected(page)  # the mobile, without its +91
    assert page.having("data-delivery-min")
    assert m.Address.objects.filter(user=None, name="Meera Iyer").count() == 1


def test_guest_enters_an_address_without_htmx(guest):
    response = guest.post("/cart/address/", address_form())

    assert response.status_code == 303
    assert response["Location"] == "/checkout/"
    page = checkout(guest)
    assert ("success", MSG_ADDRESS_SAVED) in page.alerts
    assert "7 Residency Road" in selected(page)


def test_customers_new_address_goes_into_their_book(customer, shopper):
    response = customer.post(
        "/cart/address/",
        address_form(city="New Delhi", state="Delhi", pincode="110001"),
        headers=HTMX_ON_CHECKOUT,
    )

    page = checkout_fragment(response)
    assert "New Delhi" in selected(page)
    assert sorted(m.Address.objects.filter(user=shopper).values_list("city", flat=True)) == [
        "Bengaluru",
        "New Delhi",
    ]
    # the checkout offers both saved addresses, the new one chosen
    choices = [e for e in checkout(customer).elements if e.attrs.get("name") == "address"]
    assert len(choices) == 2
    (chosen,) = [e for e in choices if "checked" in e.attrs]
    assert "New Delhi" in chosen.parents[-1].content


def test_customer_chooses_a_saved_address(customer, shopper):
    customer.post("/cart/address/", address_form(city="New Delhi", state="Delhi", pincode="110001"))
    saved = m.Address.objects.get(user=shopper, city="Bengaluru")

    response = customer.post("/cart/address/select/", {"address": str(saved.pk)}, headers=HTMX_ON_CHECKOUT)

    page = checkout_fragment(response)
    assert "Asha Rao" in selected(page)
    assert cart_changed(response)


def test_customer_chooses_a_billing_address_without_htmx(customer, shopper):
    customer.post("/cart/address/", address_form(city="New Delhi", state="Delhi", pincode="110001"))
    saved = m.Address.objects.get(user=shopper, city="Bengaluru")

    response = customer.post("/cart/address/select/", {"address": str(saved.pk), "role": "billing"})

    assert response.status_code == 303 and response["Location"] == "/checkout/"
    red = m.CartRedemptions.objects.get(cart__user=shopper, cart__status="open")
    assert (red.shipping_address.city, red.billing_address.city) == ("New Delhi", "Bengaluru")


def test_someone_elses_address_cannot_be_chosen(customer):
    other = m.Address.objects.create(
        name="Someone Else",
        phone="9000000000",
        line1="1 Other St",
        city="Chennai",
        state="Tamil Nadu",
        pincode="600001",
    )

    response = customer.post("/cart/address/select/", {"address": str(other.pk)}, headers=HTMX_ON_CHECKOUT)

    page = checkout_fragment(response, status=422)
    assert any(level == "error" for level, _ in page.alerts)
    assert "Someone Else" not in page.html


def test_an_unserviceable_pincode_blocks_checkout_and_says_so(guest):
    response = guest.post("/cart/address/", address_form(pincode="999999"), headers=HTMX_ON_CHECKOUT)

    message = MSG_ADDRESS_UNSERVICEABLE.format(pincode="999999")
    page = checkout_fragment(response)
    assert ("error", message) in page.alerts
    (button,) = [e for e in page.elements if e.tag == "button" and "Place order" in e.content]
    assert "disabled" in button.attrs
    # the cart page says so too, instead of offering checkout
    cart = Page(guest.get("/cart/").content)
    assert ("error", message) in cart.alerts


BAD_ADDRESSES = [
    ({"name": ""}, MSG_ADDRESS_NAME),
    ({"phone": ""}, MSG_PHONE),
    ({"phone": "5845012345"}, MSG_PHONE),
    ({"line1": "  "}, MSG_ADDRESS_LINE1),
    ({"city": ""}, MSG_ADDRESS_CITY),
    ({"state": ""}, MSG_ADDRESS_STATE),
    ({"pincode": ""}, MSG_PINCODE),
    ({"pincode": "56001"}, MSG_PINCODE),
    ({"pincode": "060001"}, MSG_PINCODE),
]
BAD_IDS = [
    "no-name",
    "no-phone",
    "not-a-mobile",
    "no-street",
    "no-city",
    "no-state",
    "no-pincode",
    "short",
    "zero",
]


@pytest.mark.parametrize(("change", "message"), BAD_ADDRESSES, ids=BAD_IDS)
def test_incomplete_address_with_htmx_explains_and_saves_nothing(guest, change, message):
    response = guest.post("/cart/address/", address_form(**change), headers=HTMX_ON_CHECKOUT)

    page = checkout_fragment(response, status=422)
    assert ("error", message) in page.alerts
    assert not cart_changed(response)
    assert not m.Address.objects.filter(user=None).exists()
    assert not page.having("data-address-selected")


@pytest.mark.parametrize(("change", "message"), BAD_ADDRESSES, ids=BAD_IDS)
def test_incomplete_address_without_htmx_explains_and_saves_nothing(guest, change, message):
    response = guest.post("/cart/address/", address_form(**change))

    assert response.status_code == 303
    page = checkout(guest)
    assert ("error", message) in page.alerts
    assert not page.having("data-address-selected")
    assert not m.Address.objects.filter(user=None).exists()


def test_placing_an_order_without_an_address_says_one_is_needed(guest):
    page = checkout(guest)
    key = next(e.attrs["value"] for e in page.elements if e.attrs.get("name") == "idempotency_key")

    response = guest.post("/checkout/place/", {"idempotency_key": key, "payment_mode": "cod"})

    assert response.status_code == 303
    assert ("warning", MSG_NEED_ADDRESS) in checkout(guest).alerts
