"""POST /cart/loyalty/apply/ (data-action apply-loyalty), with and without htmx."""

from decimal import Decimal

import pytest

from carts.forms import MSG_POINTS
from carts.services import MSG_POINTS_APPLIED
from storefront.providers.local import models as m
from storefront.providers.local.redemptions import MSG_TOO_MANY_POINTS
from storefront.providers.messages import MSG_SIGN_IN_POINTS
from storefront.providers.types import Capability
from tests.checkout_kit import HTMX_ON_CHECKOUT, checkout_fragment, drop_capabilities, fill_groceries
from tests.conftest import HTMX
from tests.functional.pages import cart_changed, cart_fragment, cart_page, follow, snapshot


@pytest.fixture
def groceries(signed_in_client, demo):
    fill_groceries(signed_in_client, demo)  # ₹537: up to 429 points
    return signed_in_client


def test_the_cart_offers_the_applicable_points(groceries):
    page = cart_page(groceries)

    (form,) = page.forms("apply-loyalty")
    assert "800" in page.by_id("redemptions").content
    assert 'max="429"' in page.html


def test_apply_all_points_with_htmx(groceries, shopper):
    response = groceries.post("/cart/loyalty/apply/", {"points": ""}, headers=HTMX)

    page = cart_fragment(response)
    assert cart_changed(response)
    assert ("success", MSG_POINTS_APPLIED.format(points=429)) in page.alerts
    assert page.amount("loyalty_points") == Decimal("-107.25")
    assert page.amount("total") == Decimal("429.75")
    assert page.forms("remove-loyalty")
    # points are only spent when the order is placed
    assert m.LoyaltyAccount.objects.get(user=shopper).points == 800


def test_apply_a_chosen_number_without_htmx(groceries):
    response = groceries.post("/cart/loyalty/apply/", {"points": "100"})

    page = follow(groceries, response)
    assert ("success", MSG_POINTS_APPLIED.format(points=100)) in page.alerts
    assert page.amount("loyalty_points") == Decimal("-25.00")


def test_apply_from_the_checkout_page(groceries):
    response = groceries.post("/cart/loyalty/apply/", {"points": "40"}, headers=HTMX_ON_CHECKOUT)

    page = checkout_fragment(response)
    assert page.amount("loyalty_points") == Decimal("-10.00")


BAD_POINTS = [
    ("430", MSG_TOO_MANY_POINTS.format(n=429)),
    ("lots", MSG_POINTS),
    ("0", MSG_POINTS),
    ("-5", MSG_POINTS),
]


@pytest.mark.parametrize(
    ("points", "message"), BAD_POINTS, ids=["too-many", "not-a-number", "zero", "negative"]
)
def test_bad_points_with_htmx_explain_and_change_nothing(groceries, points, message):
    before = snapshot(groceries)

    response = groceries.post("/cart/loyalty/apply/", {"points": points}, headers=HTMX)

    page = cart_fragment(response, status=422)
    assert ("error", message) in page.alerts
    assert not cart_changed(response)
    assert snapshot(groceries) == before


@pytest.mark.parametrize(
    ("points", "message"), BAD_POINTS, ids=["too-many", "not-a-number", "zero", "negative"]
)
def test_bad_points_without_htmx_redirect_with_the_reason(groceries, points, message):
    before = snapshot(groceries)

    page = follow(groceries, groceries.post("/cart/loyalty/apply/", {"points": points}))

    assert ("error", message) in page.alerts
    assert snapshot(groceries) == before


def test_guest_is_asked_to_sign_in(client, demo):
    fill_groceries(client, demo)
    assert not cart_page(client).forms("apply-loyalty")

    page = follow(client, client.post("/cart/loyalty/apply/", {"points": ""}))

    assert ("error", MSG_SIGN_IN_POINTS) in page.alerts
    assert "loyalty_points" not in dict(page.breakup)


def test_no_points_form_when_the_provider_has_no_loyalty(groceries, monkeypatch):
    drop_capabilities(monkeypatch, Capability.LOYALTY)

    page = cart_page(groceries)

    assert not page.forms("apply-loyalty")
    assert page.forms("apply-coupon")
