"""The fake SourceHub server keeps to sourcehub.md and the seed: its own tests, with plain requests."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from tests.fakes.sourcehub_server import SEED_401, SEED_CART, TOKEN, FakeSourceHub

AUTH = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}


def get(fake: FakeSourceHub, path: str, headers=AUTH, **params):
    return requests.get(f"{fake.base_url}/api/{path}", params=params, headers=headers, timeout=5)


def post(fake: FakeSourceHub, path: str, headers=AUTH, json=None, **params):
    return requests.post(f"{fake.base_url}/api/{path}", params=params, json=json, headers=headers, timeout=5)


def test_the_seed_cart_is_reproduced_exactly(fake_sourcehub):
    answer = get(fake_sourcehub, "carts", customer_id=9)

    assert answer.status_code == 200
    assert answer.json() == SEED_CART
    assert '"cart_total": 600,' in answer.text  # whole amounts are JSON integers, as in the seed
    assert fake_sourcehub.count("GET", "/api/carts") == 1


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Bearer  {TOKEN}", f"Bearer {TOKEN} ", TOKEN])
def test_a_missing_or_wrong_token_gets_the_seeds_401(fake_sourcehub, header):
    headers = {} if header is None else {"Authorization": header}

    answer = get(fake_sourcehub, "carts", headers=headers, customer_id=9)

    assert answer.status_code == 401
    assert answer.json() == SEED_401


def test_pricing_sets_price_the_cart_and_quantity_counts_sets(fake_sourcehub):
    post(fake_sourcehub, "cart/add-item", customer_id=12, product_id=11, productpricing_id=1101, quantity=2)
    answer = post(
        fake_sourcehub, "cart/add-item", customer_id=12, product_id=12, productpricing_id=1202, quantity=1
    )

    cart = answer.json(parse_float=Decimal)["data"]
    assert cart["cart_item_count"] == 2
    assert cart["total_cart_quantity"] == 3
    assert cart["cart_total"] == Decimal("1279.5")  # 2 × 190 + 1 × 899.50
    assert cart["discount"] == Decimal("63.98")  # customer 12's 5 %, half up
    assert cart["billable_amount"] == Decimal("1215.52")
    tea = cart["items"][0]["product"]
    assert tea["productpricing"] == {"id": 1101, "product_id": 11, "buying_qty": 6, "price": 190}
    assert "productpricings" not in tea


def test_adding_the_same_set_again_grows_its_line_and_another_set_is_another_line(fake_sourcehub):
    post(fake_sourcehub, "cart/add-item", customer_id=12, product_id=11, productpricing_id=1101, quantity=1)
    post(fake_sourcehub, "cart/add-item", customer_id=12, product_id=11, productpricing_id=1101, quantity=2)
    cart = post(
        fake_sourcehub, "cart/add-item", customer_id=12, product_id=11, productpricing_id=1102, quantity=1
    ).json()["data"]

    assert [(it["product"]["productpricing"]["id"], it["quantity"]) for it in cart["items"]] == [
        (1101, 3),
        (1102, 1),
    ]


def test_update_item_changes_and_zero_removes(fake_sourcehub):
    item = fake_sourcehub.cart_of(9)[0]["id"]

    changed = post(fake_sourcehub, "cart/update-item", customer_id=9, cart_id=item, quantity=5).json()["data"]
    removed = post(fake_sourcehub, "cart/update-item", customer_id=9, cart_id=item, quantity=0).json()["data"]

    assert changed["cart_total"] == 1000
    assert removed == {
        "cart_item_count": 0,
        "total_cart_quantity": 0,
        "cart_total": 0,
        "discount": 0,
        "billable_amount": 0,
        "items": [],
    }


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("cart/update-item", {"customer_id": 9, "cart_id": 1, "quantity": 2}),
        ("cart/add-item", {"customer_id": 9, "product_id": 999, "productpricing_id": 1, "quantity": 1}),
        ("cart/add-item", {"customer_id": 9, "product_id": 11, "productpricing_id": 1058, "quantity": 1}),
        ("cart/add-item", {"customer_id": 9, "product_id": 11}),
    ],
)
def test_not_found_and_validation_are_both_400_bad_request(fake_sourcehub, path, params):
    answer = post(fake_sourcehub, path, **params)

    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "BAD_REQUEST_ERROR" and error["status_code"] == 400 and error["description"]


def test_an_unknown_product_is_400_not_404(fake_sourcehub):
    assert get(fake_sourcehub, "products/999").status_code == 400
    assert get(fake_sourcehub, "products/11").json()["data"]["productpricings"][0]["buying_qty"] == 6


def test_products_filter_by_name_and_page_with_count_and_skip(fake_sourcehub):
    tea = get(fake_sourcehub, "products", product_name="TEA").json()["data"]
    page = get(fake_sourcehub, "products", count=2, skip=1).json()["data"]

    assert [p["id"] for p in tea] == [11]
    assert [p["id"] for p in page] == [11, 12]


def test_an_order_takes_the_cart_and_empties_it(fake_sourcehub):
    answer = post(fake_sourcehub, "orders/create", customer_id=9)

    order = answer.json()["data"]
    assert order["order_no"] == "SO-005001"
    assert order["products"] == [
        {"id": 4, "sku": "CP 2425 0046", "name": "3 Roses Mrp 10 (408pc)", "quantity": 3, "price": 200}
    ]
    assert (order["item_total_amount"], order["discount_amount"], order["billable_amount"]) == (600, 0, 600)
    assert "_discount_percent" not in order["customer"]
    assert get(fake_sourcehub, "carts", customer_id=9).json()["data"]["items"] == []
    assert post(fake_sourcehub, "orders/create", customer_id=9).status_code == 400  # empty cart
    listed = get(fake_sourcehub, "orders", phone_number="9820012345").json()["data"]["orders"]
    assert [o["id"] for o in listed] == [order["id"]]
    assert get(fake_sourcehub, f"orders/{order['id']}").json()["data"]["order_no"] == "SO-005001"


def test_orders_are_listed_by_day(fake_sourcehub):
    post(fake_sourcehub, "orders/create", customer_id=9)
    today = fake_sourcehub.local_today().strftime("%d-%m-%Y")

    same_day = get(fake_sourcehub, "orders", phone_number="9820012345", from_date=today, to_date=today)
    later = get(fake_sourcehub, "orders", phone_number="9820012345", from_date="01-01-2099")

    assert len(same_day.json()["data"]["orders"]) == 1
    assert later.json()["data"]["orders"] == []


@pytest.mark.parametrize(("customer_id", "status"), [(15, 400), (16, 400), (12, 400)])
def test_only_an_accepted_customer_with_a_cart_can_order(fake_sourcehub, customer_id, status):
    fake_sourcehub.cart_of(customer_id)  # empty
    if customer_id == 15:
        fake_sourcehub.carts[15] = [{"id": 1, "product_id": 11, "pricing_id": 1101, "quantity": 1}]

    assert post(fake_sourcehub, "orders/create", customer_id=customer_id).status_code == status
    assert fake_sourcehub.orders == []


def test_customers_show_finds_one_customer_by_one_key(fake_sourcehub):
    found = post(fake_sourcehub, "customers/show", email="RAMESH@sharmakirana.example").json()["data"]
    pending = post(fake_sourcehub, "customers/show", json={"email": "arjun@raoprovisions.example"}).json()[
        "data"
    ]

    assert (found["id"], found["approval"], found["gstin"]) == (9, "accepted", "27AAPFS1234C1ZD")
    assert pending["approval"] == "pending"
    assert post(fake_sourcehub, "customers/show", email="nobody@example.com").status_code == 400
    assert post(fake_sourcehub, "customers/show", email="a@b.c", customer_code="CUS-00009").status_code == 400


def test_customers_create_needs_a_gstin_when_registered(fake_sourcehub):
    base = {
        "company_name": "New Mart",
        "mobile_number": "9000000001",
        "contactpersons_name": "Asha",
        "address": "1 Main Rd",
        "area_id": 31,
        "postalcode_id": 7,
    }

    refused = post(fake_sourcehub, "customers/create", json={**base, "gst_treatment": "Registered"})
    created = post(fake_sourcehub, "customers/create", json={**base, "gst_treatment": "Unregistered"})

    assert refused.status_code == 400
    assert created.json()["data"]["approval"] == "pending"


def test_rate_limit_answers_429_too_many_requests(fake_sourcehub):
    fake_sourcehub.rate_limit = 2

    answers = [get(fake_sourcehub, "products").status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    assert get(fake_sourcehub, "products").json()["error"]["code"] == "TOO_MANY_REQUESTS"


@pytest.mark.parametrize("status", [429, 500, 401])
def test_a_scripted_status_fault_carries_sourcehubs_error_body(fake_sourcehub, status):
    fake_sourcehub.fault("/api/carts", "status", status=status)

    answer = get(fake_sourcehub, "carts", customer_id=9)

    assert answer.status_code == status
    assert answer.json()["error"]["status_code"] == status
    assert get(fake_sourcehub, "carts", customer_id=9).status_code == 200  # once only


def test_an_order_committed_before_a_dropped_answer_exists(fake_sourcehub):
    fake_sourcehub.fault("/api/orders/create", "drop", after_commit=True)

    with pytest.raises(requests.ConnectionError):
        post(fake_sourcehub, "orders/create", customer_id=9)

    assert len(fake_sourcehub.orders) == 1 and fake_sourcehub.cart_of(9) == []
    assert fake_sourcehub.count("POST", "/api/orders/create") == 1


def test_malformed_and_delay_faults(fake_sourcehub):
    fake_sourcehub.fault("/api/products", "malformed")
    fake_sourcehub.fault("/api/carts", "delay", seconds=0.2)

    assert get(fake_sourcehub, "products").text == "{not json"
    assert get(fake_sourcehub, "carts", customer_id=9).json() == SEED_CART
    assert [c.fault for c in fake_sourcehub.calls] == ["malformed", "delay"]
