"""The shopper's journey through the storefront in a real browser, with and without JavaScript."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from .helpers import (
    add_to_cart_form,
    badge,
    choose_size,
    expect_count,
    expect_marker,
    line_for,
    line_quantity,
    lines,
    message,
    quantity_input,
    set_marker,
    total,
    total_amount,
    track_navigations,
)

pytestmark = pytest.mark.browser

SHOES = "Cushioned Running Shoes"
KURTA = "Handloom Cotton Kurta"


def test_journey_with_javascript(page: Page, chromium: Browser, store: str, output_dir: Path) -> None:
    # home → search from the header
    page.goto("/")
    expect(page.locator("html")).to_have_class(re.compile(r"\bjs\b"))
    expect_count(page, 0)
    search = page.get_by_role("search").filter(has=page.locator("#site-search"))
    search.get_by_label("Search products").fill("shoes")
    search.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/products/\?q=shoes$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “shoes”")

    # open a product with sizes
    page.locator("#product-results").get_by_role("link", name=SHOES).first.click()
    expect(page).to_have_url(re.compile(r"/products/running-shoes/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(SHOES)
    unit = Decimal(page.locator("[data-price]").get_attribute("data-price"))

    # two different sizes, added in place: the badge follows, the page stays
    navigations = track_navigations(page)
    set_marker(page)
    form = add_to_cart_form(page)
    choose_size(page, "UK 6")
    form.get_by_role("button", name="Add to cart").click()
    expect_count(page, 1)
    expect(page.locator("#add-status")).to_contain_text("View cart (1 item)")
    choose_size(page, "UK 7")
    form.get_by_role("button", name="Add to cart").click()
    expect_count(page, 2)
    expect(page.locator("#add-status")).to_contain_text("View cart (2 items)")
    expect(message(page, "success", f"Added {SHOES} to your cart.")).to_be_visible()
    expect(badge(page)).to_have_attribute("aria-label", "Cart, 2 items")
    expect_marker(page)
    assert navigations == [], f"adding to cart navigated: {navigations}"

    # the cart page
    badge(page).click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(lines(page)).to_have_count(2)
    uk6, uk7 = line_for(page, SHOES, "UK 6"), line_for(page, SHOES, "UK 7")
    expect(uk6).to_have_count(1)
    expect(uk7).to_have_count(1)
    expect(page.locator("#cart-summary-count")).to_have_text("Your cart (2 items)")
    page.screenshot(path=str(output_dir / "cart-page.png"), full_page=True)
    _mobile_screenshot(chromium, page, store, output_dir / "cart-page-mobile.png")

    # change a line's quantity: htmx posts on change and swaps the lines and the breakup in place
    navigations = track_navigations(page)
    set_marker(page)
    before = total_amount(page)
    assert before == unit * 2, "two pairs of shoes (free delivery) should cost twice the unit price"
    quantity_input(uk6).fill("2")
    quantity_input(uk6).press("Tab")  # blur → change
    expect(line_quantity(uk6)).to_have_attribute("data-line-quantity", "2")
    expect(total(page)).not_to_have_attribute("data-amount", f"{before:.2f}")
    assert total_amount(page) == before + unit, "one more pair should add one unit price to the total"
    expect(message(page, "success", "Cart updated.")).to_be_visible()
    expect(page.locator("#cart-summary-count")).to_have_text("Your cart (3 items)")
    expect_count(page, 3)
    expect_marker(page)
    assert navigations == [], f"updating a line navigated: {navigations}"

    # remove one line
    uk7.get_by_role("button", name=f"Remove {SHOES}, size UK 7").click()
    expect(lines(page)).to_have_count(1)
    expect(uk7).to_have_count(0)
    expect(message(page, "success", "Item removed from your cart.")).to_be_visible()
    expect_count(page, 2)
    expect(total(page)).to_have_attribute("data-amount", f"{unit * 2:.2f}")

    # clear the cart (hx-confirm asks first)
    dialogs: list[str] = []

    def accept(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.get_by_role("button", name="Clear cart").click()
    expect(page.get_by_role("heading", name="Your cart is empty")).to_be_visible()
    expect(lines(page)).to_have_count(0)
    expect_count(page, 0)
    expect(badge(page)).to_have_attribute("aria-label", "Cart, 0 items")
    expect(message(page, "success", "Your cart is empty now.")).to_be_visible()
    expect(page.locator("#cart-summary-count")).to_have_text("Your cart")
    assert dialogs == ["Remove every item from your cart?"]
    expect_marker(page)
    assert navigations == [], f"the cart page navigated: {navigations}"

    # and a real reload agrees with what htmx showed
    page.reload()
    expect(page.get_by_role("heading", name="Your cart is empty")).to_be_visible()
    expect_count(page, 0)


def _mobile_screenshot(chromium: Browser, page: Page, store: str, path: Path) -> None:
    """The same cart (same session cookie) on a phone-sized screen."""
    context = chromium.new_context(
        base_url=store,
        storage_state=page.context.storage_state(),
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        phone = context.new_page()
        phone.goto("/cart/")
        expect(lines(phone)).to_have_count(lines(page).count())
        phone.screenshot(path=str(path), full_page=True)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"the cart page scrolls sideways on a phone by {overflow}px"
    finally:
        context.close()


def test_core_actions_without_javascript(nojs_page: Page) -> None:
    page = nojs_page

    # add to cart: the form posts, the server answers 303 back to the product page
    page.goto("/products/cotton-kurta/")
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bjs\b"))
    unit = Decimal(page.locator("[data-price]").get_attribute("data-price"))
    choose_size(page, "M")
    add_to_cart_form(page).locator("#add-qty").fill("2")
    with page.expect_response(lambda r: r.url.endswith("/cart/add/")) as posted:
        add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    assert posted.value.status == 303, f"add-to-cart answered {posted.value.status}, expected 303"
    expect(page).to_have_url(re.compile(r"/products/cotton-kurta/$"))
    expect(message(page, "success", f"Added {KURTA} to your cart.")).to_be_visible()
    expect_count(page, 2)

    # the cart shows the line
    page.goto("/cart/")
    line = line_for(page, KURTA, "M")
    expect(line).to_have_count(1)
    expect(line_quantity(line)).to_have_attribute("data-line-quantity", "2")
    assert total_amount(page) == unit * 2

    # update by typing and pressing the visible Update button
    update = line.get_by_role("button", name="Update")
    expect(update).to_be_visible()
    quantity_input(line).fill("3")
    with page.expect_response(lambda r: r.url.endswith("/cart/update/")) as posted:
        update.click()
    assert posted.value.status == 303
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(message(page, "success", "Cart updated.")).to_be_visible()
    expect(line_quantity(line)).to_have_attribute("data-line-quantity", "3")
    assert total_amount(page) == unit * 3
    expect_count(page, 3)

    # remove
    with page.expect_response(lambda r: r.url.endswith("/cart/remove/")) as posted:
        line.get_by_role("button", name=f"Remove {KURTA}, size M").click()
    assert posted.value.status == 303
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(message(page, "success", "Item removed from your cart.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your cart is empty")).to_be_visible()
    expect_count(page, 0)

    # clear works without JavaScript too (no confirm dialog then)
    page.goto("/products/cotton-kurta/")
    choose_size(page, "S")
    add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    expect(message(page, "success", f"Added {KURTA} to your cart.")).to_be_visible()
    page.goto("/cart/")
    expect(lines(page)).to_have_count(1)
    page.get_by_role("button", name="Clear cart").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(message(page, "success", "Your cart is empty now.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your cart is empty")).to_be_visible()
    expect_count(page, 0)
