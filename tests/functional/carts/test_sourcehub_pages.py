# ruff: noqa: F811 - pytest fixtures imported from sourcehub_kit are parameters here
"""The storefront's pages on the SourceHub provider: the product page's packs and buyer notice, the
cart's pack lines, a pack switch through update-line (with and without htmx), the checkout without
an address form, and reorder."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from carts import services
from storefront.providers.sourcehub import buyers
from tests.conftest import HTMX
from tests.integration.providers.sourcehub_kit import NITA, account, fake_sh, provider, user  # noqa: F401

pytestmark = pytest.mark.django_db

TEA = "/products/tata-tea-gold-250-g-11/"


@pytest.fixture
def buyer_client(provider) -> Client:
    client = Client()
    client.force_login(user(NITA))
    return client


def _add(client: Client, pack: str = "1101", quantity: int = 2):
    return client.post("/cart/add/", {"product": "11", "size": pack, "quantity": quantity})


def test_an_anonymous_visitor_sees_the_packs_notice_and_no_add_form(provider, client):
    page = client.get(TEA).content.decode()

    assert buyers.MSG_SIGN_IN in page
    assert 'data-buyer-access="browse-only"' in page
    assert 'data-action="add-to-cart"' not in page
    assert "/accounts/signup/?next=" in page


def test_a_buyer_chooses_among_packs_with_their_unit_price(buyer_client):
    page = buyer_client.get(TEA).content.decode()

    assert 'data-action="add-to-cart"' in page and "<legend>Pack</legend>" in page
    assert "Pack of 6 — ₹190 each pack, ₹31.67 a unit" in page
    assert "Pack of 24 — ₹720 each pack, ₹30 a unit" in page
    assert "buyer-notice" not in page


def test_the_cart_shows_the_pack_unit_price_mrp_gst_and_hsn(buyer_client):
    _add(buyer_client)

    page = buyer_client.get("/cart/").content.decode()

    assert "Pack of 6 at ₹190 a pack (₹31.67 a unit) · 12 units" in page
    assert "MRP ₹210 a pack · GST 5% included · HSN 0902" in page
    assert 'data-cart-packs="2" data-cart-units="12"' in page
    assert 'data-breakup-key="gst_included"' in page
    assert 'data-action="apply-coupon"' not in page and 'data-action="share-cart"' not in page


def test_update_line_switches_the_pack_with_htmx(buyer_client, fake_sh):
    _add(buyer_client)
    line = str(fake_sh.carts[12][0]["id"])

    answer = buyer_client.post("/cart/update/", {"line": line, "quantity": 2, "size": "1103"}, headers=HTMX)

    assert answer.status_code == 200 and "cart-updated" in answer["HX-Trigger"]
    body = answer.content.decode()
    assert "Pack of 24 at ₹720 a pack" in body and 'data-amount="1440.00"' in body
    assert [(ln["pricing_id"], ln["quantity"]) for ln in fake_sh.carts[12]] == [(1103, 2)]


def test_update_line_switches_the_pack_without_javascript(buyer_client, fake_sh):
    _add(buyer_client)
    line = str(fake_sh.carts[12][0]["id"])

    answer = buyer_client.post("/cart/update/", {"line": line, "quantity": 1, "size": "1102"})

    assert answer.status_code == 303 and answer["Location"].endswith("/cart/")
    assert [(ln["pricing_id"], ln["quantity"]) for ln in fake_sh.carts[12]] == [(1102, 1)]


def test_checkout_ships_to_the_registered_address_and_says_invoice(buyer_client):
    _add(buyer_client)

    page = buyer_client.get("/checkout/").content.decode()

    assert 'data-action="set-address"' not in page
    assert "Shop 4, Laxmi Market" in page and "against the store's invoice" in page
    assert 'id="gift-message"' not in page and 'value="24AABCP5678D1ZG"' in page


def test_reorder_from_the_order_page(buyer_client, fake_sh, provider):
    _add(buyer_client)
    page = buyer_client.get("/checkout/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    placed = buyer_client.post("/checkout/place/", {"idempotency_key": key, "payment_mode": "invoice"})
    assert placed.status_code == 303 and fake_sh.carts[12] == []

    order_page = buyer_client.get(placed["Location"]).content.decode()
    again = buyer_client.post("/cart/reorder/", {"order": "5001"})
    htmx_again = buyer_client.post("/cart/reorder/", {"order": "5001"}, headers=HTMX)

    assert 'data-action="reorder"' in order_page
    assert again.status_code == 303 and again["Location"] == "/cart/"
    assert htmx_again.status_code == 204 and htmx_again["HX-Redirect"] == "/cart/"
    assert [(ln["pricing_id"], ln["quantity"]) for ln in fake_sh.carts[12]] == [(1101, 4)]
    assert services.MSG_REORDERED.format(number="5001") in buyer_client.get("/cart/").content.decode()


def test_reorder_of_someone_elses_order_is_not_found(buyer_client):
    assert buyer_client.post("/cart/reorder/", {"order": "5001"}).status_code == 404


def test_signing_in_links_the_buyer_and_the_badge_shows_their_sourcehub_cart(provider, fake_sh):
    from tests.integration.providers.sourcehub_kit import RAMESH

    user(RAMESH, password="pw-wholesale-123")  # SourceHub holds the seed's cart for customer 9
    client = Client()

    answer = client.post("/accounts/login/", {"email": RAMESH, "password": "pw-wholesale-123"})

    assert answer.status_code == 303
    assert answer.cookies["cart_count"].value == "1"
    assert fake_sh.api_calls()[:2] == [("POST", "/api/customers/show"), ("GET", "/api/carts")]


def test_a_refused_token_gives_shoppers_a_friendly_page_and_never_the_token(fake_sh, client):
    from storefront.exceptions import MSG_AUTH
    from tests.integration.providers.sourcehub_kit import make_account

    make_account(fake_sh, token="regenerated-old-token")

    answer = client.get("/products/")

    assert answer.status_code == 503
    page = answer.content.decode()
    assert MSG_AUTH in page.replace("&#39;", "'")
    assert "regenerated-old-token" not in page and "AUTHENTICATION_ERROR" not in page
    assert fake_sh.count("GET", "/api/products") == 1  # not retried


def test_a_pending_buyer_may_add_but_the_cart_and_checkout_say_they_cannot_order_yet(provider, fake_sh):
    from tests.integration.providers.sourcehub_kit import ARJUN

    client = Client()
    client.force_login(user(ARJUN))

    product = client.get(TEA).content.decode()
    _add(client)
    cart = client.get("/cart/").content.decode().replace("&#39;", "'")

    assert 'data-buyer-access="pending"' in product and 'data-action="add-to-cart"' in product
    assert "waiting for SourceHub's approval" in cart
    assert 'aria-disabled="true">Proceed to checkout' in cart
    assert fake_sh.count("POST", "/api/orders/create") == 0
