"""Share links in real chromium (local provider): a shopper shares their cart (htmx shows the link
in place), a friend in another browser opens it after a price change and takes the items, the
sharer withdraws the link and it becomes a clear 404 page. With JavaScript off the same works
through redirects. Screenshots at phone and desktop sizes go to test-output/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from carts import sharing
from carts.services import MSG_SHARED_MERGED
from storefront.providers.local import models as m

from .conftest import _new_context
from .helpers import SIZES, add_product, expect_count, message, shoot

pytestmark = pytest.mark.browser

LINK = re.compile(r"/cart/shared/[A-Za-z0-9_-]{43}/$")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_share_open_take_and_withdraw(
    chromium: Browser, store: str, output_dir: Path, javascript: bool
) -> None:
    suffix = "" if javascript else "-nojs"
    sharer_context = _new_context(chromium, store, java_script_enabled=javascript, viewport=SIZES["desktop"])
    friend_context = _new_context(chromium, store, java_script_enabled=javascript, viewport=SIZES["desktop"])
    try:
        sharer = sharer_context.new_page()
        add_product(sharer, "toor-dal-1kg", count=1)
        add_product(sharer, "cotton-kurta", "M", count=2)
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
        shoot(sharer, output_dir, f"share-made{suffix}")

        # the dal got cheaper since: the friend sees today's price, marked
        dal = m.Variant.objects.get(product__slug="toor-dal-1kg")
        m.Variant.objects.filter(pk=dal.pk).update(price="159.00")
        friend = friend_context.new_page()
        friend.goto(url)
        expect(friend.locator("[data-line-id]")).to_have_count(2)
        expect(friend.locator('[data-change="price-down"]')).to_contain_text("Price dropped from ₹179")
        shoot(friend, output_dir, f"share-opened{suffix}")
        friend.get_by_role("button", name="Continue").click()
        expect(friend).to_have_url(re.compile(r"/cart/$"))
        expect(message(friend, "success", MSG_SHARED_MERGED)).to_be_visible()
        expect_count(friend, 2)

        # the sharer withdraws it; the link is a clear 404 from then on
        sharer.goto("/cart/share/links/")
        shoot(sharer, output_dir, f"share-links{suffix}")
        sharer.locator('form[data-action="revoke-share-link"]').get_by_role("button", name="Withdraw").click()
        expect(message(sharer, "success", sharing.MSG_SHARE_LINK_REVOKED)).to_be_visible()
        expect(sharer.locator('form[data-action="revoke-share-link"]')).to_have_count(0)
        response = friend.goto(url)
        assert response.status == 404
        expect(friend.locator("[data-share-gone]")).to_contain_text(sharing.MSG_SHARE_REVOKED)
        shoot(friend, output_dir, f"share-gone{suffix}")
    finally:
        sharer_context.close()
        friend_context.close()
