"""SourceHub mapping: THE pricing rule (one function) and the seed's cart read without loss."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from storefront.money import MoneyError
from storefront.providers import readers
from storefront.providers.sourcehub import mapping
from storefront.providers.types import Capability
from tests.fakes.sourcehub_server import SEED_CART

TEA = {"id": 11, "name": "Tata Tea Gold 250 g", "maximum_retail_price": 35, "price_per_unit": 35}


def _seed() -> dict:
    return json.loads(json.dumps(SEED_CART), parse_float=Decimal)["data"]


@pytest.mark.parametrize(
    ("pricing", "expected"),
    [
        ({"id": 1101, "buying_qty": 6, "price": 190}, (6, Decimal(190), Decimal(210), Decimal("31.67"))),
        ({"id": 1103, "buying_qty": 24, "price": 720}, (24, Decimal(720), Decimal(840), Decimal(30))),
        ({"id": 9, "buying_qty": 0, "price": 50}, (1, Decimal(50), Decimal(50), Decimal(50))),  # 0 reads as 1
    ],
)
def test_a_pricing_set_is_a_pack_of_buying_qty_units_at_its_price(pricing, expected):
    price = mapping.pack_price(TEA, pricing)

    assert (price.units, price.price, price.mrp, price.unit_price) == expected
    assert mapping.line_amount(price, 3) == expected[1] * 3
    assert mapping.units_shipped(price, 3) == expected[0] * 3


def test_a_missing_or_too_low_mrp_reads_as_the_price():
    no_mrp = mapping.pack_price({"id": 1}, {"id": 2, "buying_qty": 2, "price": 100})
    low_mrp = mapping.pack_price(
        {"id": 1, "maximum_retail_price": 10}, {"id": 2, "buying_qty": 2, "price": 100}
    )

    assert no_mrp.mrp == Decimal(100) and no_mrp.unit_mrp is None
    assert low_mrp.mrp == Decimal(100) and low_mrp.unit_mrp == Decimal(10)


def test_a_float_amount_is_refused():
    with pytest.raises(MoneyError):
        mapping.pack_price(TEA, {"id": 1, "buying_qty": 1, "price": 19.5})


def test_the_seed_cart_maps_without_loss():
    cart = mapping.cart(_seed(), cart_id="9", capabilities=frozenset({Capability.CART}))

    (line,) = cart.lines
    assert (cart.id, cart.count, cart.packs, cart.units) == ("9", 1, 3, 3)
    assert (line.id, line.quantity, line.unit_price, line.line_total) == (
        "79532",
        3,
        Decimal(200),
        Decimal(600),
    )
    assert (line.unit_mrp, line.line_mrp) == (Decimal(4080), Decimal(12240))
    product = line.product
    assert (product.id, product.slug, product.hsn_code, product.gst_rate) == (
        "4",
        "3-roses-mrp-10-408pc-4",
        "0902",
        5,
    )
    assert (
        product.category.name == "Tea ,Coffee and Beverages"
        and product.category.slug == "tea-coffee-and-beverages-3"
    )
    assert product.category.image.endswith("1617180572.jpg")
    assert (line.variant.id, line.variant.label) == ("1058", "Single bag")
    assert line.variant.pack.reference_unit_price == Decimal(10) and line.variant.pack.unit_name == "bags"
    assert [(r.key, r.amount, r.informational) for r in cart.breakup] == [
        ("mrp_total", Decimal(12240), False),
        ("subtotal", Decimal(600), False),
        ("total", Decimal(600), False),
        ("gst_included", Decimal("28.57"), True),
    ]


def test_an_empty_cart_has_no_id_and_costs_nothing():
    empty = {
        "cart_item_count": 0,
        "total_cart_quantity": 0,
        "cart_total": 0,
        "discount": 0,
        "billable_amount": 0,
    }

    cart = mapping.cart({**empty, "items": []}, cart_id="9", capabilities=frozenset())

    assert cart.id == "" and cart.is_empty and cart.total == 0 and cart.packs == 0


def test_a_discount_is_a_negative_row_and_gst_is_counted_on_what_is_paid():
    data = {**_seed(), "discount": Decimal("30"), "billable_amount": Decimal("570")}

    cart = mapping.cart(data, cart_id="9", capabilities=frozenset())

    assert cart.row("discount").amount == Decimal(-30) and cart.total == Decimal(570)
    assert cart.row("gst_included").amount == Decimal("27.14")  # 570 × 5 / 105


def test_a_product_without_pricing_sets_is_not_sold_and_slugs_carry_the_id():
    assert mapping.product({"id": 5, "name": "No sets"}) is None
    assert mapping.id_from_slug("tata-tea-gold-250-g-11") == "11"
    assert mapping.id_from_slug("no-id-here") is None


def test_buyers_and_orders_read_from_their_records():
    buyer = mapping.buyer(
        {"id": 12, "approval": "accepted", "company_name": "Patel Wholesale", "gstin": "24aabcp5678d1zg",
         "contactperson_number": "9820067890", "status": "Active",
         "address": {"addressline1": "Shop 4", "area": {"name": "Andheri East"}, "postalcode": "400069"}}
    )  # fmt: skip
    sent = {"cart_total": 600, "items": [{"quantity": 3, "product": {"id": 4}}]}
    order = {"item_total_amount": 600, "products": [{"id": 4, "quantity": 3}]}

    assert (buyer.id, buyer.approval, buyer.gstin, buyer.phone) == (
        "12",
        "approved",
        "24AABCP5678D1ZG",
        "9820067890",
    )
    assert buyer.address.line2 == "Andheri East" and buyer.address.pincode == "400069"
    assert mapping.order_matches(order, sent)
    assert not mapping.order_matches({**order, "item_total_amount": 599}, sent)
    assert (
        mapping.order_list({"orders": [order]}) == [order] and readers.as_list(mapping.order_list(None)) == []
    )


@pytest.mark.parametrize(
    "payload",
    [
        [{"id": 1}],
        {"products": [{"id": 1}]},
        {"current_page": 1, "data": [{"id": 1}], "total": 1},  # a paginated answer
        {"items": [{"id": 1}]},
    ],
)
def test_list_answers_are_read_whatever_their_container(payload):
    assert mapping.product_list(payload) == [{"id": 1}]


def test_a_customer_record_without_an_approval_is_approved_and_an_odd_word_is_pending():
    assert mapping.buyer({"id": 3, "status": "Active"}).approval == "approved"
    assert mapping.buyer({"id": 3, "approval": "On hold"}).approval == "pending"
    assert mapping.buyer({"id": 3, "approval": "Rejected"}).approval == "rejected"
    assert mapping.one([{"id": 3}]) == {"id": 3} and mapping.one([]) == {}
