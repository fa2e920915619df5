"""The cart page with redemptions: breakup rows and markers, forms only for what the provider can
do, and a query budget that does not grow with lines or redemptions."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from storefront.providers.types import Capability
from tests.checkout_kit import DEMO_CARD, DEMO_PIN, drop_capabilities, fill_groceries
from tests.functional.pages import add_via_form, cart_page

REDEMPTION_FORMS = ("apply-coupon", "apply-loyalty", "apply-gift-card", "apply-credit")
TEN_LINES = [
    ("pressure-cooker-5l", None),
    ("cotton-kurta", "M"),
    ("graphic-tee", "S"),
    ("graphic-tee", "M"),
    ("toor-dal-1kg", None),
    ("almonds-500g", None),
    ("copper-bottle", None),
    ("usb-c-cable", None),
    ("beard-oil", None),
    ("herbal-shampoo", None),
]


def redeem_everything(client) -> None:
    for url, data in [
        ("/cart/coupon/apply/", {"code": "WELCOME10"}),
        ("/cart/loyalty/apply/", {"points": "100"}),
        ("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN}),
        ("/cart/credit/apply/", {}),
    ]:
        assert client.post(url, data).status_code == 303
    page = cart_page(client)  # consumes the messages
    assert {"coupon", "loyalty_points", "gift_card", "credit_balance"} <= set(dict(page.breakup))


def page_queries(client) -> int:
    client.get("/cart/")  # the session is cached after a first read
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/cart/")
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("lines", [1, 10])
def test_cart_page_with_every_redemption_stays_within_six_queries(signed_in_client, demo, lines):
    for slug, label in TEN_LINES[:lines]:
        add_via_form(signed_in_client, demo, slug, label=label)
    redeem_everything(signed_in_client)

    assert len(cart_page(signed_in_client).line_ids) == lines
    assert page_queries(signed_in_client) <= 6


def test_cart_page_queries_are_the_same_for_one_and_ten_lines(signed_in_client, demo):
    add_via_form(signed_in_client, demo, "pressure-cooker-5l")
    redeem_everything(signed_in_client)
    one_line = page_queries(signed_in_client)

    for slug, label in TEN_LINES[1:]:
        add_via_form(signed_in_client, demo, slug, label=label)
    ten_lines = page_queries(signed_in_client)

    assert ten_lines == one_line


def test_redemption_rows_are_negative_and_in_the_stacking_order(signed_in_client, demo):
    add_via_form(signed_in_client, demo, "pressure-cooker-5l")
    redeem_everything(signed_in_client)

    page = cart_page(signed_in_client)

    assert [key for key, _ in page.breakup] == [
        "mrp_total",
        "discount",
        "subtotal",
        "coupon",
        "loyalty_points",
        "delivery_charge",
        "gift_card",
        "credit_balance",
        "total",
        "gst_charges",
        "you_saved",
    ]
    assert (page.amount("coupon"), page.amount("loyalty_points")) == (Decimal("-200.00"), Decimal("-25.00"))
    assert (page.amount("gift_card"), page.amount("credit_balance")) == (
        Decimal("-500.00"),
        Decimal("-250.00"),
    )
    assert page.amount("total") == Decimal("1724.00")
    assert [e.attrs["data-coupon-applied"] for e in page.having("data-coupon-applied")] == ["WELCOME10"]


def test_a_cart_paid_in_full_shows_a_zero_total_and_can_still_check_out(client, demo):
    fill_groceries(client, demo, quantity=2)
    client.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN})

    page = cart_page(client)

    assert page.amount("total") == Decimal("0.00")
    assert [e.attrs["href"] for e in page.elements if e.tag == "a" and e.attrs.get("href") == "/checkout/"]


def test_no_redemption_forms_when_the_provider_offers_none(signed_in_client, demo, monkeypatch):
    fill_groceries(signed_in_client, demo)
    assert all(cart_page(signed_in_client).forms(action) for action in REDEMPTION_FORMS)

    drop_capabilities(
        monkeypatch, Capability.COUPONS, Capability.LOYALTY, Capability.GIFT_CARDS, Capability.STORE_CREDIT
    )

    page = cart_page(signed_in_client)
    assert not any(page.forms(action) for action in REDEMPTION_FORMS)
    assert page.forms("update-meta") and page.forms("update-line")
