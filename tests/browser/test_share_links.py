"""Share links in real chromium (local provider): a shopper shares their cart (htmx shows the link
in place), a friend in another browser opens it after a price change and takes the items, the
sharer withdraws the link and it becomes a clear 404 page. With JavaScript off the same works
through redirects. Screenshots at phone and desktop sizes go to test-output/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from carts import sharing
from carts.services import MSG_SHARED_MERGED
from storefront.providers.local import models as m

from .conftest import _new_context
from .helpers import add_to_cart_form, choose_size, expect_count, message

pytestmark = pytest.mark.browser

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
LINK = re.compile(r"/cart/shared/[A-Za-z0-9_-]{43}/$")


def _add(page: Page, slug: str, size: str | None = None, *, count: int) -> None:
    page.goto(f"/products/{slug}/")
    if size:
        choose_size(page, size)
    add_to_cart_form(page).get_by_role("button", name="Add to cart").click()
    expect_count(page, count)


def _shoot(page: Page, output_dir: Path, name: str) -> None:
    for label, size in SIZES.items():
        page.set_viewport_size(size)
        page.screenshot(path=str(output_dir / f"share-{name}-{label}.png"), full_page=True)
    page.set_viewport_size(SIZES["desktop"])


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_share_open_take_and_withdraw(
    chromium: Browser, store: str, output_dir: Path, javascript: bool
) -> None:
    suffix = "" if javascript else "-nojs"
    sharer_context = _new_context(chromium, store, java_script_enabled=javascript, viewport=SIZES["desktop"])
    friend_context = _new_context(chromium, store, java_script_enabled=javascript, viewport=SIZES["desktop"])
    try:
        sharer = sharer_context.new_page()
        _add(sharer, "toor-dal-1kg", count=1)
        _add(sharer, "cotton-kurta", "M", count=2)
        sharer.goto("/cart/")
        sharer.locator('form[data-action="share-cart"]').get_by_role(
            "button", name="Get a share link"
        ).click()
        if javascript:
            link = sharer.locator("[data-share-url]")
            expect(link).to_be_visible()
            url = link.get_attribute("data-share-url")
        else:
            alert = message(sharer, "success", re.compile(r"Anyone with this link"))
            expect(alert).to_be_visible()
            url = re.search(r"https?://\S+/cart/shared/\S+/", alert.inner_text()).group(0)
        assert LINK.search(url)
        _shoot(sharer, output_dir, f"made{suffix}")

        # the dal got cheaper since: the friend sees today's price, marked
        dal = m.Variant.objects.get(product__slug="toor-dal-1kg")
        m.Variant.objects.filter(pk=dal.pk).update(price="159.00")
        friend = friend_context.new_page()
        friend.goto(url)
        expect(friend.locator("[data-line-id]")).to_have_count(2)
        expect(friend.locator('[data-change="price-down"]')).to_contain_text("Price dropped from ₹179.00")
        _shoot(friend, output_dir, f"opened{suffix}")
        friend.get_by_role("button", name="Continue").click()
        expect(friend).to_have_url(re.compile(r"/cart/$"))
        expect(message(friend, "success", MSG_SHARED_MERGED)).to_be_visible()
        expect_count(friend, 2)

        # the sharer withdraws it; the link is a clear 404 from then on
        sharer.goto("/cart/share/links/")
        _shoot(sharer, output_dir, f"links{suffix}")
        sharer.locator('form[data-action="revoke-share-link"]').get_by_role("button", name="Withdraw").click()
        expect(message(sharer, "success", sharing.MSG_SHARE_LINK_REVOKED)).to_be_visible()
        expect(sharer.locator('form[data-action="revoke-share-link"]')).to_have_count(0)
        response = friend.goto(url)
        assert response.status == 404
        expect(friend.locator("[data-share-gone]")).to_contain_text(sharing.MSG_SHARE_REVOKED)
        _shoot(friend, output_dir, f"gone{suffix}")
    finally:
        sharer_context.close()
        friend_context.close()
