"""Gift vouchers in a real browser on the local provider: catalogue → brand → two denominations →
voucher cart → place order → the order page turns to success by itself (htmx polling, the
background job not running) → reveal a code. With JavaScript on and off; screenshots of the
pages at 1280×900 and 390×844 go to test-output/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from storefront.models import ProviderAccount
from storefront.providers import registry
from storefront.providers.local import models as m
from storefront.providers.local import voucher_models as vm
from tests.conftest import DEMO_PASSWORD, SHOPPER_EMAIL
from tests.fakes.enkash_server import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, fake_enkash  # noqa: F401
from vouchers import models as orders

from .conftest import _new_context

pytestmark = pytest.mark.browser

ORDER_URL = re.compile(r"/vouchers/orders/(SF[0-9A-F]+)/$")


def _sign_in(page: Page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(SHOPPER_EMAIL)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


@pytest.fixture
def wallet(store):
    shopper = get_user_model().objects.get(email=SHOPPER_EMAIL)
    m.LoyaltyAccount.objects.filter(user=shopper).update(points=12_800)
    vm.LocalVoucherBrand.objects.update(fulfil_seconds=2)
    return shopper


def _add_button(page: Page, denomination: str):
    return page.locator(f'[data-denomination="{denomination}"]').get_by_role("button", name=re.compile("Add"))


def _phone_shot(chromium: Browser, page: Page, store: str, url: str, path: Path) -> None:
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
        phone.goto(url)
        phone.screenshot(path=str(path), full_page=True)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{url} scrolls sideways on a phone by {overflow}px"
    finally:
        context.close()


def test_voucher_journey_with_javascript(page: Page, wallet, chromium: Browser, store: str, output_dir: Path):
    _sign_in(page)
    page.get_by_role("link", name="Gift vouchers").first.click()
    expect(page.get_by_role("heading", name="Gift vouchers", exact=True)).to_be_visible()
    page.screenshot(path=str(output_dir / "vouchers-catalogue.png"), full_page=True)
    _phone_shot(chromium, page, store, "/vouchers/", output_dir / "vouchers-catalogue-mobile.png")

    # search narrows the list in place (htmx)
    page.get_by_label("Search brands").fill("basket")
    expect(page.locator("[data-voucher-product]")).to_have_count(1)
    page.get_by_role("link", name=re.compile("Fresh Basket")).click()
    expect(page.get_by_role("heading", name="Fresh Basket gift voucher")).to_be_visible()

    row = page.locator('[data-denomination="fresh-basket-500"]')
    row.get_by_label(re.compile("Quantity")).fill("2")
    row.get_by_role("button", name=re.compile("Add")).click()
    expect(page.locator("#voucher-add-status [role=alert]")).to_contain_text("Added 2")
    page.locator('[data-denomination="fresh-basket-1000"]').get_by_role(
        "button", name=re.compile("Add")
    ).click()
    expect(page.locator("[data-voucher-count]")).to_have_attribute("data-voucher-count", "3")
    page.screenshot(path=str(output_dir / "vouchers-brand.png"), full_page=True)
    _phone_shot(chromium, page, store, "/vouchers/fresh-basket/", output_dir / "vouchers-brand-mobile.png")

    page.get_by_role("link", name=re.compile("View voucher cart")).click()
    expect(page.locator("[data-line-id]")).to_have_count(2)
    expect(page.locator('[data-breakup-key="total"]')).to_have_attribute("data-amount", "1930.00")
    # a quantity change updates the totals in place
    page.locator("[data-line-id]").first.get_by_label("Qty").fill("3")
    page.locator("[data-line-id]").first.get_by_label("Qty").dispatch_event("change")
    expect(page.locator('[data-breakup-key="total"]')).to_have_attribute("data-amount", "2415.00")
    page.screenshot(path=str(output_dir / "vouchers-cart.png"), full_page=True)
    _phone_shot(chromium, page, store, "/vouchers/cart/", output_dir / "vouchers-cart-mobile.png")

    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page).to_have_url(ORDER_URL)
    article = page.locator("[data-voucher-order]")
    # the order page polls and turns to success by itself (no worker runs in this test)
    expect(article).to_have_attribute("data-voucher-status", "success", timeout=15_000)
    expect(page.locator("[data-voucher]")).to_have_count(4)
    html = page.content()
    reference = ORDER_URL.search(page.url).group(1)
    secrets_ = [v.secret() for v in orders.IssuedVoucher.objects.filter(order__reference=reference)]
    assert all(s["code"] not in html and s["pin"] not in html for s in secrets_)

    first = page.locator("[data-voucher]").first
    first.get_by_role("button", name=re.compile("Reveal")).click()
    expect(page.locator("[data-revealed]")).to_have_count(1)
    shown = page.locator("[data-revealed] [data-code]").inner_text()
    assert shown in {s["code"] for s in secrets_}
    page.screenshot(path=str(output_dir / "vouchers-order.png"), full_page=True)
    _phone_shot(chromium, page, store, page.url, output_dir / "vouchers-order-mobile.png")
    assert orders.VoucherReveal.objects.filter(voucher__order__reference=reference).count() == 1
    assert orders.VoucherOrder.objects.get(reference=reference).price_total == 2415


def test_voucher_journey_without_javascript(chromium: Browser, store: str, wallet):
    context = _new_context(
        chromium, store, java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    try:
        _sign_in(page)
        page.goto("/vouchers/booknook/")
        page.locator('[data-denomination="booknook-250"]').get_by_role(
            "button", name=re.compile("Add")
        ).click()
        expect(page.locator('[role=alert][data-message-level="success"]')).to_contain_text("Added 1")
        page.locator('[data-denomination="booknook-500"]').get_by_label(re.compile("Quantity")).fill("2")
        page.locator('[data-denomination="booknook-500"]').get_by_role(
            "button", name=re.compile("Add")
        ).click()
        page.goto("/vouchers/cart/")
        expect(page.locator("[data-line-id]")).to_have_count(2)
        page.get_by_role("button", name=re.compile("Place order")).click()
        expect(page).to_have_url(ORDER_URL)
        article = page.locator("[data-voucher-order]")
        for _ in range(20):  # the real link, followed until the order is final
            if article.get_attribute("data-voucher-status") == "success":
                break
            page.wait_for_timeout(600)
            page.get_by_role("link", name="Check now").click()
        expect(article).to_have_attribute("data-voucher-status", "success")
        page.locator("[data-voucher]").first.get_by_role("button", name=re.compile("Reveal")).click()
        expect(page.locator("[data-revealed]")).to_have_count(1)
        page.reload()
        expect(page.locator("[data-revealed]")).to_have_count(0)  # shown once, masked again
    finally:
        context.close()


def test_voucher_journey_on_enkash(page: Page, wallet, fake_enkash, output_dir: Path):  # noqa: F811
    """The same journey with an EnKash account active, against the fake EnKash server; orders
    complete two seconds after EnKash takes them."""
    account = ProviderAccount(kind="enkash", name="enkash-browser", base_url=fake_enkash.base_url)
    account.set_credentials(
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME, "password": PASSWORD}
    )
    account.save()
    registry.activate(account)
    fake_enkash.complete_after = 2.0
    _sign_in(page)
    page.goto("/vouchers/")
    expect(page.locator("[data-voucher-product]")).to_have_count(2)
    page.get_by_role("link", name=re.compile("Myntra Test")).click()
    _add_button(page, "PCN5915678VIB1A121").click()
    expect(page.locator("[data-voucher-count]")).to_have_attribute("data-voucher-count", "1")
    _add_button(page, "PCN724771408NCGasd").click()
    expect(page.locator("[data-voucher-count]")).to_have_attribute("data-voucher-count", "2")
    page.goto("/vouchers/cart/")
    expect(page.locator('[data-breakup-key="total"]')).to_have_attribute("data-amount", "588.00")
    page.get_by_role("button", name=re.compile("Place order")).click()
    expect(page).to_have_url(ORDER_URL)
    article = page.locator("[data-voucher-order]")
    expect(article).to_have_attribute("data-voucher-status", "success", timeout=15_000)
    page.locator("[data-voucher]").first.get_by_role("button", name=re.compile("Reveal")).click()
    expect(page.locator("[data-revealed]")).to_have_count(1)
    page.screenshot(path=str(output_dir / "vouchers-order-enkash.png"), full_page=True)
    reference = ORDER_URL.search(page.url).group(1)
    assert [c.body["orderReferenceId"] for c in fake_enkash.calls_to("/api/v0/partner/create-order")] == [
        f"{reference}-1",
        f"{reference}-2",
    ]
