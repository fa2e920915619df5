"""An empty cart is a way back to shopping, nothing else (issue 9, point 10): no ₹0 breakup, no
pincode box, no offers, no share link; with htmx the regions a later add fills are still there,
hidden."""

from __future__ import annotations

import pytest

from tests.conftest import HTMX
from tests.functional.pages import Page, add_via_form, cart_fragment, cart_page


def _empty_cart_shows_only_the_way_back(page: Page) -> None:
    assert page.breakup == []
    assert (
        not page.forms("check-delivery") and not page.forms("share-cart") and not page.forms("apply-coupon")
    )
    assert "₹0" not in page.html
    for region in ("price-breakup", "delivery-promise", "redemptions"):
        assert "hidden" in page.by_id(region).attrs, region
    (back,) = [e for e in page.elements if e.tag == "a" and e.content == "Start shopping"]
    assert back.attrs["href"] == "/products/"


def test_a_new_visitors_cart_is_only_a_way_back_to_shopping(client, demo):
    _empty_cart_shows_only_the_way_back(cart_page(client))


def test_a_signed_in_customers_empty_cart_too(signed_in_client):
    _empty_cart_shows_only_the_way_back(cart_page(signed_in_client))


@pytest.mark.parametrize("htmx", [True, False])
def test_removing_the_last_line_leaves_only_the_way_back(client, demo, htmx):
    add_via_form(client, demo, "toor-dal-1kg")
    (line,) = cart_page(client).line_ids
    if htmx:
        _empty_cart_shows_only_the_way_back(
            cart_fragment(client.post("/cart/remove/", {"line": line}, headers=HTMX))
        )
    else:
        client.post("/cart/remove/", {"line": line})
        _empty_cart_shows_only_the_way_back(cart_page(client))


def test_a_cart_with_items_shows_breakup_pincode_offers_and_sharing(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")
    page = cart_page(client)
    assert page.amount("total") > 0
    assert page.forms("check-delivery") and page.forms("share-cart") and page.forms("apply-coupon")
    assert "hidden" not in page.by_id("price-breakup").attrs
