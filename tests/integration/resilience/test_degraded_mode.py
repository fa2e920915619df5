"""Degraded mode (storefront.degraded) against the fake Fynd server: with Fynd hanging or down,
catalogue and product pages the shopper saw are served from their stale copy with a notice, the cart
is shown as last seen, read-only, checkout is paused and nothing reaches Fynd's checkout; when Fynd
comes back (after the breaker's cool-down) the pages are live again, with fresh prices."""

from __future__ import annotations

import re
import time

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from carts.checkout_views import MSG_PLACED
from storefront.degraded import MSG_CART_PAUSED, MSG_CHECKOUT_PAUSED, MSG_STALE_CATALOGUE
from storefront.exceptions import MSG_UNAVAILABLE
from storefront.models import ProviderAccount
from tests.conftest import HTMX
from tests.fakes import fynd_server as ff
from tests.fakes.fynd_server import FakeFynd, fake_fynd  # noqa: F401 - the fixture
from tests.functional.pages import Page
from tests.integration.resilience.test_fault_matrix import ADDRESS, KEY_FIELD

pytestmark = pytest.mark.django_db

READ = 0.5
FAILURES = 2
COOLDOWN = 0.5
CATALOG = "/service/application/catalog/v1.0"
DETAIL = f"{ff.CART}/detail"
CHECKOUT = f"{ff.CART}/checkout"
TEE = "classic-cotton-tshirt"
TEE_PATHS = [f"{CATALOG}/products/{TEE}/", f"{CATALOG}/products/{TEE}/sizes/"]
DOWN = {
    "hang": {"kind": "hang", "seconds": 2},
    "5xx": {"kind": "status", "status": 502},
}
PRICE = re.compile(r'class="price"[^>]*>([^<]*)<')

# the short catalogue cache is off, so every page reads Fynd (as it would once its copy expired)
degraded_settings = override_settings(
    PROVIDER_BREAKER_FAILURES=FAILURES,
    PROVIDER_BREAKER_COOLDOWN=COOLDOWN,
    CATALOGUE_CACHE_SECONDS=0,
    CATALOGUE_STALE_SECONDS=3600,
)


@pytest.fixture
def fynd(fake_fynd) -> FakeFynd:  # noqa: F811
    account = ProviderAccount(
        kind="fynd", name="fynd-fake", base_url=fake_fynd.base_url, connect_timeout=0.3, read_timeout=READ
    )
    account.set_credentials({"application_id": fake_fynd.app_id, "application_token": fake_fynd.app_token})
    account.save()
    account.activate()
    yield fake_fynd
    assert fake_fynd.errors == [], "the fake Fynd server had a bug:\n" + "\n".join(fake_fynd.errors)


def provider_health(client) -> dict:
    response = client.get("/healthz")
    assert response.status_code == 200  # the app itself is fine
    return response.json()["providers"]["fynd-fake"]


def take_down(fynd: FakeFynd, fault: dict, paths: list[str], visit) -> None:
    """Fynd misbehaves on every path the pages use; `visit` (a page whose first call fails, so no
    success resets the failure count) until the breaker opens."""
    for path in paths:
        fynd.fault(path, times=1000, **fault)
    for _ in range(FAILURES * 3):
        visit()
        if provider_health(Client())["state"] == "down":
            return
    raise AssertionError("the breaker never opened")


def bring_back(fynd: FakeFynd) -> None:
    fynd.clear_faults()
    time.sleep(COOLDOWN)  # the breaker's cool-down; the next call probes Fynd


def prices(response) -> list[str]:
    return PRICE.findall(response.content.decode())


def notices(response) -> list[str]:
    return [e.content for e in Page(response.content).having("data-degraded")]


def errors(response) -> list[tuple[str, str]]:
    return [a for a in Page(response.content).alerts if a[0] == "error"]


@degraded_settings
@pytest.mark.parametrize("fault", list(DOWN))
def test_catalogue_pages_seen_before_serve_their_stale_copy_while_fynd_is_down(client, fynd, fault):
    seen = {url: client.get(url) for url in ("/products/?q=shirt", f"/products/{TEE}/")}
    assert all(r.status_code == 200 and notices(r) == [] for r in seen.values())

    take_down(
        fynd,
        DOWN[fault],
        [f"{CATALOG}/products/", *TEE_PATHS],
        lambda: Client().get(f"/products/{TEE}/"),  # its first call fails: nothing resets the count
    )

    for url, before in seen.items():
        started = time.monotonic()
        response = client.get(url)
        assert time.monotonic() - started < 0.3, url  # the open breaker: no waiting on Fynd
        assert response.status_code == 200, url
        assert notices(response) == [MSG_STALE_CATALOGUE]  # role="status": a notice, not an error
        assert errors(response) == []
        assert prices(response) == prices(before) != []
    # a page never seen has no copy: the friendly unavailable page
    unseen = client.get("/products/striped-polo-tshirt/")
    assert unseen.status_code == 503
    assert errors(unseen) == [("error", MSG_UNAVAILABLE)]
    health = provider_health(client)
    assert (health["state"], health["serving_stale"]) == ("down", True)

    # Fynd comes back with a new price: after the cool-down the page is live and fresh
    for size in ("S", "M", "L", "XL"):
        fynd.set_price(TEE, size, effective="449.00")
    bring_back(fynd)
    live = client.get(f"/products/{TEE}/")

    assert (live.status_code, notices(live)) == (200, [])
    assert 'data-price="449.00"' in live.content.decode()
    assert provider_health(client) == {**provider_health(client), "state": "ok", "serving_stale": False}

    # the fresh answer replaced the stale copy: down again, the page shows the new price
    take_down(fynd, DOWN["5xx"], TEE_PATHS, lambda: Client().get(f"/products/{TEE}/"))
    again = client.get(f"/products/{TEE}/")
    assert (again.status_code, notices(again)) == (200, [MSG_STALE_CATALOGUE])
    assert 'data-price="449.00"' in again.content.decode()


@degraded_settings
def test_a_failed_catalogue_call_falls_back_before_the_breaker_opens(client, fynd):
    assert client.get("/products/?q=shirt").status_code == 200
    fynd.fault(f"{CATALOG}/products/", "status", status=502, times=5)  # the call and its retries

    response = client.get("/products/?q=shirt")

    assert (response.status_code, notices(response), errors(response)) == (200, [MSG_STALE_CATALOGUE], [])
    assert provider_health(client)["state"] == "degraded"  # one failure counted, serving stale


class Shopper:
    def __init__(self) -> None:
        self.client = Client()
        self.key = ""

    def add(self, product="7501", size="M", quantity=1):
        data = {"product": product, "size": size, "quantity": quantity}
        response = self.client.post("/cart/add/", data, headers=HTMX)
        assert response.status_code == 200, response.content[:300]

    def cart(self):
        return self.client.get("/cart/")

    def ready_for_checkout(self) -> None:
        assert self.client.post("/cart/address/", ADDRESS, headers=HTMX).status_code == 200
        page = self.client.get("/checkout/")
        assert page.status_code == 200, page.content[:300]
        self.checkout_seen = shown(page)
        self.key = KEY_FIELD.search(page.content.decode()).group(1)

    def place_order(self):
        data = {"idempotency_key": self.key, "payment_mode": "COD", "email": "asha@example.com"}
        return self.client.post("/checkout/place/", data, headers=HTMX)


def shown(response) -> tuple[dict[str, int], list[tuple[str, str]]]:
    page = Page(response.content)
    return page.line_quantities, page.breakup


@degraded_settings
@pytest.mark.parametrize("fault", list(DOWN))
def test_the_cart_is_read_only_and_checkout_paused_while_fynd_is_down(fynd, fault):
    shopper = Shopper()
    shopper.add(quantity=2)
    shopper.add(product="7503", size="OS")
    shopper.ready_for_checkout()
    before = shopper.cart()
    assert before.status_code == 200
    last_seen = shown(before)
    assert last_seen[0] and sorted(last_seen[0].values()) == [1, 2]

    take_down(fynd, DOWN[fault], [DETAIL, ff.CART + "/checkout"], shopper.cart)
    fynd.reset_counts()

    # the cart as last seen, read-only, with the banner
    page = shopper.cart()
    assert page.status_code == 200
    assert shown(page) == last_seen  # the same quantities and price breakup (total included)
    assert [e.content for e in Page(page.content).having("data-degraded-banner")] == [MSG_CART_PAUSED]
    assert Page(page.content).having("data-action") == []  # no form that would fail
    assert errors(page) == []
    # a change is not attempted upstream (the breaker fails fast) and is answered with the message
    line = next(iter(last_seen[0]))
    update = shopper.client.post("/cart/update/", {"line": line, "quantity": 3}, headers=HTMX)
    assert update.status_code == 503

    # checkout shows the summary as last seen, paused
    checkout = shopper.client.get("/checkout/")
    assert checkout.status_code == 503
    assert errors(checkout) == [("error", MSG_CHECKOUT_PAUSED)]
    assert shown(checkout) == shopper.checkout_seen  # as priced for payment (COD charge included)
    assert Page(checkout.content).having("data-action") == []
    # and placing the order answers the message without reaching Fynd
    placed = shopper.place_order()
    assert placed.status_code == 503
    assert errors(placed) == [("error", MSG_CHECKOUT_PAUSED)]
    assert fynd.calls == []  # nothing reached Fynd: no read, no update, no checkout
    assert fynd.orders == {}

    # Fynd comes back: the cart is live again, nothing lost, and the order goes through once
    bring_back(fynd)
    live = shopper.cart()
    assert live.status_code == 200
    assert shown(live) == last_seen
    assert Page(live.content).having("data-degraded-banner") == []
    assert Page(live.content).forms("update-line")
    shopper.ready_for_checkout()
    done = shopper.place_order()
    assert done.status_code == 204, done.content[:500]
    assert len(fynd.orders) == 1
    detail = shopper.client.get(done["HX-Redirect"])
    assert any(text.startswith(MSG_PLACED.split("{")[0]) for _, text in Page(detail.content).alerts)


@degraded_settings
def test_without_a_kept_copy_the_cart_gets_the_unavailable_page(fynd):
    shopper = Shopper()
    shopper.add()
    cache.clear()  # the kept copies go (sessions are kept in the database too)
    fynd.fault(DETAIL, "status", status=502, times=100)

    response = shopper.cart()

    assert response.status_code == 503
    assert errors(response) == [("error", MSG_UNAVAILABLE)]
