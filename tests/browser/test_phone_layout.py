"""What a shopper or a member of staff sees, mostly on a 390px-wide phone: nothing cut short, split
mid-word or jammed together by the layout (found by walking the store and looking at the screenshots)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import STAFF_EMAIL

from .conftest import _new_context
from .helpers import SIZES, add_product, sign_in


@pytest.fixture
def phone(chromium: Browser, store: str) -> Iterator[Page]:
    context = _new_context(chromium, store, viewport=SIZES["phone"])
    page = context.new_page()
    yield page
    context.close()


def test_voucher_search_and_category_are_not_cut_short_on_a_phone(phone: Page, output_dir: Path) -> None:
    phone.goto("/vouchers/")
    search = phone.get_by_label("Search brands")
    category = phone.get_by_label("Category")
    expect(search).to_be_visible()
    phone.screenshot(path=str(output_dir / "vouchers-filters-phone.png"), full_page=True)
    # The placeholder "e.g. coffee, travel" and the label fit: the search box spans the form's width
    # (it was squeezed into a third of it, showing "e.g. coffe" and a label wrapped over two lines).
    search_box = search.bounding_box()
    form_box = phone.locator("form.filters").bounding_box()
    assert search_box["width"] > form_box["width"] * 0.8
    label_box = phone.locator("label[for=voucher-q]").bounding_box()
    assert label_box["height"] < 30, "the 'Search brands' label wraps over two lines"
    # The chosen category reads in full ("All categories" showed as "All categ").
    fits = _text_fits(category)
    assert fits, "the category select is narrower than 'All categories'"


def test_staff_customer_search_result_does_not_split_words_on_a_phone(phone: Page, output_dir: Path) -> None:
    sign_in(phone, STAFF_EMAIL)
    phone.goto("/staff/")
    finder = phone.locator('form[data-action="staff-find-customer"]')
    finder.locator("input[name=q]").fill("shopper@demo.local")
    finder.locator("input[name=q]").press("Enter")
    match = phone.locator(".customer-match .muted").first
    expect(match).to_contain_text("mobile ending")
    phone.screenshot(path=str(output_dir / "staff-customer-match-phone.png"), full_page=True)
    # "mobile" sits on one line: with word-break: break-all it came out as "mo" / "bile".
    rects = match.evaluate(
        """el => {
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            const node = walker.nextNode();
            const start = node.textContent.indexOf('mobile');
            const range = document.createRange();
            range.setStart(node, start);
            range.setEnd(node, start + 'mobile'.length);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        }"""
    )
    assert rects == 1, "the word 'mobile' is split across two lines"


def _text_fits(field) -> bool:
    """Whether a field is wide enough for its value, or its placeholder when empty, plus its padding."""
    return field.evaluate(
        """el => {
            const select = el.tagName === 'SELECT';
            const text = select ? el.options[el.selectedIndex].text : el.value || el.placeholder;
            const probe = document.createElement('span');
            probe.textContent = text;
            probe.style.font = getComputedStyle(el).font;
            probe.style.position = 'absolute';
            probe.style.whiteSpace = 'pre';
            document.body.appendChild(probe);
            const need = probe.getBoundingClientRect().width;
            probe.remove();
            const s = getComputedStyle(el);
            const padding = parseFloat(s.paddingLeft) + parseFloat(s.paddingRight);
            const room = el.getBoundingClientRect().width - padding;
            return need + (select ? 24 : 0) <= room;  // a select also draws its arrow
        }"""
    )


def test_home_search_example_is_read_in_full_on_a_phone(phone: Page, output_dir: Path) -> None:
    phone.goto("/")
    hero = phone.locator(".hero-search input[name=q]")
    expect(hero).to_have_attribute("placeholder", "Try “basmati” or “kurta”")
    phone.locator(".hero").screenshot(path=str(output_dir / "home-hero-phone.png"))
    # It read "Try “basmati” or “kur" beside the Search button.
    assert _text_fits(hero), "the home search's example is cut off"
    expect(phone.locator(".hero-search").get_by_role("button", name="Search")).to_be_visible()


def test_guest_email_box_does_not_touch_the_place_order_button(page: Page, output_dir: Path) -> None:
    """Desktop, signed out: the email box for the order confirmation sat flush on the button."""
    add_product(page, "cotton-kurta", "M", count=1)
    page.goto("/checkout/")
    email = page.get_by_label("Email for the order confirmation")
    button = page.locator('form[data-action="place-order"]').get_by_role(
        "button", name=re.compile(r"^Place order")
    )
    expect(email).to_be_visible()
    shot = output_dir / "checkout-guest-email-desktop.png"
    page.locator("form[data-action=place-order]").screenshot(path=str(shot))
    gap = button.bounding_box()["y"] - (email.bounding_box()["y"] + email.bounding_box()["height"])
    assert gap >= 8, f"the Place order button is {gap}px below the email box"


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_listing_brands_line_up_in_columns(page: Page, output_dir: Path, size: str) -> None:
    page.set_viewport_size(SIZES[size])
    page.goto("/products/?category=fashion")
    brands = page.locator("fieldset.brands label")
    expect(brands.first).to_be_visible()
    page.locator("form.filters").screenshot(path=str(output_dir / f"listing-brands-{size}.png"))
    rows: dict[int, list[int]] = {}
    for box in (brands.nth(i).bounding_box() for i in range(brands.count())):
        rows.setdefault(round(box["y"]), []).append(round(box["x"]))
    counts = [len(xs) for _, xs in sorted(rows.items())]
    # every row but the last holds as many brands as the first, and they start at the same places
    assert all(count == counts[0] for count in counts[:-1]), f"ragged brand rows: {counts}"
    lefts = {x for xs in rows.values() for x in xs}
    assert len(lefts) == counts[0], f"brands start at {sorted(lefts)}"


def test_voucher_discounts_are_not_split_over_two_lines_on_a_phone(phone: Page, output_dir: Path) -> None:
    phone.goto("/vouchers/fresh-basket/")
    offs = phone.locator(".denominations .off")
    expect(offs.first).to_contain_text("% off")
    phone.locator(".denominations").screenshot(path=str(output_dir / "voucher-denominations-phone.png"))
    # the ₹500 row read "₹485 3%" with "off" alone on the next line
    lines = [
        offs.nth(i).evaluate("e => new Set([...e.getClientRects()].map(r => Math.round(r.top))).size")
        for i in range(offs.count())
    ]
    assert lines == [1] * offs.count(), f"lines per discount: {lines}"


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_long_brand_list_does_not_push_the_products_off_the_first_screen(
    page: Page, output_dir: Path, size: str
) -> None:
    """All 44 products have 37 brands: the filter card was 1,378px tall on desktop (1,656px on a
    phone), the first product a screen or two down. The list scrolls in its own box instead."""
    page.set_viewport_size(SIZES[size])
    page.goto("/products/")
    form = page.locator("form.filters")
    expect(form).to_be_visible()
    page.screenshot(path=str(output_dir / f"listing-all-brands-{size}.png"))
    assert form.bounding_box()["height"] < SIZES[size]["height"] - 150
    if size == "desktop":
        assert page.locator("[data-price]").first.bounding_box()["y"] < SIZES[size]["height"]
    # every brand is still there to tick: the last one scrolls into view in the box
    last = page.locator("fieldset.brands input[type=checkbox]").last
    last.check()
    expect(last).to_be_checked()
    expect(last).to_be_in_viewport()


def test_a_refused_coupon_is_not_hidden_under_the_phone_checkout_bar(phone: Page, output_dir: Path) -> None:
    add_product(phone, "cotton-kurta", "M", count=1)
    phone.goto("/cart/")
    code = phone.get_by_label("Coupon code")
    code.fill("NOPE")
    code.press("Enter")
    error = phone.locator("#coupon-error")
    expect(error).to_contain_text("NOPE")
    expect(code).to_be_focused()
    phone.screenshot(path=str(output_dir / "cart-coupon-refused-phone.png"))
    # the box stayed in view, so nothing scrolled: the reason under it sat behind the fixed bar
    bar_top = phone.locator("#checkout-button").bounding_box()["y"]
    box = error.bounding_box()
    assert box["y"] + box["height"] <= bar_top, (
        f"the refusal ends at {box['y'] + box['height']}, the bar starts at {bar_top}"
    )


def test_without_javascript_a_refused_coupon_opens_the_cart_where_it_is_said(
    chromium: Browser, store: str, output_dir: Path
) -> None:
    context = _new_context(chromium, store, java_script_enabled=False, viewport=SIZES["phone"])
    phone = context.new_page()
    try:
        add_product(phone, "cotton-kurta", "M", count=1)
        phone.goto("/cart/")
        code = phone.get_by_label("Coupon code")
        code.fill("NOPE")
        phone.get_by_role("button", name="Apply", exact=True).click()
        error = phone.locator("#coupon-error")
        expect(error).to_contain_text("NOPE")
        phone.screenshot(path=str(output_dir / "cart-coupon-refused-nojs-phone.png"))
        # it opened at the top of the cart, the reason some 1,200px down and nothing said above
        expect(error).to_be_in_viewport()
        expect(phone.get_by_label("Coupon code")).to_be_in_viewport()
    finally:
        context.close()
