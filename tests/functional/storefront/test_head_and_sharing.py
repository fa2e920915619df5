"""Pages people share and monitors check (issue 9, point 14): HEAD answers on every GET page
(monitors and link previews send it), product pages carry a meta description, Open Graph tags and
schema.org Product JSON-LD with an INR offer, and the home page and listings a meta description."""

from __future__ import annotations

import json
import pathlib
import re

import pytest
from django.test import Client

from storefront.providers.local import models as m
from tests.checkout_kit import checkout_key, fill_groceries
from tests.functional.pages import Page

ROOT = pathlib.Path(__file__).resolve().parents[3]

SHOP_PAGES = [
    "/",
    "/products/",
    "/products/?q=kurta&sort=price-asc",
    "/products/cotton-kurta/",
    "/products/cotton-kurta/?pincode=560001",
    "/cart/",
    "/cart/count/",
    "/cart/coupons/",
    "/cart/share/links/",
    "/checkout/",
    "/accounts/login/",
    "/accounts/signup/",
    "/vouchers/",
    "/healthz",
]
SIGNED_IN_PAGES = ["/orders/", "/vouchers/orders/", "/vouchers/cart/"]


def _same_answer_to_head(client: Client, url: str) -> None:
    got = client.get(url)
    head = client.head(url)
    assert head.status_code == got.status_code == 200, (url, head.status_code, got.status_code)
    assert head["Content-Type"] == got["Content-Type"]
    assert head.content == b""  # the headers only


@pytest.mark.parametrize("url", SHOP_PAGES)
def test_head_answers_like_get_on_shop_pages(client, demo, url):
    fill_groceries(client, demo)  # a cart, so checkout opens
    _same_answer_to_head(client, url)


@pytest.mark.parametrize("url", SIGNED_IN_PAGES)
def test_head_answers_on_a_customers_pages(signed_in_client, url):
    _same_answer_to_head(signed_in_client, url)


def test_head_answers_on_an_order_page(signed_in_client, demo):
    fill_groceries(signed_in_client, demo)
    key = checkout_key(signed_in_client.get("/checkout/").content)
    placed = signed_in_client.post("/checkout/place/", {"idempotency_key": key, "payment_mode": "cod"})
    _same_answer_to_head(signed_in_client, placed["Location"])


def test_healthz_answers_head_for_monitors(client, db):
    response = client.head("/healthz")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"


def test_no_page_view_refuses_head():
    """Every GET view is `require_safe` (GET and HEAD), never `require_GET` (GET only: a 405)."""
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("storefront", "carts", "vouchers")
        for path in (ROOT / app).rglob("*.py")
        if re.search(r"require_GET\b|require_http_methods\(\[\"GET\", \"POST\"\]\)", path.read_text())
    ]
    assert offenders == []


def _meta(page: Page, key: str, attr: str = "property") -> str | None:
    found = [e.attrs.get("content") for e in page.elements if e.tag == "meta" and e.attrs.get(attr) == key]
    return found[0] if found else None


def _json_ld(page: Page) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page.html, re.S)
    return [json.loads(block) for block in blocks]


def test_a_product_page_describes_itself_for_sharing_and_search(client, demo):
    page = Page(client.get("/products/cotton-kurta/").content)

    description = _meta(page, "description", "name")
    assert description and description.startswith(
        "Jaipur Weaves Handloom Cotton Kurta for ₹999 (33% off MRP ₹1,499)."
    )
    assert len(description) <= 160
    assert _meta(page, "og:title") == "Handloom Cotton Kurta"
    assert _meta(page, "og:type") == "product"
    assert _meta(page, "og:image").startswith("http://testserver/static/img/products/cotton-kurta")
    assert _meta(page, "og:url") == "http://testserver/products/cotton-kurta/"
    assert (_meta(page, "product:price:amount"), _meta(page, "product:price:currency")) == ("999.00", "INR")

    (data,) = _json_ld(page)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Product"
    assert data["name"] == "Handloom Cotton Kurta"
    assert data["brand"] == {"@type": "Brand", "name": "Jaipur Weaves"}
    assert data["image"][0].startswith("http://testserver/static/img/products/cotton-kurta")
    offer = data["offers"]
    assert offer["@type"] == "Offer" and offer["priceCurrency"] == "INR" and offer["price"] == "999.00"
    assert offer["availability"] == "https://schema.org/InStock"


def test_an_out_of_stock_product_says_so_to_search_engines(client, demo):
    slug = m.Product.objects.exclude(variants__stock__gt=0).values_list("slug", flat=True).first()
    page = Page(client.get(f"/products/{slug}/").content)
    (data,) = _json_ld(page)
    assert data["offers"]["availability"] == "https://schema.org/OutOfStock"
    assert _meta(page, "product:availability") == "out of stock"


def test_json_ld_cannot_be_broken_out_of(client, demo):
    m.Product.objects.filter(slug="toor-dal-1kg").update(
        name="Dal </script><script>alert(1)</script>", description="A & B <b>bold</b>"
    )
    html = client.get("/products/toor-dal-1kg/").content.decode()
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert "<" not in block and ">" not in block
    assert json.loads(block)["name"] == "Dal </script><script>alert(1)</script>"
    assert "<script>alert(1)" not in html


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/", "Groceries, fashion"),
        ("/products/", "All 44 products at Kirana & Co."),
        ("/products/?category=fashion", "Shop Fashion at Kirana & Co.:"),
        ("/products/?q=kurta", "matching “kurta” at Kirana & Co."),
    ],
)
def test_home_and_listings_have_a_meta_description(client, demo, url, expected):
    page = Page(client.get(url).content)
    description = _meta(page, "description", "name")
    assert description and expected in description and len(description) <= 160
    assert not _json_ld(page)
