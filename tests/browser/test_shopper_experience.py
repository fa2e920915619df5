"""Issue 9, points 8-15 in chromium: axe-core finds no serious or critical problem on the home,
list, product, cart, checkout and order pages (phone and desktop); keyboard-only add to cart and
quantity change keep focus, the total is said by a live region that is never replaced; a size must
be chosen (JavaScript on and off, and a delivery check without JavaScript keeps it); the phone's
sticky bar; search and sort.

axe-core comes from PyPI's axe-playwright-python, which bundles axe.min.js (see README,
libraries)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from .helpers import (
    SIZES,
    add_product,
    add_to_cart_form,
    badge,
    choose_size,
    expect_count,
    lines,
    shoot,
    sign_in,
)

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-uxb")  # noqa: S108 - screenshots to look at, per HELPERS.md
SERIOUS = {"serious", "critical"}
AXE = Axe()


def _axe_problems(page: Page) -> list[str]:
    results = AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


CSP_WATCH = (
    "document.addEventListener('securitypolicyviolation', e => "
    "(window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI))"
)


def _check_both_sizes(page: Page, name: str, output_dir: Path) -> None:
    # nothing on the page breaks the Content-Security-Policy (no inline script or style)
    assert page.evaluate("window.__csp || []") == [], name
    problems = {}
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        found = _axe_problems(page)
        if found:
            problems[label] = found
    shoot(page, output_dir, f"uxb-{name}")
    assert problems == {}, f"{name}: {problems}"


def _focused(page: Page) -> str:
    return page.evaluate(
        "() => { const e = document.activeElement; if (!e || e === document.body) return 'body';"
        " const name = e.id ? '#' + e.id : e.tagName.toLowerCase();"
        " return name + ' ' + (e.textContent || e.value || '').trim().slice(0, 60); }"
    )


def test_axe_finds_no_serious_problem_on_the_shoppers_pages(page: Page, output_dir: Path) -> None:
    page.add_init_script(CSP_WATCH)
    page.goto("/")
    _check_both_sizes(page, "home", output_dir)
    page.goto("/products/?q=kurta")
    _check_both_sizes(page, "list", output_dir)
    page.goto("/products/?q=kurtta")  # an empty result with suggestions
    _check_both_sizes(page, "list-empty", output_dir)
    page.goto("/products/cotton-kurta/")
    _check_both_sizes(page, "product", output_dir)
    page.goto("/products/denim-jeans/")  # out of stock, similar products
    _check_both_sizes(page, "product-out", output_dir)
    page.goto("/cart/")
    _check_both_sizes(page, "cart-empty", output_dir)

    sign_in(page)
    add_product(page, "cotton-kurta", "M", count=1)
    add_product(page, "toor-dal-1kg", count=2)
    page.goto("/cart/")
    page.get_by_label("Coupon code").fill("NOSUCH")
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.locator("#coupon-error")).to_be_visible()
    _check_both_sizes(page, "cart", output_dir)
    page.goto("/checkout/")
    _check_both_sizes(page, "checkout", output_dir)
    page.locator("#place-order").get_by_role("button", name=re.compile(r"^Place order")).click()
    expect(page.locator("[data-order-id]")).to_be_visible()
    _check_both_sizes(page, "order", output_dir)


def test_keyboard_only_add_to_cart_keeps_focus_on_the_button(page: Page) -> None:
    page.goto("/products/cotton-kurta/")
    # the size group: Tab reaches it with nothing chosen; arrows choose, as radio groups do
    page.locator("fieldset.sizes input[type=radio]").first.focus()
    page.keyboard.press("ArrowRight")  # S → M
    expect(page.locator("fieldset.sizes input:checked")).to_have_count(1)
    add = add_to_cart_form(page).get_by_role("button", name="Add to cart")
    while "Add to cart" not in _focused(page):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect_count(page, 1)
    expect(add).to_be_focused()
    page.keyboard.press("Tab")  # the next Tab continues from the button used
    expect(add_to_cart_form(page).get_by_role("button", name="Buy now")).to_be_focused()


def test_keyboard_quantity_change_keeps_focus_and_says_the_new_total(page: Page) -> None:
    add_product(page, "toor-dal-1kg", count=1)
    add_product(page, "mineral-water-1l", count=7)
    page.goto("/cart/")
    first = lines(page).first
    quantity = first.locator("input[name=quantity]")
    quantity.focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    expect(first.locator("[data-line-quantity]").first).to_have_attribute("data-line-quantity", "3")
    expect(quantity).to_be_focused()
    expect(page.locator("#total-announcer")).to_have_text(re.compile(r"^Total now ₹[\d,]+(\.\d\d)?$"))
    page.keyboard.press("Tab")
    expect(first.get_by_role("button", name=re.compile(r"^Remove"))).to_be_focused()

    # a removed line takes its button with it: focus goes to the message that says so
    page.keyboard.press("Enter")
    expect(lines(page)).to_have_count(1)
    expect(page.locator("#messages [role=alert]")).to_be_focused()
    expect(page.locator("#messages")).to_have_attribute("aria-live", "polite")


def test_a_size_must_be_chosen_with_javascript(page: Page) -> None:
    page.goto("/products/running-shoes/")
    expect(page.locator("fieldset.sizes input:checked")).to_have_count(0)
    add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    _expect_size_error(page)
    expect(page.locator("#add-status [role=alert]")).to_have_count(0)  # said once, in the sizes
    expect(badge(page)).to_have_attribute("data-cart-count", "0")
    add_to_cart_form(page).get_by_role("button", name="Buy now").click()  # the same for Buy now
    expect(add_to_cart_form(page).get_by_role("button", name="Buy now")).not_to_be_focused()
    _expect_size_error(page)
    expect(page).to_have_url(re.compile(r"/products/running-shoes/$"))
    choose_size(page, "UK 8")
    add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    expect_count(page, 1)
    # the size chart opens in place, the choice stays
    page.get_by_text("Size chart", exact=True).click()
    expect(page.get_by_role("columnheader", name="EU size")).to_be_visible()
    expect(page.locator("fieldset.sizes input:checked")).to_have_count(1)


def test_a_delivery_check_without_javascript_keeps_the_chosen_size(nojs_page: Page) -> None:
    page = nojs_page
    page.goto("/products/cotton-kurta/")
    expect(page.locator("fieldset.sizes input:checked")).to_have_count(0)
    choose_size(page, "L")
    page.locator("#add-qty").fill("2")
    page.get_by_label("Pincode").fill("560001")
    page.get_by_label("Pincode").press("Enter")  # Enter checks delivery, never adds to cart
    expect(page.locator("#delivery-result [data-delivery-max]")).to_be_visible()
    expect(page.locator("fieldset.sizes input:checked")).to_have_count(1)
    expect(page.locator("fieldset.sizes label:has(input:checked)")).to_contain_text("L")
    expect(page.locator("#add-qty")).to_have_value("2")
    expect(badge(page)).to_have_attribute("data-cart-count", "0")
    # and the add that follows takes that size and quantity
    add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    expect(badge(page)).to_have_attribute("data-cart-count", "2")


def _expect_size_error(page: Page) -> None:
    """ "Choose a size first." inside the size fieldset, the sizes invalid and described by it, the
    first size in stock focused (issue 9, point 8)."""
    fieldset = page.locator("fieldset.sizes")
    expect(fieldset.locator("[role=alert]")).to_have_text("Choose a size first.")
    expect(page.locator('[role=alert][data-message-level="error"]')).to_have_count(1)
    first = fieldset.locator("input[name=size]:not([disabled])").first
    expect(first).to_be_focused()
    expect(first).to_have_attribute("aria-invalid", "true")
    expect(first).to_have_accessible_description(re.compile("Choose a size first"))


def test_without_javascript_adding_without_a_size_says_so(nojs_page: Page) -> None:
    nojs_page.goto("/products/cotton-kurta/")
    add_to_cart_form(nojs_page).get_by_role("button", name="Add to cart").click()
    _expect_size_error(nojs_page)
    expect(badge(nojs_page)).to_have_attribute("data-cart-count", "0")
    # choosing a size clears nothing by script, but the add that follows goes through
    choose_size(nojs_page, "M")
    add_to_cart_form(nojs_page).get_by_role("button", name="Add to cart").click()
    expect(badge(nojs_page)).to_have_attribute("data-cart-count", "1")


def _in_view(page: Page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]


def test_on_a_phone_the_buy_checkout_and_place_order_buttons_stay_in_reach(page: Page) -> None:
    page.set_viewport_size(SIZES["phone"])
    page.goto("/products/cotton-kurta/")
    buy = add_to_cart_form(page).get_by_role("button", name="Add to cart")
    assert _in_view(page, buy)
    page.mouse.wheel(0, 3000)
    assert _in_view(page, buy)
    choose_size(page, "M")
    buy.click()
    expect_count(page, 1)

    page.goto("/cart/")
    proceed = page.get_by_role("link", name=re.compile(r"^Proceed to checkout · ₹[\d,]+$"))
    assert _in_view(page, proceed)
    proceed.click()
    place = page.locator("#place-order").get_by_role("button", name=re.compile(r"^Place order · ₹[\d,]+"))
    assert _in_view(page, place)
    # the order summary comes before the offers
    summary = page.locator("#checkout-summary").bounding_box()
    offers = page.locator("#redemptions").bounding_box()
    assert summary["y"] < offers["y"]
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "checkout-phone.png"), full_page=False)


def test_tap_targets_are_at_least_24px_on_a_phone(page: Page) -> None:
    page.set_viewport_size(SIZES["phone"])
    for url in ("/", "/products/?q=kurta", "/products/cotton-kurta/", "/cart/"):
        page.goto(url)
        small = page.evaluate(
            """() => Array.from(document.querySelectorAll(
                   'a[href], button, input:not([type=hidden]), select, summary'))
                 .filter(e => e.getClientRects().length && !e.closest('p, li.suggest, dd, .visually-hidden'))
                 .map(e => [e.outerHTML.slice(0, 80), e.getBoundingClientRect()])
                 .filter(([_, r]) => r.width < 24 || r.height < 24)
                 .map(([html, r]) => html + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))"""
        )
        assert small == [], (url, small)


def test_a_signed_in_header_fits_a_phone(page: Page) -> None:
    page.set_viewport_size(SIZES["phone"])
    sign_in(page)
    page.goto("/cart/")
    expect(page.get_by_role("link", name="My orders")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES["phone"]["width"]


def test_search_sort_and_filter_in_the_browser(page: Page) -> None:
    page.goto("/")
    page.get_by_role("search").get_by_role("searchbox").fill("Kurtis")
    page.get_by_role("search").get_by_role("searchbox").press("Enter")
    expect(page.locator(".product-card")).to_have_count(1)
    expect(page.locator(".product-card")).to_contain_text("Handloom Cotton Kurta")
    page.goto("/products/?category=fashion")
    page.get_by_label("Sort by").select_option("price-desc")
    expect(page).to_have_url(re.compile(r"sort=price-desc"))
    prices = [
        float(p) for p in page.locator(".product-card").evaluate_all("els => els.map(e => e.dataset.price)")
    ]
    assert prices == sorted(prices, reverse=True) and len(prices) > 2
