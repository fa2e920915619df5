"""The wholesale journey in real chromium on the SourceHub provider (issue 12).

The storefront is switched to SourceHub the way an operator does it (`manage.py provider add
--kind sourcehub ... --activate`) against the stateful fake SourceHub server. A business buyer
signs up with the email SourceHub knows, browses, picks a pack, adds it, changes the quantity and
switches to another pack (the breakup follows SourceHub's totals), saves a GSTIN and orders; an
unknown buyer browses and is told how to get a business account. Screenshots at phone and desktop
size go to test-output/ (sourcehub-*.png).
"""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from storefront.models import ProviderAccount, ShopperLink
from storefront.money import format_inr
from storefront.providers.sourcehub import buyers
from tests.fakes.sourcehub_server import FakeSourceHub, start_fake_sourcehub

from .helpers import add_to_cart_form, amount_of, breakup_row, expect_count, line_quantity, lines, shoot

pytestmark = pytest.mark.browser

BUYER = "nita@patelwholesale.example"  # Patel Wholesale Traders: accepted, 5 % discount
TEA = "/products/tata-tea-gold-250-g-11/"
GSTIN = "24AABCP5678D1ZG"
NEW_GSTIN = "29AAACR4321K1ZC"


@pytest.fixture
def sourcehub(store: str):
    fake: FakeSourceHub = start_fake_sourcehub()
    out = StringIO()
    call_command(
        "provider", "add", "--kind", "sourcehub", "--name", "sourcehub-test",
        "--base-url", f"{fake.base_url}/api", "--set", f"token={fake.token}", "--activate", stdout=out,
    )  # fmt: skip
    assert "active for: shop" in out.getvalue()
    assert ProviderAccount.objects.get(active_for_shop=True).kind == "sourcehub"
    yield fake
    fake.stop()
    assert fake.errors == [], "the fake SourceHub had a bug:\n" + "\n".join(fake.errors)


def _sign_up(page: Page, email: str) -> None:
    page.goto("/accounts/signup/")
    page.get_by_label("Name").fill("Nita Patel")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("wholesale-pass-123")
    page.get_by_role("button", name="Create account").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/signup/"))


def _breakup(page: Page) -> dict[str, Decimal]:
    rows = page.locator("#price-breakup [data-breakup-key]")
    return {r.get_attribute("data-breakup-key"): amount_of(r) for r in rows.all()}


def test_a_business_buyer_picks_packs_saves_a_gstin_and_orders(page: Page, sourcehub, output_dir: Path):
    _sign_up(page, BUYER)
    assert ShopperLink.objects.get(user__email=BUYER).external_id == "12"  # linked by email at sign-up
    assert sourcehub.api_calls()[:2] == [("POST", "/api/customers/show"), ("GET", "/api/carts")]

    page.goto("/products/?q=tea")
    page.get_by_role("link", name="Tata Tea Gold 250 g").first.click()
    expect(page).to_have_url(re.compile(TEA))
    expect(page.locator("fieldset.sizes legend")).to_have_text("Pack")
    six = page.locator("fieldset.sizes label").filter(has_text="Pack of 6")
    expect(six).to_contain_text(f"Pack of 6 — {format_inr(Decimal(190))} each pack, ₹31.67 a unit")
    expect(page.locator(".gst-note")).to_contain_text("GST 5%, HSN 0902")
    shoot(page, output_dir, "sourcehub-product")

    six.locator("input").check()
    add_to_cart_form(page).get_by_label("Quantity").fill("2")
    add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    expect_count(page, 1)
    assert [(ln["pricing_id"], ln["quantity"]) for ln in sourcehub.carts[12]] == [(1101, 2)]

    page.goto("/cart/")
    line = lines(page).first
    expect(line.locator(".line-pack")).to_contain_text("Pack of 6 at ₹190 a pack (₹31.67 a unit) · 12 units")
    expect(line.locator(".line-pack")).to_contain_text("GST 5% included · HSN 0902")
    assert _breakup(page)["subtotal"] == Decimal("380.00")
    assert _breakup(page)["discount"] == Decimal("-19.00")  # the buyer's 5 % from SourceHub
    assert _breakup(page)["total"] == Decimal("361.00")

    line.get_by_label("Qty").fill("3")
    line.get_by_label("Qty").press("Enter")
    expect(line_quantity(lines(page).first)).to_have_attribute("data-line-quantity", "3")
    expect(breakup_row(page.locator("#price-breakup"), "subtotal")).to_have_attribute("data-amount", "570.00")

    # Enter fires the form's change and submit: let both answers land before the next change, or a late
    # quantity answer (still Pack of 6) can be written after the pack switch
    expect(page.locator(".htmx-request")).to_have_count(0)
    lines(page).first.get_by_label("Pack", exact=True).select_option(label="Pack of 12")
    expect(lines(page).first.locator(".line-pack")).to_contain_text("Pack of 12 at ₹372 a pack")
    expect(breakup_row(page.locator("#price-breakup"), "subtotal")).to_have_attribute(
        "data-amount", "1116.00"
    )
    expect(page.locator(".pack-summary")).to_have_text("1 line · 3 packs · 36 units in all")
    assert [(ln["pricing_id"], ln["quantity"]) for ln in sourcehub.carts[12]] == [(1102, 3)]
    assert _breakup(page)["gst_included"] == Decimal("50.49")  # (1116 − 55.80) × 5 / 105
    shoot(page, output_dir, "sourcehub-cart")

    page.goto("/checkout/")
    expect(page.locator("#gstin")).to_have_value(GSTIN)  # prefilled from SourceHub's record
    page.locator("#gstin").fill(NEW_GSTIN)
    page.locator("#business-name").fill("Patel Wholesale (Surat)")
    page.locator('form[data-action="update-meta"]').get_by_role("button", name="Save details").click()
    expect(page.locator(".gst-invoice")).to_contain_text(NEW_GSTIN)
    expect(page.locator('form[data-action="set-address"]')).to_have_count(0)
    expect(page.locator("[data-address-selected]")).to_contain_text("Shop 4, Laxmi Market")
    shoot(page, output_dir, "sourcehub-checkout")

    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page.locator("[data-order-id]")).to_be_visible()
    expect(page.locator(".order-detail")).to_contain_text(f"Patel Wholesale (Surat) {NEW_GSTIN}")
    expect(page.locator(".order-detail")).to_contain_text("SourceHub order SO-005001")
    assert len(sourcehub.orders) == 1 and sourcehub.carts[12] == []
    assert sourcehub.count("POST", "/api/orders/create") == 1
    shoot(page, output_dir, "sourcehub-order")

    page.get_by_role("button", name="Order these again").click()
    expect(page).to_have_url(re.compile(r"/cart/$"))
    expect(line_quantity(lines(page).first)).to_have_attribute("data-line-quantity", "3")


def test_an_unknown_buyer_browses_and_is_told_how_to_get_access(page: Page, sourcehub, output_dir: Path):
    page.goto(TEA)
    notice = page.locator(".buyer-notice")
    expect(notice).to_contain_text(buyers.MSG_SIGN_IN)
    expect(add_to_cart_form(page)).to_have_count(0)

    _sign_up(page, "owner@newkirana.example")
    page.goto(TEA)

    expect(page.locator(".buyer-notice")).to_contain_text("couldn't find a SourceHub business account")
    expect(page.locator(".buyer-notice")).to_contain_text("sales agent")
    expect(add_to_cart_form(page)).to_have_count(0)
    expect(page.locator("fieldset.sizes")).to_have_count(0)
    shoot(page, output_dir, "sourcehub-unknown-buyer")
    page.goto("/cart/")
    expect(page.locator(".buyer-message")).to_contain_text("couldn't find a SourceHub business account")
    assert sourcehub.count("POST", "/api/cart/add-item") == 0
