"""Issue 9, points 1-7 in a real browser on a phone (390×844), with JavaScript on and off: a guest
makes two mistakes in the address and corrects them without retyping anything else; a coupon
applied before signing in is still applied after; Back after ordering shows an empty cart; a
pincode we do not deliver to is said on the product page and takes Add to cart away."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from carts.checkout_views import MSG_ALREADY_PLACED
from carts.forms import MSG_PHONE
from storefront.places import MSG_STATE_MISMATCH
from storefront.providers.messages import MSG_MERGE_COUPON_KEPT, MSG_PINCODE_UNSERVICEABLE

from .conftest import _new_context
from .helpers import SIZES, add_to_cart_form, badge, expect_count, lines, message, sign_in

pytestmark = pytest.mark.browser

ORDER_URL = re.compile(r"/orders/(KC[0-9A-F]+)/(\?t=[\w-]+)?$")
TYPED = {
    "Full name": "Meera Iyer",
    "House, building, street": "7 Residency Road",
    "Area, landmark": "Ashok Nagar",
    "City": "Bengaluru",
    "Pincode": "560001",
}


@pytest.fixture(params=["js", "nojs"])
def phone(request, chromium: Browser, store: str, output_dir: Path) -> Iterator[Page]:
    """A phone-sized page, with JavaScript on and off."""
    context = _new_context(
        chromium, store, viewport=SIZES["phone"], java_script_enabled=request.param == "js", is_mobile=True
    )
    page = context.new_page()
    page.js = request.param == "js"
    page.shots = output_dir
    yield page
    context.close()


def _shoot(page: Page, name: str) -> None:
    """Full-page screenshots at phone and desktop size; the test goes on at phone size."""
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        shot = page.shots / f"{name}-{'js' if page.js else 'nojs'}-{label}.png"
        page.screenshot(path=str(shot), full_page=True)
    page.set_viewport_size(SIZES["phone"])


def _add_dal(page: Page, quantity: int = 3) -> None:
    page.goto("/products/toor-dal-1kg/")
    form = add_to_cart_form(page)
    form.get_by_label("Quantity").fill(str(quantity))
    form.get_by_role("button", name="Add to cart").click()
    expect_count(page, quantity)


def _address_form(page: Page):
    return page.locator('form[data-action="set-address"]')


def test_a_guest_corrects_two_mistakes_without_retyping_anything_else(phone: Page) -> None:
    page = phone
    _add_dal(page)
    page.goto("/checkout/")
    form = _address_form(page)
    for label, value in TYPED.items():
        form.get_by_label(label).fill(value)
    # mistake 1: a 5-digit mobile number; mistake 2: a state the pincode is not in
    form.get_by_label("Mobile number").fill("98450")
    form.get_by_label("State").select_option("Delhi")
    form.get_by_role("button", name="Save and deliver here").click()

    form = _address_form(page)
    mobile, state = form.get_by_label("Mobile number"), form.get_by_label("State")
    expect(mobile).to_have_attribute("aria-invalid", "true")
    expect(state).to_have_attribute("aria-invalid", "true")
    # each message is beside its field and is the field's description for a screen reader
    expect(mobile).to_have_accessible_description(MSG_PHONE)
    state_message = MSG_STATE_MISMATCH.format(pincode="560001", states="Karnataka", state="Delhi")
    expect(state).to_have_accessible_description(state_message)
    expect(page.locator("#addr-phone-error")).to_be_in_viewport()
    # the first bad field has the focus, so the shopper types straight into it
    expect(mobile).to_be_focused()
    # nothing else was wiped
    for label, value in TYPED.items():
        expect(form.get_by_label(label)).to_have_value(value)
    expect(mobile).to_have_value("98450")
    _shoot(page, "address-two-mistakes")

    # correct just the two fields
    mobile.fill("98450 12345")
    state.select_option("Karnataka")
    form.get_by_role("button", name="Save and deliver here").click()

    expect(page.locator("[data-address-selected]")).to_contain_text("Meera Iyer")
    expect(page.locator("[data-address-selected]")).to_contain_text("7 Residency Road")
    expect(page.locator("[aria-invalid=true]")).to_have_count(0)
    # GST from the pincode: within Karnataka, CGST + SGST
    expect(page.locator('[data-breakup-key="gst_charges"]').locator("xpath=..")).to_contain_text("CGST")


def test_placing_an_order_without_an_address_says_so_once_beside_the_form(phone: Page) -> None:
    page = phone
    _add_dal(page)
    page.goto("/checkout/")

    page.get_by_role("button", name=re.compile(r"^Place order")).click()

    needed = page.get_by_text("Add a delivery address to place the order.")
    expect(needed).to_have_count(1)
    expect(_address_form(page).get_by_text("Add a delivery address to place the order.")).to_be_visible()
    expect(page.get_by_text(re.compile("changed since you opened checkout"))).to_have_count(0)
    expect(_address_form(page).get_by_label("Full name")).to_be_focused()
    _shoot(page, "place-order-without-address")


def test_a_coupon_applied_before_signing_in_is_still_applied_after(phone: Page) -> None:
    page = phone
    _add_dal(page, quantity=6)  # ₹1,074: FLAT100 needs ₹999
    page.goto("/cart/")
    coupon = page.locator('form[data-action="apply-coupon"]')
    coupon.get_by_label("Coupon code").fill("FLAT100")
    coupon.get_by_role("button", name="Apply").click()
    expect(page.locator("[data-coupon-applied]")).to_have_attribute("data-coupon-applied", "FLAT100")
    total_before = page.locator('[data-breakup-key="total"]').get_attribute("data-amount")

    sign_in(page)
    page.goto("/cart/") if "/cart/" not in page.url else None

    expect(page.locator("[data-coupon-applied]")).to_have_attribute("data-coupon-applied", "FLAT100")
    expect(page.locator('[data-breakup-key="total"]')).to_have_attribute("data-amount", total_before)
    page.goto("/")
    page.goto("/cart/")
    expect(page.locator("[data-coupon-applied]")).to_have_attribute("data-coupon-applied", "FLAT100")
    _shoot(page, "coupon-after-sign-in")


def test_the_coupon_message_after_sign_in(phone: Page) -> None:
    page = phone
    _add_dal(page, quantity=6)
    page.goto("/cart/")
    coupon = page.locator('form[data-action="apply-coupon"]')
    coupon.get_by_label("Coupon code").fill("FLAT100")
    coupon.get_by_role("button", name="Apply").click()
    expect(page.locator("[data-coupon-applied]")).to_have_count(1)

    page.goto("/accounts/login/?next=/cart/")
    from tests.conftest import DEMO_PASSWORD, SHOPPER_EMAIL

    page.get_by_label("Email").fill(SHOPPER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(message(page, "info", MSG_MERGE_COUPON_KEPT.format(code="FLAT100"))).to_be_visible()


def test_back_after_ordering_shows_an_empty_cart(phone: Page) -> None:
    page = phone
    _add_dal(page)
    page.goto("/cart/")
    expect(lines(page)).to_have_count(1)
    page.get_by_role("link", name=re.compile(r"^Proceed to checkout")).click()
    expect(page).to_have_url(re.compile(r"/checkout/$"))
    form = _address_form(page)
    for label, value in TYPED.items():
        form.get_by_label(label).fill(value)
    form.get_by_label("Mobile number").fill("9845012345")
    form.get_by_label("State").select_option("Karnataka")
    form.get_by_role("button", name="Save and deliver here").click()
    expect(page.locator("[data-address-selected]")).to_have_count(1)
    page.get_by_role("button", name=re.compile(r"^Place order")).click()
    expect(page).to_have_url(ORDER_URL)
    number = ORDER_URL.search(page.url).group(1)
    expect_count(page, 0)

    # Back: the checkout is asked again (no-store), finds the cart empty and says the order is
    # placed, on the cart page
    page.go_back()
    expect(message(page, "info", MSG_ALREADY_PLACED.format(number=number))).to_be_visible()
    expect(lines(page)).to_have_count(0)
    expect(badge(page)).to_have_attribute("data-cart-count", "0")
    # Back again, to the cart page as it was before checkout: asked again too, so empty
    page.go_back()
    expect(lines(page)).to_have_count(0)
    expect(badge(page)).to_have_attribute("data-cart-count", "0")
    _shoot(page, "back-after-order")
    if page.js:
        # the product page the shopper started from: its badge is asked for afresh
        page.go_back()
        expect(page).to_have_url(re.compile(r"/products/toor-dal-1kg/"))
        expect(badge(page)).to_have_attribute("data-cart-count", "0")


def test_a_pincode_we_do_not_deliver_to_takes_add_to_cart_away(phone: Page) -> None:
    page = phone
    page.goto("/products/toor-dal-1kg/")
    check = page.locator("#delivery-check")
    check.get_by_label("Pincode").fill("999999")
    check.get_by_role("button", name="Check").click()

    expect(page.get_by_text(MSG_PINCODE_UNSERVICEABLE.format(pincode="999999"))).to_be_visible()
    expect(add_to_cart_form(page).get_by_role("button", name="Add to cart")).to_have_count(0)
    expect(page.get_by_role("button", name="Buy now")).to_have_count(0)
    expect(page.locator("[data-undeliverable='999999']")).to_be_visible()
    _shoot(page, "product-unserviceable")

    # a pincode we deliver to: the date, and the buttons are back
    check = page.locator("#delivery-check")
    check.get_by_label("Pincode").fill("560001")
    check.get_by_role("button", name="Check").click()
    expect(page.locator("#delivery-check [data-delivery-max]")).to_have_count(1)
    expect(add_to_cart_form(page).get_by_role("button", name="Add to cart")).to_be_visible()

    # the next product page shows the date without pressing Check
    page.goto("/products/almonds-500g/")
    expect(page.locator("#delivery-check [data-delivery-max]")).to_have_count(1)
    expect(page.locator("#delivery-check").get_by_label("Pincode")).to_have_value("560001")
