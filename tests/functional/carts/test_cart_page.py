"""GET /cart/: the contract's page markers and the page's query budget."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from storefront.providers.messages import MSG_CHECKOUT_BLOCKED, MSG_LINE_OUT_OF_STOCK
from tests.conftest import HTMX
from tests.functional.pages import Page, add_via_form, cart_page

BREAKUP_ORDER = ["mrp_total", "discount", "subtotal", "delivery_charge", "total", "gst_charges", "you_saved"]


def test_empty_cart_page_shows_an_empty_cart(client, demo):
    page = cart_page(client)

    assert page.cart_count == 0
    assert page.line_ids == []
    assert "Your cart is empty" in page.by_id("cart-lines").content
    assert page.forms("clear-cart") == []
    assert all(amount == "0.00" for _, amount in page.breakup)


def test_cart_page_markers_follow_the_cart(client, demo):
    # given 2 × dal and a kurta in size M
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    add_via_form(client, demo, "cotton-kurta", label="M")

    page = cart_page(client)

    # then the badge counts items, each line carries its quantity, and the breakup is in provider order
    assert page.cart_count == 3
    assert sorted(page.line_quantities.values()) == [1, 2]
    assert page.breakup == [
        ("mrp_total", "1919.00"),
        ("discount", "-562.00"),
        ("subtotal", "1357.00"),
        ("delivery_charge", "0.00"),
        ("total", "1357.00"),
        ("gst_charges", "64.62"),
        ("you_saved", "562.00"),
    ]
    # each line offers the update and remove forms the contract names, and the cart a clear form
    assert len(page.forms("update-line")) == 2
    assert len(page.forms("remove-line")) == 2
    assert len(page.forms("clear-cart")) == 1


def test_amount_markers_are_plain_decimals(client, demo):
    add_via_form(client, demo, "toor-dal-1kg", quantity=1)

    page = cart_page(client)

    assert [key for key, _ in page.breakup] == BREAKUP_ORDER
    for key, amount in page.breakup:
        assert Decimal(amount).as_tuple().exponent == -2, key
        assert "," not in amount and "₹" not in amount
    # a small order pays delivery, shown as a positive charge; the discount is a negative deduction
    assert page.amount("delivery_charge") == Decimal("49.00")
    assert page.amount("discount") == Decimal("-31.00")
    assert page.amount("total") == Decimal("228.00")


def test_delivery_promise_markers_appear_after_a_serviceable_pincode(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")
    assert cart_page(client).delivery() == []

    client.post("/cart/check-delivery/", {"pincode": "560001"})
    page = cart_page(client)

    ((low, high),) = page.delivery("delivery-promise")
    assert datetime.fromisoformat(low) <= datetime.fromisoformat(high)
    assert datetime.fromisoformat(low).tzinfo is not None
    (line_id,) = page.line_ids
    assert page.delivery(line_id) == [(low, high)]
    assert "560001" in page.by_id("delivery-promise").content


def test_unavailable_line_is_marked_and_blocks_checkout_on_the_page(client, demo):
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    add_via_form(client, demo, "almonds-500g")
    demo.set_stock(demo.variant("almonds-500g"), 0)

    page = cart_page(client)

    almonds = next(lid for lid in page.line_ids if "California Almonds" in page.line(lid).content)
    assert "is-unavailable" in page.line(almonds).attrs["class"]
    assert ("error", MSG_LINE_OUT_OF_STOCK) in page.alerts_inside(almonds)
    assert ("error", MSG_CHECKOUT_BLOCKED) in page.alerts
    assert page.amount("subtotal") == Decimal("358.00")
    # the unavailable line still has its remove form
    assert any(f.inside("data-line-id").attrs["data-line-id"] == almonds for f in page.forms("remove-line"))


def _fill(client, demo, lines: int) -> None:
    """Dal first (the line the fragment test edits), then other in-stock products."""
    add_via_form(client, demo, "toor-dal-1kg")
    others = [p for p in demo.in_stock_single_variant_products(lines + 1) if p.slug != "toor-dal-1kg"]
    for product in others[: lines - 1]:
        add_via_form(client, demo, product.slug)
    client.post("/cart/check-delivery/", {"pincode": "560001"})
    client.get("/cart/")  # consume the messages
    assert len(cart_page(client).line_ids) == lines


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/cart/")
    assert response.status_code == 200
    return len(ctx)


def _fragment_queries(client) -> int:
    dal = cart_page(client).line_ids[0]
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/cart/update/", {"line": dal, "quantity": "2"}, headers=HTMX)
    assert response.status_code == 200
    assert Page(response.content).line_quantities[dal] == 2
    return len(ctx)


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_cart_page_queries_do_not_grow_with_lines(client, demo, shopper, signed_in):
    # given two shoppers, one with 1 line and one with 20
    if signed_in:
        client.force_login(shopper, backend="storefront.accounts.EmailBackend")
    _fill(client, demo, 1)
    one_line = _page_queries(client)
    assert client.post("/cart/clear/").status_code == 303
    _fill(client, demo, 20)

    # when each opens the cart page / then the page costs the same, and at most 6 queries
    twenty_lines = _page_queries(client)
    assert twenty_lines == one_line
    assert one_line <= 6


def test_update_line_fragment_queries_do_not_grow_with_lines(client, demo):
    _fill(client, demo, 1)
    one_line = _fragment_queries(client)
    client.post("/cart/clear/")
    _fill(client, demo, 20)

    twenty_lines = _fragment_queries(client)

    assert twenty_lines == one_line
