"""Fynd JSON → storefront types, from the seed's schema and the contract's example responses
(fynd.md §3, §4, §8). Bodies are parsed the way the client parses them (Decimal, never float)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from storefront.http import loads
from storefront.providers.fynd import mapping as fm
from storefront.providers.types import (
    Address,
    Capability,
    MessageLevel,
    OrderType,
    QuantityRule,
)

CAPS = frozenset({Capability.CART, Capability.COUPONS})


def parsed(data) -> dict:
    """As the client would see it: JSON text parsed with Decimal for every fraction."""
    return loads(json.dumps(data))


# The DOC example's numbers (fynd.md §3.3): subtotal = mrp_total + discount; total = subtotal + coupon;
# vog = total - gst_charges.
DOC_ITEM = {
    "key": "707569_90",
    "identifiers": {"identifier": "BDnwAINORr6SlTKxZN3w"},
    "quantity": 2,
    "message": "",
    "discount": "27% OFF",
    "coupon_message": "WELCOME10 applied",
    "is_set": False,
    "moq": {"minimum": 2, "maximum": 12, "increment_unit": 2},
    "parent_item_identifiers": {},
    "promo_meta": {"message": ""},
    "bulk_offer": {},
    "custom_order": {},
    "charges": [],
    "coupon": {"code": "WELCOME10", "discount_single_quantity": 1125, "discount_total_quantity": 2250},
    "promotions_applied": [
        {"promo_id": "p1", "promotion_name": "Summer", "offer_text": "Buy 2, save 10%", "amount": 100,
         "article_quantity": 2, "mrp_promotion": False, "ownership": {"payable_by": "seller"}}
    ],
    "delivery_promise": {
        "timestamp": {"min": 1646257339, "max": 1646689339},
        "formatted": {"min": "03 Mar, Thursday", "max": "08 Mar, Tuesday"},
        "iso": {"min": "2022-03-02T21:42:19.000Z", "max": "2022-03-07T21:42:19.000Z"},
    },
    "availability": {
        "out_of_stock": False,
        "deliverable": True,
        "is_valid": True,
        "other_store_quantity": 107,
        "sizes": ["90", "95", "100"],
        "available_sizes": [
            {"display": "90 cm", "value": "90", "is_available": True},
            {"display": "95 cm", "value": "95", "is_available": False},
            {"display": "100 cm", "value": "100", "is_available": True},
        ],
    },
    "product": {
        "uid": 707569,
        "name": "Blue Cotton Trousers",
        "slug": "blue-cotton-trousers-707569",
        "item_code": None,
        "type": "product",
        "brand": {"uid": 3, "name": "Voi Jeans"},
        "categories": [{"uid": 192, "name": "Trousers"}],
        "images": [
            {"url": "https://cdn.fynd.example/t.jpg", "secure_url": "https://cdn.fynd.example/t.jpg",
             "aspect_ratio": "16:25"}
        ],
        "action": {"type": "product", "url": "https://x/products/blue", "query": {"product_slug": ["blue"]}},
        "teaser_tag": {},
        "tags": [],
        "attributes": {"gender": ["men"]},
    },
    "article": {
        "uid": "604_902_SSTC60401_636BLUE_1",
        "type": "article",
        "size": "90",
        "quantity": 108,
        "seller": {"uid": 604, "name": "Shoppers Stop"},
        "store": {"uid": 902, "name": "Mumbai Central", "store_code": "SSTC60401"},
        "price": {
            "base": {"effective": 13491.5, "marked": 18491.5, "currency_code": "INR", "currency_symbol": "₹"},
            "converted": {"effective": 13491.5, "marked": 18491.5, "currency_code": "INR",
                          "currency_symbol": "₹"},
        },
    },
    "price": {
        "base": {"effective": 26983, "marked": 36983, "selling": 26983, "add_on": 26983,
                 "currency_code": "INR", "currency_symbol": "₹"},
        "converted": {"effective": 26983, "marked": 36983, "selling": 26983, "add_on": 26983,
                      "currency_code": "INR", "currency_symbol": "₹"},
    },
    "price_per_unit": {
        "base": {"effective": 13491.5, "marked": 18491.5, "selling_price": 13491.5, "add_on": 13491.5,
                 "currency_code": "INR", "currency_symbol": "₹"},
        "converted": {"effective": 13491.5, "marked": 18491.5, "selling_price": 13491.5,
                      "add_on": 13491.5, "currency_code": "INR", "currency_symbol": "₹"},
    },
}  # fmt: skip

DOC_CART = {
    "id": "64fe0c2a9c1b3d0012ab34cd",
    "uid": "54",
    "cart_id": 54,
    "is_valid": True,
    "message": "",
    "success": True,
    "restrict_checkout": False,
    "staff_user_id": "",
    "last_modified": "2020-03-09T00:00:00.000Z",
    "buy_now": False,
    "comment": "Leave at the door",
    "gstin": "29ABCDE1234F1Z5",
    "checkout_mode": "self",
    "currency": {"code": "INR", "symbol": "₹"},
    "coupon_text": "View all offers",
    "delivery_charge_info": "",
    "delivery_promise": {
        "timestamp": {"min": 1646257339, "max": 1646689339},
        "formatted": {"min": "03 Mar, Thursday", "max": "08 Mar, Tuesday"},
    },
    "items": [DOC_ITEM],
    "breakup_values": {
        "display": [
            {"key": "mrp_total", "display": "MRP Total", "value": 26983, "currency_code": "INR",
             "currency_symbol": "₹", "message": []},
            {"key": "discount", "display": "Discount", "value": -7240.2163, "currency_code": "INR",
             "currency_symbol": "₹", "message": []},
            {"key": "subtotal", "display": "Subtotal", "value": 19742.7837, "currency_code": "INR",
             "currency_symbol": "₹", "message": []},
            {"key": "coupon", "display": "Coupon", "value": -2250, "currency_code": "INR",
             "currency_symbol": "₹", "message": ["WELCOME10 applied"]},
            {"key": "total", "display": "Total", "value": 17492.7837, "currency_code": "INR",
             "currency_symbol": "₹", "message": []},
        ],
        "raw": {
            "mrp_total": 26983, "discount": -7240.2163, "subtotal": 19742.7837, "coupon": -2250,
            "total": 17492.7837, "delivery_charge": 0, "convenience_fee": 0, "cod_charge": 0,
            "gst_charges": 2139.08, "total_charge": 0, "mop_total": 0, "fynd_cash": 0, "gift_card": 0,
            "vog": 15353.70, "you_saved": 0,
        },
        "coupon": {
            "code": "WELCOME10", "uid": "c-1", "type": "cash", "coupon_type": "percentage",
            "coupon_value": 10, "value": 2250, "is_applied": True, "message": "coupn applied",
            "title": "10% off", "sub_title": "On orders above ₹999", "description": None,
            "minimum_cart_value": 999, "max_discount_value": 2500,
        },
        "loyalty_points": {"total": 120, "applicable": 80, "is_applied": False, "description": "Use points"},
    },
    "applied_promo_details": [
        {"promo_id": "p1", "promotion_name": "Summer", "offer_text": "Buy 2, save 10%", "amount": 100,
         "article_quantity": 2, "promotion_type": "percentage", "promotion_group": "product",
         "mrp_promotion": False, "code": None}
    ],
    "coupon": {"coupon_code": "WELCOME10", "is_applied": True, "coupon_title": "10% off"},
    "payment_selection_lock": {"enabled": False, "default_options": "COD", "payment_identifier": None},
    "common_config": {"delivery_charges_config": {"enabled": False, "charges": []}},
    "custom_cart_meta": {"gift_message": "Happy birthday!", "business_name": "Acme Traders",
                         "order_type": "HomeDelivery"},
}  # fmt: skip


def doc_cart(**changes) -> dict:
    body = copy.deepcopy(DOC_CART)
    body.update(changes)
    return parsed(body)


def cart_of(body, **kwargs):
    kwargs.setdefault("capabilities", CAPS)
    return fm.map_cart(body, **kwargs)


# --------------------------------------------------------------------------- lines


def test_a_doc_cart_line_maps_every_known_field():
    cart = cart_of(doc_cart(), pincode="560001")

    (line,) = cart.lines
    assert line.id == "BDnwAINORr6SlTKxZN3w"
    assert line.quantity == 2
    assert line.unit_price == Decimal("13491.5")
    assert line.unit_mrp == Decimal("18491.5")
    assert line.line_total == Decimal("26983")
    assert line.line_mrp == Decimal("36983")
    assert line.available
    assert line.product.id == "707569"
    assert line.product.slug == "blue-cotton-trousers-707569"
    assert line.product.name == "Blue Cotton Trousers"
    assert line.product.brand == "Voi Jeans"
    assert line.product.images == ("https://cdn.fynd.example/t.jpg",)
    assert line.product.category.name == "Trousers"
    assert line.variant.id == "90" and line.variant.label == "90 cm"
    assert [(v.id, v.label, v.in_stock) for v in line.product.variants] == [
        ("90", "90 cm", True),
        ("95", "95 cm", False),
        ("100", "100 cm", True),
    ]
    assert line.product.has_sizes
    assert line.product.quantity_rule == QuantityRule(minimum=2, maximum=12, increment=2)


def test_line_messages_carry_coupon_and_promotion_text():
    (line,) = cart_of(doc_cart()).lines

    assert [(m.text, m.level) for m in line.messages] == [
        ("WELCOME10 applied", MessageLevel.INFO),
        ("Buy 2, save 10%", MessageLevel.SUCCESS),
    ]


def test_line_delivery_promise_is_aware_and_read_from_iso():
    (line,) = cart_of(doc_cart(), pincode="560001").lines

    promise = line.delivery_promise
    assert promise.min == datetime(2022, 3, 2, 21, 42, 19, tzinfo=UTC)
    assert promise.max == datetime(2022, 3, 7, 21, 42, 19, tzinfo=UTC)
    assert promise.pincode == "560001"


def test_cart_delivery_promise_falls_back_to_epoch_seconds():
    cart = cart_of(doc_cart(), pincode="560001")

    assert cart.delivery_promise.min == datetime.fromtimestamp(1646257339, tz=UTC)
    assert cart.delivery_promise.max == datetime.fromtimestamp(1646689339, tz=UTC)
    assert cart.delivery_promise.min.tzinfo is not None


def test_an_out_of_stock_line_is_unavailable_with_fynds_message_and_blocks_checkout():
    body = doc_cart()
    item = body["items"][0]
    item["availability"]["out_of_stock"] = True
    item["message"] = "Sorry, item is out of stock"

    cart = cart_of(body)

    (line,) = cart.lines
    assert not line.available
    assert line.messages[0].text == "Sorry, item is out of stock"
    assert line.messages[0].level == MessageLevel.ERROR
    assert line.variant.in_stock is False
    assert cart.checkout_blocked == fm.MSG_CART_INVALID


@pytest.mark.parametrize(
    ("availability", "expected"),
    [
        ({"out_of_stock": True}, fm.MSG_LINE_OUT_OF_STOCK),
        ({"deliverable": False}, fm.MSG_LINE_NOT_DELIVERABLE.format(pincode="999999")),
        ({"is_valid": False}, fm.MSG_LINE_INVALID),
    ],
)
def test_an_unavailable_line_without_a_message_gets_ours(availability, expected):
    body = doc_cart()
    body["items"][0]["availability"].update(availability)

    (line,) = cart_of(body, pincode="999999").lines

    assert not line.available
    assert line.messages[0].text == expected


def test_a_line_without_identifier_is_named_by_its_key_and_referenced_for_update():
    body = doc_cart()
    body["items"][0]["identifiers"] = {}

    (line,) = cart_of(body).lines

    assert line.id == "707569_90"
    item, index = fm.find_line(body, "707569_90")
    assert fm.line_ref(item, index) == {
        "identifiers": {"identifier": ""},
        "item_id": 707569,
        "item_size": "90",
        "item_index": 0,
        "article_id": "604_902_SSTC60401_636BLUE_1",
    }


def test_a_line_without_per_unit_prices_uses_the_article_price():
    body = doc_cart()
    del body["items"][0]["price_per_unit"]
    del body["items"][0]["price"]

    (line,) = cart_of(body).lines

    assert line.unit_price == Decimal("13491.5")
    assert line.line_total == Decimal("26983.0")


def test_moq_without_maximum_gets_the_default():
    assert fm.map_quantity_rule({"minimum": 3}) == QuantityRule(3, fm.DEFAULT_MAX_QUANTITY, 1)
    assert fm.map_quantity_rule(None) == QuantityRule(1, fm.DEFAULT_MAX_QUANTITY, 1)


# --------------------------------------------------------------------------- breakup


def test_breakup_keeps_fynds_rows_order_labels_and_messages():
    cart = cart_of(doc_cart())

    assert [(r.key, r.label, r.amount, r.messages) for r in cart.breakup] == [
        ("mrp_total", "MRP Total", Decimal("26983"), ()),
        ("discount", "Discount", Decimal("-7240.2163"), ()),
        ("subtotal", "Subtotal", Decimal("19742.7837"), ()),
        ("coupon", "Coupon", Decimal("-2250"), ("WELCOME10 applied",)),
        ("total", "Total", Decimal("17492.7837"), ()),
    ]
    assert cart.total == Decimal("17492.7837")
    assert all(isinstance(r.amount, Decimal) for r in cart.breakup)


def test_breakup_display_keys_are_renamed_to_the_storefront_keys():
    body = doc_cart()
    body["breakup_values"]["display"] = parsed(
        [
            {"key": "total_mrp", "display": "Bag total", "value": 1000},
            {"key": "fynd_cash", "display": "Fynd Cash", "value": -50, "message": ["50 points used"]},
            {"key": "gift_card", "display": "Gift Card", "value": 100},
            {"key": "delivery_charge", "display": "Delivery", "value": 49},
            {"key": "gst_charges", "display": "GST", "value": 45.5},
            {"key": "total", "display": "Amount payable", "value": 849},
            {"key": "you_saved", "display": "You saved", "value": 150},
            {"key": "Platform Fee!", "display": "Platform fee", "value": 5},
        ]
    )

    rows = cart_of(body).breakup

    assert [(r.key, r.amount, r.informational) for r in rows] == [
        ("mrp_total", Decimal("1000"), False),
        ("loyalty_points", Decimal("-50"), False),
        ("gift_card", Decimal("-100"), False),  # a deduction sent positive is made negative
        ("delivery_charge", Decimal("49"), False),
        ("gst_charges", Decimal("45.5"), True),
        ("total", Decimal("849"), False),
        ("you_saved", Decimal("150"), True),
        ("platform_fee", Decimal("5"), False),
    ]
    assert rows[0].label == "Bag total" and rows[1].messages == ("50 points used",)


def test_breakup_without_display_rows_is_built_from_raw_in_a_fixed_order():
    raw = {"mrp_total": 1000, "discount": -100, "subtotal": 900, "coupon": 0, "fynd_cash": -50,
           "delivery_charge": 49, "total": 899, "gst_charges": 96.32, "you_saved": 150}  # fmt: skip

    rows = fm.map_breakup(parsed({"raw": raw}))

    assert [r.key for r in rows] == [
        "mrp_total", "discount", "subtotal", "loyalty_points", "delivery_charge", "total", "gst_charges",
        "you_saved",
    ]  # fmt: skip
    assert rows[-2].amount == Decimal("96.32") and rows[-2].informational


def test_a_breakup_always_has_a_total():
    assert [(r.key, r.amount) for r in fm.map_breakup(None)] == [("total", Decimal("0"))]
    rows = fm.map_breakup(parsed({"display": [{"key": "subtotal", "display": "Subtotal", "value": 10}],
                                  "raw": {"total": 10}}))  # fmt: skip
    assert rows[-1].key == "total" and rows[-1].amount == Decimal("10")


# --------------------------------------------------------------------------- cart level


def test_coupon_loyalty_and_promotions_become_redemptions():
    cart = cart_of(doc_cart(), signed_in=True)

    assert cart.coupon_code == "WELCOME10"
    assert [(r.kind, r.code, r.amount, r.label) for r in cart.redemptions] == [
        ("coupon", "WELCOME10", Decimal("2250"), "10% off"),
        ("promotion", "p1", Decimal("200"), "Buy 2, save 10%"),
    ]
    assert cart.loyalty.balance == 120 and cart.loyalty.applicable == 80 and cart.loyalty.applied == 0


def test_applied_points_are_read_from_fynd_cash():
    body = doc_cart()
    body["breakup_values"]["loyalty_points"]["is_applied"] = True
    body["breakup_values"]["raw"]["fynd_cash"] = Decimal("-80")

    cart = cart_of(body, signed_in=True)

    assert cart.loyalty.applied == 80
    assert ("loyalty_points", "80", Decimal("80")) in [(r.kind, r.code, r.amount) for r in cart.redemptions]


def test_loyalty_is_only_offered_to_a_signed_in_shopper():
    assert cart_of(doc_cart(), signed_in=False).loyalty is None


def test_a_coupon_that_did_not_apply_is_not_the_carts_and_its_message_is_kept():
    body = doc_cart(coupon={})
    body["breakup_values"]["coupon"] = {
        "code": "BOGUS",
        "is_applied": False,
        "message": "Sorry! Invalid Coupon",
    }

    cart = cart_of(body)

    assert cart.coupon_code == ""
    assert fm.coupon_problem(body) == "Sorry! Invalid Coupon"
    assert fm.coupon_problem({}) == fm.MSG_COUPON_NOT_APPLIED


@pytest.mark.parametrize(
    ("flags", "blocked"),
    [
        ({"restrict_checkout": True, "message": "Checkout is paused for this store"},
         "Checkout is paused for this store"),
        ({"restrict_checkout": True}, fm.MSG_CHECKOUT_RESTRICTED),
        ({"is_valid": False, "message": "Cart has invalid items"}, "Cart has invalid items"),
        ({"is_valid": False}, fm.MSG_CART_INVALID),
        ({"is_valid": True, "message": "All good"}, ""),
    ],
)  # fmt: skip
def test_restrict_checkout_and_is_valid_block_checkout_with_fynds_message(flags, blocked):
    cart = cart_of(doc_cart(**flags))

    assert cart.checkout_blocked == blocked


def test_an_empty_invalid_cart_is_not_blocked():
    assert cart_of(parsed(fm.empty_cart_body("c1")) | {"is_valid": False}).checkout_blocked == ""


def test_staff_meta_messages_and_identity():
    body = doc_cart(staff_user_id="staff-42", delivery_charge_info="Free delivery above ₹499", buy_now=True)

    cart = cart_of(body, pincode="560001")

    assert cart.id == "64fe0c2a9c1b3d0012ab34cd"
    assert cart.staff_user == "staff-42"
    assert cart.buy_now is True
    assert cart.count == 1
    assert cart.pincode == "560001"
    assert [m.text for m in cart.messages] == ["Free delivery above ₹499", "View all offers"]
    assert cart.meta.gstin == "29ABCDE1234F1Z5"
    assert cart.meta.comment == "Leave at the door"
    assert cart.meta.gift_message == "Happy birthday!"
    assert cart.meta.business_name == "Acme Traders"
    assert cart.meta.order_type == OrderType.HOME_DELIVERY
    assert cart.capabilities == CAPS


def test_the_order_type_we_keep_wins_and_pick_up_has_no_delivery_promise():
    cart = cart_of(doc_cart(), order_type="PickAtStore")

    assert cart.meta.order_type == OrderType.PICK_AT_STORE
    assert cart.delivery_promise is None


def test_unknown_extra_fields_are_ignored_without_losing_the_known_ones():
    noisy = copy.deepcopy(DOC_CART)
    noisy["free_gift_selection_available"] = True
    noisy["loyalty_meta"] = None
    noisy["ship_to_gst_details"] = {"gstin": "x", "trade_name": "y"}
    noisy["brand_new_block"] = {"nested": [1, 2, {"deep": 0.5}]}
    noisy["applied_promo_details"][0].update({"buy_article_dict": {"a": 1}, "application_id": "app"})
    item = noisy["items"][0]
    item.update(
        {"max_quantity": {"item": 5.0, "item_seller": None}, "item_type": "standard", "added_on": None}
    )
    item["article"].update({"item_index": 0, "fulfillment_option": {"slug": "standard"}, "unknown": "x"})
    item["price"]["converted"]["final_price"] = 26983
    noisy["breakup_values"]["raw"]["engage_amount"] = 0
    noisy["breakup_values"]["loyalty_points"]["earn_points"] = 12

    assert cart_of(parsed(noisy), signed_in=True) == cart_of(doc_cart(), signed_in=True)


def test_a_missing_or_odd_block_maps_to_defaults_not_an_error():
    cart = cart_of(parsed({"id": "c1", "items": [{"product": {"uid": 1, "name": "X"}, "quantity": 1}],
                           "breakup_values": {"display": "not a list"}, "delivery_promise": []}))  # fmt: skip

    assert cart.lines[0].product.name == "X"
    assert cart.lines[0].unit_price == Decimal("0")
    assert cart.delivery_promise is None


def test_is_complete_needs_items_and_breakup():
    assert fm.is_complete({"id": "c", "items": [], "breakup_values": {}})
    assert not fm.is_complete({"id": "c", "breakup_values": {}})
    assert not fm.is_complete(None)


# --------------------------------------------------------------------------- catalogue (§8)

LISTING = {
    "items": [
        {"uid": 7501, "slug": "classic-tee-7501", "name": "Classic Tee", "item_code": "TEE1",
         "type": "product", "sellable": True, "brand": {"uid": 3, "name": "Voi Jeans"},
         "medias": [{"url": "https://cdn/t1.jpg", "type": "image", "alt": "front"},
                    {"url": "https://cdn/t1.mp4", "type": "video"}],
         "price": {"marked": {"min": 999, "max": 999, "currency_code": "INR"},
                   "effective": {"min": 499.5, "max": 599, "currency_code": "INR"}},
         "discount": "50% OFF", "sizes": ["S", "M"],
         "categories": [{"uid": 9, "name": "T-Shirts",
                         "action": {"type": "category", "query": {"category": ["t-shirts"]}}}],
         "moq": {"minimum": 1, "maximum": 5, "increment_unit": 1}, "teaser_tag": "", "rating": 4.2},
        {"uid": 7502, "slug": "mug-7502", "name": "Mug", "sellable": False, "brand": {"name": "Home"},
         "price": {"marked": {"min": 300, "max": 300}, "effective": {"min": 300, "max": 300}}},
    ],
    "filters": [],
    "sort_on": [],
    "page": {"type": "number", "current": 2, "size": 12, "has_next": True, "has_previous": True,
             "item_total": 30},
}  # fmt: skip


def test_a_listing_maps_products_prices_and_pages():
    page = fm.map_product_page(parsed(LISTING), page=2, per_page=12)

    tee, mug = page.products
    assert (page.page, page.total_pages, page.total) == (2, 3, 30)
    assert tee.id == "7501" and tee.slug == "classic-tee-7501" and tee.brand == "Voi Jeans"
    assert tee.images == ("https://cdn/t1.jpg",)
    assert (tee.mrp, tee.price) == (Decimal("999"), Decimal("499.5"))
    assert [v.id for v in tee.variants] == ["S", "M"] and tee.has_sizes and tee.in_stock
    assert tee.category.slug == "t-shirts"
    assert tee.quantity_rule.maximum == 5
    assert not mug.in_stock and not mug.has_sizes


def test_a_cursor_page_without_a_total_still_pages():
    page = fm.map_product_page(parsed({"items": [], "page": {"type": "cursor", "has_next": True}}), page=1,
                               per_page=12)  # fmt: skip

    assert (page.page, page.total_pages) == (1, 2)


DETAIL = {
    "uid": 7501, "slug": "classic-tee-7501", "name": "Classic Tee", "brand": {"name": "Voi Jeans"},
    "description": "<p>Soft <b>cotton</b>.</p>", "medias": [{"url": "https://cdn/t1.jpg", "type": "image"}],
    "price": {"marked": {"min": 999, "max": 999}, "effective": {"min": 499, "max": 599}},
    "moq": {"minimum": 1, "maximum": 4, "increment_unit": 1},
    "categories": [{"uid": 9, "name": "T-Shirts"}], "grouped_attributes": [], "seo": {"title": "x"},
}  # fmt: skip
SIZES = {
    "sizes": [
        {"display": "S", "value": "S", "quantity": 10, "is_available": True, "seller_identifiers": ["a"]},
        {"display": "M", "value": "M", "quantity": 0, "is_available": True},
        {"display": "XL", "value": "XL", "quantity": 2, "is_available": False},
    ],
    "price": {"marked": {"min": 999, "max": 999}, "effective": {"min": 499, "max": 599},
              "selling": {"min": 499, "max": 599}},
    "sellable": True, "multi_size": True, "stores": {"count": 1},
}  # fmt: skip


def test_a_product_detail_with_sizes_maps_stock_and_per_size_prices():
    prices = {"S": parsed({"price": {"marked": 999, "effective": 599, "selling": 599}, "article_id": "a1"})}

    product = fm.map_product(parsed(DETAIL), parsed(SIZES), prices)

    assert product.description == "Soft cotton."
    assert [(v.id, v.in_stock, v.stock, v.price) for v in product.variants] == [
        ("S", True, 10, Decimal("599")),
        ("M", False, 0, Decimal("499")),
        ("XL", False, 2, Decimal("499")),
    ]
    assert product.mrp == Decimal("999") and product.price == Decimal("499")
    assert fm.price_varies(parsed(SIZES))
    assert not fm.price_varies(parsed({"price": {"effective": {"min": 5, "max": 5}}}))


def test_categories_are_the_leaves_of_the_tree():
    body = {
        "departments": [{"uid": 1, "slug": "fashion"}],
        "data": [{"department": "fashion", "items": [
            {"uid": 1, "name": "Men", "slug": "men", "childs": [
                {"uid": 2, "name": "Topwear", "slug": "topwear", "childs": [
                    {"uid": 3, "name": "T-Shirts", "slug": "t-shirts", "childs": [],
                     "banners": {"portrait": {"url": "https://cdn/p.jpg"}}},
                    {"uid": 4, "name": "Shirts", "slug": "shirts"},
                ]},
            ]},
            {"uid": 5, "name": "Gifts", "slug": "gifts", "childs": []},
        ]}],
    }  # fmt: skip

    categories = fm.map_categories(parsed(body))

    assert [(c.slug, c.name, c.image) for c in categories] == [
        ("t-shirts", "T-Shirts", "https://cdn/p.jpg"),
        ("shirts", "Shirts", ""),
        ("gifts", "Gifts", ""),
    ]


def test_size_price_gives_serviceability_and_the_promise():
    serviceable, promise = fm.map_size_price(
        parsed({"delivery_promise": {"min": "2023-08-01T18:19:23", "max": "2023-08-03T18:19:23"}}),
        pincode="400059",
    )

    assert serviceable and promise.max == datetime(2023, 8, 3, 18, 19, 23, tzinfo=UTC)
    assert fm.map_size_price({"is_serviceable": False}, pincode="1") == (False, None)


# --------------------------------------------------------------------------- coupons and addresses


def test_coupon_list_maps_applicability_and_reason():
    body = {
        "available_coupon_list": [
            {"coupon_code": "WELCOME10", "title": "10% off", "sub_title": "Above ₹999", "message": "",
             "is_applicable": True, "is_applied": False, "expires_on": "28 Aug, 19", "coupon_value": 10},
            {"coupon_code": "BIG500", "title": "₹500 off", "is_applicable": False,
             "coupon_applicable_message": "Add ₹1,200 more to use this coupon",
             "end_date": "2030-01-01T00:00:00Z"},
            {"title": "no code"},
        ],
        "page": {"current": 1, "total": 1, "has_next": False, "total_item_count": 3},
    }  # fmt: skip

    offers = fm.map_coupon_list(parsed(body))

    assert [(o.code, o.applicable, o.reason) for o in offers] == [
        ("WELCOME10", True, ""),
        ("BIG500", False, "Add ₹1,200 more to use this coupon"),
    ]
    assert offers[0].description == "Above ₹999 · Valid till 28 Aug, 19"
    assert offers[1].expires_at == datetime(2030, 1, 1, tzinfo=UTC)


def test_addresses_map_both_ways():
    ours = Address(id="", name="Asha Rao", phone="9876543210", line1="12 MG Road", line2="Near Metro",
                   city="Bengaluru", state="Karnataka", pincode="560001")  # fmt: skip

    body = fm.address_body(ours, email="asha@example.com")

    assert body["area_code"] == "560001" and body["area_code_slug"] == "pincode"
    assert body["address"] == "12 MG Road" and body["area"] == "Near Metro"
    assert body["email"] == "asha@example.com"
    back = fm.map_address({**body, "id": "a-1", "landmark": "Opp. Park"})
    assert back == Address(id="a-1", name="Asha Rao", phone="9876543210", line1="12 MG Road",
                           line2="Near Metro, Opp. Park", city="Bengaluru", state="Karnataka",
                           pincode="560001")  # fmt: skip
    assert fm.address_from_json(fm.address_json(back)) == back
    assert fm.address_from_json(None) is None


def test_a_fynd_size_chart_becomes_rows_with_the_heading_first():
    """ProductSizes' size_chart (fynd.md 8.5): headers col_1..col_6 with a value, one row per size."""
    chart = {
        "title": "Kurta sizes",
        "unit": "in",
        "headers": {"col_1": {"value": "Size"}, "col_2": {"value": "Chest"}, "col_3": {"value": None}},
        "sizes": [{"col_1": "S", "col_2": 38}, {"col_1": "M", "col_2": "40"}, {}],
    }
    assert fm.map_size_chart(chart) == (("Size", "Chest (in)"), ("S", "38"), ("M", "40"))


@pytest.mark.parametrize(
    "chart", [None, {}, {"headers": {}, "sizes": [{"col_1": "S"}]}, {"headers": {"col_1": {"value": "Size"}}}]
)
def test_no_fynd_size_chart_without_a_heading_and_a_size(chart):
    assert fm.map_size_chart(chart) == ()
