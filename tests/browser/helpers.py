"""Small page helpers shared by the browser tests (locators follow the storefront contract)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.conftest import DEMO_PASSWORD, SHOPPER_EMAIL

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}

BADGE = "#cart-badge[data-cart-count]"
TOTAL = '[data-breakup-key="total"]'
LINE = "[data-line-id]"


def badge(page: Page) -> Locator:
    return page.locator(BADGE)


def total(page: Page) -> Locator:
    return page.locator(TOTAL)


def total_amount(page: Page) -> Decimal:
    return Decimal(total(page).get_attribute("data-amount"))


def lines(page: Page) -> Locator:
    return page.locator(LINE)


def line_for(page: Page, product_name: str, size: str | None = None) -> Locator:
    """The cart line of a product (and size): found through its Remove button's accessible name."""
    name = f"Remove {product_name}" + (f", size {size}" if size else "")
    return lines(page).filter(has=page.get_by_role("button", name=name, exact=True))


def quantity_input(line: Locator) -> Locator:
    return line.locator("input[name=quantity]")


def line_quantity(line: Locator) -> Locator:
    """The element carrying data-line-quantity inside a line."""
    return line.locator("[data-line-quantity]")


def message(page: Page, level: str, text: str | re.Pattern) -> Locator:
    """A message shown to the user (page-level region, next to a form or next to a line)."""
    return page.locator(f'[role="alert"][data-message-level="{level}"]').filter(has_text=text)


def choose_size(page: Page, size: str) -> None:
    """Pick a size radio by its label ("UK 7", "M"); stock hints ("2 left") follow in their own element."""
    option = page.locator("fieldset.sizes label").filter(
        has=page.locator(f"xpath=self::*[normalize-space(span/text()[1])='{size}']")
    )
    expect(option).to_have_count(1)
    option.locator("input[type=radio]").check()


def add_to_cart_form(page: Page) -> Locator:
    return page.locator('form[data-action="add-to-cart"]')


def expect_count(page: Page, count: int) -> None:
    expect(badge(page)).to_have_attribute("data-cart-count", str(count))


def breakup_row(scope: Page | Locator, key: str) -> Locator:
    """The price-breakup row with `data-breakup-key=key` inside `scope`."""
    return scope.locator(f'[data-breakup-key="{key}"]')


def amount_of(locator: Locator) -> Decimal:
    return Decimal(locator.get_attribute("data-amount"))


def track_navigations(page: Page) -> list[str]:
    """Every main-frame navigation from now on (an htmx swap makes none)."""
    seen: list[str] = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and seen.append(frame.url))
    return seen


def set_marker(page: Page) -> None:
    page.evaluate("window.__marker = 1")


def expect_marker(page: Page) -> None:
    assert page.evaluate("window.__marker") == 1, "the page was reloaded: window.__marker is gone"


def sign_in(page: Page, email: str = SHOPPER_EMAIL) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def add_product(page: Page, slug: str, size: str | None = None, *, count: int) -> None:
    """Add from the product page and wait for the header badge to say `count`."""
    page.goto(f"/products/{slug}/")
    if size:
        choose_size(page, size)
    add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    expect_count(page, count)


def shoot(page: Page, output_dir: Path, name: str) -> None:
    """A full-page screenshot at each size in SIZES (`<name>-phone.png`, `<name>-desktop.png`)."""
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(output_dir / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(SIZES["desktop"])
