"""POST /cart/gift-card/apply/ (data-action apply-gift-card), with and without htmx: the pin is
never shown or logged, and tries are limited per client, per account and per card
(storefront.throttle; more in tests/security/test_abuse_limits.py)."""

import logging
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from carts.forms import MSG_GIFT_CODE, MSG_GIFT_PIN
from carts.services import MSG_GIFT_CARD_APPLIED
from storefront.providers.local.redemptions import MSG_GIFT_CARD_BAD, MSG_GIFT_CARD_TWICE
from storefront.providers.types import Capability
from storefront.throttle import Throttled
from tests.checkout_kit import (
    DEMO_CARD,
    DEMO_PIN,
    HTMX_ON_CHECKOUT,
    SECOND_CARD,
    SECOND_PIN,
    card_balance,
    checkout_fragment,
    drop_capabilities,
    fill_groceries,
    gift_card,
)
from tests.conftest import HTMX
from tests.functional.pages import add_via_form, cart_changed, cart_fragment, cart_page, follow, snapshot

APPLIED = MSG_GIFT_CARD_APPLIED.format(tail="0001")
GIFT_CARD_TRIES = int(settings.RATE_LIMITS["gift-card"]["client"].split("/")[0])


def throttled(response) -> tuple[str, str]:
    """The alert a refused try shows: how long to wait is the answer's Retry-After."""
    return ("error", Throttled("gift-card", int(response["Retry-After"])).user_message)


WRONG_PIN = "918273"


@pytest.fixture
def cooker(client, demo):
    add_via_form(client, demo, "pressure-cooker-5l")  # ₹2,699
    return client


def test_apply_with_htmx_shows_what_the_card_pays(cooker):
    response = cooker.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN}, headers=HTMX)

    page = cart_fragment(response)
    assert cart_changed(response)
    assert ("success", APPLIED) in page.alerts
    assert page.amount("gift_card") == Decimal("-500.00")
    assert page.amount("total") == Decimal("2199.00")
    assert [f.attrs["data-action"] for f in page.forms("remove-gift-card")] == ["remove-gift-card"]
    # the card's balance is only taken when the order is placed
    assert card_balance() == Decimal("500.00")


def test_apply_without_htmx_redirects_with_a_message(cooker):
    page = follow(cooker, cooker.post("/cart/gift-card/apply/", {"code": "gift-demo-0001", "pin": DEMO_PIN}))

    assert ("success", APPLIED) in page.alerts
    assert page.amount("gift_card") == Decimal("-500.00")


def test_two_cards_each_get_a_row(cooker):
    gift_card(balance="300.00")
    cooker.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN})

    page = cart_fragment(
        cooker.post("/cart/gift-card/apply/", {"code": SECOND_CARD, "pin": SECOND_PIN}, headers=HTMX)
    )

    assert [amount for key, amount in page.breakup if key == "gift_card"] == ["-500.00", "-300.00"]
    assert page.amount("total") == Decimal("1899.00")
    assert len(page.forms("remove-gift-card")) == 2


def test_apply_from_the_checkout_page(cooker):
    response = cooker.post(
        "/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN}, headers=HTMX_ON_CHECKOUT
    )

    assert checkout_fragment(response).amount("gift_card") == Decimal("-500.00")


BAD_INPUT = [
    ({"code": DEMO_CARD, "pin": WRONG_PIN}, MSG_GIFT_CARD_BAD),
    ({"code": "GIFT-NOPE-0000", "pin": WRONG_PIN}, MSG_GIFT_CARD_BAD),
    ({"code": DEMO_CARD, "pin": ""}, MSG_GIFT_PIN),
    ({"code": "", "pin": WRONG_PIN}, MSG_GIFT_CODE),
]
BAD_IDS = ["wrong-pin", "unknown-card", "no-pin", "no-code"]


@pytest.mark.parametrize(("data", "message"), BAD_INPUT, ids=BAD_IDS)
def test_bad_card_with_htmx_explains_and_changes_nothing(cooker, data, message):
    before = snapshot(cooker)

    response = cooker.post("/cart/gift-card/apply/", data, headers=HTMX)

    page = cart_fragment(response, status=422)
    assert ("error", message) in page.alerts
    assert not cart_changed(response)
    assert snapshot(cooker) == before
    assert card_balance() == Decimal("500.00")


@pytest.mark.parametrize(("data", "message"), BAD_INPUT, ids=BAD_IDS)
def test_bad_card_without_htmx_redirects_with_the_reason(cooker, data, message):
    before = snapshot(cooker)

    page = follow(cooker, cooker.post("/cart/gift-card/apply/", data), to="/cart/#redemptions")

    assert ("error", message) in page.alerts
    assert snapshot(cooker) == before


def test_the_same_card_twice_is_refused(cooker):
    cooker.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN})

    page = cart_fragment(
        cooker.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN}, headers=HTMX), status=422
    )

    assert ("error", MSG_GIFT_CARD_TWICE) in page.alerts
    assert [key for key, _ in page.breakup].count("gift_card") == 1


def test_the_pin_never_appears_in_pages_or_logs(cooker, caplog):
    caplog.set_level(logging.DEBUG)
    gift_card(pin=SECOND_PIN)
    answers = [
        cooker.post("/cart/gift-card/apply/", {"code": SECOND_CARD, "pin": WRONG_PIN}, headers=HTMX),
        cooker.post("/cart/gift-card/apply/", {"code": SECOND_CARD, "pin": WRONG_PIN}),
        cooker.post("/cart/gift-card/apply/", {"code": SECOND_CARD, "pin": SECOND_PIN}, headers=HTMX),
        cooker.get("/cart/"),
        cooker.get("/checkout/"),
    ]

    assert [a.status_code for a in answers] == [422, 303, 200, 200, 200]
    for answer in answers:
        assert SECOND_PIN.encode() not in answer.content
        assert WRONG_PIN.encode() not in answer.content
    assert SECOND_PIN not in caplog.text
    assert WRONG_PIN not in caplog.text
    # the pin field is a password field that is never filled in
    page = cart_page(cooker)
    pin_inputs = [e for e in page.elements if e.tag == "input" and e.attrs.get("name") == "pin"]
    assert [(e.attrs.get("type"), e.attrs.get("value")) for e in pin_inputs] == [("password", None)]


def wrong_pins(client, code=DEMO_CARD, times=GIFT_CARD_TRIES):
    for _ in range(times):
        response = client.post("/cart/gift-card/apply/", {"code": code, "pin": WRONG_PIN}, headers=HTMX)
        assert ("error", MSG_GIFT_CARD_BAD) in cart_fragment(response, status=422).alerts


def test_after_five_tries_even_the_right_pin_is_refused(cooker):
    wrong_pins(cooker)

    response = cooker.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN}, headers=HTMX)

    # in place, with how long to wait
    page = cart_fragment(response, status=429)
    assert throttled(response) in page.alerts
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert "gift_card" not in dict(page.breakup)
    # and without JavaScript: a page of its own that says so and links back to the cart
    response = cooker.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    text = response.content.decode()
    assert throttled(response)[1] in text and 'href="/cart/"' in text
    assert "gift_card" not in dict(cart_page(cooker).breakup)


def test_four_wrong_pins_then_the_right_one_works(cooker):
    wrong_pins(cooker, times=GIFT_CARD_TRIES - 1)

    response = cooker.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN}, headers=HTMX)

    assert cart_fragment(response).amount("gift_card") == Decimal("-500.00")


def test_a_fresh_browser_on_the_same_address_is_throttled_too(cooker, demo):
    wrong_pins(cooker)
    other = Client()  # new cookies, same address
    fill_groceries(other, demo)

    response = other.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN}, headers=HTMX)

    assert throttled(response) in cart_fragment(response, status=429).alerts


def test_the_cards_holder_elsewhere_is_not_locked_out_by_a_stranger(cooker, demo):
    # a stranger's five wrong pins for the holder's card
    wrong_pins(cooker)
    holder = Client(REMOTE_ADDR="203.0.113.7")
    fill_groceries(holder, demo)

    response = holder.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN}, headers=HTMX)

    assert cart_fragment(response).amount("gift_card") < 0


def test_the_throttled_browser_cannot_try_other_cards(cooker):
    gift_card()
    wrong_pins(cooker)

    response = cooker.post("/cart/gift-card/apply/", {"code": SECOND_CARD, "pin": SECOND_PIN}, headers=HTMX)

    assert throttled(response) in cart_fragment(response, status=429).alerts


def test_no_gift_card_form_when_the_provider_has_no_gift_cards(cooker, monkeypatch):
    drop_capabilities(monkeypatch, Capability.GIFT_CARDS)

    page = cart_page(cooker)

    assert not page.forms("apply-gift-card")
    assert not any(e.attrs.get("name") == "pin" for e in page.elements)
