"""POST /cart/share/ (share-cart), GET /cart/shared/<token>/ and POST .../accept/ (accept-shared-cart)."""

import re

import pytest
from django.test import Client

from carts.forms import MSG_SHARE_MODE
from carts.services import MSG_SHARED_MERGED, MSG_SHARED_REPLACED
from storefront.providers.local.provider import MSG_SHARE_EMPTY
from tests.conftest import HTMX
from tests.functional.pages import Page, add_via_form, cart_page, follow

LINK = re.compile(r"/cart/shared/([0-9a-f-]{36})/")


@pytest.fixture
def shared_token(client, demo) -> str:
    """A cart with dal ×2 and a kurta (M), shared; returns the token."""
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    add_via_form(client, demo, "cotton-kurta", label="M")
    response = client.post("/cart/share/", headers=HTMX)
    assert response.status_code == 200
    return LINK.search(response.content.decode()).group(1)


def test_share_with_htmx_shows_the_link_in_place(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")

    response = client.post("/cart/share/", headers=HTMX)

    page = Page(response.content)
    assert page.is_fragment
    (link,) = page.having("data-share-url")
    assert LINK.search(link.attrs["data-share-url"])
    assert link.attrs["data-share-url"].startswith("http://testserver/cart/shared/")


def test_share_without_htmx_redirects_with_the_link_in_a_message(client, demo):
    add_via_form(client, demo, "toor-dal-1kg")

    page = follow(client, client.post("/cart/share/"))

    assert any(level == "success" and LINK.search(text) for level, text in page.alerts)


def test_sharing_an_empty_cart_explains_and_makes_no_link(client, demo):
    response = client.post("/cart/share/", headers=HTMX)

    assert response.status_code == 422
    assert ("error", MSG_SHARE_EMPTY) in Page(response.content).alerts
    assert not LINK.search(response.content.decode())


def test_the_shared_page_lists_the_items_as_they_were_shared(client, demo, shared_token):
    # the sharer keeps changing their cart: the link shows the snapshot
    (dal, _kurta) = cart_page(client).line_ids
    client.post("/cart/remove/", {"line": dal})

    page = Page(Client().get(f"/cart/shared/{shared_token}/").content)

    assert sorted(page.line_quantities.values()) == [1, 2]
    assert page.forms("accept-shared-cart")


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


def test_accept_without_a_mode_explains_and_changes_nothing(demo, shared_token):
    friend = Client()

    response = friend.post(f"/cart/shared/{shared_token}/accept/", {"mode": "steal"})

    page = follow(friend, response, to=f"/cart/shared/{shared_token}/")
    assert ("error", MSG_SHARE_MODE) in page.alerts
    assert cart_page(friend).line_ids == []


@pytest.mark.parametrize("token", ["not-a-token", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_share_link_is_a_404(client, demo, token):
    assert client.get(f"/cart/shared/{token}/").status_code == 404
    assert client.post(f"/cart/shared/{token}/accept/", {"mode": "merge"}).status_code == 303


def test_a_shared_snapshot_is_not_anyones_open_cart(client, demo, shared_token):
    # the frozen copy never shows up as a cart, and the sharer's own cart is untouched
    assert sorted(cart_page(client).line_quantities.values()) == [1, 2]
    assert cart_page(Client()).line_ids == []
