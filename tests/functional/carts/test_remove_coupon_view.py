"""POST /cart/coupon/remove/ (data-action remove-coupon), with and without htmx."""

from decimal import Decimal

import pytest

from carts.services import MSG_COUPON_REMOVED
from storefront.providers.types import Capability
from tests.checkout_kit import HTMX_ON_CHECKOUT, checkout_fragment, drop_capabilities, fill_groceries
from tests.conftest import HTMX
from tests.functional.pages import cart_changed, cart_fragment, cart_page, follow


@pytest.fixture
def with_coupon(client, demo):
    fill_groceries(client, demo)
    assert client.post("/cart/coupon/apply/", {"code": "WELCOME10"}).status_code == 303
    assert cart_page(client).having("data-coupon-applied")
    return client


def test_remove_with_htmx_restores_the_price(with_coupon):
    response = with_coupon.post("/cart/coupon/remove/", headers=HTMX)

    page = cart_fragment(response)
    assert cart_changed(response)
    assert ("success", MSG_COUPON_REMOVED) in page.alerts
    assert not page.having("data-coupon-applied")
    assert "coupon" not in dict(page.breakup)
    assert page.amount("total") == Decimal("537.00")
    assert page.forms("apply-coupon")


def test_remove_without_htmx_redirects_with_a_message(with_coupon):
    response = with_coupon.post("/cart/coupon/remove/")

    page = follow(with_coupon, response)
    assert ("success", MSG_COUPON_REMOVED) in page.alerts
    assert not page.having("data-coupon-applied")
    assert page.amount("total") == Decimal("537.00")


def test_remove_from_the_checkout_page_answers_with_the_checkout_regions(with_coupon):
    response = with_coupon.post("/cart/coupon/remove/", headers=HTMX_ON_CHECKOUT)

    page = checkout_fragment(response)
    assert "coupon" not in dict(page.breakup)


def test_remove_with_no_cart_says_the_cart_is_empty_and_is_not_a_server_error(client, demo):
    response = client.post("/cart/coupon/remove/", headers=HTMX)

    page = cart_fragment(response, status=422)
    assert any(level == "error" for level, _ in page.alerts)
    assert not cart_changed(response)


def test_no_remove_form_when_the_provider_has_no_coupons(with_coupon, monkeypatch):
    drop_capabilities(monkeypatch, Capability.COUPONS)

    assert not cart_page(with_coupon).forms("remove-coupon")
