"""POST /cart/remove/ (data-action remove-line), with and without htmx."""

from decimal import Decimal

import pytest

from carts.forms import MSG_MISSING_LINE
from carts.services import MSG_REMOVED
from storefront.providers.messages import MSG_CHECKOUT_BLOCKED, MSG_UNKNOWN_LINE
from tests.conftest import HTMX
from tests.functional.pages import add_via_form, cart_changed, cart_fragment, cart_page, follow, snapshot


@pytest.fixture
def two_lines(client, demo) -> tuple[str, str]:
    """(dal ×2 line, almonds ×1 line)"""
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    add_via_form(client, demo, "almonds-500g", quantity=1)
    dal, almonds = cart_page(client).line_ids
    return dal, almonds


def test_remove_with_htmx_swaps_the_cart_regions(client, two_lines):
    dal, almonds = two_lines

    response = client.post("/cart/remove/", {"line": dal}, headers=HTMX)

    page = cart_fragment(response)
    assert cart_changed(response)
    assert page.line_quantities == {almonds: 1}
    assert ("success", MSG_REMOVED) in page.alerts
    assert page.amount("subtotal") == Decimal("549.00")
    assert snapshot(client)[2] == 1


def test_remove_without_htmx_redirects_to_the_cart_with_a_message(client, two_lines):
    dal, almonds = two_lines

    response = client.post("/cart/remove/", {"line": almonds})

    page = follow(client, response)
    assert ("success", MSG_REMOVED) in page.alerts
    assert page.line_quantities == {dal: 2}
    assert page.cart_count == 2


def test_removing_the_last_line_shows_the_empty_cart(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")
    (line,) = cart_page(client).line_ids

    page = cart_fragment(client.post("/cart/remove/", {"line": line}, headers=HTMX))

    assert page.line_ids == []
    assert "Your cart is empty" in page.by_id("cart-lines").content
    assert page.breakup == []  # the ₹0 breakup is gone with the last line


def test_an_unavailable_line_can_be_removed_and_checkout_unblocks(client, demo, two_lines):
    dal, almonds = two_lines
    demo.set_stock(demo.variant("almonds-500g"), 0)
    assert ("error", MSG_CHECKOUT_BLOCKED) in cart_page(client).alerts

    page = cart_fragment(client.post("/cart/remove/", {"line": almonds}, headers=HTMX))

    assert page.line_quantities == {dal: 2}
    assert ("error", MSG_CHECKOUT_BLOCKED) not in page.alerts


BAD_REMOVES = [("999999", MSG_UNKNOWN_LINE), ("abc", MSG_UNKNOWN_LINE), ("", MSG_MISSING_LINE)]


@pytest.mark.parametrize(("line", "message"), BAD_REMOVES, ids=["unknown", "not-a-number", "missing"])
def test_bad_remove_with_htmx_explains_and_changes_nothing(client, two_lines, line, message):
    before = snapshot(client)

    response = client.post("/cart/remove/", {"line": line}, headers=HTMX)

    page = cart_fragment(response, status=422)
    assert ("error", message) in page.alerts
    assert not cart_changed(response)
    assert snapshot(client) == before


@pytest.mark.parametrize(("line", "message"), BAD_REMOVES, ids=["unknown", "not-a-number", "missing"])
def test_bad_remove_without_htmx_explains_and_changes_nothing(client, two_lines, line, message):
    before = snapshot(client)

    page = follow(client, client.post("/cart/remove/", {"line": line}))

    assert ("error", message) in page.alerts
    assert snapshot(client) == before


def test_removing_twice_says_the_item_is_gone(client, two_lines):
    dal, almonds = two_lines
    client.post("/cart/remove/", {"line": dal}, headers=HTMX)

    response = client.post("/cart/remove/", {"line": dal}, headers=HTMX)

    page = cart_fragment(response, status=422)
    assert ("error", MSG_UNKNOWN_LINE) in page.alerts
    assert page.line_quantities == {almonds: 1}
