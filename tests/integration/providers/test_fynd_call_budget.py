"""The upstream calls each storefront request costs on the Fynd provider, through the real views.

FyndProvider's docstring (storefront/providers/fynd/provider.py, "Upstream calls per action") and
the README's call-budget table promise a number of Fynd calls per action. test_fynd_provider.py
checks them at the service level; this module checks what a shopper's browser actually triggers:
the cart page, the header badge refresh (/cart/count/, fired by htmx after every change), each htmx
fragment response, the no-JavaScript 303 round trip, sign-in, checkout and the catalogue pages.
Every test starts with empty caches and a fresh provider registry (tests/conftest.py).
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from storefront.providers import get_shop_provider
from storefront.providers.fynd.models import FyndAddress
from storefront.providers.fynd.provider import FyndProvider
from tests.conftest import DEMO_PASSWORD, SHOPPER_EMAIL
from tests.fakes import fynd_server as ff
from tests.fakes.fynd_server import FakeFynd, fake_fynd  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

CART = ff.CART
CATALOG = ff.CATALOG
DETAIL = f"{CART}/detail"
ON_CART = {"HX-Request": "true", "HX-Current-URL": "http://testserver/cart/"}
ON_CHECKOUT = {"HX-Request": "true", "HX-Current-URL": "http://testserver/checkout/"}
HOME = {
    "name": "Asha Rao", "phone": "9876543210", "line1": "12 Link Road", "line2": "Andheri West",
    "city": "Mumbai", "state": "Maharashtra", "pincode": "400059", "country": "India",
}  # fmt: skip
HEAD = [("HEAD", "/detail")]


@pytest.fixture
def fynd(db, fake_fynd: FakeFynd) -> FakeFynd:  # noqa: F811
    """The fynd account, added and activated from the shell as an operator does."""
    call_command(
        "provider", "add", "--kind", "fynd", "--name", "fynd-budget", "--base-url", fake_fynd.base_url,
        "--set", f"application_id={fake_fynd.app_id}", "--set", f"application_token={fake_fynd.app_token}",
        "--activate", stdout=StringIO(),
    )  # fmt: skip
    assert isinstance(get_shop_provider(), FyndProvider)
    return fake_fynd


@pytest.fixture
def customer_client(client: Client, shopper) -> Client:
    """The demo shopper, signed in without the login view (so no sign-in merge runs)."""
    client.force_login(shopper, backend="storefront.accounts.EmailBackend")
    return client


def calls(fake: FakeFynd) -> list[tuple[str, str]]:
    return [(c.method, c.path.replace(CART, "").replace(CATALOG, "catalog")) for c in fake.calls]


def measure(fake: FakeFynd, request):
    """Run one request with the call log emptied first; returns (response, calls made)."""
    fake.reset_counts()
    response = request()
    assert fake.errors == [], "\n".join(fake.errors)
    return response, calls(fake)


def add(client: Client, product: str = "7501", size: str = "M", quantity: int = 1):
    response = client.post(
        "/cart/add/", {"product": product, "size": size, "quantity": str(quantity)}, headers=ON_CART
    )
    assert response.status_code == 200, response.content.decode()[:500]
    return response


def line_ids(client: Client, fake: FakeFynd) -> dict[tuple[int, str], str]:
    """(item id, size) → Fynd's line identifier (the storefront's data-line-id)."""
    cart = fake.cart(client.session["cart:id"])
    return {(ln.item_id, ln.size): ln.identifier for ln in cart.lines}


def two_line_cart(client: Client, fake: FakeFynd) -> dict[tuple[int, str], str]:
    add(client, "7501", "M", 1)
    add(client, "7503", "OS", 1)
    return line_ids(client, fake)


# ---------------------------------------------------------------------------- no cart yet


def test_no_cart_costs_no_call_on_any_cart_page(fynd, client):
    for url in ("/cart/", "/cart/count/", "/cart/coupons/", "/checkout/"):
        response, made = measure(fynd, lambda url=url: client.get(url))
        assert response.status_code in (200, 303), (url, response.status_code)
        assert made == [], url


# ---------------------------------------------------------------------------- reads


def test_cart_page_first_view_is_one_get_then_one_head(fynd, client):
    add(client)
    cache.clear()  # a cold cache: the shopper has not seen this cart recently (sessions stay in the db)

    first, made_first = measure(fynd, lambda: client.get("/cart/"))
    second, made_second = measure(fynd, lambda: client.get("/cart/"))

    assert made_first == [("GET", "/detail")]
    assert made_second == HEAD
    assert first.status_code == second.status_code == 200
    for page in (first, second):
        html = page.content.decode()
        assert 'data-line-quantity="1"' in html and 'data-breakup-key="total"' in html
        assert 'data-cart-count="1"' in html  # the header badge comes from the session: no call


def test_a_cart_page_after_adding_is_one_head(fynd, client):
    add(client)

    _, made = measure(fynd, lambda: client.get("/cart/"))

    assert made == HEAD  # the add cached the cart its answer carried


def test_header_badge_refresh_is_one_get_basic(fynd, client):
    add(client, "7501", "M", 2)
    add(client, "7503", "OS", 1)

    response, made = measure(fynd, lambda: client.get("/cart/count/"))

    assert made == [("GET", "/basic")]
    assert 'data-cart-count="2"' in response.content.decode()  # Fynd counts lines


def test_other_pages_cost_no_cart_call(fynd, client):
    client.get("/products/classic-cotton-tshirt/")  # catalogue cached
    client.get("/")
    add(client)

    for url in ("/", "/products/classic-cotton-tshirt/"):
        response, made = measure(fynd, lambda url=url: client.get(url))
        assert response.status_code == 200
        assert made == [], url
        assert 'data-cart-count="1"' in response.content.decode()


# ---------------------------------------------------------------------------- htmx mutations


def test_add_to_cart_is_one_post_and_the_badge_one_get(fynd, client):
    response, made = measure(fynd, lambda: add(client, "7501", "M", 1))
    assert made == [("POST", "/detail")]
    assert "cart-updated" in response["HX-Trigger"]
    assert fynd.calls[0].body["new_cart"] is True

    response, made = measure(fynd, lambda: add(client, "7501", "S", 1))
    assert made == [("POST", "/detail")]
    assert fynd.calls[0].query["id"] == client.session["cart:id"]

    # the browser then refreshes the badge (hx-trigger="cart-updated from:body")
    badge, made = measure(fynd, lambda: client.get("/cart/count/"))
    assert made == [("GET", "/basic")]
    assert 'data-cart-count="2"' in badge.content.decode()


def test_buy_now_is_one_post_and_its_checkout_one_head(fynd, client):
    add(client, "7501", "M", 1)
    form = {"product": "7503", "size": "OS", "quantity": "1"}

    response, made = measure(fynd, lambda: client.post("/cart/buy-now/", form, headers=ON_CART))

    assert response.status_code == 204 and response["HX-Redirect"] == "/checkout/?cart=buy-now"
    assert made == [("POST", "/detail")]
    assert fynd.calls[0].query["buy_now"] == "true"
    page, made = measure(fynd, lambda: client.get("/checkout/?cart=buy-now"))
    assert page.status_code == 200 and "Ceramic Coffee Mug" in page.content.decode()
    assert made == [("GET", "/detail")]  # checkout reads the cart with its COD charge (c=true) once
    assert fynd.calls[-1].query.get("c") == "true"


LINE_ACTIONS = [
    pytest.param("/cart/update/", lambda ids: {"line": ids[(7501, "M")], "quantity": "2"},
                 [("PUT", "/detail")], HEAD, id="update-quantity"),
    pytest.param("/cart/update/", lambda ids: {"line": ids[(7501, "M")], "quantity": "1", "size": "L"},
                 [("PUT", "/detail")], HEAD, id="change-size"),
    pytest.param("/cart/remove/", lambda ids: {"line": ids[(7503, "OS")]},
                 [("PUT", "/detail")], HEAD, id="remove"),
    pytest.param("/cart/clear/", lambda ids: {},
                 [("PUT", "/cart_archive")], [("GET", "/detail")], id="clear"),
    pytest.param("/cart/coupon/apply/", lambda ids: {"code": "WELCOME10"},
                 [("POST", "/coupon")], HEAD, id="apply-coupon"),
    pytest.param("/cart/meta/", lambda ids: {"gift_message": "Happy birthday!", "gstin": "", "comment": "",
                                             "order_type": "HomeDelivery"},
                 [("PUT", "/meta"), ("GET", "/detail")], HEAD, id="update-meta"),
    pytest.param("/cart/check-delivery/", lambda ids: {"pincode": "400059"},
                 [("GET", "/detail")], HEAD, id="check-delivery"),  # the cart priced for the pincode
]  # fmt: skip


@pytest.mark.parametrize(("url", "data", "expected", "next_view"), LINE_ACTIONS)
def test_each_htmx_action_costs_its_budget(fynd, client, url, data, expected, next_view):
    ids = two_line_cart(client, fynd)

    response, made = measure(fynd, lambda: client.post(url, data(ids), headers=ON_CART))

    assert response.status_code == 200, response.content.decode()[:500]
    assert made == expected  # rendering the fragments costs nothing more
    assert 'id="price-breakup"' in response.content.decode()
    _, made = measure(fynd, lambda: client.get("/cart/"))
    assert made == next_view


def test_update_with_a_cold_cache_reads_the_line_first(fynd, client):
    ids = two_line_cart(client, fynd)
    cache.clear()

    response, made = measure(
        fynd,
        lambda: client.post("/cart/update/", {"line": ids[(7501, "M")], "quantity": "2"}, headers=ON_CART),
    )

    assert response.status_code == 200
    assert made == [("GET", "/detail"), ("PUT", "/detail")]


def test_removing_a_coupon_is_one_delete(fynd, client):
    two_line_cart(client, fynd)
    client.post("/cart/coupon/apply/", {"code": "WELCOME10"}, headers=ON_CART)

    response, made = measure(fynd, lambda: client.post("/cart/coupon/remove/", {}, headers=ON_CART))

    assert response.status_code == 200
    assert made in ([("DELETE", "/coupon")], [("DELETE", "/coupon"), ("GET", "/detail")])
    assert "data-coupon-applied" not in response.content.decode()


def test_the_coupon_list_is_one_get_coupon_and_the_cart_check(fynd, client):
    two_line_cart(client, fynd)

    response, made = measure(fynd, lambda: client.get("/cart/coupons/", headers=ON_CART))

    assert response.status_code == 200 and "WELCOME10" in response.content.decode()
    assert made == [("GET", "/coupon"), ("HEAD", "/detail")]


def test_points_on_and_off_are_one_post_each(fynd, customer_client):
    two_line_cart(customer_client, fynd)

    on, made_on = measure(fynd, lambda: customer_client.post("/cart/loyalty/apply/", {}, headers=ON_CART))
    off, made_off = measure(fynd, lambda: customer_client.post("/cart/loyalty/remove/", {}, headers=ON_CART))

    assert (on.status_code, off.status_code) == (200, 200)
    assert made_on == made_off == [("POST", "/redeem/points/")]
    assert 'data-breakup-key="loyalty_points"' in on.content.decode()
    assert 'data-breakup-key="loyalty_points"' not in off.content.decode()


def test_a_change_refused_before_calling_costs_only_the_cart_check(fynd, client):
    add(client, "7505", "250g", 2)  # sold in packs of 2
    line = line_ids(client, fynd)[(7505, "250g")]

    response, made = measure(
        fynd, lambda: client.post("/cart/update/", {"line": line, "quantity": "3"}, headers=ON_CART)
    )

    assert response.status_code == 422
    assert made == HEAD  # nothing sent to Fynd; the fragments re-render the cart as it stands


# ---------------------------------------------------------------------------- JavaScript off


def test_a_form_post_without_javascript_is_the_write_then_one_head(fynd, client):
    ids = two_line_cart(client, fynd)

    response, made = measure(
        fynd, lambda: client.post("/cart/update/", {"line": ids[(7501, "M")], "quantity": "3"})
    )
    assert response.status_code == 303 and response["Location"] == "/cart/"
    assert made == [("PUT", "/detail")]

    page, made = measure(fynd, lambda: client.get(response["Location"]))
    assert made == HEAD
    assert 'data-line-quantity="3"' in page.content.decode()


# ---------------------------------------------------------------------------- sign-in


def _log_in(client: Client):
    return client.post(
        "/accounts/login/", {"email": SHOPPER_EMAIL, "password": DEMO_PASSWORD, "next": "/cart/"}
    )


def test_sign_in_adopting_the_anonymous_cart_is_one_head(fynd, client, shopper):
    add(client)

    response, made = measure(fynd, lambda: _log_in(client))

    assert response.status_code == 303
    assert made == HEAD


def test_sign_in_merging_into_the_customers_cart_is_one_head_and_one_post(fynd, client, shopper):
    theirs = Client()
    theirs.force_login(shopper, backend="storefront.accounts.EmailBackend")
    add(theirs, "7503", "OS", 1)
    add(client, "7501", "M", 1)

    response, made = measure(fynd, lambda: _log_in(client))

    assert response.status_code == 303
    assert made == [("HEAD", "/detail"), ("POST", "/detail")]


# ---------------------------------------------------------------------------- checkout


def test_checkout_for_a_guest(fynd, client):
    add(client, "7501", "M", 2)

    page, made = measure(fynd, lambda: client.get("/checkout/"))
    assert page.status_code == 200
    # checkout reads the cart with its COD charge (c=true) once; guests have no address book
    assert made == [("GET", "/detail")]
    assert fynd.calls[-1].query.get("c") == "true"

    saved, made = measure(fynd, lambda: client.post("/cart/address/", HOME, headers=ON_CHECKOUT))
    assert saved.status_code == 200
    assert made == [
        ("POST", "/address"),
        ("POST", "/select-address"),
        ("GET", "/detail"),
    ]  # + the COD-priced re-read

    page, made = measure(fynd, lambda: client.get("/checkout/"))
    assert made == HEAD
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode()).group(1)
    form = {"idempotency_key": key, "payment_mode": "COD", "email": "guest@example.com"}

    placed, made = measure(fynd, lambda: client.post("/checkout/place/", form))
    assert placed.status_code == 303 and placed["Location"].startswith("/orders/FY")
    assert made == [("HEAD", "/detail"), ("POST", "/checkout")]

    # the same form again (a double submit or a retry): the same order, nothing sent to Fynd
    again, made = measure(fynd, lambda: client.post("/checkout/place/", form))
    assert again.status_code == 303 and again["Location"] == placed["Location"]
    assert made == []

    # the confirmation is the order Fynd placed, kept on our side
    confirmation, made = measure(fynd, lambda: client.get(placed["Location"]))
    assert confirmation.status_code == 200 and "data-order-id=" in confirmation.content.decode()
    assert made == []
    assert len(fynd.orders) == 1


def test_checkout_for_a_customer_with_an_address_book(fynd, customer_client, shopper):
    add(customer_client, "7501", "M", 2)

    _, made = measure(fynd, lambda: customer_client.get("/checkout/"))
    # checkout reads the cart with its COD charge (c=true) once; no saved address: no address call
    assert made == [("GET", "/detail")]
    assert fynd.calls[-1].query.get("c") == "true"

    saved, made = measure(fynd, lambda: customer_client.post("/cart/address/", HOME, headers=ON_CHECKOUT))
    assert saved.status_code == 200
    # saved and selected, then the checkout fragments list the customer's addresses
    assert made == [
        ("POST", "/address"),
        ("POST", "/select-address"),
        ("GET", "/detail"),
        ("GET", "/address"),
    ]
    address_id = FyndAddress.objects.get(user=shopper).address_id

    _, made = measure(fynd, lambda: customer_client.get("/checkout/"))
    assert made == [("HEAD", "/detail"), ("GET", "/address")]

    chosen, made = measure(
        fynd,
        lambda: customer_client.post("/cart/address/select/", {"address": address_id}, headers=ON_CHECKOUT),
    )
    assert chosen.status_code == 200
    assert made == [
        ("POST", "/select-address"),
        ("HEAD", "/detail"),  # the COD-priced copy is stale after the change...
        ("GET", "/detail"),  # ...so it is read again
        ("GET", "/address"),
    ]


def test_a_signed_in_order_placed_with_htmx(fynd, customer_client):
    add(customer_client, "7501", "M", 2)
    customer_client.post("/cart/address/", HOME, headers=ON_CHECKOUT)
    page = customer_client.get("/checkout/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)

    placed, made = measure(
        fynd,
        lambda: customer_client.post(
            "/checkout/place/", {"idempotency_key": key, "payment_mode": "COD"}, headers=ON_CHECKOUT
        ),
    )

    assert placed.status_code == 204 and placed["HX-Redirect"].startswith("/orders/FY")
    assert made == [("HEAD", "/detail"), ("POST", "/checkout")]
    listing, made = measure(fynd, lambda: customer_client.get("/orders/"))
    assert listing.status_code == 200 and made == []
    _, made = measure(fynd, lambda: customer_client.get("/cart/"))
    assert made == []  # the ordered cart is closed: no cart until the next add


# ---------------------------------------------------------------------------- catalogue pages


def test_home_is_two_calls_then_none_while_cached(fynd, client):
    _, made = measure(fynd, lambda: client.get("/"))
    assert sorted(made) == [("GET", "catalog/categories/"), ("GET", "catalog/products/")]

    _, made = measure(fynd, lambda: client.get("/"))
    assert made == []


def test_product_list_reuses_the_cached_categories(fynd, client):
    client.get("/")

    listing, made = measure(fynd, lambda: client.get("/products/?q=cotton"))

    assert listing.status_code == 200 and "Classic Cotton T-Shirt" in listing.content.decode()
    assert made == [("GET", "catalog/products/")]
    _, made = measure(fynd, lambda: client.get("/products/?q=cotton"))
    assert made == []


@pytest.mark.parametrize(
    ("slug", "prices"),
    [
        pytest.param("classic-cotton-tshirt", 0, id="one-price"),
        pytest.param("slim-fit-denim-jeans", 3, id="price-per-size"),  # 30, 32 and 34 differ
    ],
)
def test_product_page_is_detail_and_sizes_plus_a_price_per_size_when_they_differ(fynd, client, slug, prices):
    page, made = measure(fynd, lambda: client.get(f"/products/{slug}/"))

    assert page.status_code == 200
    assert made[:2] == [("GET", f"catalog/products/{slug}/"), ("GET", f"catalog/products/{slug}/sizes/")]
    assert len(made) == 2 + prices
    assert all("/price/" in path for _, path in made[2:])
    _, made = measure(fynd, lambda: client.get(f"/products/{slug}/"))
    assert made == []


def test_a_delivery_check_on_a_product_page_is_one_price_call(fynd, client):
    client.get("/products/classic-cotton-tshirt/")

    page, made = measure(fynd, lambda: client.get("/products/classic-cotton-tshirt/?pincode=400059"))

    assert page.status_code == 200 and "data-delivery-min=" in page.content.decode()
    assert made == [
        ("GET", "/service/application/catalog/v3.0/products/classic-cotton-tshirt/sizes/S/price/")
    ]
