"""Share links: POST /cart/share/ (share-cart), GET /cart/shared/<token>/, POST .../accept/
(accept-shared-cart), GET /cart/share/links/ and POST /cart/share/<id>/revoke/ (revoke-share-link).

A link is an unguessable token (256 bits, only its hash stored) with an expiry and an owner who can
withdraw it; the shared page shows the items at today's prices and availability with what changed
marked, and never anything about the person who shared them."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.utils import timezone

from carts import sharing
from carts.forms import MSG_SHARE_MODE
from carts.models import ShareLink
from carts.services import MSG_SHARED_MERGED, MSG_SHARED_REPLACED
from storefront.text import format_day
from tests.checkout_kit import address_form
from tests.conftest import HTMX
from tests.functional.pages import Page, add_via_form, cart_page, follow

LINK = re.compile(r"/cart/shared/([A-Za-z0-9_-]{43})/")


def share(client) -> str:
    response = client.post("/cart/share/", headers=HTMX)
    assert response.status_code == 200, response.content[:300]
    return LINK.search(response.content.decode()).group(1)


@pytest.fixture
def shared_token(client, demo) -> str:
    """A guest's cart with dal ×2 and a kurta (M), shared; returns the token."""
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    add_via_form(client, demo, "cotton-kurta", label="M")
    return share(client)


def gone(response, message: str) -> None:
    assert response.status_code == 404
    page = Page(response.content)
    assert page.having("data-share-gone")
    assert message in html.unescape(page.html)


# ---------------------------------------------------------------------------- making a link


def test_share_with_htmx_shows_the_link_once_in_place(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")

    response = client.post("/cart/share/", headers=HTMX)

    page = Page(response.content)
    assert page.is_fragment
    (link,) = page.having("data-share-url")
    assert LINK.search(link.attrs["data-share-url"])
    assert link.attrs["data-share-url"].startswith("http://testserver/cart/shared/")
    assert "shown only once" in page.html


def test_share_without_htmx_redirects_with_the_link_and_its_expiry_in_a_message(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")

    page = follow(client, client.post("/cart/share/"))

    (text,) = [text for level, text in page.alerts if level == "success" and LINK.search(text)]
    expires = ShareLink.objects.get().expires_at
    assert f"until {format_day(expires)}" in text


def test_sharing_an_empty_cart_explains_and_makes_no_link(client, demo):
    response = client.post("/cart/share/", headers=HTMX)

    assert response.status_code == 422
    assert ("error", sharing.MSG_SHARE_EMPTY) in Page(response.content).alerts
    assert not LINK.search(response.content.decode())
    assert not ShareLink.objects.exists()


def test_tokens_are_256_random_bits_and_only_their_hash_is_stored(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")
    tokens = {share(client) for _ in range(20)}

    assert len(tokens) == 20
    for token in tokens:
        assert len(token) == 43 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    stored = list(ShareLink.objects.values_list("token_hash", "provider_token"))
    assert {h for h, _ in stored} == {sharing.token_hash(t) for t in tokens}
    assert not any(t in str(stored) for t in tokens)
    # the provider's own token never reaches the page or the URL
    for _, provider_token in stored:
        assert provider_token not in cart_page(client).html


@override_settings(SHARE_LINK_DAYS=3)
def test_the_expiry_is_configurable(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")
    before = timezone.now()
    share(client)
    link = ShareLink.objects.get()
    assert timedelta(days=3) - timedelta(seconds=5) < link.expires_at - before <= timedelta(days=3, seconds=5)


def test_the_default_expiry_is_seven_days(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")
    share(client)
    link = ShareLink.objects.get()
    assert abs((link.expires_at - link.created_at) - timedelta(days=7)) < timedelta(seconds=5)


# ---------------------------------------------------------------------------- the shared page


def test_the_shared_page_lists_the_items_as_they_were_shared(client, demo, shared_token):
    # the sharer keeps changing their cart: the link shows what was shared
    (dal, _kurta) = cart_page(client).line_ids
    client.post("/cart/remove/", {"line": dal})

    page = Page(Client().get(f"/cart/shared/{shared_token}/").content)

    assert sorted(page.line_quantities.values()) == [1, 2]
    assert page.forms("accept-shared-cart")
    assert not page.having("data-change")


def test_the_shared_page_shows_todays_prices_and_marks_what_changed(client, demo, shared_token):
    dal, kurta = demo.variant("toor-dal-1kg"), demo.variant("cotton-kurta", "M")
    demo.set_price(dal, "150.00")  # was 179.00
    demo.set_stock(kurta, 0)

    page = Page(Client().get(f"/cart/shared/{shared_token}/").content)

    changed = {e.attrs["data-change"]: e for e in page.having("data-change")}
    assert set(changed) == {"price-down", "unavailable"}
    assert changed["price-down"].attrs["data-price-was"] == "179.00"
    assert "Price dropped from ₹179" in changed["price-down"].content
    assert "₹300" in changed["price-down"].content  # 2 × 150 today
    assert Decimal(page.having("data-items-total")[0].attrs["data-items-total"]) == Decimal("300.00")


def test_an_item_no_longer_sold_is_named(client, demo, shared_token):
    old_tea = {
        "product": "0",
        "variant": "0",
        "name": "Old Tea",
        "size": "",
        "quantity": 1,
        "unit_price": "10.00",
    }
    ShareLink.objects.update(snapshot=[*ShareLink.objects.get().snapshot, old_tea])
    page = Page(Client().get(f"/cart/shared/{shared_token}/").content)
    (note,) = [e for e in page.having("data-change") if e.attrs["data-change"] == "gone"]
    assert "Old Tea" in note.content


def test_a_stranger_sees_nothing_about_the_sharer(demo, shopper):
    sharer = Client()
    sharer.force_login(shopper, backend="storefront.accounts.EmailBackend")
    add_via_form(sharer, demo, "toor-dal-1kg", quantity=3)
    sharer.post("/cart/address/", address_form(name="Meera Iyer", phone="9845012345"))
    sharer.post(
        "/cart/meta/",
        {"order_type": "HomeDelivery", "gift_message": "For Ravi, love Meera", "gstin": "29AAGCB7383J1Z4",
         "business_name": "Meera Traders", "comment": "ring twice"},
    )  # fmt: skip
    sharer.post("/cart/coupon/apply/", {"code": "WELCOME10"})
    sharer.post("/cart/loyalty/apply/", {"points": "100"})
    sharer.post("/cart/credit/apply/")
    assert cart_page(sharer).having("data-coupon-applied")  # the sharer's cart has all of it
    token = share(sharer)

    shown = Client().get(f"/cart/shared/{token}/").content.decode()

    for private in (
        shopper.email, "Asha", "Meera", "9845012345", "98450", "Residency Road", "560001",
        "29AAGCB7383J1Z4", "Meera Traders", "For Ravi", "ring twice", "WELCOME10",
        "loyalty", "credit", "Prepared for you",
    ):  # fmt: skip
        assert private not in shown, private
    assert not Page(shown).having("data-breakup-key")  # no coupon, points or credit rows


# ---------------------------------------------------------------------------- taking the items


def test_merge_adds_the_shared_items_to_another_shoppers_cart(demo, shared_token):
    friend = Client()
    add_via_form(friend, demo, "toor-dal-1kg", quantity=1)

    response = friend.post(f"/cart/shared/{shared_token}/accept/", {"mode": "merge"})

    page = follow(friend, response)
    assert ("success", MSG_SHARED_MERGED) in page.alerts
    assert sorted(page.line_quantities.values()) == [1, 3]  # kurta 1, dal 1 + 2


def test_replace_makes_the_shared_items_the_whole_cart(demo, shared_token):
    friend = Client()
    add_via_form(friend, demo, "almonds-500g", quantity=1)

    page = follow(friend, friend.post(f"/cart/shared/{shared_token}/accept/", {"mode": "replace"}))

    assert ("success", MSG_SHARED_REPLACED) in page.alerts
    assert sorted(page.line_quantities.values()) == [1, 2]
    assert page.cart_count == 3


def test_accept_with_htmx_goes_to_the_cart(demo, shared_token):
    response = Client().post(f"/cart/shared/{shared_token}/accept/", {"mode": "merge"}, headers=HTMX)
    assert response.status_code == 204 and response["HX-Redirect"] == "/cart/"


def test_accept_without_a_mode_explains_and_changes_nothing(demo, shared_token):
    friend = Client()

    response = friend.post(f"/cart/shared/{shared_token}/accept/", {"mode": "steal"})

    page = follow(friend, response, to=f"/cart/shared/{shared_token}/")
    assert ("error", MSG_SHARE_MODE) in page.alerts
    assert cart_page(friend).line_ids == []


# ---------------------------------------------------------------------------- links that no longer work


@pytest.mark.parametrize("token", ["not-a-token", "00000000-0000-0000-0000-000000000000", "A" * 43])
def test_an_unknown_share_link_is_a_clear_404(client, demo, token):
    gone(client.get(f"/cart/shared/{token}/"), sharing.MSG_SHARE_UNKNOWN)
    gone(client.post(f"/cart/shared/{token}/accept/", {"mode": "merge"}), sharing.MSG_SHARE_UNKNOWN)


def test_an_expired_link_is_a_clear_404_and_takes_nothing(client, demo, shared_token):
    ShareLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    friend = Client()

    gone(friend.get(f"/cart/shared/{shared_token}/"), sharing.MSG_SHARE_EXPIRED)
    gone(friend.post(f"/cart/shared/{shared_token}/accept/", {"mode": "merge"}), sharing.MSG_SHARE_EXPIRED)
    assert cart_page(friend).line_ids == []


def test_the_owner_withdraws_a_link(client, demo, shared_token):
    page = Page(client.get("/cart/share/links/").content)
    (form,) = page.forms("revoke-share-link")

    response = client.post(form.attrs["action"])

    assert response.status_code == 303 and response["Location"] == "/cart/share/links/"
    after = Page(client.get("/cart/share/links/").content)
    assert ("success", sharing.MSG_SHARE_LINK_REVOKED) in after.alerts
    assert not after.forms("revoke-share-link")
    gone(Client().get(f"/cart/shared/{shared_token}/"), sharing.MSG_SHARE_REVOKED)
    gone(
        Client().post(f"/cart/shared/{shared_token}/accept/", {"mode": "replace"}), sharing.MSG_SHARE_REVOKED
    )


def test_withdrawing_with_htmx_answers_with_the_list(client, demo, shared_token):
    link = ShareLink.objects.get()
    response = client.post(f"/cart/share/{link.pk}/revoke/", headers=HTMX)
    page = Page(response.content)
    assert page.is_fragment and page.by_id("share-links") is not None
    assert not page.forms("revoke-share-link")


def test_only_the_owner_can_withdraw_or_list_a_link(demo, shopper, shared_token):
    link = ShareLink.objects.get()
    stranger = Client()
    customer = Client()
    customer.force_login(shopper, backend="storefront.accounts.EmailBackend")

    for other in (stranger, customer):
        assert other.post(f"/cart/share/{link.pk}/revoke/").status_code == 404
        assert not Page(other.get("/cart/share/links/").content).forms("revoke-share-link")
    assert ShareLink.objects.get().revoked_at is None
    assert Client().get(f"/cart/shared/{shared_token}/").status_code == 200


def test_a_signed_in_owner_sees_their_links_from_any_browser(demo, shopper):
    first = Client()
    first.force_login(shopper, backend="storefront.accounts.EmailBackend")
    add_via_form(first, demo, "toor-dal-1kg")
    share(first)
    second = Client()
    second.force_login(shopper, backend="storefront.accounts.EmailBackend")
    assert len(Page(second.get("/cart/share/links/").content).forms("revoke-share-link")) == 1


def test_a_link_made_on_another_provider_account_is_unknown_here(client, demo, shared_token):
    ShareLink.objects.update(provider="another-account")
    gone(client.get(f"/cart/shared/{shared_token}/"), sharing.MSG_SHARE_UNKNOWN)


def test_a_shared_snapshot_is_not_anyones_open_cart(client, demo, shared_token):
    # the frozen copy never shows up as a cart, and the sharer's own cart is untouched
    assert sorted(cart_page(client).line_quantities.values()) == [1, 2]
    assert cart_page(Client()).line_ids == []


def test_admin_lists_links_without_tokens_and_withdraws_them(client, demo, shared_token):
    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("root@example.com", "root@example.com", "x"))
    link = ShareLink.objects.get()

    listing = admin.get("/admin/carts/sharelink/").content.decode()
    detail = admin.get(f"/admin/carts/sharelink/{link.pk}/change/").content.decode()
    for page in (listing, detail):
        assert shared_token not in page and link.provider_token not in page and link.token_hash not in page
    admin.post("/admin/carts/sharelink/", {"action": "withdraw", "_selected_action": [link.pk]})

    gone(Client().get(f"/cart/shared/{shared_token}/"), sharing.MSG_SHARE_REVOKED)


def test_the_cart_offers_the_list_of_links_only_to_who_may_have_some(client, demo, shopper):
    def offers(c) -> bool:
        return 'href="/cart/share/links/"' in cart_page(c).html

    add_via_form(client, demo, "toor-dal-1kg")
    assert not offers(client)  # a guest who never shared: no query, no link
    share(client)
    assert offers(client)
    customer = Client()
    customer.force_login(shopper, backend="storefront.accounts.EmailBackend")
    add_via_form(customer, demo, "toor-dal-1kg")
    assert offers(customer)  # they may have shared from another device
