"""In a real browser (issue 14): the Content-Security-Policy blocks nothing the shop does while
htmx swaps the cart around (htmx settles no style attributes: its config in static/js/site.js), and a
throttled gift-card try says so in place with JavaScript and on a page of its own without."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tests.browser.helpers import add_product, shoot

pytestmark = pytest.mark.browser

WATCH = (
    "document.addEventListener('securitypolicyviolation', e => "
    "(window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI))"
)
TRIES = int(settings.RATE_LIMITS["gift-card"]["client"].split("/")[0])


def _apply_gift_card(page: Page, pin: str) -> None:
    form = page.locator("form[data-action=apply-gift-card]")
    form.get_by_label("Gift card number").fill("GIFT-DEMO-0001")
    form.get_by_label("Pin").fill(pin)
    with page.expect_response(re.compile(r"/cart/gift-card/apply/")):
        form.get_by_role("button", name="Apply gift card").click()


def test_htmx_cart_changes_break_no_policy_and_a_throttled_try_says_so(page: Page, output_dir):
    page.add_init_script(WATCH)
    add_product(page, "toor-dal-1kg", count=1)
    page.goto("/cart/")
    # a screenshot leaves style="" on the inputs (as browser extensions and other scripts setting
    # element.style do); htmx used to copy that attribute over on each swap (its default
    # attributesToSettle), which a strict style-src blocks and reports
    page.screenshot()
    for _ in range(TRIES):
        _apply_gift_card(page, "0000")
    _apply_gift_card(page, "0000")

    expect(page.locator("#redemptions [role=alert]")).to_contain_text("Too many gift card numbers or pins")
    page.locator("form[data-action=update-line] input[name=quantity]").fill("2")
    page.locator("form[data-action=update-line] input[name=quantity]").dispatch_event("change")
    expect(page.locator("form[data-action=update-line] input[name=quantity]")).to_have_value("2")
    shoot(page, output_dir, "security-gift-card-throttled")
    assert page.evaluate("window.__csp || []") == []


def test_without_javascript_a_throttled_try_gets_its_own_page(nojs_page: Page, output_dir):
    page = nojs_page
    add_product_nojs(page)
    for _ in range(TRIES + 1):
        page.goto("/cart/")
        form = page.locator("form[data-action=apply-gift-card]")
        form.get_by_label("Gift card number").fill("GIFT-DEMO-0001")
        form.get_by_label("Pin").fill("0000")
        form.get_by_role("button", name="Apply gift card").click()

    expect(page.get_by_role("alert")).to_contain_text("Too many gift card numbers or pins")
    expect(page.get_by_role("link", name="Go back")).to_have_attribute("href", "/cart/")
    shoot(page, output_dir, "security-gift-card-throttled-nojs")


def add_product_nojs(page: Page) -> None:
    page.goto("/products/toor-dal-1kg/")
    page.locator("#add-form").get_by_role("button", name="Add to cart").click()
    expect(page.locator("body")).to_contain_text("Toor Dal")
