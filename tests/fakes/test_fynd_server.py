"""The fake Fynd server behaves as /work/shared/providers/fynd.md describes (plain HTTP, no adapter)."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from email.utils import parsedate_to_datetime

import pytest
import requests

from tests.fakes.fynd_server import (
    CART,
    CART_V2,
    CATALOG,
    MSG_ADDED,
    MSG_COUPON_APPLIED,
    MSG_COUPON_INVALID,
    MSG_COUPON_REMOVED,
    MSG_MISSING_FIELD,
    MSG_MOQ_MIN,
    MSG_MOQ_STEP,
    MSG_NOT_DELIVERABLE,
    MSG_NOT_ENOUGH_STOCK,
    MSG_NOTHING_UPDATED,
    MSG_OUT_OF_STOCK,
    MSG_REMOVED,
    MSG_SERVER_ERROR,
    MSG_UNAUTHORIZED,
    MSG_UPDATED,
    FakeFynd,
)

DETAIL = f"{CART}/detail"
TEE = 7501  # sizes S, M, L in stock, XL out of stock; ₹799.00 → ₹499.50
JEANS = 7502  # sizes 30, 32 (₹1,499.25) and 34 (₹1,649.25)
MUG = 7503  # one size, ₹299.90
SNEAKERS = 7504  # every size out of stock
COFFEE = 7505  # moq: minimum 2, maximum 12, increment 2; ₹399.99


class Api:
    """A tiny storefront-side client: the contract's auth header on every call, Decimal numbers."""

    def __init__(self, fake: FakeFynd, auth: str | None = None, cookie: str | None = None):
        self.base = fake.base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = auth or fake.auth_header
        if cookie:
            self.session.headers["Cookie"] = cookie

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, self.base + path, timeout=5, **kwargs)

    def json(self, method: str, path: str, status: int = 200, **kwargs) -> dict:
        response = self.call(method, path, **kwargs)
        assert response.status_code == status, response.text
        return json.loads(response.content, parse_float=Decimal)

    def add(self, *items: dict, **params) -> dict:
        return self.json(
            "POST", DETAIL, params={"i": "true", "b": "true", **params}, json={"items": list(items)}
        )

    def cart(self, cart_id: str, **params) -> dict:
        return self.json("GET", DETAIL, params={"id": cart_id, "i": "true", "b": "true", **params})


@pytest.fixture
def api(fake_fynd) -> Api:
    return Api(fake_fynd)


def rows(cart: dict) -> dict[str, Decimal]:
    return {row["key"]: row["value"] for row in cart["breakup_values"]["display"]}


def assert_breakup_adds_up(cart: dict) -> None:
    display = rows(cart)
    raw = cart["breakup_values"]["raw"]
    assert display["mrp_total"] + display.get("discount", 0) == display["subtotal"]
    parts = sum(v for k, v in display.items() if k not in ("mrp_total", "discount", "subtotal", "total"))
    assert display["subtotal"] + parts == display["total"]
    for key, value in display.items():
        assert raw[key] == value
    assert (
        raw["subtotal"] + raw["coupon"] + raw["delivery_charge"] + raw["fynd_cash"] + raw["cod_charge"]
        == (raw["total"])
    )
    assert raw["vog"] == raw["total"] - raw["gst_charges"]


# --------------------------------------------------------------------------- auth


def test_calls_without_the_exact_bearer_token_get_401_with_the_documented_body(fake_fynd):
    wrong_token = "Bearer " + base64.b64encode(b"app123:not-the-token").decode()
    basic = "Basic " + base64.b64encode(b"app123:tok-secret-123").decode()

    for headers in (
        {},
        {"Authorization": wrong_token},
        {"Authorization": basic},
        {"Authorization": "Bearer !!"},
    ):
        response = requests.get(fake_fynd.base_url + DETAIL, headers=headers, timeout=5)
        assert response.status_code == 401
        assert response.json() == {"success": False, "message": MSG_UNAUTHORIZED}

    head = requests.head(fake_fynd.base_url + DETAIL, timeout=5)
    assert head.status_code == 401
    assert head.content == b""
    ok = requests.get(
        fake_fynd.base_url + f"{CATALOG}/products/",
        headers={"Authorization": fake_fynd.auth_header},
        timeout=5,
    )
    assert ok.status_code == 200
    assert fake_fynd.auth_header == "Bearer " + base64.b64encode(b"app123:tok-secret-123").decode()


def test_each_application_sees_only_its_own_carts(fake_fynd, api):
    fake_fynd.add_application("other-app", "other-token")
    other = Api(fake_fynd, auth="Bearer " + base64.b64encode(b"other-app:other-token").decode())
    cart_id = api.add({"item_id": MUG, "item_size": "OS", "quantity": 1})["cart"]["id"]

    response = other.call("GET", DETAIL, params={"id": cart_id})

    assert response.status_code == 404
    assert response.json()["success"] is False


# --------------------------------------------------------------------------- add and get


def test_an_added_item_comes_back_with_identifiers_prices_and_a_breakup_that_adds_up(api):
    added = api.add({"item_id": TEE, "item_size": "M", "quantity": 2})

    assert added["success"] is True
    assert added["partial"] is False
    assert added["message"] == MSG_ADDED
    cart = api.cart(added["cart"]["id"])
    (line,) = cart["items"]
    assert len(line["identifiers"]["identifier"]) == 20
    assert line["key"] == f"{TEE}_M"
    assert line["quantity"] == 2
    assert line["price_per_unit"]["base"]["selling_price"] == Decimal("499.5")
    assert line["price"]["base"]["effective"] == Decimal("999.0")
    assert line["price"]["base"]["marked"] == Decimal("1598.0")
    assert line["article"]["seller"]["uid"] and line["article"]["store"]["uid"]
    assert line["availability"]["available_sizes"][-1] == {
        "display": "XL",
        "value": "XL",
        "is_available": False,
    }
    assert line["delivery_promise"]["formatted"]["min"]
    assert cart["uid"] == str(cart["cart_id"])
    assert rows(cart) == {
        "mrp_total": Decimal("1598.0"),
        "discount": Decimal("-599.0"),
        "subtotal": Decimal("999.0"),
        "total": Decimal("999.0"),
    }
    assert_breakup_adds_up(cart)
    assert api.json("GET", f"{CART}/basic", params={"id": cart["id"]}) == {"user_cart_items_count": 1}


def test_prices_are_json_numbers_with_decimals(api):
    response = api.call("POST", DETAIL, json={"items": [{"item_id": COFFEE, "quantity": 2}]})

    assert '"effective": 399.99' in response.text
    assert '"marked": 450.0' in response.text


def test_adding_the_same_size_again_adds_to_the_line_and_a_small_cart_pays_delivery(api):
    cart_id = api.add({"item_id": MUG, "item_size": "OS", "quantity": 1})["cart"]["id"]

    cart = api.add({"item_id": MUG, "item_size": "OS", "quantity": 1}, id=cart_id)["cart"]

    assert [line["quantity"] for line in cart["items"]] == [2]
    assert rows(cart)["delivery_charge"] == Decimal("79.0")
    assert rows(cart)["total"] == Decimal("599.8") + Decimal("79.0")
    assert_breakup_adds_up(cart)


def test_an_out_of_stock_item_is_refused_with_the_message_and_the_rest_is_added(api):
    added = api.add({"item_id": SNEAKERS, "item_size": "9", "quantity": 1}, {"item_id": MUG, "quantity": 1})

    assert added["success"] is False
    assert added["partial"] is True
    assert added["message"] == MSG_OUT_OF_STOCK
    assert [line["product"]["uid"] for line in added["cart"]["items"]] == [MUG]
    assert [i["success"] for i in added["items"]] == [False, True]


def test_moq_rules_and_bad_quantities(api):
    too_few = api.add({"item_id": COFFEE, "item_size": "250g", "quantity": 1})
    odd = api.add({"item_id": COFFEE, "item_size": "250g", "quantity": 3})
    ok = api.add({"item_id": COFFEE, "item_size": "250g", "quantity": 4})
    negative = api.call("POST", DETAIL, json={"items": [{"item_id": MUG, "quantity": 0}]})

    assert too_few["success"] is False
    assert too_few["message"] == MSG_MOQ_MIN.format(minimum=2)
    assert odd["message"] == MSG_MOQ_STEP.format(increment=2)
    assert ok["cart"]["items"][0]["moq"] == {"minimum": 2, "maximum": 12, "increment_unit": 2}
    assert negative.status_code == 400
    assert negative.json()["success"] is False


def test_a_line_whose_stock_runs_out_blocks_checkout(fake_fynd, api):
    cart_id = api.add({"item_id": TEE, "item_size": "L", "quantity": 2})["cart"]["id"]

    fake_fynd.set_stock("classic-cotton-tshirt", "L", 1)
    cart = api.cart(cart_id)

    assert cart["items"][0]["message"] == MSG_NOT_ENOUGH_STOCK.format(available=1)
    assert cart["items"][0]["availability"]["is_valid"] is False
    assert cart["is_valid"] is False
    assert cart["restrict_checkout"] is True
    assert rows(cart)["total"] == 0


def test_an_unserviceable_pincode_marks_lines_undeliverable(api):
    cart_id = api.add({"item_id": MUG, "quantity": 1})["cart"]["id"]

    cart = api.cart(cart_id, area_code="999999")

    assert cart["items"][0]["availability"]["deliverable"] is False
    assert cart["items"][0]["message"] == MSG_NOT_DELIVERABLE.format(pincode="999999")
    assert "delivery_promise" not in cart
    assert cart["restrict_checkout"] is True


def test_delivery_promise_follows_the_pincode_from_a_fixed_today(api):
    cart_id = api.add({"item_id": MUG, "quantity": 1})["cart"]["id"]

    mumbai = api.cart(cart_id, area_code="400059")["delivery_promise"]
    delhi = api.cart(cart_id, area_code="110001")["delivery_promise"]

    assert mumbai["formatted"] == {"min": "04 Jun, Tuesday", "max": "05 Jun, Wednesday"}
    assert delhi["iso"]["min"] == "2030-06-06T19:00:00+05:30"
    assert delhi["timestamp"]["max"] > mumbai["timestamp"]["max"]


# --------------------------------------------------------------------------- last modified


def test_head_last_modified_moves_on_every_mutation_and_not_on_reads(api):
    cart_id = api.add({"item_id": MUG, "quantity": 1})["cart"]["id"]
    first = api.call("HEAD", DETAIL, params={"id": cart_id})
    api.cart(cart_id)
    again = api.call("HEAD", DETAIL, params={"id": cart_id})

    api.add({"item_id": MUG, "quantity": 1}, id=cart_id)
    after = api.call("HEAD", DETAIL, params={"id": cart_id})

    assert first.status_code == 200
    assert first.content == b""
    assert again.headers["Last-Modified"] == first.headers["Last-Modified"]
    assert parsedate_to_datetime(after.headers["Last-Modified"]) > parsedate_to_datetime(
        first.headers["Last-Modified"]
    )
    assert api.cart(cart_id)["last_modified"] == parsedate_to_datetime(
        after.headers["Last-Modified"]
    ).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# --------------------------------------------------------------------------- update and remove


def test_update_item_changes_quantity_and_remove_item_drops_the_line(api):
    cart = api.add({"item_id": TEE, "item_size": "S", "quantity": 1}, {"item_id": MUG, "quantity": 1})["cart"]
    tee, mug = cart["items"]

    updated = api.json(
        "PUT",
        DETAIL,
        params={"id": cart["id"], "i": "true", "b": "true"},
        json={"operation": "update_item", "items": [{"identifiers": tee["identifiers"], "quantity": 3}]},
    )
    removed = api.json(
        "PUT",
        DETAIL,
        params={"id": cart["id"]},
        json={
            "operation": "remove_item",
            "items": [{"identifiers": mug["identifiers"], "item_id": MUG, "item_size": "OS", "quantity": 0}],
        },
    )

    assert updated["message"] == MSG_UPDATED
    assert [(i["product"]["uid"], i["quantity"]) for i in updated["cart"]["items"]] == [(TEE, 3), (MUG, 1)]
    assert removed["message"] == MSG_REMOVED
    assert [i["identifiers"] for i in removed["cart"]["items"]] == [tee["identifiers"]]
    assert_breakup_adds_up(removed["cart"])


def test_a_size_change_reprices_the_line(api):
    cart = api.add({"item_id": JEANS, "item_size": "32", "quantity": 1})["cart"]
    line = cart["items"][0]

    updated = api.json(
        "PUT",
        DETAIL,
        params={"id": cart["id"]},
        json={"operation": "update_item", "items": [{"identifiers": line["identifiers"], "item_size": "34"}]},
    )

    (new_line,) = updated["cart"]["items"]
    assert new_line["article"]["size"] == "34"
    assert new_line["price_per_unit"]["base"]["effective"] == Decimal("1649.25")
    assert new_line["identifiers"] == line["identifiers"]


def test_update_needs_a_known_operation_and_a_known_line(api):
    cart = api.add({"item_id": MUG, "quantity": 1})["cart"]

    missing = api.call("PUT", DETAIL, params={"id": cart["id"]}, json={"items": [{"identifiers": {}}]})
    wrong = api.call("PUT", DETAIL, params={"id": cart["id"]}, json={"operation": "set", "items": [{}]})
    unknown = api.json(
        "PUT",
        DETAIL,
        params={"id": cart["id"]},
        json={
            "operation": "update_item",
            "items": [{"identifiers": {"identifier": "x" * 20}, "quantity": 2}],
        },
    )
    too_many = api.json(
        "PUT",
        DETAIL,
        params={"id": cart["id"]},
        json={
            "operation": "update_item",
            "items": [{"identifiers": cart["items"][0]["identifiers"], "quantity": 99}],
        },
    )

    assert missing.status_code == 400
    assert missing.json() == {"operation": [MSG_MISSING_FIELD]}
    assert wrong.status_code == 400
    assert unknown["success"] is False
    assert unknown["message"] == MSG_NOTHING_UPDATED
    assert too_many["success"] is False
    assert too_many["cart"]["items"][0]["quantity"] == 1


def test_archive_empties_the_cart_in_place(api):
    cart_id = api.add({"item_id": MUG, "quantity": 1})["cart"]["id"]

    archived = api.json("PUT", f"{CART}/cart_archive", params={"id": cart_id})

    assert archived == {"success": True, "message": "cart archived"}
    assert api.cart(cart_id)["items"] == []


def test_buy_now_uses_its_own_cart(api):
    regular = api.add({"item_id": MUG, "quantity": 1})["cart"]

    buy_now = api.add({"item_id": TEE, "item_size": "M", "quantity": 1}, buy_now="true")["cart"]
    again = api.add({"item_id": JEANS, "item_size": "30", "quantity": 1}, buy_now="true")["cart"]

    assert buy_now["buy_now"] is True
    assert buy_now["id"] != regular["id"]
    assert [i["product"]["uid"] for i in again["items"]] == [JEANS]
    assert [i["product"]["uid"] for i in api.cart(regular["id"])["items"]] == [MUG]


# --------------------------------------------------------------------------- coupons and points


def test_coupons_list_applicability_and_applying_one_changes_the_breakup(api):
    cart_id = api.add({"item_id": JEANS, "item_size": "30", "quantity": 1})["cart"]["id"]

    listing = api.json("GET", f"{CART}/coupon", params={"id": cart_id})
    applied = api.json(
        "POST",
        f"{CART}/coupon",
        params={"id": cart_id, "i": "true", "b": "true"},
        json={"coupon_code": "WELCOME10"},
    )

    by_code = {c["coupon_code"]: c for c in listing["available_coupon_list"]}
    assert by_code["WELCOME10"]["is_applicable"] is True
    assert by_code["FLAT150"]["is_applicable"] is True
    assert by_code["BIGSPENDER"]["is_applicable"] is False
    assert by_code["BIGSPENDER"]["coupon_applicable_message"]
    assert listing["page"]["total_item_count"] == 3
    assert applied["message"] == MSG_COUPON_APPLIED
    assert rows(applied)["coupon"] == Decimal("-149.93")
    assert rows(applied)["total"] == Decimal("1349.32")
    assert applied["breakup_values"]["coupon"]["is_applied"] is True
    assert applied["breakup_values"]["coupon"]["code"] == "WELCOME10"
    assert applied["items"][0]["coupon"]["discount_total_quantity"] == Decimal("149.93")
    assert_breakup_adds_up(applied)

    removed = api.json("DELETE", f"{CART}/coupon", params={"id": cart_id})
    assert removed["message"] == MSG_COUPON_REMOVED
    assert "coupon" not in rows(removed)


def test_an_unknown_coupon_is_reported_in_the_breakup_or_as_a_4xx_when_configured(fake_fynd, api):
    cart_id = api.add({"item_id": MUG, "quantity": 2})["cart"]["id"]

    answer = api.json("POST", f"{CART}/coupon", params={"id": cart_id}, json={"coupon_code": "NOPE"})
    fake_fynd.business_error_status = 400
    refused = api.call("POST", f"{CART}/coupon", params={"id": cart_id}, json={"coupon_code": "NOPE"})
    missing = api.call("POST", f"{CART}/coupon", params={"id": cart_id}, json={})

    assert answer["success"] is False
    assert answer["breakup_values"]["coupon"]["is_applied"] is False
    assert answer["breakup_values"]["coupon"]["message"] == MSG_COUPON_INVALID
    assert refused.status_code == 400
    assert refused.json() == {"success": False, "message": MSG_COUPON_INVALID}
    assert missing.json() == {"coupon_code": [MSG_MISSING_FIELD]}


@pytest.mark.parametrize(("path", "field"), [("/redeem/points/", "points"), ("/redeem", "redeem_points")])
def test_loyalty_points_apply_and_remove_on_both_endpoints(fake_fynd, api, path, field):
    fake_fynd.set_points(100)
    cart_id = api.add({"item_id": JEANS, "item_size": "30", "quantity": 1})["cart"]["id"]

    applied = api.json("POST", CART + path, params={"id": cart_id}, json={field: True})
    removed = api.json("POST", CART + path, params={"id": cart_id}, json={field: False})

    assert applied["breakup_values"]["loyalty_points"]["is_applied"] is True
    assert applied["breakup_values"]["loyalty_points"]["total"] == Decimal("100.0")
    assert rows(applied)["fynd_cash"] == Decimal("-100.0")
    assert rows(applied)["total"] == Decimal("1399.25")
    assert_breakup_adds_up(applied)
    assert removed["breakup_values"]["loyalty_points"]["is_applied"] is False
    assert "fynd_cash" not in rows(removed)


# --------------------------------------------------------------------------- meta, addresses, checkout


def test_meta_is_stored_and_echoed_and_bad_meta_is_a_400_with_errors(api):
    cart = api.add({"item_id": MUG, "quantity": 1})["cart"]
    article = cart["items"][0]["article"]["uid"]

    ok = api.json(
        "PUT",
        f"{CART}/meta",
        params={"id": cart["id"]},
        json={
            "gstin": "27AAPFU0939F1ZV",
            "comment": "Leave at the door",
            "checkout_mode": "other",
            "gift_details": {article: {"is_gift_applied": True, "gift_message": "Happy birthday"}},
            "pick_up_customer_details": {"name": "Asha", "mobile": "9800000000"},
        },
    )
    bad = api.call("PUT", f"{CART}/meta", params={"id": cart["id"]}, json={"gstin": "nope"})
    after = api.cart(cart["id"])

    assert ok == {"message": "cart meta updated", "is_valid": True}
    assert bad.status_code == 400
    assert bad.json()["errors"]
    assert (after["gstin"], after["comment"], after["checkout_mode"]) == (
        "27AAPFU0939F1ZV",
        "Leave at the door",
        "other",
    )
    assert after["items"][0]["article"]["gift_card"] == {
        "is_gift_applied": True,
        "gift_message": "Happy birthday",
    }


def test_address_select_and_checkout_create_an_order_and_reset_the_cart(fake_fynd, api):
    cart_id = api.add({"item_id": TEE, "item_size": "S", "quantity": 2})["cart"]["id"]
    saved = api.json(
        "POST",
        f"{CART}/address",
        json={
            "name": "Asha",
            "phone": "9800000000",
            "address": "1 Link Rd",
            "city": "Mumbai",
            "area_code": "400050",
        },
    )
    selected = api.json(
        "POST", f"{CART}/select-address", params={"cart_id": cart_id}, json={"id": saved["id"]}
    )
    no_payment = api.call("POST", f"{CART}/checkout", json={"id": cart_id})

    done = api.json("POST", f"{CART}/checkout", json={"id": cart_id, "payment_mode": "COD"})

    assert saved["success"] is True
    assert saved["is_default_address"] is True
    assert api.json("GET", f"{CART}/address")["address"][0]["id"] == saved["id"]
    assert selected["delivery_promise"]["formatted"]["min"] == "04 Jun, Tuesday"
    assert no_payment.status_code == 400
    assert no_payment.json() == {"payment_mode": [MSG_MISSING_FIELD]}
    assert done["success"] is True
    assert done["order_id"].startswith("FY") and len(done["order_id"]) == 20
    assert done["data"] == {"order_id": done["order_id"]}
    assert done["cart"]["order_id"] == done["order_id"]
    order = fake_fynd.orders[done["order_id"]]
    assert order["lines"][0]["quantity"] == 2
    assert order["breakup"]["cod_charge"] == 25.0
    assert api.cart(cart_id)["items"] == []
    assert fake_fynd.product("classic-cotton-tshirt")["sizes"][0]["quantity"] == 10


def test_checkout_v2_needs_payment_methods_and_an_address(api):
    cart_id = api.add({"item_id": MUG, "quantity": 1})["cart"]["id"]
    v2 = f"{CART_V2}/checkout"

    no_methods = api.call("POST", v2, json={"cart_id": cart_id, "payment_mode": "UPI"})
    no_address = api.call(
        "POST",
        v2,
        json={
            "cart_id": cart_id,
            "payment_mode": "UPI",
            "payment_methods": [{"mode": "UPI", "payment_meta": {"payment_gateway": "x"}}],
        },
    )
    unknown = api.call(
        "POST",
        v2,
        json={
            "cart_id": cart_id,
            "payment_mode": "UPI",
            "address_id": "nope",
            "payment_methods": [{"mode": "UPI", "payment_meta": {}}],
        },
    )

    assert no_methods.json() == {"payment_methods": [MSG_MISSING_FIELD]}
    assert no_address.status_code == 400
    assert no_address.json() == {"address_id": [MSG_MISSING_FIELD]}
    assert unknown.json() == {"success": False, "message": "No address found with address id nope"}


# --------------------------------------------------------------------------- share cart


def test_a_shared_cart_can_be_read_and_merged_into_another_shoppers_cart(fake_fynd, api):
    staff_cart = api.add({"item_id": MUG, "quantity": 2})["cart"]["id"]
    link = api.json(
        "POST", f"{CART}/share-cart", json={"id": staff_cart, "meta": {"staff": {"user": "staff-7"}}}
    )
    shopper = Api(fake_fynd, cookie="f.session=shopper-1")
    shopper.add({"item_id": TEE, "item_size": "M", "quantity": 1})

    shared = shopper.json("GET", f"{CART}/share-cart/{link['token']}")
    merged = shopper.json("POST", f"{CART}/share-cart/{link['token']}/merge")
    bad = shopper.call("POST", f"{CART}/share-cart/{link['token']}/swap")

    assert link["share_url"].endswith(f"/shared-cart/{link['token']}")
    assert shared["cart"]["shared_cart_details"]["token"] == link["token"]
    assert [i["quantity"] for i in shared["cart"]["items"]] == [2]
    assert sorted(i["product"]["uid"] for i in merged["cart"]["items"]) == [TEE, MUG]
    cart_id = merged["cart"]["id"]
    assert shopper.cart(cart_id)["staff_user_id"] == "staff-7"
    assert bad.status_code == 400


# --------------------------------------------------------------------------- catalogue


def test_catalogue_search_filter_and_pagination(api):
    search = api.json("GET", f"{CATALOG}/products/", params={"q": "coffee"})
    tees = api.json("GET", f"{CATALOG}/products/", params={"f": "category:t-shirts"})
    first = api.json("GET", f"{CATALOG}/products/", params={"page_size": 4})
    second = api.json(
        "GET", f"{CATALOG}/products/", params={"page_size": 4, "page_id": first["page"]["next_id"]}
    )
    numbered = api.json(
        "GET", f"{CATALOG}/products/", params={"page_type": "number", "page_no": 2, "page_size": 4}
    )

    assert {p["slug"] for p in search["items"]} == {"ceramic-coffee-mug", "arabica-coffee-beans-250g"}
    assert {p["uid"] for p in tees["items"]} == {TEE, 7506}
    assert first["page"]["has_next"] is True and first["page"]["item_total"] == 6
    assert len(second["items"]) == 2 and second["page"]["has_next"] is False
    assert [p["uid"] for p in numbered["items"]] == [p["uid"] for p in second["items"]]
    tee = next(p for p in tees["items"] if p["uid"] == TEE)
    assert tee["price"]["effective"]["min"] == Decimal("499.5")
    assert tee["sizes"] == ["S", "M", "L", "XL"]
    sneakers = api.json("GET", f"{CATALOG}/products/", params={"q": "sneakers"})["items"][0]
    assert sneakers["sellable"] is False


def test_product_detail_sizes_price_and_categories(api):
    detail = api.json("GET", f"{CATALOG}/products/slim-fit-denim-jeans/")
    sizes = api.json("GET", f"{CATALOG}/products/slim-fit-denim-jeans/sizes/")
    price = api.json(
        "GET",
        "/service/application/catalog/v3.0/products/slim-fit-denim-jeans/sizes/34/price/",
        params={"pincode": "400059"},
    )
    nowhere = api.json(
        "GET",
        "/service/application/catalog/v3.0/products/slim-fit-denim-jeans/sizes/34/price/",
        headers={"x-location-detail": json.dumps({"pincode": "999999", "country": "India"})},
    )
    missing = api.call("GET", f"{CATALOG}/products/no-such-thing/")
    categories = api.json("GET", f"{CATALOG}/categories/")

    assert detail["uid"] == JEANS and "sizes" not in detail
    assert [s["value"] for s in sizes["sizes"]] == ["30", "32", "34"]
    assert sizes["price"]["effective"] == {
        "min": Decimal("1499.25"),
        "max": Decimal("1649.25"),
        "currency_code": "INR",
        "currency_symbol": "₹",
    }
    assert price["price"]["effective"] == Decimal("1649.25")
    assert price["delivery_promise"] == {"min": "2030-06-04T19:00:00", "max": "2030-06-05T21:00:00"}
    assert price["pincode"] == 400059
    added = api.add(
        {
            "item_id": JEANS,
            "item_size": "34",
            "quantity": 1,
            "article_id": price["article_id"],
            "store_id": price["store"]["uid"],
            "seller_id": price["seller"]["uid"],
        }
    )
    assert added["success"] is True
    assert nowhere["is_serviceable"] is False and "delivery_promise" not in nowhere
    assert missing.status_code == 404 and missing.json() == {"error": "Product not found"}
    assert [d["slug"] for d in categories["departments"]] == ["fashion", "home-living"]
    leaf = categories["data"][0]["items"][0]["childs"][0]["childs"][0]
    assert leaf["slug"] == "t-shirts"


# --------------------------------------------------------------------------- counting and scripted failures


def test_every_call_is_counted_and_counts_can_be_reset(fake_fynd, api):
    api.add({"item_id": MUG, "quantity": 1})
    api.call("GET", DETAIL, params={"i": "true"})
    api.call("GET", DETAIL)

    method, path, query, body = fake_fynd.calls[0]

    assert (method, path, query) == ("POST", DETAIL, {"i": "true", "b": "true"})
    assert body == {"items": [{"item_id": MUG, "quantity": 1}]}
    assert fake_fynd.calls[0].headers["authorization"] == fake_fynd.auth_header
    assert fake_fynd.count("GET", DETAIL) == 2
    assert fake_fynd.count("POST", DETAIL) == 1
    fake_fynd.reset_counts()
    assert fake_fynd.count("GET", DETAIL) == 0
    assert fake_fynd.calls == []


def test_scripted_failures_answer_once_then_the_fake_serves_normally(fake_fynd, api):
    fake_fynd.fail_next(DETAIL)
    fake_fynd.fail_next(f"{CART}/basic", status=200, body="{not json")
    fake_fynd.fail_next(f"{CART}/coupon", status=401)

    failed = api.call("GET", DETAIL)
    recovered = api.call("GET", DETAIL)
    malformed = api.call("GET", f"{CART}/basic")
    unauthorised = api.call("GET", f"{CART}/coupon")

    assert failed.status_code == 500
    assert failed.json() == {"success": False, "message": MSG_SERVER_ERROR}
    assert recovered.status_code == 200
    assert malformed.status_code == 200 and malformed.text == "{not json"
    assert unauthorised.status_code == 401 and unauthorised.json()["message"] == MSG_UNAUTHORIZED
    assert fake_fynd.count("GET", DETAIL) == 2
    assert fake_fynd.errors == []


def test_a_delayed_answer_times_the_client_out(fake_fynd, api):
    fake_fynd.fail_next(DETAIL, status=None, delay=0.5, method="GET")

    with pytest.raises(requests.exceptions.ReadTimeout):
        api.session.get(api.base + DETAIL, timeout=0.1)

    assert api.call("GET", DETAIL).status_code == 200
