"""The header badge's count travels in a cookie: a quantity change writes no session (no database
write with cached_db sessions), pages show the count without asking the provider, and signing out
resets it."""

from __future__ import annotations

import pytest
from django.conf import settings

from carts.session import BADGE_COOKIE
from tests.conftest import HTMX
from tests.functional.pages import Page, add_via_form, cart_page

pytestmark = pytest.mark.django_db


def test_a_quantity_change_sets_the_badge_cookie_and_writes_no_session(client, demo):
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    line = cart_page(client).line_ids[0]

    response = client.post("/cart/update/", {"line": line, "quantity": "5"}, headers=HTMX)

    assert response.status_code == 200
    assert response.cookies[BADGE_COOKIE].value == "5"
    assert response.cookies[BADGE_COOKIE]["httponly"]
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # the session was not saved
    home = Page(client.get("/").content)
    assert home.cart_count == 5


def test_an_unchanged_count_sends_no_cookie(client, demo):
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)

    response = client.get("/cart/")

    assert BADGE_COOKIE not in response.cookies
    assert Page(response.content).cart_count == 2


@pytest.mark.parametrize("raw", ["-3", "abc", "99999999", ""])
def test_a_tampered_badge_cookie_shows_zero(client, demo, raw):
    client.cookies[BADGE_COOKIE] = raw

    assert Page(client.get("/").content).cart_count == 0


def test_signing_out_resets_the_badge(signed_in_client, demo):
    add_via_form(signed_in_client, demo, "toor-dal-1kg", quantity=3)
    assert Page(signed_in_client.get("/").content).cart_count == 3

    response = signed_in_client.post("/accounts/logout/")

    assert response.cookies[BADGE_COOKIE].value == "0"
    assert Page(signed_in_client.get("/").content).cart_count == 0
