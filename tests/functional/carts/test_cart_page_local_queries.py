"""The cart page on the local provider, by query: the provider reads a cart in two queries (the
cart row, its lines with their stock), one more when the redemptions name a coupon, a store or an
address, one more for gift cards; a signed-in page adds the user row. Tighter than the page's
budget of six (test_cart_page.py), and the same for one line and ten."""

import pytest

from tests.functional.carts.test_cart_page_redemptions import TEN_LINES, page_queries, redeem_everything
from tests.functional.pages import add_via_form, cart_page


@pytest.mark.parametrize("lines", [1, 10])
def test_a_guests_cart_page_costs_at_most_two_queries(client, demo, lines):
    for slug, label in TEN_LINES[:lines]:
        add_via_form(client, demo, slug, label=label)
    assert len(cart_page(client).line_ids) == lines

    assert page_queries(client) <= 2


@pytest.mark.parametrize("lines", [1, 10])
def test_a_signed_in_cart_page_with_every_redemption_costs_at_most_five_queries(
    signed_in_client, demo, lines
):
    for slug, label in TEN_LINES[:lines]:
        add_via_form(signed_in_client, demo, slug, label=label)
    redeem_everything(signed_in_client)

    assert page_queries(signed_in_client) <= 5
