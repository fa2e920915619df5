"""Checkout in a real browser: a signed-in shopper stacks every redemption on the cart page (htmx,
no page loads) and places the order; a guest checks out with JavaScript off; and a double submit of
the place-order form makes one order."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import Browser, Locator, Page, expect

from carts import services
from carts.checkout_views import MSG_PLACED
from storefront.providers.local import models as m
from tests.conftest import SHOPPER_EMAIL

from .conftest import _new_context
from .helpers import (
    add_product,
    add_to_cart_form,
    amount_of,
    breakup_row,
    expect_count,
    expect_marker,
    message,
    set_marker,
    sign_in,
    total,
    total_amount,
    track_navigations,
)

pytestmark = pytest.mark.browser

KURTA = "Handloom Cotton Kurta"
COOKER = "Stainless Steel Pressure Cooker, 5 L"
GSTIN = "29AAGCB7383J1Z4"
GIFT_MESSAGE = "Happy housewarming, Meera! Love, Asha"
ORDER_URL = re.compile(r"/orders/(KC[0-9A-F]+)/(\?t=[\w-]+)?$")


# ---------------------------------------------------------------------------- helpers


def _redeem(page: Page, key: str, act) -> Decimal:
    """Run act (which submits a redemption form), then wait for the breakup row `key` to appear
    and the total to drop; returns the new total."""
    before = total_amount(page)
    expect(breakup_row(page, key)).to_have_count(0)
    act()
    expect(breakup_row(page, key)).to_have_count(1)
    expect(total(page)).not_to_have_attribute("data-amount", f"{before:.2f}")
    after = total_amount(page)
    assert amount_of(breakup_row(page, key)) < 0, f"the {key} row should be a deduction"
    assert after < before, f"{key}: the total went from {before} to {after}"
    return after


def _place_order_form(page: Page) -> Locator:
    return page.locator('form[data-action="place-order"]')


def _order_number(page: Page) -> str:
    expect(page).to_have_url(ORDER_URL)
    number = ORDER_URL.search(page.url).group(1)
    expect(page.locator(f'[data-order-id="{number}"]')).to_be_visible()
    return number


def _fill_address(page: Page, *, name: str, pincode: str = "560001") -> None:
    form = page.locator('form[data-action="set-address"]')
    form.get_by_label("Full name").fill(name)
    form.get_by_label("Mobile number").fill("9812345678")
    form.get_by_label("House, building, street").fill("7 Residency Road")
    form.get_by_label("Area, landmark").fill("Near the park")
    form.get_by_label("City").fill("Bengaluru")
    form.get_by_label("State").select_option("Karnataka")
    form.get_by_label("Pincode").fill(pincode)
    form.get_by_role("button", name="Save and deliver here").click()


# ---------------------------------------------------------------------------- signed-in, JavaScript on


def test_signed_in_checkout_with_every_redemption(page: Page, output_dir: Path) -> None:
    sign_in(page)
    add_product(page, "cotton-kurta", "M", count=1)
    add_product(page, "pressure-cooker-5l", count=2)

    page.goto("/cart/")
    expect(page.locator("[data-line-id]")).to_have_count(2)
    navigations = track_navigations(page)
    set_marker(page)
    start = total_amount(page)

    # coupon, points and gift card: each adds its breakup row and lowers the total, in place
    coupon_form = page.locator('form[data-action="apply-coupon"]')

    def apply_coupon() -> None:
        coupon_form.get_by_label("Coupon code").fill("WELCOME10")
        coupon_form.get_by_role("button", name="Apply").click()

    after_coupon = _redeem(page, "coupon", apply_coupon)
    expect(page.locator("#redemptions [data-coupon-applied]")).to_have_attribute(
        "data-coupon-applied", "WELCOME10"
    )
    expect(message(page, "success", re.compile(r"Coupon WELCOME10 applied"))).to_be_visible()
    assert start - after_coupon == -amount_of(breakup_row(page, "coupon"))

    after_points = _redeem(
        page,
        "loyalty_points",
        lambda: (
            page.locator('form[data-action="apply-loyalty"]').get_by_role("button", name="Use points").click()
        ),
    )
    expect(message(page, "success", re.compile(r"loyalty points applied"))).to_be_visible()

    gift_form = page.locator('form[data-action="apply-gift-card"]')

    def apply_gift_card() -> None:
        gift_form.get_by_label("Gift card number").fill("GIFT-DEMO-0001")
        gift_form.get_by_label("Pin").fill("1234")
        gift_form.get_by_role("button", name="Apply gift card").click()

    after_card = _redeem(page, "gift_card", apply_gift_card)
    expect(message(page, "success", services.MSG_GIFT_CARD_APPLIED.format(tail="0001"))).to_be_visible()
    assert after_card < after_points < after_coupon < start
    for key in ("coupon", "loyalty_points", "gift_card"):
        expect(breakup_row(page, key)).to_have_count(1)

    # GSTIN and a gift message through the update-meta form
    meta = page.locator('form[data-action="update-meta"]')
    meta.get_by_label("Gift message").fill(GIFT_MESSAGE)
    meta.get_by_label("GSTIN").fill(GSTIN)
    meta.get_by_role("button", name="Save details").click()
    expect(message(page, "success", services.MSG_META_SAVED)).to_be_visible()
    expect(page.locator('form[data-action="update-meta"]').get_by_label("GSTIN")).to_have_value(GSTIN)
    expect(page.locator('form[data-action="update-meta"]').get_by_label("Gift message")).to_have_value(
        GIFT_MESSAGE
    )
    expect(total(page)).to_have_attribute("data-amount", f"{after_card:.2f}")
    expect_marker(page)
    assert navigations == [], f"the cart page navigated: {navigations}"

    # checkout: the saved address is chosen, the redemptions carried over
    page.get_by_role("link", name=re.compile(r"^Proceed to checkout")).click()
    expect(page).to_have_url(re.compile(r"/checkout/$"))
    saved = m.Address.objects.get(user__email=SHOPPER_EMAIL, name="Asha Rao")
    expect(page.locator(f'[data-address-selected="{saved.pk}"]')).to_contain_text("Asha Rao")
    expect(page.locator(f'form[data-action="select-address"] input[value="{saved.pk}"]')).to_be_checked()
    summary = page.locator("#checkout-summary")
    for key in ("coupon", "loyalty_points", "gift_card"):
        expect(summary.locator(f'[data-breakup-key="{key}"]')).to_have_count(1)
    expect(summary.locator('[data-breakup-key="total"]')).to_have_attribute(
        "data-amount", f"{after_card:.2f}"
    )
    expect(page.locator("[data-coupon-applied]")).to_have_attribute("data-coupon-applied", "WELCOME10")
    expect(page.get_by_label("Gift message")).to_have_value(GIFT_MESSAGE)
    page.screenshot(path=str(output_dir / "checkout-page.png"), full_page=True)

    # place the order
    _place_order_form(page).get_by_role("button", name=re.compile(r"^Place order")).click()
    number = _order_number(page)
    expect(message(page, "success", MSG_PLACED.format(number=number))).to_be_visible()
    detail = page.locator("[data-order-id]")
    expect(detail).to_contain_text(GIFT_MESSAGE)
    expect(detail).to_contain_text(GSTIN)
    expect(detail.locator('[data-breakup-key="total"]')).to_have_attribute("data-amount", f"{after_card:.2f}")
    page.screenshot(path=str(output_dir / "order-confirmation.png"), full_page=True)

    order = m.Order.objects.get(number=number)
    assert order.user.email == SHOPPER_EMAIL
    assert order.total == after_card
    assert order.coupon.code == "WELCOME10" and order.points_used > 0
    assert [code for code, _ in order.gift_card_uses] == ["GIFT-DEMO-0001"]
    assert order.meta["gstin"] == GSTIN and order.meta["gift_message"] == GIFT_MESSAGE
    expect_count(page, 0)

    # and it is in the customer's orders
    page.get_by_role("link", name="All your orders").click()
    expect(page).to_have_url(re.compile(r"/orders/$"))
    page.get_by_role("link", name=f"Order {number}").click()
    assert _order_number(page) == number


# ---------------------------------------------------------------------------- guest, JavaScript off


def test_guest_checkout_without_javascript(
    nojs_page: Page, chromium: Browser, store: str, output_dir: Path
) -> None:
    page = nojs_page
    page.goto("/products/pressure-cooker-5l/")
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bjs\b"))
    with page.expect_response(lambda r: r.url.endswith("/cart/add/")) as posted:
        add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    assert posted.value.status == 303
    expect_count(page, 1)

    page.goto("/cart/")
    page.get_by_role("link", name=re.compile(r"^Proceed to checkout")).click()
    expect(page).to_have_url(re.compile(r"/checkout/$"))
    expect(page.locator("[data-address-selected]")).to_have_count(0)

    # the address form answers 303 back to checkout, which then shows the address
    with page.expect_response(lambda r: r.url.endswith("/cart/address/")) as posted:
        _fill_address(page, name="Guest Shopper")
    assert posted.value.status == 303
    expect(page).to_have_url(re.compile(r"/checkout/$"))
    expect(message(page, "success", services.MSG_ADDRESS_SAVED)).to_be_visible()
    expect(page.locator("[data-address-selected]")).to_contain_text("Guest Shopper")
    shown_total = Decimal(
        page.locator('#checkout-summary [data-breakup-key="total"]').get_attribute("data-amount")
    )

    page.screenshot(path=str(output_dir / "checkout-page-nojs.png"), full_page=True)

    # cash on delivery is the choice; place the order
    form = _place_order_form(page)
    expect(form.get_by_label("Cash on delivery")).to_be_checked()
    form.get_by_label("Email for the order confirmation").fill("guest@example.test")
    with page.expect_response(lambda r: r.url.endswith("/checkout/place/")) as posted:
        form.get_by_role("button", name=re.compile(r"^Place order")).click()
    assert posted.value.status == 303
    number = _order_number(page)
    link = page.url
    order = m.Order.objects.get(number=number)
    assert order.user_id is None and order.email == "guest@example.test"
    assert order.payment_mode == "cod" and order.total == shown_total
    assert order.shipping_address["name"] == "Guest Shopper"
    expect_count(page, 0)

    # the confirmation's link brings it back, in this browser and in another one
    page.goto("/")
    page.goto(link)
    assert _order_number(page) == number
    other = _new_context(chromium, store, java_script_enabled=False)
    try:
        fresh = other.new_page()
        fresh.goto(link)
        assert _order_number(fresh) == number
        # without the token it is not found
        response = fresh.goto(f"/orders/{number}/")
        assert response.status == 404
    finally:
        other.close()


# ---------------------------------------------------------------------------- double submits


def _guest_at_checkout(page: Page) -> Decimal:
    """A guest with a pressure cooker in the cart, an address, on the checkout page (JS on)."""
    add_product(page, "pressure-cooker-5l", count=1)
    page.goto("/checkout/")
    _fill_address(page, name="Double Clicker")
    expect(page.locator("[data-address-selected]")).to_contain_text("Double Clicker")
    button = _place_order_form(page).get_by_role("button", name=re.compile(r"^Place order"))
    expect(button).to_be_enabled()
    return Decimal(page.locator('#checkout-summary [data-breakup-key="total"]').get_attribute("data-amount"))


def test_double_click_on_place_order_places_one_order(page: Page) -> None:
    _guest_at_checkout(page)
    stock = m.Variant.objects.get(product__slug="pressure-cooker-5l").stock

    # two clicks in the same task: the second comes before any answer
    posts: list[str] = []
    page.on(
        "request", lambda r: r.method == "POST" and r.url.endswith("/checkout/place/") and posts.append(r.url)
    )
    page.evaluate(
        """() => {
            const button = document.querySelector('form[data-action="place-order"] button[type=submit]');
            button.click();
            button.click();
        }"""
    )
    number = _order_number(page)
    assert list(m.Order.objects.values_list("number", flat=True)) == [number]
    assert m.Variant.objects.get(product__slug="pressure-cooker-5l").stock == stock - 1
    assert 1 <= len(posts) <= 2, posts


@pytest.mark.parametrize(
    "together",
    [
        pytest.param(
            True,
            id="at-once",
            marks=pytest.mark.skipif(
                connection.vendor != "postgresql",
                reason="needs PostgreSQL: with SQLite's in-memory test database the live server's "
                "request threads share one connection, so two requests at once share one transaction",
            ),
        ),
        pytest.param(False, id="one-after-the-other"),
    ],
)
def test_two_posts_of_one_checkout_form_place_one_order(page: Page, together: bool) -> None:
    _guest_at_checkout(page)

    # the form sent twice, past htmx (as a browser retry or a second tab would)
    answers = page.evaluate(
        """async (together) => {
            const form = document.querySelector('form[data-action="place-order"]');
            const body = () => new URLSearchParams(new FormData(form));
            const send = () => fetch(form.action, {method: 'POST', body: body()});
            const answers = together ? await Promise.all([send(), send()]) : [await send(), await send()];
            return answers.map((r) => [r.status, r.url]);
        }""",
        together,
    )
    numbers = list(m.Order.objects.values_list("number", flat=True))
    assert len(numbers) == 1, f"{len(numbers)} orders; answers after redirects: {answers}"
    assert [status for status, _ in answers] == [200, 200], answers
    assert {ORDER_URL.search(url).group(1) for _, url in answers} == set(numbers), answers

    # the page itself still lands on that confirmation when its form is submitted again
    _place_order_form(page).get_by_role("button", name=re.compile(r"^Place order")).click()
    assert _order_number(page) == numbers[0]
    assert m.Order.objects.count() == 1
