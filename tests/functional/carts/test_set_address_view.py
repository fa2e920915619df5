"""POST /cart/address/ (data-action set-address) and /cart/address/select/ (select-address): a
signed-in customer's address book, a guest's address, and pincodes we cannot deliver to."""

import pytest
from django.core.cache import cache

from carts.forms import (
    MSG_ADDRESS_CITY,
    MSG_ADDRESS_LINE1,
    MSG_ADDRESS_NAME,
    MSG_ADDRESS_STATE,
    MSG_PHONE,
    MSG_PINCODE,
)
from carts.services import MSG_ADDRESS_SAVED
from carts.views import MSG_ADDRESS_NOT_DELIVERED
from storefront.places import MSG_PINCODE_UNKNOWN, MSG_STATE_MISMATCH
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


def test_an_unserviceable_pincode_is_refused_beside_the_pincode_and_keeps_the_address(guest):
    response = guest.post("/cart/address/", address_form(pincode="999999"), headers=HTMX_ON_CHECKOUT)

    page = checkout_fragment(response, status=422)
    assert field_errors(page) == {"pincode": MSG_ADDRESS_NOT_DELIVERED.format(pincode="999999")}
    assert typed(page)["line1"] == "7 Residency Road"
    assert not m.Address.objects.filter(user=None).exists()
    assert not page.having("data-address-selected")


def test_a_saved_address_that_is_no_longer_delivered_to_blocks_checkout_and_says_so(guest):
    guest.post("/cart/address/", address_form())
    m.Pincode.objects.filter(code="560001").update(serviceable=False)
    cache.clear()  # the pincode table is cached; an operator's change shows after its expiry

    message = MSG_ADDRESS_UNSERVICEABLE.format(pincode="560001")
    page = checkout(guest)
    assert ("error", message) in page.alerts
    (button,) = [e for e in page.elements if e.tag == "button" and "Place order" in e.content]
    assert "disabled" in button.attrs
    # the cart page says so too, instead of offering checkout
    cart = Page(guest.get("/cart/").content)
    assert ("error", message) in cart.alerts
    assert not [e for e in cart.elements if e.tag == "a" and "Proceed to checkout" in e.content]


BAD_ADDRESSES = [
    ({"name": ""}, "name", MSG_ADDRESS_NAME),
    ({"phone": ""}, "phone", MSG_PHONE),
    ({"phone": "98450 1234"}, "phone", MSG_PHONE),
    ({"phone": "5845012345"}, "phone", MSG_PHONE),
    ({"line1": "  "}, "line1", MSG_ADDRESS_LINE1),
    ({"city": ""}, "city", MSG_ADDRESS_CITY),
    ({"state": ""}, "state", MSG_ADDRESS_STATE),
    ({"state": "Atlantis"}, "state", MSG_ADDRESS_STATE),
    (
        {"state": "Delhi"},
        "state",
        MSG_STATE_MISMATCH.format(pincode="560001", states="Karnataka", state="Delhi"),
    ),
    ({"pincode": ""}, "pincode", MSG_PINCODE),
    ({"pincode": "56001"}, "pincode", MSG_PINCODE),
    ({"pincode": "060001"}, "pincode", MSG_PINCODE),
    ({"pincode": "351234"}, "pincode", MSG_PINCODE_UNKNOWN.format(pincode="351234")),
]
BAD_IDS = [
    "no-name",
    "no-phone",
    "five-digit-mobile",
    "not-a-mobile",
    "no-street",
    "no-city",
    "no-state",
    "no-such-state",
    "state-not-the-pincodes",
    "no-pincode",
    "short",
    "zero",
    "no-such-district",
]


def field_errors(page: Page) -> dict[str, str]:
    return {e.attrs["data-field-error"]: e.content for e in page.having("data-field-error")}


def typed(page: Page) -> dict[str, str]:
    """What the address form shows in each field (a select: its selected option)."""
    form = next(e for e in page.elements if e.attrs.get("data-action") == "set-address")
    shown = {}
    for e in page.elements:
        if form not in e.parents:
            continue
        if e.tag == "input" and e.attrs.get("type") != "hidden":
            shown[e.attrs["name"]] = e.attrs.get("value", "")
        elif e.tag == "option" and "selected" in e.attrs:
            shown["state"] = e.content if e.attrs.get("value") != "" else ""
    return shown


def assert_marked(page: Page, field: str, message: str) -> None:
    """The bad field is marked, its message is beside it and tied to it, and it gets the focus."""
    assert field_errors(page) == {field: message}
    control = page.by_id(f"addr-{field}")
    assert control.attrs["aria-invalid"] == "true"
    assert control.attrs["aria-describedby"] == f"addr-{field}-error"
    assert page.by_id(f"addr-{field}-error").content == message
    assert [e.attrs["id"] for e in page.having("autofocus")] == [f"addr-{field}"]


@pytest.mark.parametrize(("change", "field", "message"), BAD_ADDRESSES, ids=BAD_IDS)
def test_bad_address_with_htmx_marks_the_field_keeps_the_rest_and_saves_nothing(
    guest, change, field, message
):
    response = guest.post("/cart/address/", address_form(**change), headers=HTMX_ON_CHECKOUT)

    page = checkout_fragment(response, status=422)
    assert_marked(page, field, message)
    shown = typed(page)
    for name, value in address_form(**change).items():
        if name in ("country",) or name == field:
            continue
        assert shown[name] == value, name
    assert not cart_changed(response)
    assert not m.Address.objects.filter(user=None).exists()
    assert not page.having("data-address-selected")


@pytest.mark.parametrize(("change", "field", "message"), BAD_ADDRESSES, ids=BAD_IDS)
def test_bad_address_without_htmx_marks_the_field_keeps_the_rest_and_saves_nothing(
    guest, change, field, message
):
    response = guest.post("/cart/address/", address_form(**change))

    assert response.status_code == 303
    page = checkout(guest)
    assert_marked(page, field, message)
    shown = typed(page)
    for name, value in address_form(**change).items():
        if name in ("country",) or name == field:
            continue
        assert shown[name] == value, name
    assert not page.having("data-address-selected")
    assert not m.Address.objects.filter(user=None).exists()
    # shown once: a reload shows a fresh form
    assert not field_errors(checkout(guest))


def test_two_mistakes_are_both_marked_and_the_first_gets_the_focus(guest):
    response = guest.post(
        "/cart/address/", address_form(phone="98450", pincode="5600"), headers=HTMX_ON_CHECKOUT
    )

    page = checkout_fragment(response, status=422)
    assert field_errors(page) == {"phone": MSG_PHONE, "pincode": MSG_PINCODE}
    assert [e.attrs["id"] for e in page.having("autofocus")] == ["addr-phone"]
    assert page.by_id("addr-pincode").attrs["aria-invalid"] == "true"
    assert typed(page)["name"] == "Meera Iyer"


@pytest.mark.parametrize("typed_state", ["karnataka", "KA", " Karnataka "])
def test_a_state_typed_by_a_script_is_taken_as_the_state_it_names(guest, typed_state):
    guest.post("/cart/address/", address_form(state=typed_state))

    assert m.Address.objects.get(user=None).state == "Karnataka"


def test_the_state_is_a_select_of_the_36_states_and_union_territories(guest):
    page = checkout(guest)
    select = page.by_id("addr-state")
    assert select.tag == "select"
    options = [
        e.content
        for e in page.elements
        if e.tag == "option" and select in e.parents and e.attrs.get("value") != ""
    ]
    assert len(options) == 36 and "Karnataka" in options and "Ladakh" in options


def test_a_guests_form_starts_from_the_pincode_they_checked(guest):
    guest.post("/cart/check-delivery/", {"pincode": "110001"})

    shown = typed(checkout(guest))
    assert (shown["pincode"], shown["state"]) == ("110001", "Delhi")


def _without_address(guest, headers=None):
    page = checkout(guest)
    key = next(e.attrs["value"] for e in page.elements if e.attrs.get("name") == "idempotency_key")
    return guest.post("/checkout/place/", {"idempotency_key": key, "payment_mode": "cod"}, headers=headers)


def _said_once_beside_the_address_form(page: Page) -> None:
    assert [text for _, text in page.alerts if "address" in text.lower()] == [MSG_NEED_ADDRESS]
    (said,) = [e for e in page.having("role") if e.content == MSG_NEED_ADDRESS]
    assert said.inside("data-action") and said.inside("data-action").attrs["data-action"] == "set-address"
    assert not [text for _, text in page.alerts if "changed" in text]
    assert [e.attrs["id"] for e in page.having("autofocus")] == ["addr-name"]
    assert m.Order.objects.count() == 0


def test_placing_an_order_without_an_address_says_one_is_needed_once_beside_the_form(guest):
    response = _without_address(guest)

    assert response.status_code == 303
    _said_once_beside_the_address_form(checkout(guest))


def test_placing_an_order_without_an_address_with_htmx_says_it_once_beside_the_form(guest):
    response = _without_address(guest, headers=HTMX_ON_CHECKOUT)

    _said_once_beside_the_address_form(checkout_fragment(response, status=409))
