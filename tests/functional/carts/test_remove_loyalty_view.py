"""POST /cart/loyalty/remove/ (data-action remove-loyalty), with and without htmx."""

from decimal import Decimal

import pytest

from carts.services import MSG_POINTS_REMOVED
from storefront.providers.types import Capability
from tests.checkout_kit import HTMX_ON_CHECKOUT, checkout_fragment, drop_capabilities, fill_groceries
from tests.conftest import HTMX
from tests.functional.pages import cart_changed, cart_fragment, cart_page, follow


@pytest.fixture
def with_points(signed_in_client, demo):
    fill_groceries(signed_in_client, demo)
    assert signed_in_client.post("/cart/loyalty/apply/", {"points": "200"}).status_code == 303
    assert cart_page(signed_in_client).amount("loyalty_points") == Decimal("-50.00")
    return signed_in_client


def test_stop_using_points_with_htmx(with_points):
    response = with_points.post("/cart/loyalty/remove/", headers=HTMX)

    page = cart_fragment(response)
    assert cart_changed(response)
    assert ("success", MSG_POINTS_REMOVED) in page.alerts
    assert "loyalty_points" not in dict(page.breakup)
    assert page.amount("total") == Decimal("537.00")
    assert page.forms("apply-loyalty")


def test_stop_using_points_without_htmx(with_points):
    page = follow(with_points, with_points.post("/cart/loyalty/remove/"))

    assert ("success", MSG_POINTS_REMOVED) in page.alerts
    assert "loyalty_points" not in dict(page.breakup)


def test_stop_using_points_on_the_checkout_page(with_points):
    page = checkout_fragment(with_points.post("/cart/loyalty/remove/", headers=HTMX_ON_CHECKOUT))

    assert "loyalty_points" not in dict(page.breakup)


def test_no_remove_form_when_the_provider_has_no_loyalty(with_points, monkeypatch):
    drop_capabilities(monkeypatch, Capability.LOYALTY)

    assert not cart_page(with_points).forms("remove-loyalty")
