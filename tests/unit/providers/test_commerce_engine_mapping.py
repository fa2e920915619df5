"""Commerce Engine JSON → storefront dataclasses, against the seed's own cart example
(../shared/seeds/002_094ccd76b5e7a8a0.txt, `GET /carts/users/{user_id}`) and variations of it."""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from storefront.http import loads
from storefront.providers.commerce_engine import mapping as cm
from storefront.providers.types import Capability, MessageLevel

SEED = Path("/work/shared/seeds/002_094ccd76b5e7a8a0.txt")
CAPS = frozenset({Capability.CART, Capability.COUPONS})


def seed_answer() -> dict:
    """The first JSON answer in the seed page, parsed as the client parses (Decimal numbers)."""
    if SEED.exists():
        text = SEED.read_text()
        start = text.index('{\n"message": "cart details"')
        found, _end = json.JSONDecoder(parse_float=Decimal).raw_decode(text, start)
        return found
    return loads(json.dumps(FALLBACK))


# the seed's example, kept here too so the test runs where ../shared is not checked out
FALLBACK = {
    "message": "cart details",
    "success": True,
    "content": {
        "cart": {
            "id": "<string>",
            "active": True,
            "customer_email": "[email protected]",
            "customer_phone": "+919988776655",
            "customer_note": "<string>",
            "is_promotion_applied": True,
            "is_coupon_applied": True,
            "coupon_code": "<string>",
            "promotion_discount_amount": 1,
            "coupon_discount_amount": 1,
            "subtotal": 1,
            "items_tax_amount": 1,
            "subtotal_including_tax": 1,
            "shipping_amount": 1,
            "shipping_tax_amount": 1,
            "shipping_amount_including_tax": 1,
            "total_tax": 1,
            "grand_total": 1,
            "credit_balance_used": 1,
            "to_be_paid": 1,
            "loyalty_points_redeemed": 1,
            "loyalty_points_earned": 1,
            "cart_items_count": 1,
            "cart_items": [
                {
                    "product_id": "<string>",
                    "variant_id": "<string>",
                    "sku": "SKU1254",
                    "slug": "<string>",
                    "product_name": "<string>",
                    "variant_name": "<string>",
                    "product_type": "physical",
                    "product_image_url": "<string>",
                    "stock_available": True,
                    "on_offer": True,
                    "on_subscription": True,
                    "on_promotion": True,
                    "quantity": 123,
                    "is_free_item": True,
                    "free_quantity": 123,
                    "promotion_discount_amount": 123,
                    "coupon_discount_amount": 123,
                    "price_including_tax": False,
                    "listing_price": 200,
                    "selling_price": 199,
                    "selling_price_excluding_tax": 123,
                    "min_order_quantity": 1,
                    "max_order_quantity": 123,
                    "incremental_quantity": 1,
                    "shipping_additional_cost": 123,
                    "tax_type": "GST",
                    "tax_rate": 123,
                    "tax_amount": 123,
                    "associated_options": {
                        "background_color": {
                            "name": "Background Color",
                            "value": {"name": "Blue", "hexcode": "#0000FF"},
                            "type": "color",
                        },
                        "size": {"name": "Size", "value": "Large", "type": "single-select"},
                    },
                    "subscriptions": [
                        {
                            "id": "<string>",
                            "subscription_plan": "<string>",
                            "subscription_price": 123,
                            "billing_interval": 123,
                            "billing_frequency": "monthly",
                            "billing_limit": 123,
                            "fulfill_separately": False,
                            "order_interval": 123,
                            "order_frequency": "monthly",
                            "order_limit": 123,
                            "minimum_quantity": 123,
                            "billing_trial_days": 123,
                        }
                    ],
                }
            ],
            "billing_address": None,
            "shipping_address": None,
            "currency": {"name": "Indian Rupee", "code": "INR", "symbol": "₹"},
            "metadata": {},
            "expires_at": "2023-11-07T05:31:56Z",
        }
    },
}


def a_cart(**changes) -> dict:
    """A realistic cart built on the seed's shape: one paid line of 2 × ₹199 (MRP ₹200), GST 18%."""
    cart = copy.deepcopy(seed_answer()["content"]["cart"])
    item = cart["cart_items"][0]
    item.update(
        product_id="01PROD",
        variant_id="01VAR",
        quantity=2,
        is_free_item=False,
        free_quantity=0,
        promotion_discount_amount=0,
        coupon_discount_amount=0,
        subscriptions=None,
    )
    cart.update(
        id="01CART",
        is_promotion_applied=False,
        promotion_discount_amount=0,
        is_coupon_applied=False,
        coupon_code=None,
        coupon_discount_amount=0,
        subtotal=Decimal("398"),
        items_tax_amount=Decimal("71.64"),
        subtotal_including_tax=Decimal("469.64"),
        shipping_amount=Decimal("50"),
        shipping_tax_amount=Decimal("9"),
        shipping_amount_including_tax=Decimal("59"),
        total_tax=Decimal("80.64"),
        grand_total=Decimal("528.64"),
        credit_balance_used=0,
        to_be_paid=Decimal("528.64"),
        loyalty_points_redeemed=0,
        loyalty_points_earned=5,
        shipping_address=None,
        billing_address=None,
    )
    cart.update(changes)
    return cart


def test_the_seed_cart_maps_without_loss():
    body = seed_answer()["content"]["cart"]

    cart = cm.map_cart(body, capabilities=CAPS)

    assert cart.id == "<string>"
    (line,) = cart.lines
    assert line.quantity == 123
    assert (line.unit_mrp, line.unit_price) == (Decimal(200), Decimal(199))  # listing = MRP, selling = price
    assert line.line_total == Decimal(199) * 123 and line.line_mrp == Decimal(200) * 123
    assert line.variant.label == "Blue / Large"  # associated options name the variant
    texts = [m.text for m in line.messages]
    assert cm.MSG_FREE_LINE in texts  # is_free_item
    assert cm.MSG_SUBSCRIPTION.format(plan="<string>") in texts
    assert line.product.quantity_rule.minimum == line.product.quantity_rule.maximum == 123  # free: fixed
    assert cart.count == 123
    assert cart.coupon_code == "<string>"
    keys = [r.key for r in cart.breakup]
    assert keys == [
        "mrp_total",
        "discount",
        "subtotal",
        "promotion",
        "coupon",
        "gst_charges",
        "delivery_charge",
        "grand_total",
        "loyalty_points",
        "credit_balance",
        "total",
        "you_saved",
    ]
    assert cart.total == Decimal(1)  # to_be_paid, not grand_total
    assert all(isinstance(r.amount, Decimal) for r in cart.breakup)
    assert {r.kind for r in cart.redemptions} == {"promotion", "coupon", "loyalty_points", "credit_balance"}


def test_a_plain_cart_adds_up_in_the_contract_order():
    cart = cm.map_cart(a_cart(), capabilities=CAPS)

    rows = {r.key: r.amount for r in cart.breakup}
    assert rows["mrp_total"] == Decimal("400")
    assert rows["discount"] == Decimal("-2")
    assert rows["subtotal"] == Decimal("398")
    assert rows["gst_charges"] == Decimal("71.64")  # prices are without GST: it is added
    assert rows["delivery_charge"] == Decimal("59")  # shipping including its tax
    assert rows["total"] == Decimal("528.64")
    assert rows["subtotal"] + rows["gst_charges"] + rows["delivery_charge"] == rows["total"]
    assert rows["you_saved"] == Decimal("2.00")
    assert not cart.checkout_blocked


def test_prices_with_gst_show_the_tax_as_included():
    body = a_cart(
        subtotal=Decimal("337.29"),
        items_tax_amount=Decimal("60.71"),
        subtotal_including_tax=Decimal("398"),
        total_tax=Decimal("69.71"),
        grand_total=Decimal("457"),
        to_be_paid=Decimal("457"),
    )
    body["cart_items"][0]["price_including_tax"] = True

    cart = cm.map_cart(body, capabilities=CAPS)

    assert cart.row("subtotal").amount == Decimal("398")
    assert cart.row("gst_charges") is None  # nothing on top of the prices
    included = cart.row("gst_included")
    assert included.informational and included.amount == Decimal("69.71")
    keys = [r.key for r in cart.breakup]
    assert keys.index("gst_included") > keys.index("total")


def test_a_discount_on_prices_with_gst_takes_its_tax_off_too():
    """Commerce Engine takes discounts before tax: ₹100 off a ₹1,180 (12 % GST included) item
    takes ₹112 off what is paid; the GST row says the ₹12."""
    body = a_cart(
        coupon_code="FLAT100OFF",
        is_coupon_applied=True,
        coupon_discount_amount=Decimal("100"),
        grand_total=Decimal("1068"),
        to_be_paid=Decimal("1068"),
        shipping_amount_including_tax=0,
    )
    body["cart_items"][0].update(
        price_including_tax=True, quantity=1, listing_price=1500, selling_price=1180, tax_rate=12
    )

    cart = cm.map_cart(body, capabilities=CAPS)

    rows = {r.key: r.amount for r in cart.breakup}
    assert rows["coupon"] == Decimal("-100") and rows["gst_charges"] == Decimal("-12")
    assert rows["subtotal"] + rows["coupon"] + rows["gst_charges"] == rows["total"] == Decimal("1068")


def test_points_credit_and_to_be_paid():
    body = a_cart(
        loyalty_points_redeemed=100, credit_balance_used=Decimal("50"), to_be_paid=Decimal("378.64")
    )

    cart = cm.map_cart(body, capabilities=CAPS)

    assert cart.row("grand_total").amount == Decimal("528.64") and cart.row("grand_total").informational
    assert cart.row("loyalty_points").amount == Decimal("-100.00")  # 528.64 − 50 − 378.64
    assert cart.row("credit_balance").amount == Decimal("-50")
    assert cart.total == Decimal("378.64")


def test_a_status_error_stops_checkout_with_commerce_engines_words_once_an_address_is_set():
    words = "Please select a delivery option"
    without = cm.map_cart(
        a_cart(status="not-ready-for-payment", status_error_message=words), capabilities=CAPS
    )
    address = {
        "first_name": "Meera",
        "address_line1": "7 Residency Road",
        "pincode": "560001",
        "city": "Bengaluru",
    }
    with_address = cm.map_cart(
        a_cart(status="not-ready-for-payment", status_error_message=words, shipping_address=address),
        capabilities=CAPS,
    )

    assert not without.checkout_blocked  # a new cart has no address yet: that is normal
    assert with_address.checkout_blocked == words
    assert with_address.shipping_address.pincode == "560001"


def test_an_out_of_stock_line_blocks_checkout():
    body = a_cart()
    body["cart_items"][0]["stock_available"] = False

    cart = cm.map_cart(body, capabilities=CAPS)

    assert cart.checkout_blocked == cm.MSG_CART_INVALID
    assert cart.lines[0].messages[-1].level == MessageLevel.ERROR


def test_a_float_is_refused():
    body = a_cart(to_be_paid=528.64)

    with pytest.raises(ValueError):
        cm.map_cart(body, capabilities=CAPS)


def test_gift_cards_from_either_shape():
    listed = a_cart(
        gift_cards=[{"gift_card_code": "GIFT-0001", "amount_used": Decimal("100")}],
        to_be_paid=Decimal("428.64"),
    )
    single = a_cart(gift_card_code="GIFT-0002", gift_card_amount=Decimal("20"), to_be_paid=Decimal("508.64"))

    assert cm.map_cart(listed, capabilities=CAPS).row("gift_card").amount == Decimal("-100")
    assert cm.map_cart(single, capabilities=CAPS).row("gift_card").label.endswith("…0002)")


def test_coupons_join_the_evaluation():
    available = {
        "coupons": [
            {"id": "c1", "name": "Flat 100", "coupon_code": ["FLAT100OFF"], "description": "₹100 off"},
            {"id": "c2", "name": "Big spender", "coupon_code": ["BIG500"]},
        ]
    }
    evaluated = {
        "applicable_coupons": [{"id": "c1", "savings_message": "You save ₹100"}],
        "inapplicable_coupons": [
            {"id": "c2", "reason": "Minimum order ₹5,000.", "suggestion": "Add ₹4,500 more."}
        ],
    }

    offers = cm.map_coupons(available, evaluated)

    assert [(o.code, o.applicable) for o in offers] == [("FLAT100OFF", True), ("BIG500", False)]
    assert offers[0].description == "You save ₹100"
    assert offers[1].reason == "Minimum order ₹5,000. Add ₹4,500 more."


def test_a_product_with_variants_and_quantity_rules():
    raw = {
        "id": "P1",
        "slug": "kurta",
        "name": "Kurta",
        "has_variant": True,
        "pricing": {
            "listing_price": 1000,
            "selling_price": 800,
            "tax_rate": 5,
            "min_order_quantity": 2,
            "max_order_quantity": None,
            "incremental_quantity": 2,
        },
        "categories": [{"id": "C1", "name": "Fashion", "slug": "fashion"}],
        "images": [
            {"url_standard": "https://img/2.jpg", "sort_order": 2},
            {"url_standard": "https://img/1.jpg", "sort_order": 1},
        ],
        "variants": [
            {
                "id": "V1",
                "associated_options": {"size": {"name": "Size", "value": "M", "type": "single-select"}},
                "stock_available": True,
                "pricing": {"listing_price": 1000, "selling_price": 800},
            },
            {
                "id": "V2",
                "associated_options": {"size": {"name": "Size", "value": "L", "type": "single-select"}},
                "stock_available": False,
                "pricing": {"listing_price": 1000, "selling_price": 850},
            },
        ],
    }

    product = cm.map_product(raw)

    assert product.has_sizes and [(v.id, v.label, v.in_stock) for v in product.variants] == [
        ("V1", "M", True),
        ("V2", "L", False),
    ]
    assert (product.mrp, product.price) == (Decimal(1000), Decimal(800))
    assert product.quantity_rule.minimum == 2 and product.quantity_rule.increment == 2
    assert product.quantity_rule.maximum == cm.DEFAULT_MAX_QUANTITY
    assert product.images[0] == "https://img/1.jpg"
    assert product.category.slug == "fashion"


def test_a_product_without_variants_has_one_named_by_the_product():
    product = cm.map_product(
        {
            "id": "P2",
            "name": "Dal",
            "has_variant": False,
            "pricing": {"listing_price": 200, "selling_price": 179},
        }
    )

    assert [v.id for v in product.variants] == ["P2"] and not product.has_sizes


def test_the_remembered_lines_leave_free_items_out():
    body = a_cart()
    free = dict(body["cart_items"][0], is_free_item=True, product_id="FREE", variant_id=None, quantity=1)
    body["cart_items"].append(free)

    assert cm.remembered_items(body) == [{"product_id": "01PROD", "variant_id": "01VAR", "quantity": 2}]
    assert re.fullmatch(r"FREE::free", cm.line_id(free))
