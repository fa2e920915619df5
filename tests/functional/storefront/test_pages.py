"""GET pages: home, product list (search, filter, pages), product detail, health check."""

import pytest

from carts.forms import MSG_PINCODE
from storefront.providers.local import models as m
from storefront.providers.messages import MSG_PINCODE_UNSERVICEABLE, MSG_PRODUCT_OUT_OF_STOCK
from tests.conftest import HTMX
from tests.functional.pages import Page

PER_PAGE = 12


def _get(client, url, **kwargs) -> Page:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    return Page(response.content)


def _product_names(page: Page) -> list[str]:
    return [
        e.content
        for e in page.elements
        if e.tag in ("h2", "h3") and "product-name" in e.attrs.get("class", "")
    ]


def _result_count(page: Page) -> str:
    return next(e.content for e in page.elements if "result-count" in e.attrs.get("class", ""))


def test_home_shows_categories_featured_products_and_search(client, demo):
    page = _get(client, "/")

    chips = [e.content for e in page.elements if "category-chip" in e.attrs.get("class", "")]
    assert chips == list(m.Category.objects.values_list("name", flat=True))
    featured = set(m.Product.objects.filter(featured=True).values_list("name", flat=True))
    assert featured and set(_product_names(page)) <= featured
    assert any(e.tag == "form" and e.attrs.get("role") == "search" for e in page.elements)
    assert page.cart_count == 0


def test_product_list_pages_through_the_catalogue(client, demo):
    total = m.Product.objects.count()

    first = _get(client, "/products/")
    second = _get(client, "/products/?page=2")

    assert _result_count(first) == f"{total} products"
    assert len(_product_names(first)) == PER_PAGE
    assert set(_product_names(first)).isdisjoint(_product_names(second))
    pages = -(-total // PER_PAGE)
    assert f"Page 1 of {pages}" in first.html


@pytest.mark.parametrize("raw", ["abc", "0", "-3", "1.5", ""])
def test_a_nonsense_page_number_shows_the_first_page(client, demo, raw):
    assert _product_names(_get(client, f"/products/?page={raw}")) == _product_names(
        _get(client, "/products/")
    )


@pytest.mark.parametrize("raw", ["999", "99999999999999999999"])
def test_a_page_past_the_end_shows_the_last_page(client, demo, raw):
    total = m.Product.objects.count()
    pages = -(-total // PER_PAGE)

    page = _get(client, f"/products/?page={raw}")

    assert f"Page {pages} of {pages}" in page.html
    assert len(_product_names(page)) == total - (pages - 1) * PER_PAGE


def test_search_finds_products_by_name_and_brand(client, demo):
    by_name = _get(client, "/products/?q=basmati")
    by_brand = _get(client, "/products/?q=Desi+Farms")

    assert _product_names(by_name) == ["Aged Basmati Rice, 5 kg"]
    assert set(_product_names(by_brand)) == set(
        m.Product.objects.filter(brand__name="Desi Farms").values_list("name", flat=True)
    )
    assert "Results for “basmati”" in by_name.html


def test_search_with_no_match_says_so(client, demo):
    page = _get(client, "/products/?q=zzzqqq")

    assert _product_names(page) == []
    assert "No products match" in page.by_id("product-results").content


def test_category_filter_shows_only_that_category(client, demo):
    page = _get(client, "/products/?category=footwear")

    expected = set(m.Product.objects.filter(category__slug="footwear").values_list("name", flat=True))
    assert expected and set(_product_names(page)) == expected
    assert "<h1>Footwear</h1>" in page.html


def test_unknown_category_shows_nothing_rather_than_failing(client, demo):
    page = _get(client, "/products/?category=does-not-exist")

    assert _product_names(page) == []


def test_search_and_filter_combine(client, demo):
    page = _get(client, "/products/?q=kurta&category=footwear")

    assert _product_names(page) == []


def test_htmx_search_answers_with_the_results_fragment(client, demo):
    response = client.get("/products/?q=basmati", headers={**HTMX, "HX-Target": "product-results"})

    page = Page(response.content)
    assert response.status_code == 200
    assert page.is_fragment
    assert page.elements[0].attrs["id"] == "product-results"
    assert _product_names(page) == ["Aged Basmati Rice, 5 kg"]
    assert "HX-Request" in response["Vary"]


def test_product_detail_shows_sizes_prices_and_the_add_form(client, demo):
    page = _get(client, "/products/cotton-kurta/")

    (form,) = page.forms("add-to-cart")
    assert form.attrs["method"] == "post"
    radios = [e for e in page.elements if e.tag == "input" and e.attrs.get("name") == "size"]
    extra_large = demo.variant("cotton-kurta", "XL")
    assert len(radios) == 4
    assert [r for r in radios if "disabled" in r.attrs] == [
        r for r in radios if r.attrs["value"] == str(extra_large.pk)
    ]
    assert "₹999<" in page.html and "₹1,499<" in page.html
    assert "33% off" in page.html
    assert "Inclusive of all taxes" in page.html


def test_out_of_stock_product_has_no_add_form(client, demo):
    page = _get(client, "/products/organic-jaggery-1kg/")

    assert page.forms("add-to-cart") == []
    assert "Out of stock" in page.html


def test_unknown_product_is_a_404_page(client, demo):
    response = client.get("/products/no-such-thing/")

    assert response.status_code == 404
    assert "We couldn't find that page" in response.content.decode()


def test_product_page_delivery_check_shows_the_promise(client, demo):
    page = _get(client, "/products/toor-dal-1kg/?pincode=560001")

    ((low, high),) = page.delivery("delivery-check")
    assert low <= high
    assert [level for level, _ in page.alerts] == ["success"]


@pytest.mark.parametrize(
    ("slug", "pincode", "expected"),
    [
        ("toor-dal-1kg", "999999", ("warning", MSG_PINCODE_UNSERVICEABLE.format(pincode="999999"))),
        ("toor-dal-1kg", "12345", ("error", MSG_PINCODE)),
        ("toor-dal-1kg", "abcdef", ("error", MSG_PINCODE)),
        ("organic-jaggery-1kg", "560001", ("warning", MSG_PRODUCT_OUT_OF_STOCK)),
    ],
)
def test_product_page_delivery_check_explains_a_no(client, demo, slug, pincode, expected):
    page = _get(client, f"/products/{slug}/?pincode={pincode}")

    assert page.alerts == [expected]
    assert page.delivery() == []


def test_product_page_htmx_delivery_check_is_a_fragment(client, demo):
    response = client.get(
        "/products/toor-dal-1kg/?pincode=110001", headers={**HTMX, "HX-Target": "delivery-check"}
    )

    page = Page(response.content)
    assert page.is_fragment
    assert page.elements[0].attrs["id"] == "delivery-check"
    assert len(page.delivery()) == 1


def _buy_buttons(page: Page) -> list[str]:
    return [e.content for e in page.elements if e.tag == "button" and e.content in ("Add to cart", "Buy now")]


def test_an_unserviceable_pincode_says_so_and_offers_no_add_to_cart_or_buy_now(client, demo):
    page = _get(client, "/products/toor-dal-1kg/?pincode=999999")

    assert page.alerts == [("warning", MSG_PINCODE_UNSERVICEABLE.format(pincode="999999"))]
    assert _buy_buttons(page) == []
    assert [e.attrs["data-undeliverable"] for e in page.having("data-undeliverable")] == ["999999"]
    # a pincode we deliver to brings them back
    assert _buy_buttons(_get(client, "/products/toor-dal-1kg/?pincode=560001")) == ["Add to cart", "Buy now"]


def test_with_htmx_the_buy_buttons_follow_the_delivery_check(client, demo):
    response = client.get(
        "/products/toor-dal-1kg/?pincode=999999", headers={**HTMX, "HX-Target": "delivery-check"}
    )

    page = Page(response.content)
    assert page.is_fragment
    assert page.elements[0].attrs["id"] == "delivery-check"
    assert page.by_id("buy-buttons").attrs["hx-swap-oob"] == "true"
    assert _buy_buttons(page) == []


def test_a_pincode_checked_before_shows_its_delivery_date_on_the_next_product_page(client, demo):
    _get(client, "/products/toor-dal-1kg/?pincode=560001")

    page = _get(client, "/products/almonds-500g/")  # no pincode asked: the known one is checked

    ((low, high),) = page.delivery("delivery-check")
    assert low <= high
    assert page.by_id("pincode").attrs["value"] == "560001"
    assert _buy_buttons(page) == ["Add to cart", "Buy now"]


def test_an_unserviceable_pincode_checked_before_is_said_on_the_next_product_page(client, demo):
    _get(client, "/products/toor-dal-1kg/?pincode=999999")

    page = _get(client, "/products/almonds-500g/")

    assert page.alerts == [("warning", MSG_PINCODE_UNSERVICEABLE.format(pincode="999999"))]
    assert _buy_buttons(page) == []


def test_healthz_reports_ok_as_json(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
