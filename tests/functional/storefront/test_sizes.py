"""Choosing a size (issue 9, point 8): with more than one size in stock none is preselected (the
shopper chooses; adding without one says so); a size chart where the category has one; without
JavaScript a delivery check keeps the chosen size and quantity. And an out-of-stock product is no
dead end (point 10): similar products in stock are offered."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from storefront.providers.local import models as m
from storefront.providers.messages import MSG_CHOOSE_SIZE
from tests.conftest import HTMX
from tests.functional.pages import Page


def _radios(page: Page):
    return [e for e in page.elements if e.tag == "input" and e.attrs.get("name") == "size"]


def _checked(page: Page) -> list[str]:
    return [r.attrs["value"] for r in _radios(page) if "checked" in r.attrs]


def _product_page(client, url: str) -> Page:
    response = client.get(url)
    assert response.status_code == 200
    return Page(response.content)


@pytest.mark.parametrize("slug", ["cotton-kurta", "running-shoes"])
def test_a_product_with_several_sizes_in_stock_preselects_none(client, demo, slug):
    page = _product_page(client, f"/products/{slug}/")
    assert len([r for r in _radios(page) if "disabled" not in r.attrs]) > 1
    assert _checked(page) == []
    assert page.by_id("size-hint").content == "Choose a size."


def test_the_only_size_in_stock_is_chosen_for_the_shopper(client, demo):
    for label in ("S", "L", "XL"):
        demo.set_stock(demo.variant("cotton-kurta", label), 0)
    page = _product_page(client, "/products/cotton-kurta/")
    assert _checked(page) == [str(demo.variant("cotton-kurta", "M").pk)]
    assert page.by_id("size-hint").content == "Size M is chosen."


def test_adding_without_a_size_says_to_choose_one_and_adds_nothing(client, demo):
    product = demo.product("cotton-kurta")
    response = client.post("/cart/add/", {"product": product.pk, "quantity": 1}, headers=HTMX)
    assert response.status_code == 422
    assert ("error", MSG_CHOOSE_SIZE) in Page(response.content).alerts
    assert m.LocalCartLine.objects.count() == 0


def test_adding_without_a_size_and_without_javascript_comes_back_with_the_message(client, demo):
    product = demo.product("cotton-kurta")
    response = client.post(
        "/cart/add/", {"product": product.pk, "quantity": 1, "next": "/products/cotton-kurta/"}
    )
    assert response.status_code == 303 and response["Location"] == "/products/cotton-kurta/"
    assert ("error", MSG_CHOOSE_SIZE) in _product_page(client, response["Location"]).alerts


def test_a_delivery_check_without_javascript_keeps_the_chosen_size_and_quantity(client, demo):
    large = demo.variant("cotton-kurta", "L")
    # the Check button submits the add-to-cart form to the product's check-delivery address
    page = _product_page(client, "/products/cotton-kurta/")
    (check,) = [
        e for e in page.elements if e.tag == "button" and e.attrs.get("data-action") == "check-delivery"
    ]
    assert check.inside("data-action").attrs["data-action"] == "add-to-cart"
    assert check.attrs["formaction"] == "/products/cotton-kurta/check-delivery/"

    response = client.post(
        check.attrs["formaction"],
        {"product": large.product_id, "size": large.pk, "quantity": "2", "pincode": "560001", "next": "/x/"},
    )

    assert response.status_code == 303
    location = urlsplit(response["Location"])
    assert location.path == "/products/cotton-kurta/" and location.fragment == "delivery-check"
    assert parse_qs(location.query) == {"pincode": ["560001"], "size": [str(large.pk)], "quantity": ["2"]}
    page = _product_page(client, response["Location"])
    assert _checked(page) == [str(large.pk)]
    assert page.by_id("add-qty").attrs["value"] == "2"
    (promise,) = page.having("data-delivery-max")
    assert "560001" in promise.content
    assert m.LocalCartLine.objects.count() == 0  # checking delivery adds nothing


@pytest.mark.parametrize("raw", ["999999", "abc", ""])
def test_a_size_that_is_not_in_stock_or_not_this_products_is_not_chosen(client, demo, raw):
    extra_large = demo.variant("cotton-kurta", "XL")  # out of stock
    for size in (raw, str(extra_large.pk)):
        assert _checked(_product_page(client, f"/products/cotton-kurta/?size={size}")) == []


def test_the_delivery_check_with_htmx_answers_its_section_only(client, demo):
    response = client.get(
        "/products/cotton-kurta/?pincode=560001", headers={**HTMX, "HX-Target": "delivery-check"}
    )
    page = Page(response.content)
    assert page.is_fragment and page.elements[0].attrs["id"] == "delivery-check"
    assert page.having("data-delivery-max")


@pytest.mark.parametrize(("slug", "heading"), [("cotton-kurta", "Chest (in)"), ("running-shoes", "EU size")])
def test_a_size_chart_where_the_category_has_one(client, demo, slug, heading):
    page = _product_page(client, f"/products/{slug}/")
    (summary,) = [e for e in page.elements if e.tag == "summary"]
    assert summary.content == "Size chart"
    assert heading in [e.content for e in page.elements if e.tag == "th" and e.attrs.get("scope") == "col"]


def test_no_size_chart_where_the_category_has_none(client, demo):
    m.Category.objects.filter(slug="fashion").update(size_chart="")
    page = _product_page(client, "/products/cotton-kurta/")
    assert not [e for e in page.elements if e.tag == "summary"]
    page = _product_page(client, "/products/toor-dal-1kg/")
    assert not [e for e in page.elements if e.tag == "summary"]


def test_an_out_of_stock_product_offers_similar_products_in_stock(client, demo):
    page = _product_page(client, "/products/denim-jeans/")  # every size sold out
    assert "Out of stock" in page.html
    cards = [e for e in page.elements if e.tag == "article" and "product-card" in e.attrs.get("class", "")]
    assert 1 <= len(cards) <= 4
    slugs = {
        e.attrs["href"].split("/")[2]
        for e in page.elements
        if e.tag == "a" and e.inside("data-price") in cards
    }
    in_stock = set(
        m.Product.objects.filter(category__slug="fashion", variants__stock__gt=0).values_list(
            "slug", flat=True
        )
    )
    assert slugs and slugs <= in_stock and "denim-jeans" not in slugs
    assert page.by_id("similar-heading").content == "Similar products in stock"
