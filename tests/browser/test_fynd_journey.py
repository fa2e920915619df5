"""The cart journey in real chromium, through the storefront's own pages, on the Fynd provider.

The storefront is configured the way an operator does it (`manage.py provider add --kind fynd ...
--activate`) against the stateful fake Fynd server (tests/fakes/fynd_server.py), and the shopper
goes home → search → product → cart → redemptions → checkout → confirmation. The assertions are
the storefront contract's markers (data-cart-count, data-line-*, data-breakup-*, data-coupon-applied,
data-delivery-*, data-order-id) plus what the fake Fynd server received.
"""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Locator, Page, expect

from carts import services
from carts.checkout_views import MSG_PLACED
from storefront.degraded import MSG_CART_PAUSED
from storefront.exceptions import MSG_AUTH, MSG_UNAVAILABLE
from storefront.models import OrderAttempt, ProviderAccount
from storefront.providers.fynd.mapping import BREAKUP_KEYS
from storefront.providers.fynd.models import FyndCart
from tests.conftest import DEMO_PASSWORD, SHOPPER_EMAIL
from tests.fakes import fynd_server as ff
from tests.fakes.fynd_server import FakeFynd, fake_fynd  # noqa: F401 - the fixture

from .helpers import (
    add_to_cart_form,
    amount_of,
    badge,
    breakup_row,
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

CART = ff.CART
DETAIL = f"{CART}/detail"
TEE = "Classic Cotton T-Shirt"
JEANS = "Slim Fit Denim Jeans"
GSTIN = "29AAGCB7383J1Z4"
GIFT_MESSAGE = "Happy birthday, Ravi! From Asha"
ORDER_URL = re.compile(r"/orders/(FY[0-9A-F]{18})/(\?t=[\w-]+)?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T")


# ---------------------------------------------------------------------------- set-up


@pytest.fixture
def fynd(store: str, fake_fynd: FakeFynd) -> FakeFynd:  # noqa: F811
    """The seeded store, switched to Fynd from the shell as an operator would."""
    out = StringIO()
    call_command(
        "provider", "add", "--kind", "fynd", "--name", "fynd-test", "--base-url", fake_fynd.base_url,
        "--set", f"application_id={fake_fynd.app_id}", "--set", f"application_token={fake_fynd.app_token}",
        "--activate", stdout=out,
    )  # fmt: skip
    assert "active for: shop" in out.getvalue()
    assert ProviderAccount.objects.get(active_for_shop=True).name == "fynd-test"
    return fake_fynd


# ---------------------------------------------------------------------------- helpers


def _open_cart_id(fake: FakeFynd) -> str:
    """The one storefront cart on the fake that has lines (its id never reaches the browser)."""
    ids = [cid for cid, cart in fake.apps[fake.app_id].carts.items() if cart.lines]
    assert len(ids) == 1, ids
    return ids[0]


def _fynd_breakup(fake: FakeFynd, cart_id: str, *, cod: bool = False) -> list[tuple[str, str]]:
    """Fynd's display rows for the cart, as (storefront key, amount) in Fynd's order."""
    display = fake.render_cart(cart_id, cod=cod)["breakup_values"]["display"]
    return [(BREAKUP_KEYS[row["key"]], _signed(row)) for row in display]


def _signed(row: dict) -> str:
    value = Decimal(str(row["value"]))
    if BREAKUP_KEYS[row["key"]] in ("discount", "coupon", "loyalty_points") and value > 0:
        value = -value
    return f"{value:.2f}"


def _page_breakup(scope: Page | Locator) -> list[tuple[str, str]]:
    rows = scope.locator("[data-breakup-key]")
    return [(r.get_attribute("data-breakup-key"), r.get_attribute("data-amount")) for r in rows.all()]


def _expect_breakup_like_fynd(
    page: Page, fake: FakeFynd, scope: Locator | None = None, *, cod: bool = False
) -> None:
    """The breakup rows on the page are Fynd's display rows: same keys, same order, same amounts
    (at checkout, with the cash-on-delivery charge Fynd adds for `c=true`)."""
    scope = scope or page.locator("#price-breakup")
    expected = _fynd_breakup(fake, _open_cart_id(fake), cod=cod)
    expect(scope.locator("[data-breakup-key]")).to_have_count(len(expected))
    assert _page_breakup(scope) == expected


def _fill_address(page: Page, *, name: str, pincode: str) -> None:
    form = page.locator('form[data-action="set-address"]')
    form.get_by_label("Full name").fill(name)
    form.get_by_label("Mobile number").fill("9812345678")
    form.get_by_label("House, building, street").fill("12 Link Road")
    form.get_by_label("Area, landmark").fill("Andheri West")
    form.get_by_label("City").fill("Mumbai")
    form.get_by_label("State").select_option("Maharashtra")
    form.get_by_label("Pincode").fill(pincode)
    form.get_by_role("button", name="Save and deliver here").click()


def _expect_every_call_authenticated(fake: FakeFynd) -> None:
    assert fake.calls, "the fake Fynd server received no calls"
    wrong = [(c.method, c.path) for c in fake.calls if c.headers.get("authorization") != fake.auth_header]
    assert wrong == [], f"calls without the application's bearer token: {wrong}"
    currency = {c.headers.get("x-currency-code") for c in fake.calls}
    assert currency == {"INR"}, currency
    assert fake.errors == [], "the fake Fynd server hit a bug:\n" + "\n".join(fake.errors)


def _expect_no_traceback(page: Page) -> None:
    html = page.content()
    for leak in ("Traceback", "ProviderUnavailable", "ProviderAuthError", ff.MSG_SERVER_ERROR,
                 ff.MSG_UNAUTHORIZED, "127.0.0.1:"):  # fmt: skip
        assert leak not in html, f"the page shows {leak!r}"


# ---------------------------------------------------------------------------- the journey, JavaScript on


def test_fynd_cart_journey_with_javascript(page: Page, fynd: FakeFynd, output_dir: Path) -> None:
    fake = fynd

    # home: the featured products and categories come from Fynd
    page.goto("/")
    expect(page.locator("html")).to_have_class(re.compile(r"\bjs\b"))
    expect_count(page, 0)
    expect(page.get_by_role("link", name=TEE).first).to_be_visible()
    assert fake.count("GET", f"{ff.CATALOG}/products/") >= 1

    # search from the header
    search = page.get_by_role("search").filter(has=page.locator("#site-search"))
    search.get_by_label("Search products").fill("cotton")
    search.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/products/\?q=cotton$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “cotton”")
    assert fake.calls_to(f"{ff.CATALOG}/products/")[-1].query.get("q") == "cotton"

    # a product with sizes (XL is out of stock on Fynd)
    page.locator("#product-results").get_by_role("link", name=TEE).first.click()
    expect(page).to_have_url(re.compile(r"/products/classic-cotton-tshirt/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TEE)
    unit = Decimal(page.locator("[data-price]").get_attribute("data-price"))
    assert unit == Decimal("499.50")
    expect(page.locator("fieldset.sizes input[type=radio]")).to_have_count(4)

    # two sizes, added in place: the badge follows, the page stays
    navigations = track_navigations(page)
    set_marker(page)
    form = add_to_cart_form(page)
    choose_size(page, "S")
    form.get_by_role("button", name="Add to cart").click()
    expect_count(page, 1)
    choose_size(page, "M")
    form.get_by_role("button", name="Add to cart").click()
    expect_count(page, 2)
    expect(message(page, "success", f"Added {TEE} to your cart.")).to_be_visible()
    expect(badge(page)).to_have_attribute("aria-label", "Cart, 2 items")
    expect_marker(page)
    assert navigations == [], f"adding to cart navigated: {navigations}"
    assert fake.count("POST", DETAIL) == 2
    first_add, second_add = fake.calls_to(DETAIL, "POST")
    assert first_add.body["new_cart"] is True and "id" not in first_add.query
    assert second_add.query["id"] and not second_add.body.get("new_cart")
    assert [i["item_size"] for i in first_add.body["items"] + second_add.body["items"]] == ["S", "M"]
    assert fake.count("GET", f"{CART}/basic") >= 2  # the badge asked Fynd after each add
    cart_id = _open_cart_id(fake)

    # the cart page
    badge(page).click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(lines(page)).to_have_count(2)
    small, medium = line_for(page, TEE, "S"), line_for(page, TEE, "M")
    expect(small).to_have_count(1)
    expect(medium).to_have_count(1)
    expect(line_quantity(small)).to_have_attribute("data-line-quantity", "1")
    expect(page.locator("#cart-summary-count")).to_have_text("Your cart (2 items)")
    _expect_breakup_like_fynd(page, fake)
    assert total_amount(page) == unit * 2  # ₹999.00: free delivery from there
    expect(breakup_row(page, "delivery_charge")).to_have_count(0)
    identifiers = {ln.identifier for ln in fake.cart(cart_id).lines}
    assert {lines(page).nth(i).get_attribute("data-line-id") for i in range(2)} == identifiers
    assert cart_id not in page.content(), "the Fynd cart id reached the browser"

    # a delivery check prices the promise (Mumbai pincodes: 1-2 days from the fake's fixed today)
    promise = page.locator("#delivery-promise")
    promise.get_by_label("Pincode").fill("400059")
    promise.get_by_role("button", name="Check").click()
    shown = promise.locator("[data-delivery-min][data-delivery-max]")
    expect(shown).to_contain_text("400059")
    expect(shown).to_have_attribute("data-delivery-min", re.compile(r"^2030-06-04T19:00:00\+05:30$"))
    expect(shown).to_have_attribute("data-delivery-max", re.compile(r"^2030-06-05T21:00:00\+05:30$"))
    assert fake.calls_to(DETAIL, "GET")[-1].query["area_code"] == "400059"

    # change a quantity: the lines and the breakup are swapped in place
    navigations = track_navigations(page)
    set_marker(page)
    before = total_amount(page)
    fake.reset_counts()
    # the badge refresh (hx-trigger="cart-updated") comes after the swap: wait for it too
    with page.expect_response(lambda r: r.url.endswith("/cart/count/")):
        quantity_input(small).fill("2")
        quantity_input(small).press("Tab")
    expect(line_quantity(small)).to_have_attribute("data-line-quantity", "2")
    expect(total(page)).not_to_have_attribute("data-amount", f"{before:.2f}")
    expect(message(page, "success", "Cart updated.")).to_be_visible()
    assert total_amount(page) == unit * 3
    _expect_breakup_like_fynd(page, fake)
    expect_count(page, 2)  # Fynd's badge counts lines, not pieces
    assert [(c.method, c.path) for c in fake.calls] == [("PUT", DETAIL), ("GET", f"{CART}/basic")]
    assert fake.calls[0].body["operation"] == "update_item"

    # remove a line
    medium.get_by_role("button", name=f"Remove {TEE}, size M").click()
    expect(lines(page)).to_have_count(1)
    expect(message(page, "success", "Item removed from your cart.")).to_be_visible()
    expect_count(page, 1)
    expect(total(page)).to_have_attribute("data-amount", f"{unit * 2:.2f}")
    assert [ln.size for ln in fake.cart(cart_id).lines] == ["S"]

    # a coupon: its row appears in Fynd's place, the total drops
    start = total_amount(page)
    coupon_form = page.locator('form[data-action="apply-coupon"]')
    coupon_form.get_by_label("Coupon code").fill("WELCOME10")
    coupon_form.get_by_role("button", name="Apply").click()
    expect(breakup_row(page, "coupon")).to_have_count(1)
    expect(total(page)).not_to_have_attribute("data-amount", f"{start:.2f}")
    expect(page.locator("#redemptions [data-coupon-applied]")).to_have_attribute(
        "data-coupon-applied", "WELCOME10"
    )
    expect(message(page, "success", re.compile(r"Coupon WELCOME10 applied"))).to_be_visible()
    assert amount_of(breakup_row(page, "coupon")) == Decimal("-99.90")
    after_coupon = total_amount(page)
    # ₹999.00 - ₹99.90 falls below Fynd's free-delivery mark: the delivery charge comes back
    expect(breakup_row(page, "delivery_charge")).to_have_attribute("data-amount", f"{ff.DELIVERY_CHARGE:.2f}")
    assert after_coupon == start - Decimal("99.90") + ff.DELIVERY_CHARGE
    _expect_breakup_like_fynd(page, fake)
    assert fake.calls_to(f"{CART}/coupon", "POST")[-1].body == {"coupon_code": "WELCOME10"}
    expect_marker(page)
    assert navigations == [], f"the cart page navigated: {navigations}"

    # points need a customer: the redemptions card links to sign-in, which comes back to the cart
    page.locator("#redemptions").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/cart/"))
    page.get_by_label("Email").fill(SHOPPER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(lines(page)).to_have_count(1)  # the anonymous cart became the customer's
    expect(page.locator("#redemptions [data-coupon-applied]")).to_have_attribute(
        "data-coupon-applied", "WELCOME10"
    )
    assert FyndCart.objects.get(cart_id=cart_id).user.email == SHOPPER_EMAIL

    navigations = track_navigations(page)
    set_marker(page)
    expect(breakup_row(page, "loyalty_points")).to_have_count(0)
    page.locator('form[data-action="apply-loyalty"]').get_by_role("button", name="Use points").click()
    expect(breakup_row(page, "loyalty_points")).to_have_count(1)
    expect(total(page)).not_to_have_attribute("data-amount", f"{after_coupon:.2f}")
    expect(message(page, "success", re.compile(r"loyalty points applied"))).to_be_visible()
    assert amount_of(breakup_row(page, "loyalty_points")) == -ff.DEFAULT_POINTS
    after_points = total_amount(page)
    assert after_points == after_coupon - ff.DEFAULT_POINTS
    _expect_breakup_like_fynd(page, fake)
    assert fake.cart(cart_id).points_applied

    # a gift message and a GSTIN through update-meta: sent to Fynd, the total unchanged
    meta = page.locator('form[data-action="update-meta"]')
    meta.get_by_label("Gift message").fill(GIFT_MESSAGE)
    meta.get_by_label("GSTIN").fill(GSTIN)
    meta.get_by_role("button", name="Save details").click()
    expect(message(page, "success", services.MSG_META_SAVED)).to_be_visible()
    meta = page.locator('form[data-action="update-meta"]')
    expect(meta.get_by_label("GSTIN")).to_have_value(GSTIN)
    expect(meta.get_by_label("Gift message")).to_have_value(GIFT_MESSAGE)
    expect(total(page)).to_have_attribute("data-amount", f"{after_points:.2f}")
    sent = fake.calls_to(f"{CART}/meta", "PUT")[-1]
    assert sent.query["id"] == cart_id and sent.body["gstin"] == GSTIN
    assert {g["gift_message"] for g in sent.body["gift_details"].values()} == {GIFT_MESSAGE}
    assert fake.cart(cart_id).gstin == GSTIN
    expect_marker(page)
    assert navigations == [], f"the cart page navigated: {navigations}"
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs at the top of the shot
    page.screenshot(path=str(output_dir / "fynd-cart.png"), full_page=True)

    # checkout: a new address (saved on Fynd and selected for the cart)
    page.get_by_role("link", name=re.compile(r"^Proceed to checkout")).click()
    expect(page).to_have_url(re.compile(r"/checkout/$"))
    expect(page.locator("[data-address-selected]")).to_have_count(0)
    summary = page.locator("#checkout-summary")
    for key in ("coupon", "loyalty_points"):
        expect(breakup_row(summary, key)).to_have_count(1)
    # checkout prices the cart as it will be paid: Fynd's cash-on-delivery charge is shown up front
    expect(breakup_row(summary, "cod_charge")).to_have_attribute("data-amount", f"{ff.COD_CHARGE:.2f}")
    expect(breakup_row(summary, "total")).to_have_attribute(
        "data-amount", f"{after_points + ff.COD_CHARGE:.2f}"
    )
    fake.reset_counts()
    _fill_address(page, name="Asha Rao", pincode="400059")
    selected = page.locator("[data-address-selected]")
    expect(selected).to_contain_text("Asha Rao")
    address_id = selected.get_attribute("data-address-selected")
    # saved and selected (2 calls), the checkout's COD-priced re-read, then the fragments list the
    # now saved address
    assert [(c.method, c.path) for c in fake.calls if c.path != f"{CART}/basic"] == [
        ("POST", f"{CART}/address"),
        ("POST", f"{CART}/select-address"),
        ("HEAD", DETAIL),  # the checkout page's COD-priced copy is stale after the change...
        ("GET", DETAIL),  # ...so it is read again
        ("GET", f"{CART}/address"),
    ]
    assert fake.calls_to(f"{CART}/select-address")[0].body["id"] == address_id
    checkout_promise = page.locator("#checkout-delivery [data-delivery-min]")
    expect(checkout_promise).to_have_attribute("data-delivery-min", ISO_DATE)
    expect(checkout_promise).to_have_attribute("data-delivery-max", ISO_DATE)
    expect(page.get_by_label("Gift message")).to_have_value(GIFT_MESSAGE)

    # the saved address is now in the customer's book; choosing it again is one select-address
    book = page.locator('form[data-action="select-address"]')
    expect(book.locator(f'input[value="{address_id}"]')).to_be_checked()
    fake.reset_counts()
    with page.expect_response(lambda r: r.url.endswith("/cart/address/select/")) as chosen:
        book.get_by_role("button", name="Deliver here").click()
    assert chosen.value.status == 200, f"choosing a saved Fynd address answered {chosen.value.status}"
    expect(message(page, "success", services.MSG_ADDRESS_SAVED)).to_be_visible()
    expect(page.locator(f'[data-address-selected="{address_id}"]')).to_contain_text("Asha Rao")
    expect(page.locator('[role="alert"][data-message-level="error"]')).to_have_count(0)
    assert fake.count("POST", f"{CART}/select-address") == 1
    expect(page.locator("#redemptions [data-coupon-applied]")).to_have_attribute(
        "data-coupon-applied", "WELCOME10"
    )
    _expect_breakup_like_fynd(page, fake, page.locator("#checkout-summary"), cod=True)
    expect(breakup_row(page.locator("#checkout-summary"), "cod_charge")).to_have_attribute(
        "data-amount", f"{ff.COD_CHARGE:.2f}"
    )
    shown_total = amount_of(breakup_row(page.locator("#checkout-summary"), "total"))
    page.screenshot(path=str(output_dir / "fynd-checkout.png"), full_page=True)

    # place the order: one checkout call, then the confirmation
    form = page.locator('form[data-action="place-order"]')
    expect(form.get_by_label("Cash on delivery")).to_be_checked()
    form.get_by_role("button", name=re.compile(r"^Place order")).click()
    expect(page).to_have_url(ORDER_URL)
    number = ORDER_URL.search(page.url).group(1)
    detail = page.locator(f'[data-order-id="{number}"]')
    expect(detail).to_be_visible()
    expect(message(page, "success", MSG_PLACED.format(number=number))).to_be_visible()
    expect(detail).to_contain_text(GIFT_MESSAGE)
    expect(detail).to_contain_text(GSTIN)
    expect(detail).to_contain_text("Asha Rao")
    expect(detail.locator("[data-delivery-min]")).to_have_attribute("data-delivery-min", ISO_DATE)
    expect_count(page, 0)

    assert fake.count("POST", f"{CART}/checkout") == 1
    placed = fake.orders[number]
    assert placed["payment_mode"] == "COD" and placed["address_id"] == address_id
    order_total = amount_of(breakup_row(detail, "total"))
    # the checkout showed Fynd's cash-on-delivery charge: the order is what the customer agreed to
    assert order_total == Decimal(str(placed["breakup"]["total"])) == shown_total
    expect(breakup_row(detail, "cod_charge")).to_have_attribute("data-amount", f"{ff.COD_CHARGE:.2f}")
    assert OrderAttempt.objects.get(upstream_id=number).state == OrderAttempt.State.PLACED
    assert not FyndCart.objects.get(cart_id=cart_id).is_open
    _expect_every_call_authenticated(fake)
    _expect_no_traceback(page)

    # the cart is empty afterwards, and the order is in the customer's orders
    page.goto("/cart/")
    expect(page.get_by_role("heading", name="Your cart is empty")).to_be_visible()
    page.goto("/orders/")
    page.get_by_role("link", name=f"Order {number}").click()
    expect(page.locator(f'[data-order-id="{number}"]')).to_be_visible()


# ---------------------------------------------------------------------------- JavaScript off


def test_fynd_add_update_remove_without_javascript(nojs_page: Page, fynd: FakeFynd) -> None:
    page, fake = nojs_page, fynd

    # the 34 waist costs more than the others: the product page priced each size on Fynd
    page.goto("/products/slim-fit-denim-jeans/")
    expect(page.locator("html")).not_to_have_class(re.compile(r"\bjs\b"))
    choose_size(page, "34")
    with page.expect_response(lambda r: r.url.endswith("/cart/add/")) as posted:
        add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    assert posted.value.status == 303, f"add-to-cart answered {posted.value.status}, expected 303"
    expect(page).to_have_url(re.compile(r"/products/slim-fit-denim-jeans/$"))
    expect(message(page, "success", f"Added {JEANS} to your cart.")).to_be_visible()
    expect_count(page, 1)
    assert fake.count("POST", DETAIL) == 1

    page.goto("/cart/")
    line = line_for(page, JEANS, "34")
    expect(line).to_have_count(1)
    expect(line_quantity(line)).to_have_attribute("data-line-quantity", "1")
    assert total_amount(page) == Decimal("1649.25")
    _expect_breakup_like_fynd(page, fake)

    # update with the visible button: 303 back to the cart
    update = line.get_by_role("button", name="Update")
    expect(update).to_be_visible()
    quantity_input(line).fill("2")
    with page.expect_response(lambda r: r.url.endswith("/cart/update/")) as posted:
        update.click()
    assert posted.value.status == 303
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(message(page, "success", "Cart updated.")).to_be_visible()
    expect(line_quantity(line)).to_have_attribute("data-line-quantity", "2")
    assert total_amount(page) == Decimal("3298.50")
    _expect_breakup_like_fynd(page, fake)
    assert fake.count("PUT", DETAIL) == 1

    # a refused update (more than Fynd has) says Fynd's message and changes nothing
    quantity_input(line).fill("3")
    line.get_by_role("button", name="Update").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(message(page, "error", ff.MSG_NOT_ENOUGH_STOCK.format(available=2))).to_be_visible()
    expect(line_quantity(line)).to_have_attribute("data-line-quantity", "2")
    assert total_amount(page) == Decimal("3298.50")

    # remove
    with page.expect_response(lambda r: r.url.endswith("/cart/remove/")) as posted:
        line.get_by_role("button", name=f"Remove {JEANS}, size 34").click()
    assert posted.value.status == 303
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(message(page, "success", "Item removed from your cart.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your cart is empty")).to_be_visible()
    expect_count(page, 0)
    removal = fake.calls_to(DETAIL, "PUT")[-1]
    assert removal.body["operation"] == "remove_item"
    _expect_every_call_authenticated(fake)


# ---------------------------------------------------------------------------- Fynd failing


def _cart_with_a_tee(page: Page, fake: FakeFynd) -> Locator:
    page.goto("/products/classic-cotton-tshirt/")
    choose_size(page, "M")
    add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    expect_count(page, 1)
    page.goto("/cart/")
    line = line_for(page, TEE, "M")
    expect(line).to_have_count(1)
    return line


def test_fynd_unavailable_on_the_cart_page(page: Page, fynd: FakeFynd) -> None:
    fake = fynd
    line = _cart_with_a_tee(page, fake)
    set_marker(page)
    total_before = total(page).get_attribute("data-amount")

    # a 503 on the quantity change: the friendly message, in place, nothing changed
    fake.fail_next(DETAIL, 503, method="PUT")
    with page.expect_response(lambda r: r.url.endswith("/cart/update/")) as posted:
        quantity_input(line).fill("2")
        quantity_input(line).press("Tab")
    assert posted.value.status == 503
    alert = page.locator("#messages").get_by_role("alert")
    expect(alert).to_have_text(MSG_UNAVAILABLE)
    expect(alert).to_have_attribute("data-message-level", "error")
    expect(line_quantity(line)).to_have_attribute("data-line-quantity", "1")
    expect(total(page)).to_have_attribute("data-amount", total_before)
    expect_marker(page)
    _expect_no_traceback(page)
    assert fake.count("PUT", DETAIL) == 1, "a PUT must never be retried"
    assert fake.cart(_open_cart_id(fake)).lines[0].quantity == 1

    # the whole cart page while Fynd is down (the HEAD is retried twice): degraded mode, the cart as
    # last seen, read-only, with the banner that changes are paused
    fake.fail_next(DETAIL, 503, method="HEAD", times=3)
    response = page.reload()
    assert response.status == 200
    expect(page.locator("[data-degraded-banner]")).to_have_text(MSG_CART_PAUSED)
    expect(page.locator("form[data-action]")).to_have_count(0)
    expect(total(page)).to_have_attribute("data-amount", total_before)
    _expect_no_traceback(page)

    # and once Fynd answers again, the cart is all there
    page.get_by_role("link", name="Try again").click()
    expect(line_for(page, TEE, "M")).to_have_count(1)
    expect(total(page)).to_have_attribute("data-amount", total_before)


def test_fynd_refusing_our_credentials_shows_a_friendly_message(page: Page, fynd: FakeFynd) -> None:
    fake = fynd
    line = _cart_with_a_tee(page, fake)
    set_marker(page)

    # the quantity change: a 401 is our set-up problem, never the customer's, and never retried
    fake.fail_next(DETAIL, 401, method="PUT")
    quantity_input(line).fill("2")
    quantity_input(line).press("Tab")
    alert = page.locator("#messages").get_by_role("alert")
    expect(alert).to_have_text(MSG_AUTH)
    expect(line_quantity(line)).to_have_attribute("data-line-quantity", "1")
    expect_marker(page)
    _expect_no_traceback(page)

    # a coupon refused the same way
    fake.fail_next(f"{CART}/coupon", 401, method="POST")
    coupon_form = page.locator('form[data-action="apply-coupon"]')
    coupon_form.get_by_label("Coupon code").fill("WELCOME10")
    coupon_form.get_by_role("button", name="Apply").click()
    expect(page.locator("#messages").get_by_role("alert")).to_have_text(MSG_AUTH)
    expect(breakup_row(page, "coupon")).to_have_count(0)
    expect_marker(page)

    # the page itself with a 401 on the cart read
    fake.fail_next(DETAIL, 401, method="HEAD")
    response = page.reload()
    assert response.status == 503
    expect(page.locator("#messages").get_by_role("alert")).to_have_text(MSG_AUTH)
    _expect_no_traceback(page)
    assert fake.count("HEAD", DETAIL) >= 1
