"""GET /checkout/: the address (a returning customer's preselected), delivery or pick-up, the
final breakup, the payment modes and the hidden idempotency key."""

from decimal import Decimal

import pytest

from carts.checkout_views import MSG_EMPTY, MSG_NO_SAVED_ADDRESS_THERE
from storefront.providers.local import models as m
from storefront.providers.local.checkout import PAYMENT_COD, PAYMENT_REDEMPTIONS
from storefront.providers.local.pricing import MSG_GST_INTER_STATE, MSG_GST_INTRA_STATE
from storefront.providers.types import Capability
from tests.checkout_kit import (
    DEMO_CARD,
    DEMO_PIN,
    address_form,
    checkout_key,
    drop_capabilities,
    fill_groceries,
)
from tests.conftest import SHOPPER_EMAIL
from tests.functional.pages import Page


def checkout(client) -> Page:
    response = client.get("/checkout/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    return Page(response.content)


def payment_modes(page: Page) -> list[str]:
    return [e.attrs["value"] for e in page.elements if e.attrs.get("name") == "payment_mode"]


def test_an_empty_cart_goes_back_to_the_cart(client, demo):
    response = client.get("/checkout/")

    assert response.status_code == 303
    assert response["Location"] == "/cart/"
    assert ("info", MSG_EMPTY) in Page(client.get("/cart/").content).alerts


def test_each_visit_issues_a_fresh_idempotency_key(client, demo):
    fill_groceries(client, demo)

    first = checkout_key(client.get("/checkout/").content)
    second = checkout_key(client.get("/checkout/").content)

    assert first != second
    (form,) = checkout(client).forms("place-order")
    assert form.attrs["method"] == "post" and form.attrs["action"] == "/checkout/place/"


def test_a_returning_customers_saved_address_is_preselected(signed_in_client, demo):
    fill_groceries(signed_in_client, demo)

    page = checkout(signed_in_client)

    (selected,) = page.having("data-address-selected")
    assert "Asha Rao" in selected.content and "560001" in selected.content
    assert page.having("data-delivery-min")
    # the GST is split within Karnataka
    assert page.amount("gst_charges") == Decimal("25.57")
    assert MSG_GST_INTRA_STATE.format(cgst=Decimal("12.79"), sgst=Decimal("12.78")) in page.html


def test_a_saved_address_in_the_checked_pincode_is_the_one_preselected(signed_in_client, demo, shopper):
    m.Address.objects.create(
        user=shopper, name="Asha Rao", phone="9876543210", line1="4 Janpath", city="New Delhi",
        state="Delhi", pincode="110001",
    )  # fmt: skip
    fill_groceries(signed_in_client, demo)
    signed_in_client.get("/products/toor-dal-1kg/?pincode=560001")  # the older address's pincode

    page = checkout(signed_in_client)

    (selected,) = page.having("data-address-selected")
    assert "560001" in selected.content  # not the newer Delhi address


def test_checkout_never_moves_quietly_to_another_pincode(signed_in_client, demo):
    fill_groceries(signed_in_client, demo)
    # the shopper checked delivery to Delhi; their only saved address is in Bengaluru
    signed_in_client.get("/products/toor-dal-1kg/?pincode=110001")

    page = checkout(signed_in_client)

    assert not page.having("data-address-selected")
    (note,) = page.having("data-pincode-note")
    assert note.content == MSG_NO_SAVED_ADDRESS_THERE.format(pincode="110001")
    assert page.by_id("addr-pincode").attrs["value"] == "110001"
    # choosing the saved address is the shopper's own choice, and makes 560001 their pincode
    saved = m.Address.objects.get(user__email=SHOPPER_EMAIL)
    signed_in_client.post("/cart/address/select/", {"address": str(saved.pk)})
    page = checkout(signed_in_client)
    (selected,) = page.having("data-address-selected")
    assert "560001" in selected.content and not page.having("data-pincode-note")
    product = Page(signed_in_client.get("/products/almonds-500g/").content)
    assert product.by_id("pincode").attrs["value"] == "560001"


def test_a_guest_is_asked_for_an_address(client, demo):
    fill_groceries(client, demo)

    page = checkout(client)

    assert not page.having("data-address-selected")
    assert page.forms("set-address")
    assert not page.forms("select-address")
    assert any(e.tag == "details" and "open" in e.attrs for e in page.elements)
    assert any(e.attrs.get("name") == "email" for e in page.elements)


def test_shipping_to_another_state_shows_igst(client, demo):
    fill_groceries(client, demo)
    client.post("/cart/address/", address_form(city="New Delhi", state="Delhi", pincode="110001"))

    page = checkout(client)

    assert MSG_GST_INTER_STATE.format(igst=Decimal("25.57")) in page.html


def test_the_page_offers_every_redemption_and_the_order_details(signed_in_client, demo):
    fill_groceries(signed_in_client, demo)

    page = checkout(signed_in_client)

    for action in ("apply-coupon", "apply-loyalty", "apply-gift-card", "apply-credit", "update-meta"):
        (form,) = page.forms(action)
        assert form.attrs.get("hx-target") == "#checkout-summary", action
    assert payment_modes(page) == [PAYMENT_COD]


def test_a_cart_paid_in_full_offers_only_paid_by_redemptions(client, demo):
    fill_groceries(client, demo, quantity=2)  # ₹358 + ₹49 delivery
    client.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN})

    page = checkout(client)

    assert page.amount("total") == Decimal("0.00")
    assert page.amount("gift_card") == Decimal("-407.00")
    assert payment_modes(page) == [PAYMENT_REDEMPTIONS]
    assert "Fully paid by redemptions" in page.by_id("place-order").content


def test_every_redemption_row_is_shown_in_order_and_adds_up(signed_in_client, demo):
    signed_in_client.post(
        "/cart/add/", {"product": str(demo.product("pressure-cooker-5l").pk), "quantity": "1"}
    )
    signed_in_client.post("/cart/coupon/apply/", {"code": "WELCOME10"})
    signed_in_client.post("/cart/loyalty/apply/", {"points": ""})
    signed_in_client.post("/cart/gift-card/apply/", {"code": DEMO_CARD, "pin": DEMO_PIN})
    signed_in_client.post("/cart/credit/apply/")

    page = checkout(signed_in_client)

    assert page.breakup == [
        ("mrp_total", "3250.00"),
        ("discount", "-551.00"),
        ("subtotal", "2699.00"),
        ("coupon", "-200.00"),
        ("loyalty_points", "-200.00"),
        ("delivery_charge", "0.00"),
        ("gift_card", "-500.00"),
        ("credit_balance", "-250.00"),
        ("total", "1549.00"),
        ("gst_charges", "350.69"),  # 18 % inside the ₹2,299 left after coupon and points
        ("you_saved", "951.00"),
    ]
    a = {key: Decimal(amount) for key, amount in page.breakup}
    assert (
        a["total"]
        == a["subtotal"]
        + a["delivery_charge"]
        + a["coupon"]
        + a["loyalty_points"]
        + a["gift_card"]
        + a["credit_balance"]
    )
    assert a["you_saved"] == -(a["discount"] + a["coupon"] + a["loyalty_points"])
    assert [e.attrs["data-coupon-applied"] for e in page.having("data-coupon-applied")] == ["WELCOME10"]


def test_pick_up_shows_the_store_and_no_delivery_charge(client, demo):
    fill_groceries(client, demo, quantity=1)  # ₹179: delivery would be ₹49
    store = m.Store.objects.get(city="Mumbai")
    client.post(
        "/cart/meta/",
        {
            "order_type": "PickAtStore",
            "pickup_store": str(store.pk),
            "pickup_name": "Ravi",
            "pickup_phone": "9845012345",
        },
    )

    page = checkout(client)

    assert store.name in page.by_id("checkout-delivery").content
    assert page.amount("delivery_charge") == Decimal("0.00")
    assert page.amount("total") == Decimal("179.00")
    assert MSG_GST_INTER_STATE.format(igst=Decimal("8.52")) in page.html


@pytest.mark.parametrize(
    ("missing", "action"),
    [
        (Capability.CART_META, "update-meta"),
        (Capability.COUPONS, "apply-coupon"),
        (Capability.LOYALTY, "apply-loyalty"),
        (Capability.GIFT_CARDS, "apply-gift-card"),
        (Capability.STORE_CREDIT, "apply-credit"),
    ],
)
def test_forms_the_provider_cannot_serve_are_not_rendered(
    signed_in_client, demo, monkeypatch, missing, action
):
    fill_groceries(signed_in_client, demo)
    assert checkout(signed_in_client).forms(action)

    drop_capabilities(monkeypatch, missing)

    assert not checkout(signed_in_client).forms(action)
