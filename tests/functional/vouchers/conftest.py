"""Voucher fixtures: the demo customer with enough balance for vouchers, signed in, and helpers
that read the voucher pages through the contract's markers."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from storefront.providers.local import models as m
from storefront.providers.local import voucher_models as vm
from tests.conftest import HTMX
from tests.functional.pages import Page

__all__ = ["HTMX"]


@pytest.fixture
def wallet(shopper):
    """₹250 store credit (as seeded) and 12,800 points (₹3,200): what `make run` gives."""
    m.LoyaltyAccount.objects.filter(user=shopper).update(points=12_800)
    return shopper


@pytest.fixture
def buyer(client, wallet):
    client.force_login(wallet, backend="storefront.accounts.EmailBackend")
    return client


@pytest.fixture
def instant():
    """The demo brands issue their vouchers at once (no fulfilment wait)."""
    vm.LocalVoucherBrand.objects.update(fulfil_seconds=0)


@pytest.fixture
def other_client(demo):
    from django.test import Client

    user = get_user_model().objects.create_user("other@example.com", "other@example.com", "pw-other-123")
    client = Client()
    client.force_login(user, backend="storefront.accounts.EmailBackend")
    return client


def add(client, product: str, config: str, quantity: int | str = 1, amount: str = "", **headers):
    data = {"product": product, "config": config, "quantity": quantity}
    if amount:
        data["amount"] = amount
    return client.post("/vouchers/cart/add/", data, headers=headers or None)


def cart_page(client) -> Page:
    response = client.get("/vouchers/cart/")
    assert response.status_code == 200
    return Page(response.content)


def place_key(page: Page) -> str:
    (form,) = [e for e in page.elements if e.attrs.get("data-action") == "voucher-place-order"]
    key = next(e for e in page.elements if e.attrs.get("name") == "idempotency_key")
    return key.attrs["value"]


def place(client, key: str, **headers):
    return client.post("/vouchers/cart/place-order/", {"idempotency_key": key}, headers=headers or None)


def order_reference(response) -> str:
    found = re.search(
        r"/vouchers/orders/(SF[0-9A-F]+)/",
        response.headers.get("Location") or response.headers.get("HX-Redirect", ""),
    )
    assert found, response
    return found.group(1)


def amount(page: Page, key: str) -> Decimal:
    row = next(e for e in page.elements if e.attrs.get("data-breakup-key") == key)
    return Decimal(row.attrs["data-amount"])
