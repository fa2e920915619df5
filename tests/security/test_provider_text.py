"""Finding 9 (part) of issue 14: a provider's own error text reaches shoppers only where the
provider contract marks it as a message for the customer. A Fynd 400 on a catalogue read (a
category list, a product list, a product page) is about the request the shop sent: the shopper
sees the shop's own words, never Fynd's text (which may name fields, filters or internals)."""

from __future__ import annotations

import logging

import pytest

from storefront.models import ProviderAccount
from storefront.views import MSG_CATALOGUE_REFUSED
from tests.fakes.fynd_server import CATALOG, FakeFynd, fake_fynd  # noqa: F401 - the fixture
from tests.functional.pages import Page

pytestmark = pytest.mark.django_db

UPSTREAM_TEXT = "Invalid filter key: x_internal_slug_v2 (es-cluster-3, index catalog_prod)"
REFUSAL = {"success": False, "message": UPSTREAM_TEXT, "code": "INVALID_FILTER"}


@pytest.fixture
def fynd(fake_fynd) -> FakeFynd:  # noqa: F811
    account = ProviderAccount(kind="fynd", name="fynd-fake", base_url=fake_fynd.base_url)
    account.set_credentials({"application_id": fake_fynd.app_id, "application_token": fake_fynd.app_token})
    account.save()
    account.activate()
    return fake_fynd


def _assert_shop_words_only(response) -> None:
    body = response.content.decode()
    assert "Invalid filter" not in body
    assert "es-cluster" not in body
    assert "catalog_prod" not in body
    assert "INVALID_FILTER" not in body
    assert ("error", MSG_CATALOGUE_REFUSED) in [
        (k, t.replace("\u2019", "'")) for k, t in Page(response.content).alerts
    ]


@pytest.mark.parametrize(
    ("url", "call"),
    [
        ("/products/?q=shirt", f"{CATALOG}/products/"),
        ("/products/", f"{CATALOG}/categories/"),
        ("/", f"{CATALOG}/categories/"),
    ],
)
def test_a_fynd_400_on_a_catalogue_read_shows_the_shops_words(client, fynd, url, call, caplog):
    fynd.fault(call, "status", status=400, body=REFUSAL, times=10)
    with caplog.at_level(logging.WARNING, logger="storefront"):
        response = client.get(url)
    assert response.status_code == 400
    _assert_shop_words_only(response)
    assert fynd.count("GET", call) >= 1
    assert any("catalogue read refused" in r.getMessage() for r in caplog.records)


def test_a_fynd_400_on_a_product_page_shows_the_shops_words(client, fynd):
    listing = Page(client.get("/products/").content)
    slug = next(
        e.attrs["href"]
        for e in listing.elements
        if e.attrs.get("href", "").startswith("/products/") and e.attrs["href"].count("/") == 3
    )
    fynd.clear_faults()
    fynd.fault(f"{CATALOG}/products/{slug.split('/')[2]}/", "status", status=400, body=REFUSAL, times=10)
    response = client.get(slug)
    assert response.status_code == 400
    _assert_shop_words_only(response)


def test_the_htmx_search_results_also_show_the_shops_words(client, fynd):
    fynd.fault(f"{CATALOG}/products/", "status", status=400, body=REFUSAL, times=10)
    response = client.get(
        "/products/?q=shirt", headers={"HX-Request": "true", "HX-Target": "product-results"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert UPSTREAM_TEXT not in body
    assert "INVALID_FILTER" not in body
