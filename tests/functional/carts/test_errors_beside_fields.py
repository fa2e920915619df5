"""Errors beside their field, typed input kept (issue 9, point 13): a refused coupon code or gift-card
number stays in its box with the reason under it (aria-invalid, aria-describedby); the pin is never
sent back. With htmx in the answer, without JavaScript on the page the 303 leads to (once)."""

from __future__ import annotations

import pytest

from storefront.providers.local.redemptions import MSG_GIFT_CARD_BAD
from tests.checkout_kit import DEMO_CARD
from tests.conftest import HTMX
from tests.functional.pages import Page, add_via_form, cart_fragment, cart_page

WRONG_PIN = "9876"


@pytest.fixture
def cooker(client, demo):
    add_via_form(client, demo, "pressure-cooker-5l")
    return client


def _field(page: Page, element_id: str):
    return page.by_id(element_id)


def _assert_beside(page: Page, field_id: str, error_id: str, value: str) -> str:
    field = _field(page, field_id)
    assert field.attrs.get("value") == value
    assert field.attrs.get("aria-invalid") == "true"
    assert field.attrs.get("aria-describedby") == error_id
    error = page.by_id(error_id)
    assert error.attrs.get("role") == "alert"
    return error.content


@pytest.mark.parametrize("htmx", [True, False])
def test_a_refused_coupon_keeps_the_code_with_the_reason_beside_it(cooker, htmx):
    if htmx:
        refused = cooker.post("/cart/coupon/apply/", {"code": "nosuch50"}, headers=HTMX)
        page = cart_fragment(refused, status=422)
    else:
        assert cooker.post("/cart/coupon/apply/", {"code": "nosuch50"}).status_code == 303
        page = cart_page(cooker)
    reason = _assert_beside(page, "coupon-code", "coupon-error", "nosuch50")
    assert reason and "NOSUCH50" in reason.upper()
    # shown once: beside the field, not again in the messages
    assert [text for _, text in page.alerts].count(reason) == 1
    # and forgotten after: the next page view is clean
    again = cart_page(cooker)
    assert _field(again, "coupon-code").attrs.get("value", "") == ""
    assert again.by_id("coupon-error") is None


@pytest.mark.parametrize("htmx", [True, False])
def test_a_refused_gift_card_keeps_the_number_never_the_pin(cooker, htmx):
    data = {"code": DEMO_CARD, "pin": WRONG_PIN}
    if htmx:
        page = cart_fragment(cooker.post("/cart/gift-card/apply/", data, headers=HTMX), status=422)
    else:
        assert cooker.post("/cart/gift-card/apply/", data).status_code == 303
        page = cart_page(cooker)
    assert _assert_beside(page, "gift-code", "gift-card-error", DEMO_CARD) == MSG_GIFT_CARD_BAD
    assert _field(page, "gift-pin").attrs.get("value") in (None, "")
    assert WRONG_PIN not in page.html
