"""POST /cart/buy-now/ (data-action buy-now): one product in a separate cart, straight to checkout,
and the main cart stays exactly as it was, before and after the buy-now order."""

import pytest

from carts.forms import MSG_QTY_NOT_NUMBER
from storefront.providers.messages import MSG_CHOOSE_SIZE
from storefront.providers.types import Capability
from tests.checkout_kit import address_form, checkout_key, drop_capabilities, fill_groceries
from tests.conftest import HTMX
from tests.functional.pages import Page, add_via_form, snapshot

BUY_NOW_CHECKOUT = "/checkout/?cart=buy-now"


def kurta_form(demo, **over) -> dict[str, str]:
    variant = demo.variant("cotton-kurta", "M")
    data = {"product": str(variant.product_id), "size": str(variant.pk), "quantity": "1"}
    data.update(over)
    return data


@pytest.fixture
def main_cart(client, demo):
    """A main cart of dal ×3 and chai ×1."""
    fill_groceries(client, demo)
    add_via_form(client, demo, "masala-chai-250g")
    return client


def test_buy_now_goes_to_a_checkout_of_just_that_item(main_cart, demo):
    before = snapshot(main_cart)

    response = main_cart.post("/cart/buy-now/", kurta_form(demo))

    assert response.status_code == 303
    assert response["Location"] == BUY_NOW_CHECKOUT
    page = Page(main_cart.get(BUY_NOW_CHECKOUT).content)
    assert list(page.line_quantities.values()) == [1]
    assert "Handloom Cotton Kurta (M)" in page.having("data-line-id")[0].content
    assert page.amount("total") == 999
    # every form on that page works on the buy-now cart
    for action in ("place-order", "set-address", "update-meta", "apply-coupon"):
        (form,) = page.forms(action)
        assert any(
            e.attrs.get("name") == "cart" and e.attrs.get("value") == "buy-now"
            for e in page.elements
            if form in e.parents
        ), action
    # and the main cart is untouched: same lines, quantities, breakup and badge
    assert snapshot(main_cart) == before


def test_buy_now_with_htmx_redirects_the_browser(main_cart, demo):
    before = snapshot(main_cart)

    response = main_cart.post("/cart/buy-now/", kurta_form(demo), headers=HTMX)

    assert response.status_code == 204
    assert response["HX-Redirect"] == BUY_NOW_CHECKOUT
    assert snapshot(main_cart) == before


def test_placing_the_buy_now_order_leaves_the_main_cart_as_it_was(main_cart, demo):
    before = snapshot(main_cart)
    main_cart.post("/cart/buy-now/", kurta_form(demo))
    main_cart.post("/cart/address/", {**address_form(), "cart": "buy-now"})
    key = checkout_key(main_cart.get(BUY_NOW_CHECKOUT).content)

    response = main_cart.post(
        "/checkout/place/", {"idempotency_key": key, "payment_mode": "cod", "cart": "buy-now"}
    )

    assert response.status_code == 303
    order = Page(main_cart.get(response["Location"]).content)
    assert [e.attrs["data-order-id"] for e in order.having("data-order-id")]
    assert "Handloom Cotton Kurta" in order.html and "Toor Dal" not in order.html
    assert snapshot(main_cart) == before
    # the buy-now cart is gone; its checkout sends the shopper back to the cart
    assert main_cart.get(BUY_NOW_CHECKOUT).status_code == 303


def test_a_signed_in_buy_now_order_is_in_the_customers_orders(signed_in_client, demo):
    signed_in_client.post("/cart/buy-now/", kurta_form(demo))
    page = Page(signed_in_client.get(BUY_NOW_CHECKOUT).content)
    assert "Asha Rao" in page.having("data-address-selected")[0].content  # their saved address
    assert page.forms("apply-loyalty")  # their points can be used

    response = signed_in_client.post(
        "/checkout/place/",
        {"idempotency_key": checkout_key(page.html), "payment_mode": "cod", "cart": "buy-now"},
    )

    assert response.status_code == 303
    order_id = response["Location"].split("/")[2]
    assert "?t=" not in response["Location"]
    assert order_id in signed_in_client.get("/orders/").content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [({"size": ""}, MSG_CHOOSE_SIZE), ({"quantity": "two"}, MSG_QTY_NOT_NUMBER)],
    ids=["no-size", "bad-quantity"],
)
def test_bad_buy_now_explains_and_touches_no_cart(main_cart, demo, change, message):
    before = snapshot(main_cart)

    response = main_cart.post("/cart/buy-now/", kurta_form(demo, **change), headers=HTMX)

    assert response.status_code == 422
    page = Page(response.content)
    assert page.is_fragment
    assert ("error", message) in page.alerts
    response = main_cart.post(
        "/cart/buy-now/", {**kurta_form(demo, **change), "next": "/products/cotton-kurta/"}
    )
    assert response.status_code == 303
    assert response["Location"] == "/products/cotton-kurta/"
    assert ("error", message) in Page(main_cart.get(response["Location"]).content).alerts
    assert snapshot(main_cart) == before


def test_no_buy_now_button_when_the_provider_has_no_buy_now(client, demo, monkeypatch):
    def buy_now_buttons(page):
        return [e for e in page.elements if e.attrs.get("data-action") == "buy-now"]

    assert buy_now_buttons(Page(client.get("/products/cotton-kurta/").content))

    drop_capabilities(monkeypatch, Capability.BUY_NOW)

    page = Page(client.get("/products/cotton-kurta/").content)
    assert not buy_now_buttons(page)
    assert page.forms("add-to-cart")
