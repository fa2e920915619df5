"""POST /cart/coupon/apply/ (data-action apply-coupon) and the coupon list, with and without htmx."""

from decimal import Decimal

import pytest

from carts.forms import MSG_COUPON_CODE
from carts.services import MSG_COUPON_APPLIED
from storefront.money import format_inr
from storefront.providers.local.pricing import MSG_COUPON_ADD_MORE, MSG_COUPON_NOT_FOR_ITEMS
from storefront.providers.local.redemptions import MSG_COUPON_EXPIRED, MSG_COUPON_UNKNOWN
from storefront.providers.types import Capability
from tests.checkout_kit import HTMX_ON_CHECKOUT, checkout_fragment, drop_capabilities, fill_groceries
from tests.conftest import HTMX
from tests.functional.pages import Page, cart_changed, cart_fragment, cart_page, follow, snapshot

APPLIED = MSG_COUPON_APPLIED.format(code="WELCOME10", amount=format_inr(Decimal("53.70")))


@pytest.fixture
def groceries(client, demo):
    fill_groceries(client, demo)  # ₹537
    return client


def test_apply_with_htmx_reprices_every_cart_region(groceries):
    response = groceries.post("/cart/coupon/apply/", {"code": "welcome10"}, headers=HTMX)

    page = cart_fragment(response)
    assert cart_changed(response)
    assert {"price-breakup", "redemptions", "checkout-button"} <= set(page.oob_ids)
    assert [e.attrs["data-coupon-applied"] for e in page.having("data-coupon-applied")] == ["WELCOME10"]
    assert page.amount("coupon") == Decimal("-53.70")
    assert page.amount("total") == Decimal("483.30")
    assert ("success", APPLIED) in page.alerts
    # the remove form replaces the apply form
    assert page.forms("remove-coupon") and not page.forms("apply-coupon")


def test_apply_without_htmx_redirects_to_the_cart_with_a_message(groceries):
    response = groceries.post("/cart/coupon/apply/", {"code": "WELCOME10"})

    page = follow(groceries, response)
    assert ("success", APPLIED) in page.alerts
    assert page.amount("coupon") == Decimal("-53.70")
    assert page.having("data-coupon-applied")


def test_apply_from_the_checkout_page_answers_with_the_checkout_regions(groceries):
    response = groceries.post("/cart/coupon/apply/", {"code": "WELCOME10"}, headers=HTMX_ON_CHECKOUT)

    page = checkout_fragment(response)
    assert cart_changed(response)
    assert page.amount("coupon") == Decimal("-53.70")


def test_apply_without_htmx_goes_back_to_the_page_it_came_from(groceries):
    response = groceries.post("/cart/coupon/apply/", {"code": "WELCOME10", "next": "/checkout/"})

    assert response.status_code == 303
    assert response["Location"] == "/checkout/"


BAD_CODES = [
    ("NOPE99", MSG_COUPON_UNKNOWN.format(code="NOPE99")),
    ("FLAT100", MSG_COUPON_ADD_MORE.format(short=Decimal("462.00"), code="FLAT100")),
    ("STYLE20", MSG_COUPON_NOT_FOR_ITEMS.format(code="STYLE20")),
    ("DIWALI50", MSG_COUPON_EXPIRED),
    ("   ", MSG_COUPON_CODE),
]
BAD_IDS = ["unknown", "below-minimum", "not-for-these-items", "expired", "empty"]


@pytest.mark.parametrize(("code", "message"), BAD_CODES, ids=BAD_IDS)
def test_bad_coupon_with_htmx_explains_and_changes_nothing(groceries, code, message):
    before = snapshot(groceries)

    response = groceries.post("/cart/coupon/apply/", {"code": code}, headers=HTMX)

    page = cart_fragment(response, status=422)
    assert ("error", message) in page.alerts
    assert not cart_changed(response)
    assert not page.having("data-coupon-applied")
    assert snapshot(groceries) == before


@pytest.mark.parametrize(("code", "message"), BAD_CODES, ids=BAD_IDS)
def test_bad_coupon_without_htmx_redirects_with_the_reason(groceries, code, message):
    before = snapshot(groceries)

    response = groceries.post("/cart/coupon/apply/", {"code": code})

    page = follow(groceries, response, to="/cart/#redemptions")  # opens at the offers, where it is said
    assert ("error", message) in page.alerts
    assert snapshot(groceries) == before


def test_coupon_list_marks_each_coupon_applicable_or_not_with_the_reason(groceries):
    response = groceries.get("/cart/coupons/")

    assert response.status_code == 200
    page = Page(response.content)
    reasons = {e.content for e in page.elements if e.attrs.get("class") == "coupon-reason"}
    assert reasons == {
        MSG_COUPON_ADD_MORE.format(short=Decimal("462.00"), code="FLAT100"),
        MSG_COUPON_NOT_FOR_ITEMS.format(code="STYLE20"),
        MSG_COUPON_EXPIRED,
    }
    # only the applicable one can be applied from the list
    assert [f.attrs["action"] for f in page.forms("apply-coupon")] == ["/cart/coupon/apply/"]
    assert 'value="WELCOME10"' in page.html


def test_coupon_list_with_htmx_is_a_fragment(groceries):
    response = groceries.get("/cart/coupons/", headers=HTMX)

    page = Page(response.content)
    assert response.status_code == 200
    assert page.is_fragment
    assert "WELCOME10" in page.html
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_no_coupon_form_when_the_provider_has_no_coupons(groceries, monkeypatch):
    drop_capabilities(monkeypatch, Capability.COUPONS)

    page = cart_page(groceries)

    assert not page.forms("apply-coupon")
    assert "/cart/coupons/" not in page.html
    # the other redemptions are still offered
    assert page.forms("apply-gift-card")
    checkout = Page(groceries.get("/checkout/").content)
    assert not checkout.forms("apply-coupon")
