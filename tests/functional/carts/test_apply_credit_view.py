"""POST /cart/credit/apply/ (data-action apply-credit), with and without htmx."""

from decimal import Decimal

import pytest

from carts.services import MSG_CREDIT_APPLIED
from storefront.providers.local import models as m
from storefront.providers.local.redemptions import MSG_NO_CREDIT, MSG_SIGN_IN_CREDIT
from storefront.providers.types import Capability
from tests.checkout_kit import HTMX_ON_CHECKOUT, checkout_fragment, drop_capabilities, fill_groceries
from tests.conftest import HTMX
from tests.functional.pages import cart_changed, cart_fragment, cart_page, follow, snapshot


@pytest.fixture
def groceries(signed_in_client, demo):
    fill_groceries(signed_in_client, demo)  # ₹537
    return signed_in_client


def test_use_credit_with_htmx(groceries, shopper):
    response = groceries.post("/cart/credit/apply/", headers=HTMX)

    page = cart_fragment(response)
    assert cart_changed(response)
    assert ("success", MSG_CREDIT_APPLIED) in page.alerts
    assert page.amount("credit_balance") == Decimal("-250.00")
    assert page.amount("total") == Decimal("287.00")
    assert page.forms("remove-credit") and not page.forms("apply-credit")
    # taken only when the order is placed
    assert m.StoreCredit.objects.get(user=shopper).balance == Decimal("250.00")


def test_use_credit_without_htmx(groceries):
    page = follow(groceries, groceries.post("/cart/credit/apply/"))

    assert ("success", MSG_CREDIT_APPLIED) in page.alerts
    assert page.amount("credit_balance") == Decimal("-250.00")


def test_use_credit_on_the_checkout_page(groceries):
    page = checkout_fragment(groceries.post("/cart/credit/apply/", headers=HTMX_ON_CHECKOUT))

    assert page.amount("credit_balance") == Decimal("-250.00")


def test_guest_is_asked_to_sign_in(client, demo):
    fill_groceries(client, demo)
    assert not cart_page(client).forms("apply-credit")
    before = snapshot(client)

    page = cart_fragment(client.post("/cart/credit/apply/", headers=HTMX), status=422)

    assert ("error", MSG_SIGN_IN_CREDIT) in page.alerts
    assert snapshot(client) == before


def test_a_customer_without_credit_is_told_so(groceries, shopper):
    m.StoreCredit.objects.filter(user=shopper).update(balance=0)
    assert not cart_page(groceries).forms("apply-credit")

    page = follow(groceries, groceries.post("/cart/credit/apply/"))

    assert ("error", MSG_NO_CREDIT) in page.alerts
    assert "credit_balance" not in dict(page.breakup)


def test_no_credit_form_when_the_provider_has_no_store_credit(groceries, monkeypatch):
    drop_capabilities(monkeypatch, Capability.STORE_CREDIT)

    page = cart_page(groceries)

    assert not page.forms("apply-credit")
    assert page.forms("apply-loyalty")
