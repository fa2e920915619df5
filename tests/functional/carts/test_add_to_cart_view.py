"""POST /cart/add/ (data-action add-to-cart), with and without htmx."""

import pytest

from carts.forms import MSG_MISSING_PRODUCT, MSG_QTY_NOT_NUMBER, MSG_QTY_TOO_LARGE
from carts.services import MSG_ADDED
from storefront.providers import rules
from storefront.providers.messages import MSG_CHOOSE_SIZE, MSG_UNKNOWN_PRODUCT
from tests.conftest import HTMX
from tests.functional.pages import Page, add_via_form, cart_changed, follow, snapshot

DAL = "Unpolished Toor Dal, 1 kg"


def _form(demo, slug, *, label=None, quantity=1, **extra):
    variant = demo.variant(slug, label)
    data = {"product": str(variant.product_id), "quantity": str(quantity), **extra}
    if variant.product.has_sizes:
        data["size"] = str(variant.pk)
    return data


def test_add_with_htmx_answers_with_the_inline_status(client, demo):
    # when a shopper adds 2 × dal from the product page with JavaScript on
    response = client.post("/cart/add/", _form(demo, "toor-dal-1kg", quantity=2), headers=HTMX)

    # then the button's status area gets a confirmation and a link to the cart, not a page
    assert response.status_code == 200
    page = Page(response.content)
    assert page.is_fragment
    assert page.alerts == [("success", MSG_ADDED.format(name=DAL))]
    assert "View cart (2 items)" in page.elements[-1].content
    # and the header badge is told to refresh, and then shows the new count
    assert cart_changed(response)
    badge = Page(client.get("/cart/count/").content)
    assert badge.is_fragment
    assert badge.cart_count == 2
    assert list(snapshot(client)[0].values()) == [2]


def test_add_without_htmx_redirects_back_with_a_message(client, demo):
    data = _form(demo, "toor-dal-1kg", quantity=2, next="/products/toor-dal-1kg/")

    response = client.post("/cart/add/", data)

    page = follow(client, response, to="/products/toor-dal-1kg/")
    assert ("success", MSG_ADDED.format(name=DAL)) in page.alerts
    assert page.cart_count == 2


def test_add_without_next_goes_to_the_cart(client, demo):
    response = client.post("/cart/add/", _form(demo, "cotton-kurta", label="M"))

    page = follow(client, response, to="/cart/")
    assert ("success", MSG_ADDED.format(name="Handloom Cotton Kurta")) in page.alerts
    assert list(page.line_quantities.values()) == [1]


def test_add_ignores_a_next_pointing_to_another_site(client, demo):
    response = client.post("/cart/add/", _form(demo, "toor-dal-1kg", next="https://evil.example/"))

    assert response.status_code == 303
    assert response["Location"] == "/cart/"


def test_adding_twice_shows_one_line_with_the_sum(client, demo):
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    add_via_form(client, demo, "toor-dal-1kg", quantity=3)

    quantities, _, count = snapshot(client)

    assert list(quantities.values()) == [5]
    assert count == 5


def _bad_add_cases():
    # (name, slug, label, overrides, message)
    step6 = rules.MSG_QTY_STEP.format(increment=6, twice=12, thrice=18)
    step4 = rules.MSG_QTY_STEP.format(increment=4, twice=8, thrice=12)
    return [
        ("not-a-number", "toor-dal-1kg", None, {"quantity": "two"}, MSG_QTY_NOT_NUMBER),
        ("decimal", "toor-dal-1kg", None, {"quantity": "1.5"}, MSG_QTY_NOT_NUMBER),
        ("zero", "toor-dal-1kg", None, {"quantity": "0"}, rules.MSG_QTY_POSITIVE),
        ("negative", "toor-dal-1kg", None, {"quantity": "-3"}, rules.MSG_QTY_POSITIVE),
        ("huge", "toor-dal-1kg", None, {"quantity": "100000"}, MSG_QTY_TOO_LARGE),
        ("above-max", "toor-dal-1kg", None, {"quantity": "11"}, rules.MSG_QTY_MAX.format(maximum=10)),
        ("above-stock", "cotton-kurta", "L", {"quantity": "3"}, rules.MSG_QTY_STOCK.format(stock=2)),
        ("below-min", "mineral-water-1l", None, {"quantity": "2"}, rules.MSG_QTY_MIN.format(minimum=6)),
        ("not-a-pack-of-6", "mineral-water-1l", None, {"quantity": "8"}, step6),
        ("not-a-pack-of-4", "led-bulb-9w", None, {"quantity": "6"}, step4),
        ("out-of-stock", "organic-jaggery-1kg", None, {}, rules.MSG_QTY_STOCK_NONE),
        ("unknown-product", "toor-dal-1kg", None, {"product": "999999"}, MSG_UNKNOWN_PRODUCT),
        ("product-not-a-number", "toor-dal-1kg", None, {"product": "dal"}, MSG_UNKNOWN_PRODUCT),
        ("no-product", "toor-dal-1kg", None, {"product": ""}, MSG_MISSING_PRODUCT),
        ("unknown-size", "cotton-kurta", "M", {"size": "999999"}, MSG_UNKNOWN_PRODUCT),
        ("size-not-a-number", "cotton-kurta", "M", {"size": "M"}, MSG_UNKNOWN_PRODUCT),
        ("no-size", "cotton-kurta", "M", {"size": ""}, MSG_CHOOSE_SIZE),
    ]


BAD_ADDS = _bad_add_cases()


@pytest.mark.parametrize(
    ("slug", "label", "overrides", "message"), [c[1:] for c in BAD_ADDS], ids=[c[0] for c in BAD_ADDS]
)
def test_bad_add_with_htmx_explains_and_changes_nothing(client, demo, slug, label, overrides, message):
    # given a cart with 2 × dal
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    before = snapshot(client)

    # when a bad add is posted with htmx
    response = client.post("/cart/add/", {**_form(demo, slug, label=label), **overrides}, headers=HTMX)

    # then the status area says what is wrong, the badge is not refreshed, and the cart is as it was
    assert response.status_code == 422
    page = Page(response.content)
    assert page.is_fragment
    assert page.alerts == [("error", message)]
    assert not cart_changed(response)
    assert snapshot(client) == before


@pytest.mark.parametrize(
    ("slug", "label", "overrides", "message"), [c[1:] for c in BAD_ADDS], ids=[c[0] for c in BAD_ADDS]
)
def test_bad_add_without_htmx_explains_and_changes_nothing(client, demo, slug, label, overrides, message):
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    before = snapshot(client)

    response = client.post("/cart/add/", {**_form(demo, slug, label=label), **overrides})

    page = follow(client, response, to="/cart/")
    assert ("error", message) in page.alerts
    assert snapshot(client) == before


def test_size_of_another_product_is_refused(client, demo):
    add_via_form(client, demo, "toor-dal-1kg", quantity=2)
    before = snapshot(client)
    data = {**_form(demo, "cotton-kurta", label="M"), "size": str(demo.variant("linen-shirt", "M").pk)}

    response = client.post("/cart/add/", data, headers=HTMX)

    assert response.status_code == 422
    assert Page(response.content).alerts == [("error", MSG_UNKNOWN_PRODUCT)]
    assert snapshot(client) == before


def test_add_is_post_only(client, demo):
    assert client.get("/cart/add/").status_code == 405
