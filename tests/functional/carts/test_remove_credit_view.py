"""POST /cart/credit/remove/ (data-action remove-credit), with and without htmx."""

from decimal import Decimal

import pytest

from carts.services import MSG_CREDIT_REMOVED
from storefront.providers.types import Capability
from tests.checkout_kit import HTMX_ON_CHECKOUT, checkout_fragment, drop_capabilities, fill_groceries
from tests.conftest import HTMX
from tests.functional.pages import cart_changed, cart_fragment, cart_page, follow


@pytest.fixture
def with_credit(signed_in_client, demo):
    fill_groceries(signed_in_client, demo)
    assert signed_in_client.post("/cart/credit/apply/").status_code == 303
    assert cart_page(signed_in_client).amount("credit_balance") == Decimal("-250.00")
    return signed_in_client


def test_stop_using_credit_with_htmx(with_credit):
    response = with_credit.post("/cart/credit/remove/", headers=HTMX)

    page = cart_fragment(response)
    assert cart_changed(response)
    assert ("success", MSG_CREDIT_REMOVED) in page.alerts
    assert "credit_balance" not in dict(page.breakup)
    assert page.amount("total") == Decimal("537.00")
    assert page.forms("apply-credit")


def test_stop_using_credit_without_htmx(with_credit):
    page = follow(with_credit, with_credit.post("/cart/credit/remove/"))

    assert ("success", MSG_CREDIT_REMOVED) in page.alerts
    assert "credit_balance" not in dict(page.breakup)


def test_stop_using_credit_on_the_checkout_page(with_credit):
    page = checkout_fragment(with_credit.post("/cart/credit/remove/", headers=HTMX_ON_CHECKOUT))

    assert "credit_balance" not in dict(page.breakup)


def test_no_remove_form_when_the_provider_has_no_store_credit(with_credit, monkeypatch):
    drop_capabilities(monkeypatch, Capability.STORE_CREDIT)

    assert not cart_page(with_credit).forms("remove-credit")
