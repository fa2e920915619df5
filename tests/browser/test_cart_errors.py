"""Bad input in the browser: the error shows in place and nothing changes; delivery checks."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .helpers import (
    add_to_cart_form,
    choose_size,
    expect_count,
    line_for,
    line_quantity,
    lines,
    message,
    quantity_input,
    total,
)

pytestmark = pytest.mark.browser

KURTA = "Handloom Cotton Kurta"
WATER = "Mineral Water, 1 L"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _add(page: Page, slug: str, *, size: str | None = None, count_after: int) -> None:
    page.goto(f"/products/{slug}/")
    if size:
        choose_size(page, size)
    add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    expect_count(page, count_after)


def _expect_line_error(page: Page, line, text: str | re.Pattern) -> None:
    error = line.locator('[role="alert"][data-message-level="error"]')
    expect(error).to_have_count(1)
    expect(error).to_contain_text(text)
    expect(error).to_be_visible()


def test_quantity_above_stock_is_refused_in_place(page: Page) -> None:
    _add(page, "cotton-kurta", size="L", count_after=1)  # size L: 2 in stock, the rule allows 10
    page.goto("/cart/")
    page.evaluate("window.__marker = 1")
    line = line_for(page, KURTA, "L")
    expect(line).to_have_count(1)
    total_before = total(page).get_attribute("data-amount")

    with page.expect_response(lambda r: r.url.endswith("/cart/update/")) as posted:
        quantity_input(line).fill("5")
        quantity_input(line).press("Tab")
    assert posted.value.status == 422, f"a refused update answered {posted.value.status}"
    _expect_line_error(page, line, re.compile(r"\b2 left\b"))
    expect(line_quantity(line)).to_have_attribute("data-line-quantity", "1")
    expect(quantity_input(line)).to_have_value("1")
    expect(total(page)).to_have_attribute("data-amount", total_before)
    expect(lines(page)).to_have_count(1)
    expect_count(page, 1)
    assert page.evaluate("window.__marker") == 1, "the refused update reloaded the page"

    # a good update afterwards clears the error
    quantity_input(line).fill("2")
    quantity_input(line).press("Tab")
    expect(line_quantity(line)).to_have_attribute("data-line-quantity", "2")
    expect(line.locator('[role="alert"][data-message-level="error"]')).to_have_count(0)
    expect(total(page)).not_to_have_attribute("data-amount", total_before)


def test_quantity_off_the_pack_size_is_refused_in_place(page: Page) -> None:
    page.goto("/products/mineral-water-1l/")
    expect(page.locator(".qty-row .hint")).to_have_text("Sold in packs of 6")
    expect(add_to_cart_form(page).locator("#add-qty")).to_have_value("6")
    _add(page, "mineral-water-1l", count_after=6)
    page.goto("/cart/")
    page.evaluate("window.__marker = 1")
    line = line_for(page, WATER)
    expect(line_quantity(line)).to_have_attribute("data-line-quantity", "6")
    total_before = total(page).get_attribute("data-amount")

    with page.expect_response(lambda r: r.url.endswith("/cart/update/")) as posted:
        quantity_input(line).fill("7")
        quantity_input(line).press("Tab")
    assert posted.value.status == 422, f"a refused update answered {posted.value.status}"
    _expect_line_error(page, line, re.compile(r"\b6\b"))
    expect(line_quantity(line)).to_have_attribute("data-line-quantity", "6")
    expect(quantity_input(line)).to_have_value("6")
    expect(total(page)).to_have_attribute("data-amount", total_before)
    expect_count(page, 6)
    assert page.evaluate("window.__marker") == 1, "the refused update reloaded the page"


def test_delivery_check_on_the_cart(page: Page) -> None:
    _add(page, "cotton-kurta", size="M", count_after=1)
    page.goto("/cart/")
    promise = page.locator("#delivery-promise")
    pincode = promise.get_by_label("Pincode")

    pincode.fill("999999")
    promise.get_by_role("button", name="Check").click()
    expect(message(page, "error", "don't deliver")).to_be_visible()
    expect(message(page, "error", "don't deliver")).to_contain_text("999999")
    expect(promise.locator("[data-delivery-min]")).to_have_count(0)
    expect(lines(page)).to_have_count(1)

    pincode.fill("560001")
    promise.get_by_role("button", name="Check").click()
    shown = promise.locator("[data-delivery-min][data-delivery-max]")
    expect(shown).to_be_visible()
    expect(shown).to_contain_text("560001")
    expect(shown).to_have_attribute("data-delivery-min", ISO_DATE)
    expect(shown).to_have_attribute("data-delivery-max", ISO_DATE)
    assert shown.get_attribute("data-delivery-min") <= shown.get_attribute("data-delivery-max")
    expect(page.locator('[role="alert"]').filter(has_text="don't deliver")).to_have_count(0)

    # the pincode sticks: a reload still shows the promise
    page.reload()
    expect(page.locator("#delivery-promise [data-delivery-min]")).to_contain_text("560001")


def test_delivery_check_on_the_product_page(page: Page) -> None:
    page.goto("/products/cotton-kurta/")
    check = page.locator("#delivery-check")
    result = page.locator("#delivery-result")

    check.get_by_label("Pincode").fill("999999")
    check.get_by_role("button", name="Check").click()
    expect(result.get_by_role("alert")).to_contain_text("don't deliver")
    expect(result.locator("[data-delivery-min]")).to_have_count(0)

    page.locator("#delivery-check").get_by_label("Pincode").fill("560001")
    page.locator("#delivery-check").get_by_role("button", name="Check").click()
    promise = result.locator('[role="alert"][data-message-level="success"]')
    expect(promise).to_have_attribute("data-delivery-min", ISO_DATE)
    expect(promise).to_have_attribute("data-delivery-max", ISO_DATE)
    expect(page).to_have_url(re.compile(r"/products/cotton-kurta/$"))  # checked in place (hx-push-url=false)


def test_quantity_above_stock_without_javascript(nojs_page: Page) -> None:
    page = nojs_page
    page.goto("/products/cotton-kurta/")
    choose_size(page, "L")
    add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    expect_count(page, 1)
    page.goto("/cart/")
    line = line_for(page, KURTA, "L")
    total_before = total(page).get_attribute("data-amount")
    quantity_input(line).fill("5")
    with page.expect_response(lambda r: r.url.endswith("/cart/update/")) as posted:
        line.get_by_role("button", name="Update").click()
    assert posted.value.status == 303
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(message(page, "error", re.compile(r"\b2 left\b"))).to_be_visible()
    expect(line_quantity(line)).to_have_attribute("data-line-quantity", "1")
    expect(total(page)).to_have_attribute("data-amount", total_before)
