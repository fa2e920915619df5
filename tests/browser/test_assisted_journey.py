"""Assisted selling in real chromium, on the local provider and on Fynd (the fake Fynd server), with
JavaScript on and off: a member of staff signs in, finds the customer, builds their cart with two
lines and ends assisting; the customer signs in in a second browser context, finds the cart marked
as prepared by staff, and checks out. Screenshots of the console, the assisted cart and the
customer's cart at phone and desktop sizes go to test-output/."""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from carts import staff_views
from carts.models import AssistEvent
from storefront.providers.local import models as m
from tests.conftest import SHOPPER_EMAIL, STAFF_EMAIL
from tests.fakes.fynd_server import FakeFynd, fake_fynd  # noqa: F401 - the fixture

from .conftest import _new_context
from .helpers import SIZES, add_product, expect_count, message, shoot, sign_in

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Shop:
    """What differs between the providers: the two products staff add (the second with a size),
    whether the customer has a saved address there, and the order numbers."""

    first: str
    second: str
    size: str
    second_name: str
    has_address: bool
    order_url: re.Pattern


LOCAL = Shop(
    "toor-dal-1kg", "cotton-kurta", "M", "Handloom Cotton Kurta", True, re.compile(r"/orders/(KC[0-9A-F]+)/$")
)
FYND = Shop(
    "ceramic-coffee-mug", "classic-cotton-tshirt", "M", "Classic Cotton T-Shirt", False,
    re.compile(r"/orders/(FY[0-9A-F]{18})/$"),
)  # fmt: skip


@pytest.fixture(params=["local", "fynd"])
def shop(request, store: str) -> Shop:
    if request.param == "local":
        return LOCAL
    fake: FakeFynd = request.getfixturevalue("fake_fynd")
    call_command(
        "provider", "add", "--kind", "fynd", "--name", "fynd-assist", "--base-url", fake.base_url,
        "--set", f"application_id={fake.app_id}", "--set", f"application_token={fake.app_token}",
        "--activate", stdout=StringIO(),
    )  # fmt: skip
    return FYND


def _fill_address(page: Page) -> None:
    form = page.locator('form[data-action="set-address"]')
    form.get_by_label("Full name").fill("Asha Rao")
    form.get_by_label("Mobile number").fill("9812345678")
    form.get_by_label("House, building, street").fill("12 Link Road")
    form.get_by_label("City").fill("Mumbai")
    form.get_by_label("State").select_option("Maharashtra")
    form.get_by_label("Pincode").fill("400059")
    form.get_by_role("button", name="Save and deliver here").click()
    expect(page.locator("[data-address-selected]")).to_have_count(1)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_staff_build_a_cart_and_the_customer_checks_it_out(
    chromium: Browser, store: str, shop: Shop, output_dir: Path, javascript: bool, request
) -> None:
    suffix = ("" if shop is LOCAL else "-fynd") + ("" if javascript else "-nojs")
    staff_context = _new_context(chromium, store, java_script_enabled=javascript, viewport=SIZES["desktop"])
    customer_context = _new_context(
        chromium, store, java_script_enabled=javascript, viewport=SIZES["desktop"]
    )
    try:
        staff = staff_context.new_page()
        sign_in(staff, STAFF_EMAIL)

        # find the customer and start assisting
        staff.goto("/staff/")
        finder = staff.locator('form[data-action="staff-find-customer"]')
        finder.get_by_label("Email address or mobile number").fill(SHOPPER_EMAIL)
        finder.get_by_role("button", name="Find").click()
        staff.get_by_role("button", name="Assist Asha").click()
        expect(staff).to_have_url(re.compile(r"/cart/$"))
        banner = staff.locator("[data-assisting]")
        expect(banner).to_have_attribute("data-assisting", SHOPPER_EMAIL)
        expect(message(staff, "success", re.compile(r"^You are assisting Asha"))).to_be_visible()

        # two lines, through the ordinary product forms
        add_product(staff, shop.first, count=1)
        expect(staff.locator("[data-assisting]")).to_have_count(1)
        add_product(staff, shop.second, shop.size, count=2)
        staff.goto("/cart/")
        expect(staff.locator("[data-line-id]")).to_have_count(2)
        expect(staff.locator("[data-customer-held]")).to_be_visible()  # points etc. need the customer
        shoot(staff, output_dir, f"assist-staff-cart{suffix}")
        staff.goto("/checkout/")
        expect(staff.locator('form[data-action="place-order"]')).to_have_count(0)  # Ravi may not order
        expect(staff.locator("[data-handover]")).to_be_visible()
        staff.goto("/staff/")
        expect(staff.locator(".assist-events")).to_contain_text(f"Added {shop.second_name} (M) × 1")
        shoot(staff, output_dir, f"assist-console{suffix}")

        # end assisting: Ravi's own session again
        banner.get_by_role("button", name="End assisting").click()
        expect(staff).to_have_url(re.compile(r"/staff/$"))
        expect(staff.locator("[data-assisting]")).to_have_count(0)
        expect(message(staff, "success", staff_views.MSG_ENDED.format(name="Asha"))).to_be_visible()
        expect_count(staff, 0)

        # the customer, in another browser
        customer = customer_context.new_page()
        sign_in(customer, SHOPPER_EMAIL)
        expect(
            message(customer, "info", re.compile(r"Ravi at the Indiranagar store prepared your cart"))
        ).to_be_visible()
        expect_count(customer, 2)
        customer.goto("/cart/")
        expect(customer.locator("[data-assisting]")).to_have_count(0)
        prepared = customer.locator("[data-prepared-by]")
        expect(prepared).to_have_attribute("data-prepared-by", "Ravi")
        expect(prepared).to_have_text("Prepared for you by Ravi at the Indiranagar store")
        expect(customer.locator("[data-line-id]")).to_have_count(2)
        shoot(customer, output_dir, f"assist-customer-cart{suffix}")

        customer.get_by_role("link", name=re.compile(r"^Proceed to checkout")).click()
        expect(customer).to_have_url(re.compile(r"/checkout/$"))
        if not shop.has_address:
            _fill_address(customer)
        expect(customer.locator("[data-address-selected]")).to_have_count(1)
        customer.locator('form[data-action="place-order"]').get_by_role(
            "button", name=re.compile(r"^Place order")
        ).click()
        expect(customer).to_have_url(shop.order_url)
        number = shop.order_url.search(customer.url).group(1)
        expect(customer.locator(f'[data-order-id="{number}"]')).to_be_visible()
    finally:
        staff_context.close()
        customer_context.close()

    actions = list(AssistEvent.objects.order_by("pk").values_list("action", flat=True))
    if shop is LOCAL:
        order = m.Order.objects.get(number=number)
        assert order.user.email == SHOPPER_EMAIL
        assert sorted(line.quantity for line in order.lines.all()) == [1, 1]
        # opening checkout for her chose her saved address: a change too
        assert actions == ["start-assist", "add-to-cart", "add-to-cart", "select-address", "end-assist"]
    else:
        fake: FakeFynd = request.getfixturevalue("fake_fynd")
        (placed,) = fake.orders.values()
        assert sorted(line["quantity"] for line in placed["lines"]) == [1, 1]
        assert placed["staff"] is None  # the customer ordered it herself
        assert actions == ["start-assist", "add-to-cart", "add-to-cart", "end-assist"]
