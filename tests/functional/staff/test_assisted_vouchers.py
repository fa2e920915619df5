"""While assisting, the voucher cart and orders are not offered: vouchers are paid from the
customer's own balances, so customers buy them themselves, never staff on their behalf."""

from __future__ import annotations

import html

import pytest

from tests.conftest import HTMX
from vouchers.views import MSG_NOT_WHILE_ASSISTING

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/vouchers/cart/", "/vouchers/orders/"])
def test_voucher_pages_that_spend_send_an_assisting_staff_member_back(assisting, url):
    response = assisting.get(url)

    assert response.status_code == 303 and response["Location"] == "/vouchers/"
    page = html.unescape(assisting.get("/vouchers/").content.decode())
    assert MSG_NOT_WHILE_ASSISTING in page


def test_a_voucher_add_while_assisting_adds_nothing(assisting):
    response = assisting.post(
        "/vouchers/cart/add/", {"product": "x", "config": "y", "quantity": "1"}, headers=HTMX
    )

    assert response.status_code == 204 and response["HX-Redirect"] == "/vouchers/"
