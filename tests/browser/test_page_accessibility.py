"""Accessibility smoke test of the cart page: labelled controls, a live messages region."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import add_to_cart_form, choose_size, expect_count, lines

pytestmark = pytest.mark.browser

# the accessible name as far as labels go: <label for>, wrapping <label>, aria-label, aria-labelledby
LABEL_TEXT = """el => {
  const fromLabels = Array.from(el.labels || []).map(l => l.textContent.trim()).join(' ');
  const fromAria = (el.getAttribute('aria-label') || '').trim();
  const fromIds = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
    .map(id => (document.getElementById(id) || {textContent: ''}).textContent.trim()).join(' ');
  return [fromLabels, fromAria, fromIds].join(' ').trim();
}"""
DESCRIBE = "el => el.outerHTML.slice(0, 160)"


def _fill_cart(page: Page) -> None:
    page.goto("/products/cotton-kurta/")
    choose_size(page, "M")
    add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    expect_count(page, 1)
    page.goto("/products/mineral-water-1l/")
    add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    expect_count(page, 7)
    page.goto("/cart/")
    expect(lines(page)).to_have_count(2)


def _unlabelled(page: Page, selector: str) -> list[str]:
    missing = []
    for control in page.locator(selector).all():
        if not control.evaluate(LABEL_TEXT):
            missing.append(control.evaluate(DESCRIBE))
        else:
            expect(control).to_have_accessible_name(re.compile(r"\S"))
    return missing


def test_cart_controls_are_labelled(page: Page) -> None:
    _fill_cart(page)
    controls = page.locator("input:not([type=hidden]), select")
    # search, pincode, and per line a quantity (plus a size select for the kurta)
    assert controls.count() >= 5
    assert _unlabelled(page, "input:not([type=hidden]), select") == []
    expect(page.locator("[data-line-id] select").first).to_have_accessible_name("Size")
    expect(page.locator("[data-line-id] input[name=quantity]").first).to_have_accessible_name("Qty")


def test_messages_region_is_live(page: Page) -> None:
    _fill_cart(page)
    region = page.locator("#messages")
    expect(region).to_have_attribute("aria-live", re.compile(r"^(polite|assertive)$"))
    page.get_by_role("button", name=re.compile(r"^Remove Mineral Water")).click()
    expect(lines(page)).to_have_count(1)
    # the message lands inside the live region (swapped out of band), still live
    expect(region.get_by_role("alert")).to_have_text("Item removed from your cart.")
    expect(page.locator("#messages")).to_have_count(1)
    expect(page.locator("#messages")).to_have_attribute("aria-live", re.compile(r"^(polite|assertive)$"))


def test_empty_cart_controls_are_labelled(page: Page) -> None:
    page.goto("/cart/")
    expect(page.get_by_role("heading", name="Your cart is empty")).to_be_visible()
    assert _unlabelled(page, "input:not([type=hidden]), select") == []
    expect(page.locator("#messages")).to_have_attribute("aria-live", "polite")


def test_cart_links_and_buttons_have_names(page: Page) -> None:
    """Every focusable link and button says where it goes or what it does (WCAG 2.4.4, 4.1.2)."""
    _fill_cart(page)
    nameless = [
        el.evaluate(DESCRIBE)
        for el in page.locator("button, a[href]").all()
        if el.is_visible()
        and el.get_attribute("tabindex") != "-1"
        and not el.evaluate(
            "el => (el.getAttribute('aria-label') || el.innerText"
            " || Array.from(el.querySelectorAll('img[alt]')).map(i => i.alt).join(' ')).trim()"
        )
    ]
    assert nameless == [], f"focusable links/buttons without an accessible name: {nameless}"
