"""The Commerce Engine journeys in real chromium, through the storefront's own pages.

The storefront is configured as an operator does it (`manage.py provider add --kind commerce_engine
... --activate`) against the stateful fake Commerce Engine server (tests/fakes/commerce_engine_server.py),
and the shopper goes product → cart → redemptions → checkout → the hosted payment page (served by the
fake) → back to our payment page. The assertions are the storefront contract's markers plus what the
fake received and holds (its cart, its order, its call log).
"""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from storefront.models import ProviderAccount
from tests.fakes.commerce_engine_server import (
    CUSTOMER_PHONE,
    FakeCommerceEngine,
    fake_commerce_engine,  # noqa: F401 - the fixture
)

from .helpers import add_product, breakup_row, expect_count, lines, message, shoot

pytestmark = pytest.mark.browser

RICE = "01JCEPRD000000000000000002"
TEA = "01JCEPRD000000000000000003"
PAY_PAGE = re.compile(r"/pay/CE\d+/\w+$")


# ---------------------------------------------------------------------------- set-up


@pytest.fixture
def ce(store: str, fake_commerce_engine: FakeCommerceEngine) -> FakeCommerceEngine:  # noqa: F811
    """The seeded store, switched to the fake Commerce Engine from the shell, gift cards on."""
    fake = fake_commerce_engine
    out = StringIO()
    call_command(
        "provider", "add", "--kind", "commerce_engine", "--name", "ce-test", "--base-url", fake.api_url,
        "--set", f"store_id={fake.store_id}", "--set", f"api_key={fake.api_key}", "--set", "gift_cards=on",
        "--activate", stdout=out,
    )  # fmt: skip
    assert ProviderAccount.objects.get(active_for_shop=True).name == "ce-test"
    yield fake
    assert fake.errors == [], "the fake Commerce Engine server hit a bug:\n" + "\n".join(fake.errors)


@pytest.fixture
def shots(output_dir: Path) -> Path:
    """Screenshots of each step at phone and desktop size, in test-output/ (looked at by hand)."""
    return output_dir


# ---------------------------------------------------------------------------- helpers


def the_cart(fake: FakeCommerceEngine) -> dict:
    """The one active cart with lines on the fake, as the fake would answer it."""
    carts = [c for c in fake.carts.values() if c["active"] and c["lines"] and c["expires_at"] > fake.now()]
    assert len(carts) == 1, carts
    with fake._lock:
        return fake.cart_json(carts[0])


def fill_address(page: Page, *, pincode: str = "560001") -> None:
    form = page.locator('form[data-action="set-address"]')
    form.get_by_label("Full name").fill("Ravi Kumar")
    form.get_by_label("Mobile number").fill("9812345678")
    form.get_by_label("House, building, street").fill("12 Link Road")
    form.get_by_label("City").fill("Bengaluru")
    form.get_by_label("State").select_option("Karnataka")
    form.get_by_label("Pincode").fill(pincode)
    form.get_by_role("button", name="Save and deliver here").click()


def apply_coupon(page: Page, code: str) -> None:
    form = page.locator('form[data-action="apply-coupon"]').first
    form.get_by_label("Coupon code").fill(code)
    form.get_by_role("button", name="Apply").click()
    expect(page.locator(f'[data-coupon-applied="{code}"]').first).to_be_visible()


def expect_amount(page: Page, key: str, amount) -> None:
    row = breakup_row(page.locator("#price-breakup"), key)
    expect(row).to_have_attribute("data-amount", f"{Decimal(str(amount)):.2f}")


# ---------------------------------------------------------------------------- journeys


def test_guest_cart_with_coupon_checks_out_and_pays_on_the_hosted_page(page: Page, ce, shots):
    add_product(page, "basmati-rice-5kg", count=1)
    page.goto("/cart/")
    expect(lines(page)).to_have_count(1)
    apply_coupon(page, "SAVE10")
    fake_cart = the_cart(ce)
    assert fake_cart["coupon_code"] == "SAVE10"
    expect_amount(page, "coupon", -Decimal(str(fake_cart["coupon_discount_amount"])))
    expect_amount(page, "total", fake_cart["to_be_paid"])
    shoot(page, shots, "ce-cart-coupon")
    page.goto("/checkout/")
    fill_address(page)
    expect(page.locator('form[data-action="place-order"] button[type=submit]')).to_be_enabled()
    shoot(page, shots, "ce-checkout")
    page.locator('form[data-action="place-order"] button[type=submit]').click()
    expect(page).to_have_url(PAY_PAGE)
    number = page.locator("[data-order-number]").inner_text()
    assert ce.order(number)["payment_status"] == "pending"
    page.locator('[data-action="gateway-pay"]').click()
    expect(page.locator("[data-payment-state]").first).to_have_attribute("data-payment-state", "paid")
    expect(page.locator(f'[data-order-id="{number}"]').first).to_be_visible()
    shoot(page, shots, "ce-paid")
    assert ce.order(number)["payment_status"] == "success"
    assert ce.count("POST", "/orders") == 1
    expect_count(page, 0)


def place_order(page: Page) -> None:
    """Checkout: a guest types an address; a customer with a saved one delivers there."""
    page.goto("/checkout/")
    saved = page.locator('input[type=radio][name="address"]')
    if saved.count():
        saved.first.check()
        page.get_by_role("button", name="Deliver here").click()
    else:
        fill_address(page)
    button = page.locator('form[data-action="place-order"] button[type=submit]')
    expect(button).to_be_enabled()
    button.click()


def test_a_failed_payment_is_retried_from_our_page_and_then_paid(page: Page, ce, shots):
    add_product(page, "basmati-rice-5kg", count=1)
    place_order(page)
    expect(page).to_have_url(PAY_PAGE)
    first_page = page.url
    number = page.locator("[data-order-number]").inner_text()
    page.locator('[data-action="gateway-fail"]').click()
    state = page.locator("[data-payment-state]").first
    expect(state).to_have_attribute("data-payment-state", "failed")
    expect(message(page, "error", re.compile(".")).first).to_be_visible()
    shoot(page, shots, "ce-payment-failed")
    assert ce.order(number)["payment_status"] == "failed"
    page.locator('form[data-action="retry-payment"] button[type=submit]').click()
    expect(page).to_have_url(PAY_PAGE)
    assert page.url != first_page  # a new payment request
    page.locator('[data-action="gateway-pay"]').click()
    expect(page.locator("[data-payment-state]").first).to_have_attribute("data-payment-state", "paid")
    assert ce.order(number)["payment_status"] == "success"
    assert [p["status"] for p in ce.order(number)["payments"]] == ["failed", "success"]
    assert ce.count("POST", "/orders") == 1
    assert ce.count_endpoint("POST", "/orders/{order_number}/retry-payment") == 1


def otp_sign_in(page: Page, ce, phone: str = CUSTOMER_PHONE) -> None:
    page.goto("/accounts/login/")
    start = page.locator('form[data-action="otp-start"]')
    start.get_by_role("radio", name="Mobile number").check()
    start.locator("[name=value]").fill(phone)
    start.locator("button[type=submit]").click()
    verify = page.locator('form[data-action="otp-verify"]')
    expect(verify).to_be_visible()
    verify.locator("[name=otp]").fill(ce.otp_for(phone))
    verify.locator("button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/(login|otp)/"))


def test_otp_sign_in_keeps_the_cart_and_loyalty_points_lower_the_payment(page: Page, ce, shots):
    add_product(page, "basmati-rice-5kg", count=1)
    guest_cart = the_cart(ce)
    otp_sign_in(page, ce)
    asha = ce.customer(CUSTOMER_PHONE)
    page.goto("/cart/")
    expect(lines(page)).to_have_count(1)
    carried = [c for c in ce.carts.values() if c["active"] and c["lines"]]
    assert [c["user_id"] for c in carried] == [asha["id"]] and carried[0]["id"] == guest_cart["id"]
    page.locator('form[data-action="apply-loyalty"] button[type=submit]').click()
    points = breakup_row(page.locator("#price-breakup"), "loyalty_points")
    expect(points).to_have_attribute("data-amount", "-500.00")
    fake_cart = the_cart(ce)
    assert fake_cart["loyalty_points_redeemed"] == 500 and fake_cart["to_be_paid"] == Decimal("181.45")
    expect_amount(page, "total", fake_cart["to_be_paid"])
    shoot(page, shots, "ce-loyalty")
    place_order(page)
    expect(page).to_have_url(PAY_PAGE)
    expect(page.locator("[data-amount]")).to_have_text("₹181.45")
    number = page.locator("[data-order-number]").inner_text()
    page.locator('[data-action="gateway-pay"]').click()
    expect(page.locator("[data-payment-state]").first).to_have_attribute("data-payment-state", "paid")
    assert ce.order(number)["loyalty_points_redeemed"] == 500
    assert asha["points"] == 0 + ce.order(number)["loyalty_points_earned"]
    page.goto("/orders/")
    expect(page.get_by_text(number).first).to_be_visible()


def test_guest_redeems_a_gift_card_and_removes_it(page: Page, ce, shots):
    add_product(page, "basmati-rice-5kg", count=1)
    page.goto("/cart/")
    form = page.locator('form[data-action="apply-gift-card"]')
    form.get_by_label("Gift card number").fill("GIFT-0250-BAD")
    form.get_by_label("Pin").fill("1111")
    form.get_by_role("button", name="Apply gift card").click()
    expect(message(page, "error", re.compile("gift card", re.I)).first).to_be_visible()
    form.get_by_label("Gift card number").fill("GIFT-0250-BBBB")
    form.get_by_label("Pin").fill("1111")
    form.get_by_role("button", name="Apply gift card").click()
    expect(breakup_row(page.locator("#price-breakup"), "gift_card")).to_have_attribute(
        "data-amount", "-250.00"
    )
    fake_cart = the_cart(ce)
    assert fake_cart["gift_card_code"] == "GIFT-0250-BBBB" and fake_cart["gift_card_amount"] == 250
    expect_amount(page, "total", fake_cart["to_be_paid"])
    assert "1111" not in page.content()  # the pin is never shown back
    shoot(page, shots, "ce-gift-card")
    page.get_by_role("button", name="Remove gift card ending BBBB").click()
    expect(breakup_row(page.locator("#price-breakup"), "gift_card")).to_have_count(0)
    assert the_cart(ce)["gift_card_code"] is None
    expect_amount(page, "total", the_cart(ce)["to_be_paid"])


def test_an_access_token_expiring_mid_journey_is_invisible(page: Page, ce):
    add_product(page, "basmati-rice-5kg", count=1)
    page.goto("/cart/")
    ce.reset_counts()
    assert ce.expire_access_tokens() >= 1
    line = lines(page).first
    line.locator("input[name=quantity]").fill("2")
    line.locator("input[name=quantity]").press("Enter")
    expect(lines(page).first.locator("[data-line-quantity]")).to_have_attribute("data-line-quantity", "2")
    expect(page.locator('[role="alert"][data-message-level="error"]')).to_have_count(0)
    assert the_cart(ce)["cart_items"][0]["quantity"] == 2
    refreshes = ce.calls_to("/auth/refresh-token", "POST")
    assert len(refreshes) == 1, [c.path for c in ce.calls]
    # the update went once with the expired token (401) and once after the refresh
    assert ce.count_endpoint("POST", "/carts/{id}/items") == 2
    assert ce.count("POST", "/auth/anonymous") == 0  # the shopper kept their Commerce Engine user
    expect_count(page, 2)
    # again: the second refresh must use the rotated refresh token (the first one is spent)
    ce.expire_access_tokens()
    line = lines(page).first
    line.locator("input[name=quantity]").fill("3")
    line.locator("input[name=quantity]").press("Enter")
    expect(lines(page).first.locator("[data-line-quantity]")).to_have_attribute("data-line-quantity", "3")
    expect(page.locator('[role="alert"][data-message-level="error"]')).to_have_count(0)
    refreshes = ce.calls_to("/auth/refresh-token", "POST")
    assert len(refreshes) == 2
    assert refreshes[0].body["refresh_token"] != refreshes[1].body["refresh_token"]
    assert the_cart(ce)["cart_items"][0]["quantity"] == 3 and ce.count("POST", "/auth/anonymous") == 0


def test_checkout_and_payment_work_with_javascript_off(nojs_page: Page, ce, shots):
    page = nojs_page
    page.goto("/products/basmati-rice-5kg/")
    page.locator('form[data-action="add-to-cart"]').get_by_role("button", name="Add to cart").click()
    expect_count(page, 1)
    page.goto("/cart/")
    apply_coupon(page, "FLAT100OFF")
    expect_amount(page, "coupon", -100)
    place_order(page)
    expect(page).to_have_url(PAY_PAGE)
    number = page.locator("[data-order-number]").inner_text()
    page.locator('[data-action="gateway-pay"]').click()
    expect(page.locator("[data-payment-state]").first).to_have_attribute("data-payment-state", "paid")
    expect(page.locator(f'[data-order-id="{number}"]').first).to_be_visible()
    order = ce.order(number)
    assert order["coupon_code"] == "FLAT100OFF" and order["payment_status"] == "success"
    assert ce.count("POST", "/orders") == 1


def test_coming_back_before_paying_shows_pending_until_the_gateway_settles(page: Page, ce):
    add_product(page, "basmati-rice-5kg", count=1)
    place_order(page)
    expect(page).to_have_url(PAY_PAGE)
    number = page.locator("[data-order-number]").inner_text()
    page.goto(ce.order(number)["payments"][-1]["return_url"])  # back without choosing Pay or Fail
    state = page.locator("[data-payment-state]").first
    expect(state).to_have_attribute("data-payment-state", "pending")
    expect(page.locator('form[data-action="retry-payment"]')).to_have_count(0)
    ce.pay(number)  # the gateway settles later
    page.get_by_role("link", name="Check again").click()
    expect(page.locator("[data-payment-state]").first).to_have_attribute("data-payment-state", "paid")
    assert ce.count("POST", "/orders") == 1


def test_otp_sign_in_keeps_the_cart_and_points_and_credit_cover_the_order(page: Page, ce, shots):
    add_product(page, "basmati-rice-5kg", count=1)
    guest_cart = the_cart(ce)
    otp_sign_in(page, ce)
    asha = ce.customer(CUSTOMER_PHONE)
    page.goto("/cart/")
    expect(lines(page)).to_have_count(1)
    carried = [c for c in ce.carts.values() if c["active"] and c["lines"]]
    assert [c["user_id"] for c in carried] == [asha["id"]] and carried[0]["id"] == guest_cart["id"]
    page.locator('form[data-action="apply-loyalty"] button[type=submit]').click()
    expect(breakup_row(page.locator("#price-breakup"), "loyalty_points")).to_have_attribute(
        "data-amount", "-500.00"
    )
    page.locator('form[data-action="apply-credit"] button[type=submit]').click()
    expect(breakup_row(page.locator("#price-breakup"), "credit_balance")).to_have_attribute(
        "data-amount", "-181.45"
    )
    fake_cart = the_cart(ce)
    assert (fake_cart["loyalty_points_redeemed"], fake_cart["credit_balance_used"]) == (
        500,
        Decimal("181.45"),
    )
    assert fake_cart["to_be_paid"] == 0
    expect_amount(page, "total", 0)
    shoot(page, shots, "ce-loyalty-credit")
    place_order(page)
    order_id = page.locator("[data-order-id]").first
    expect(order_id).to_be_visible()
    number = order_id.get_attribute("data-order-id")
    assert ce.count("POST", "/orders") == 1 and not PAY_PAGE.search(page.url)
    assert ce.order(number)["payment_status"] == "success" and ce.order(number)["status"] == "confirmed"
    assert (asha["points"], asha["credit"]) == (0, Decimal("118.55"))
    shoot(page, shots, "ce-confirmed")


def test_an_expired_cart_is_replaced_with_the_same_items_and_the_shopper_told(page: Page, ce):
    add_product(page, "basmati-rice-5kg", count=1)
    old = the_cart(ce)
    ce.expire_cart(old["id"])
    page.goto("/cart/")
    expect(
        message(page, "warning", re.compile("expired")).or_(message(page, "info", re.compile("expired")))
    ).to_be_visible()
    expect(lines(page)).to_have_count(1)
    new = the_cart(ce)
    assert new["id"] != old["id"] and new["cart_items"][0]["product_id"] == RICE
    expect_amount(page, "total", new["to_be_paid"])
