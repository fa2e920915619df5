"""Finding 4 of issue 14: the checkout page's key is an opaque random id; what the page showed
stays in the session it was issued to, with the customer it was shown to. Another browser that
gets hold of a key (before or after it was used) is refused and learns nothing: no order, no
name, no street, no "your order is placed"."""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client

from carts.checkout_views import MSG_PLACED
from carts.services import MSG_CHECKOUT_EXPIRED, MSG_CHECKOUT_NOT_YOURS
from storefront.providers.local import models as m
from storefront.providers.local.checkout import PAYMENT_COD
from tests.checkout_kit import HTMX_ON_CHECKOUT, address_form, checkout_key, fill_groceries, orders
from tests.functional.pages import Page

pytestmark = pytest.mark.django_db

NAME, STREET = "Meera Iyer", "7 Residency Road"


@pytest.fixture
def shopper_at_checkout(client, demo):
    fill_groceries(client, demo)
    client.post("/cart/address/", address_form(name=NAME, line1=STREET))
    return client


@pytest.fixture
def stranger(demo):
    other = Client()
    fill_groceries(other, demo, quantity=1)
    other.post("/cart/address/", address_form(name="Ravi Kumar", line1="1 MG Road"))
    return other


def key_of(client) -> str:
    response = client.get("/checkout/")
    assert response.status_code == 200
    return checkout_key(response.content)


def place(client, key, **kw):
    return client.post("/checkout/place/", {"idempotency_key": key, "payment_mode": PAYMENT_COD}, **kw)


def leaks(response_or_page_text: str) -> bool:
    return NAME in response_or_page_text or STREET in response_or_page_text


def test_the_key_is_an_opaque_id_with_nothing_of_the_cart_in_it(shopper_at_checkout):
    key = key_of(shopper_at_checkout)

    # 24 random bytes, URL-safe: no signed payload (those carry ':' and decode to JSON)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", key)
    decoded = base64.urlsafe_b64decode(key)
    assert len(decoded) == 24  # room for an id, not for a cart
    # a new key each time the page is shown
    assert key_of(shopper_at_checkout) != key


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_another_browser_with_a_shoppers_key_is_refused(shopper_at_checkout, stranger, htmx):
    key = key_of(shopper_at_checkout)
    headers = HTMX_ON_CHECKOUT if htmx else {}

    response = place(stranger, key, headers=headers)

    assert orders() == 0
    assert response.status_code == (422 if htmx else 303)
    after = response.content.decode() if htmx else stranger.get("/checkout/").content.decode()
    assert ("error", MSG_CHECKOUT_EXPIRED) in Page(after).alerts
    assert not leaks(after)
    # and the shopper's own key still places their order
    response = place(shopper_at_checkout, key)
    assert response.status_code == 303 and orders() == 1


def test_a_used_key_answers_only_its_owner(shopper_at_checkout, stranger):
    key = key_of(shopper_at_checkout)
    first = place(shopper_at_checkout, key)
    order = m.Order.objects.get()
    assert first.status_code == 303

    # the owner pressing again (a reload) gets the same order
    again = place(shopper_at_checkout, key)
    assert again.status_code == 303 and again["Location"] == first["Location"]
    # another browser replaying it gets a refusal, not the order
    replay = place(stranger, key)
    assert replay.status_code == 303 and replay["Location"] == "/checkout/"
    page = stranger.get("/checkout/").content.decode()
    assert MSG_PLACED.format(number=order.number) not in page
    assert order.number not in page and not leaks(page)
    assert orders() == 1


def test_a_key_shown_before_signing_in_is_refused_after(shopper_at_checkout, shopper):
    key = key_of(shopper_at_checkout)
    shopper_at_checkout.post("/accounts/login/", {"email": shopper.email, "password": "demo-pass-123"})
    assert "_auth_user_id" in shopper_at_checkout.session

    response = place(shopper_at_checkout, key)

    assert response.status_code == 303 and response["Location"] == "/checkout/"
    assert ("error", MSG_CHECKOUT_NOT_YOURS) in Page(shopper_at_checkout.get("/checkout/").content).alerts
    assert orders() == 0


def test_a_made_up_or_altered_key_is_refused(shopper_at_checkout):
    key = key_of(shopper_at_checkout)
    for bad in ("", "x" * 32, key[:-1] + ("A" if key[-1] != "A" else "B"), key + "A"):
        response = place(shopper_at_checkout, bad)
        assert response.status_code == 303 and response["Location"] == "/checkout/"
    assert orders() == 0
