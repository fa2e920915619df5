"""The fake Commerce Engine server follows commerce_engine.md: anonymous tokens with the API key,
expiry and refresh-token rotation, the envelope and error shapes, the catalogue, carts with the
quantity rules and the §5.3 arithmetic, redemptions, faults and call counting."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from tests.fakes.commerce_engine_server import API_KEY, start_fake_commerce_engine

KURTA = "01JCEPRD000000000000000001"
KURTA_S = "01JCEVAR000000000000000011"
KURTA_M = "01JCEVAR000000000000000012"
KURTA_L = "01JCEVAR000000000000000013"
RICE = "01JCEPRD000000000000000002"
TEA = "01JCEPRD000000000000000003"
BOTTLE = "01JCEPRD000000000000000004"
DIYA = "01JCEPRD000000000000000005"
SAREE = "01JCEPRD000000000000000006"
UNAUTHORIZED = {
    "message": "Not authorized for given operation on the Resource.",
    "success": False,
    "code": "unauthorized",
}


def dec(response: requests.Response):
    return response.json(parse_float=Decimal)


class Shopper:
    """A client of the fake: an anonymous user with its tokens."""

    def __init__(self, fake) -> None:
        self.fake = fake
        answer = self.raw("POST", "/auth/anonymous", auth=False, headers={"X-Api-Key": API_KEY})
        assert answer.status_code == 200, answer.text
        content = answer.json()["content"]
        self.user = content["user"]
        self.access, self.refresh = content["access_token"], content["refresh_token"]

    def raw(self, method, path, *, auth=True, headers=None, **kwargs) -> requests.Response:
        headers = dict(headers or {})
        if auth:
            headers["Authorization"] = f"Bearer {self.access}"
        return requests.request(method, self.fake.storefront_url + path, headers=headers, timeout=5, **kwargs)

    def call(self, method, path, **kwargs) -> dict:
        answer = self.raw(method, path, **kwargs)
        assert answer.status_code == 200, answer.text
        body = dec(answer)
        assert body["success"] is True and isinstance(body["message"], str)
        return body["content"]

    def cart(self, *items) -> dict:
        lines = [{"product_id": p, "variant_id": v, "quantity": q} for p, v, q in items]
        return self.call("POST", "/carts", json={"items": lines})["cart"]

    def add(self, cart_id, product, variant, qty) -> requests.Response:
        return self.raw(
            "POST",
            f"/carts/{cart_id}/items",
            json={"product_id": product, "variant_id": variant, "quantity": qty},
        )


@pytest.fixture
def ce():
    server = start_fake_commerce_engine()
    yield server
    assert server.errors == []
    server.stop()


@pytest.fixture
def shopper(ce) -> Shopper:
    return Shopper(ce)


# ---------------------------------------------------------------------------------------------- auth


def test_anonymous_token_needs_the_stores_api_key(ce):
    refused = requests.post(ce.storefront_url + "/auth/anonymous", headers={"X-Api-Key": "wrong"}, timeout=5)
    assert refused.status_code == 401 and refused.json() == UNAUTHORIZED
    wrong_store = requests.post(
        f"{ce.api_url}/01JCESTORE0000000000000002/storefront/auth/anonymous",
        headers={"X-Api-Key": API_KEY},
        timeout=5,
    )
    assert wrong_store.status_code == 404 and wrong_store.json()["success"] is False
    shopper = Shopper(ce)
    assert shopper.user["is_anonymous"] is True and shopper.user["is_logged_in"] is False
    claims = ce.decode(shopper.access)
    assert claims["ulid"] == shopper.user["id"] and claims["is_anonymous"] is True
    assert claims["store_id"] == ce.store_id and claims["exp"] - claims["iat"] == 3600


def test_an_expired_access_token_is_refused_and_refresh_rotates_both_tokens(ce, shopper):
    assert shopper.raw("GET", "/catalog/products").status_code == 200
    assert ce.expire_access_tokens() == 1
    expired = shopper.raw(
        "POST", "/carts", json={"items": [{"product_id": RICE, "variant_id": None, "quantity": 1}]}
    )
    assert expired.status_code == 401 and expired.json() == UNAUTHORIZED
    old_refresh = shopper.refresh
    fresh = shopper.call("POST", "/auth/refresh-token", auth=False, json={"refresh_token": old_refresh})
    assert set(fresh) == {"access_token", "refresh_token"} and fresh["refresh_token"] != old_refresh
    shopper.access = fresh["access_token"]
    assert ce.decode(shopper.access)["ulid"] == shopper.user["id"]  # the same user
    assert shopper.cart((RICE, None, 1))["cart_items_count"] == 1
    reused = shopper.raw("POST", "/auth/refresh-token", auth=False, json={"refresh_token": old_refresh})
    assert reused.status_code == 400 and reused.json()["success"] is False  # spent by the rotation
    unknown = shopper.raw("POST", "/auth/refresh-token", auth=False, json={"refresh_token": "nope"})
    assert unknown.status_code == 404


def test_short_lived_tokens_expire_with_the_clock():
    ce = start_fake_commerce_engine(access_ttl=60)
    try:
        shopper = Shopper(ce)
        assert shopper.raw("GET", "/carts/available-coupons").status_code == 200
        ce.advance(61)
        assert shopper.raw("GET", "/carts/available-coupons").status_code == 401
    finally:
        ce.stop()


def test_missing_or_foreign_bearer_is_401_in_the_contract_shape(ce, shopper):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": shopper.access}):
        answer = requests.get(ce.storefront_url + "/carts/available-coupons", headers=headers, timeout=5)
        assert answer.status_code == 401 and answer.json() == UNAUTHORIZED


def test_logout_revokes_the_tokens_and_answers_a_new_anonymous_pair(ce, shopper):
    content = shopper.call("POST", "/auth/logout")
    assert content["user"]["is_anonymous"] is True and content["user"]["id"] != shopper.user["id"]
    assert shopper.raw("GET", "/carts/available-coupons").status_code == 401
    shopper.access = content["access_token"]
    assert shopper.raw("GET", "/carts/available-coupons").status_code == 200


# ---------------------------------------------------------------------------------------------- catalogue


def test_catalogue_lists_with_pagination_and_category_filter_with_the_api_key_alone(ce):
    key = {"X-Api-Key": API_KEY}
    first = requests.get(
        ce.storefront_url + "/catalog/products?page=1&limit=3", headers=key, timeout=5
    ).json()
    assert first["success"] is True and len(first["content"]["products"]) == 3
    assert first["content"]["pagination"] == {
        "total_records": 8,
        "total_pages": 3,
        "previous_page": None,
        "next_page": 2,
        "limit": 3,
    }
    last = requests.get(ce.storefront_url + "/catalog/products?page=3&limit=3", headers=key, timeout=5).json()
    assert len(last["content"]["products"]) == 2 and last["content"]["pagination"]["next_page"] is None
    grocery = requests.get(
        ce.storefront_url + "/catalog/products?category_slug[]=grocery", headers=key, timeout=5
    ).json()["content"]["products"]
    assert [p["name"] for p in grocery] == ["Basmati Rice 5 kg", "Masala Tea 250 g", "Desi Ghee 500 ml"]
    no_auth = requests.get(ce.storefront_url + "/catalog/products", timeout=5)
    assert no_auth.status_code == 401


def test_product_detail_by_slug_has_variants_options_and_pricing(shopper):
    product = shopper.call("GET", "/catalog/products/cotton-kurta")["product"]
    assert product["id"] == KURTA and product["has_variant"] is True
    assert [v["stock_available"] for v in product["variants"]] == [True, True, False]
    assert product["variants"][0]["associated_options"]["size"] == {
        "name": "Size",
        "type": "single-select",
        "value": "S",
    }
    assert product["variants"][0]["associated_options"]["colour"]["value"] == {
        "name": "Indigo",
        "hexcode": "#3F51B5",
    }
    pricing = product["variants"][1]["pricing"]
    assert (pricing["selling_price"], pricing["listing_price"], pricing["max_order_quantity"]) == (
        999,
        1299,
        2,
    )
    tea = shopper.call("GET", f"/catalog/products/{TEA}")["product"]["pricing"]
    assert tea["price_including_tax"] is True and tea["selling_price_excluding_tax"] == Decimal("224.76")
    assert (tea["min_order_quantity"], tea["incremental_quantity"]) == (2, 2)
    missing = shopper.raw("GET", "/catalog/products/no-such-thing")
    assert missing.status_code == 404 and missing.json()["success"] is False
    variants = shopper.call("GET", "/catalog/products/cotton-kurta/variants")["variants"]
    assert [v["name"] for v in variants] == ["Cotton Kurta S", "Cotton Kurta M", "Cotton Kurta L"]


def test_search_finds_sku_rows_with_facets(shopper):
    found = shopper.call(
        "POST", "/catalog/products/search", json={"query": "kurta", "facets": ["categories.name"]}
    )
    assert [s["sku"] for s in found["skus"]] == ["KURTA-COT-S", "KURTA-COT-M", "KURTA-COT-L"]
    assert found["facet_distribution"]["categories.name"] == {"Clothing": 3, "Kurtas": 3}
    in_stock = shopper.call(
        "POST", "/catalog/products/search", json={"query": "kurta", "filter": "stock_available = true"}
    )
    assert len(in_stock["skus"]) == 2
    assert shopper.raw("POST", "/catalog/products/search", json={}).status_code == 400


# ---------------------------------------------------------------------------------------------- carts


def test_cart_needs_an_item_and_follows_the_quantity_rules(ce, shopper):
    empty = shopper.raw("POST", "/carts", json={"items": []})
    assert empty.status_code == 400 and empty.json()["success"] is False
    cart = shopper.cart((RICE, None, 2))
    assert cart["cart_items"][0]["quantity"] == 2 and cart["expires_at"].endswith("Z")
    refusals = {
        (KURTA, None, 1): "variant_required",
        (KURTA, KURTA_L, 1): "out_of_stock",
        (KURTA, KURTA_M, 3): "invalid_quantity",  # max 2
        (TEA, None, 1): "invalid_quantity",  # min 2
        (TEA, None, 3): "invalid_quantity",  # steps of 2
        (BOTTLE, None, 1): "out_of_stock",
        ("NOPE", None, 1): "product_not_found",
    }
    for (product, variant, qty), code in refusals.items():
        answer = shopper.add(cart["id"], product, variant, qty)
        assert answer.status_code == 400 and answer.json()["code"] == code, (product, qty, answer.text)
    ce.set_stock(RICE, 3)
    assert shopper.add(cart["id"], RICE, None, 4).json()["code"] == "insufficient_stock"
    assert shopper.add(cart["id"], TEA, None, 4).status_code == 200
    updated = dec(shopper.add(cart["id"], RICE, None, 3))["content"]["cart"]
    assert [(i["product_id"], i["quantity"]) for i in updated["cart_items"]] == [(RICE, 3), (TEA, 4)]
    removed = dec(shopper.add(cart["id"], RICE, None, 0))["content"]["cart"]
    assert [i["product_id"] for i in removed["cart_items"]] == [TEA] and removed["cart_items_count"] == 1


def test_cart_arithmetic_follows_section_5_3(shopper):
    # rice 649 + 5 % GST (tax excluded); tea 236 with 5 % included, two of them
    cart = shopper.cart((RICE, None, 1), (TEA, None, 2))
    rice, tea = cart["cart_items"]
    assert tea["selling_price_excluding_tax"] == Decimal("224.76") and tea["tax_amount"] == Decimal("22.48")
    assert rice["tax_amount"] == Decimal("32.45")
    assert cart["subtotal"] == Decimal("1098.52")  # 649 + 2 × 224.76
    assert cart["items_tax_amount"] == Decimal("54.93")
    assert cart["subtotal_including_tax"] == Decimal("1153.45")
    # over the ₹499 threshold: shipping estimated 50, all of it discounted
    assert (cart["shipping_estimated_cost"], cart["shipping_discount_amount"], cart["shipping_amount"]) == (
        50,
        50,
        0,
    )
    assert cart["grand_total"] == Decimal("1153.45") == cart["to_be_paid"]
    assert cart["total_tax"] == cart["items_tax_amount"]
    assert cart["loyalty_points_earned"] == 11
    small = Shopper(shopper.fake).cart((TEA, None, 2))  # 472 incl. tax: below the threshold
    assert small["shipping_amount"] == 50 and small["shipping_tax_amount"] == 9
    assert small["shipping_amount_including_tax"] == 59 and small["grand_total"] == 531


def test_promotions_and_free_items_are_booked_as_promotion_discount(shopper):
    cart = shopper.cart((SAREE, None, 1), (DIYA, None, 1))
    saree, diya, cushion = cart["cart_items"]
    assert cushion["is_free_item"] is True and cushion["free_quantity"] == 1
    assert cushion["promotion_discount_amount"] == 299 and cushion["tax_amount"] == 0
    assert diya["promotion_discount_amount"] == Decimal("52.68")  # 5 % of 1053.57
    assert saree["promotion_discount_amount"] == 0
    assert cart["is_promotion_applied"] is True and cart["promotion_discount_amount"] == Decimal("351.68")
    assert cart["promotion_savings"] == cart["total_savings"] == Decimal("351.68")
    assert {p["promotion_type"] for p in cart["applied_promotions"]} == {"discount", "free-goods"}
    expected_total = cart["subtotal_including_tax"] - cart["promotion_discount_amount"]
    assert cart["grand_total"] == expected_total


def test_the_seed_keys_are_all_on_the_cart(shopper):
    cart = shopper.cart((KURTA, KURTA_S, 1))
    seed_cart_keys = [
        "id",
        "active",
        "customer_email",
        "customer_phone",
        "customer_note",
        "is_promotion_applied",
        "is_coupon_applied",
        "coupon_code",
        "promotion_discount_amount",
        "coupon_discount_amount",
        "subtotal",
        "items_tax_amount",
        "subtotal_including_tax",
        "shipping_amount",
        "shipping_tax_amount",
        "shipping_amount_including_tax",
        "total_tax",
        "grand_total",
        "credit_balance_used",
        "to_be_paid",
        "loyalty_points_redeemed",
        "loyalty_points_earned",
        "cart_items_count",
        "cart_items",
        "billing_address",
        "shipping_address",
        "currency",
        "metadata",
        "expires_at",
    ]
    seed_item_keys = [
        "product_id",
        "variant_id",
        "sku",
        "slug",
        "product_name",
        "variant_name",
        "product_type",
        "product_image_url",
        "stock_available",
        "on_offer",
        "on_subscription",
        "on_promotion",
        "quantity",
        "is_free_item",
        "free_quantity",
        "promotion_discount_amount",
        "coupon_discount_amount",
        "price_including_tax",
        "listing_price",
        "selling_price",
        "selling_price_excluding_tax",
        "min_order_quantity",
        "max_order_quantity",
        "incremental_quantity",
        "shipping_additional_cost",
        "tax_type",
        "tax_rate",
        "tax_amount",
        "associated_options",
        "subscriptions",
    ]
    assert set(seed_cart_keys) <= set(cart)
    assert set(seed_item_keys) <= set(cart["cart_items"][0])
    assert cart["currency"] == {"name": "Indian Rupee", "code": "INR", "symbol": "₹"}
    assert cart["cart_items"][0]["associated_options"]["size"]["value"] == "S"
    assert cart["status"] == "not-ready-for-payment" and cart["status_error_message"]


def test_one_active_cart_per_user_readable_by_user_id_and_private(ce, shopper):
    cart = shopper.cart((RICE, None, 1))
    again = shopper.cart((TEA, None, 2))
    assert again["id"] == cart["id"] and again["cart_items_count"] == 2
    by_user = shopper.call("GET", f"/carts/users/{shopper.user['id']}")["cart"]
    assert by_user["id"] == cart["id"]
    stranger = Shopper(ce)
    assert stranger.raw("GET", f"/carts/{cart['id']}").status_code == 404
    assert stranger.raw("GET", f"/carts/users/{stranger.user['id']}").status_code == 404
    assert stranger.add(cart["id"], RICE, None, 2).status_code == 404


def test_delete_empties_the_cart_with_a_message_and_no_content(shopper):
    cart = shopper.cart((RICE, None, 1))
    answer = shopper.raw("DELETE", f"/carts/{cart['id']}").json()
    assert answer == {"message": "All cart items are removed.", "success": True}
    assert shopper.call("GET", f"/carts/{cart['id']}")["cart"]["cart_items"] == []


def test_an_expired_cart_is_gone_and_a_new_one_can_be_made(ce, shopper):
    cart = shopper.cart((RICE, None, 1))
    ce.expire_cart(cart["id"])
    answer = shopper.raw("GET", f"/carts/{cart['id']}")
    assert answer.status_code == 404 and answer.json()["code"] == "cart_expired"
    assert shopper.add(cart["id"], RICE, None, 2).status_code == 404
    assert shopper.raw("GET", f"/carts/users/{shopper.user['id']}").status_code == 404
    fresh = shopper.cart((RICE, None, 1))
    assert fresh["id"] != cart["id"]


def test_every_mutation_extends_the_expiry(ce, shopper):
    cart = shopper.cart((RICE, None, 1))
    ce.advance(600)
    later = dec(shopper.add(cart["id"], RICE, None, 2))["content"]["cart"]
    assert later["expires_at"] > cart["expires_at"]


def test_address_and_fulfillment_make_the_cart_ready_for_payment(shopper):
    cart = shopper.cart((RICE, None, 1))
    address = {
        "first_name": "Ravi",
        "last_name": None,
        "phone": "9988776655",
        "email": "ravi@example.in",
        "address_line1": "4 Park Street",
        "pincode": "700016",
        "city": "Kolkata",
        "state": "West Bengal",
        "country": "India",
    }
    bad = shopper.raw(
        "POST", f"/carts/{cart['id']}/address", json={"billing_address": address, "shipping_address": {}}
    )
    assert bad.status_code == 400 and bad.json()["success"] is False and "errors" in bad.json()
    body = {"billing_address": address, "shipping_address": address}
    addressed = shopper.call("POST", f"/carts/{cart['id']}/address", json=body)["cart"]
    assert (
        addressed["shipping_address"]["city"] == "Kolkata"
        and addressed["shipping_address"]["country_code"] == "+91"
    )
    assert addressed["status"] == "not-ready-for-payment"
    assert "delivery" in addressed["status_error_message"]
    ready = shopper.call(
        "POST", f"/carts/{cart['id']}/fulfillment-preference", json={"fulfillment_type": "delivery"}
    )
    assert ready["cart"]["status"] == "ready-for-payment" and ready["cart"]["status_error_message"] is None
    far = {**address, "pincode": "999999"}
    blocked = shopper.call(
        "POST", f"/carts/{cart['id']}/address", json={"billing_address": far, "shipping_address": far}
    )["cart"]
    assert blocked["status"] == "not-ready-for-payment" and "999999" in blocked["status_error_message"]


def test_collect_in_store_has_no_shipping(shopper):
    cart = shopper.cart((TEA, None, 2))
    assert cart["shipping_amount_including_tax"] == 59
    options = shopper.call("POST", "/carts/fulfillment-options", json={"cart_id": cart["id"]})
    store = options["collect"][0]["id"]
    body = {"fulfillment_type": "collect-in-store", "pickup_location_id": store}
    collected = shopper.call("POST", f"/carts/{cart['id']}/fulfillment-preference", json=body)["cart"]
    assert collected["shipping_amount_including_tax"] == 0 and collected["shipping_estimated_cost"] == 0
    assert collected["fulfillment_preference"]["pickup_location_name"] == "Indiranagar store"


def test_serviceability_by_pincode(shopper):
    cart = shopper.cart((RICE, None, 1))
    ok = shopper.call(
        "POST", "/fulfillment/serviceability", json={"delivery_pincode": "560001", "cart_id": cart["id"]}
    )
    assert ok == {"is_serviceable": True, "unserviceable_items": []}
    no = shopper.call(
        "POST", "/fulfillment/serviceability", json={"delivery_pincode": "999999", "cart_id": cart["id"]}
    )
    assert no["is_serviceable"] is False and no["unserviceable_items"][0]["product_id"] == RICE


# ---------------------------------------------------------------------------------- faults, counting


def test_faults_use_short_paths_and_after_commit_keeps_the_change(ce, shopper):
    cart = shopper.cart((RICE, None, 1))
    ce.fault(f"/carts/{cart['id']}/items", "status", status=503)
    failed = shopper.add(cart["id"], RICE, None, 2)
    assert failed.status_code == 503 and failed.json()["success"] is False
    assert shopper.call("GET", f"/carts/{cart['id']}")["cart"]["cart_items"][0]["quantity"] == 1
    ce.fault(f"/carts/{cart['id']}/items", "drop", after_commit=True)
    with pytest.raises(requests.ConnectionError):
        shopper.add(cart["id"], RICE, None, 2)
    assert shopper.call("GET", f"/carts/{cart['id']}")["cart"]["cart_items"][0]["quantity"] == 2
    ce.fault(f"/carts/{cart['id']}", "malformed", method="GET")
    with pytest.raises(ValueError):
        shopper.raw("GET", f"/carts/{cart['id']}").json()
    ce.fault("/catalog/products", "delay", seconds=0.3)
    with pytest.raises(requests.Timeout):
        requests.get(ce.storefront_url + "/catalog/products", headers={"X-Api-Key": API_KEY}, timeout=0.1)
    ce.fault("/catalog/products", "hang", seconds=0.5)
    with pytest.raises(requests.Timeout):
        requests.get(ce.storefront_url + "/catalog/products", headers={"X-Api-Key": API_KEY}, timeout=0.2)


def test_calls_are_counted_per_path_and_per_endpoint(ce, shopper):
    cart = shopper.cart((RICE, None, 1))
    shopper.add(cart["id"], RICE, None, 2)
    shopper.add(cart["id"], TEA, None, 2)
    assert ce.count("POST", "/carts") == 1
    assert ce.count("POST", f"/carts/{cart['id']}/items") == 2
    assert ce.count_endpoint("POST", "/carts/{id}/items") == 2
    counts = ce.endpoint_counts()
    assert counts["POST /auth/anonymous"] == 1 and counts["POST /carts/{id}/items"] == 2
    ce.reset_counts()
    assert ce.count_endpoint("POST", "/carts/{id}/items") == 0


# ---------------------------------------------------------------------------------- OTP sign-in


def sign_in(shopper: Shopper, phone: str = "9876543210") -> dict:
    """Log the shopper in with a phone OTP read from the fake; returns verify-otp's content."""
    sent = shopper.call("POST", "/auth/login/phone", json={"phone": phone, "country_code": "+91"})
    assert sent["otp_action"] == "login" and "otp" not in sent  # no debug header: the code is not echoed
    body = {"otp": shopper.fake.otp_for(phone), "otp_token": sent["otp_token"], "otp_action": "login"}
    content = shopper.call("POST", "/auth/verify-otp", json=body)
    shopper.access, shopper.refresh, shopper.user = (
        content["access_token"],
        content["refresh_token"],
        content["user"],
    )
    return content


def test_phone_otp_login_gives_a_logged_in_customer_and_carries_the_cart(ce, shopper):
    cart = shopper.cart((RICE, None, 1))
    anonymous_id = shopper.user["id"]
    content = sign_in(shopper)
    user = content["user"]
    assert user["is_logged_in"] is True and user["is_anonymous"] is False
    assert user["customer_id"] == "01JCECUS000000000000000001" and user["id"] != anonymous_id
    claims = ce.decode(content["access_token"])
    assert claims["is_logged_in"] is True and claims["customer_id"] == user["customer_id"]
    carried = shopper.call("GET", f"/carts/users/{user['id']}")["cart"]
    assert carried["id"] == cart["id"] and carried["cart_items"][0]["product_id"] == RICE
    loyalty = shopper.call("GET", f"/customers/{user['customer_id']}/loyalty")["loyalty"]
    assert loyalty["points_balance"] == 500


def test_anonymous_lines_merge_into_the_customers_existing_cart(ce):
    phone_user = Shopper(ce)
    sign_in(phone_user)
    mine = phone_user.cart((TEA, None, 2))
    browser = Shopper(ce)
    browser.cart((RICE, None, 1), (TEA, None, 2))
    sign_in(browser)
    merged = browser.call("GET", f"/carts/users/{browser.user['id']}")["cart"]
    assert merged["id"] == mine["id"]
    assert sorted((i["product_id"], i["quantity"]) for i in merged["cart_items"]) == [(RICE, 1), (TEA, 4)]


def test_otp_mistakes_debug_echo_email_and_registration(ce, shopper):
    sent = shopper.call(
        "POST", "/auth/login/email", json={"email": "asha@example.in"}, headers={"x-debug-mode": "true"}
    )
    assert sent["otp"] == ce.otp_for("asha@example.in")
    wrong = {"otp": "000000" if sent["otp"] != "000000" else "111111", "otp_token": sent["otp_token"]}
    refused = shopper.raw("POST", "/auth/verify-otp", json={**wrong, "otp_action": "login"})
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_otp"
    unknown = shopper.raw("POST", "/auth/login/phone", json={"phone": "9000000000"})
    assert unknown.status_code == 404 and unknown.json()["success"] is False
    bad_phone = shopper.raw("POST", "/auth/login/phone", json={"phone": "+919876543210"})
    assert bad_phone.status_code == 400
    new = shopper.call(
        "POST", "/auth/login/phone", json={"phone": "9000000000", "register_if_not_exists": True}
    )
    assert new["otp_action"] == "register"
    body = {"otp": ce.otp_for("9000000000"), "otp_token": new["otp_token"], "otp_action": "register"}
    user = shopper.call("POST", "/auth/verify-otp", json=body)["user"]
    assert user["phone"] == "9000000000" and user["is_logged_in"] is True and user["customer_id"]
    spent = shopper.raw("POST", "/auth/verify-otp", json=body)
    assert spent.status_code == 400 and spent.json()["code"] == "otp_expired"


def test_generate_otp_for_verification(ce, shopper):
    sent = shopper.call(
        "POST",
        "/auth/generate-otp",
        json={"channel": "sms", "phone": "9876543210", "otp_action": "verify-phone"},
    )
    assert sent["otp_action"] == "verify-phone"
    bad = shopper.raw("POST", "/auth/generate-otp", json={"channel": "fax", "phone": "9876543210"})
    assert bad.status_code == 400


# ---------------------------------------------------------------------------------- redemptions


def test_coupons_list_evaluate_apply_and_remove(ce, shopper):
    coupons = shopper.call("GET", "/carts/available-coupons")["coupons"]
    codes = {c["coupon_code"][0]: c for c in coupons}
    assert "SUMMER50" not in codes  # expired
    assert codes["SAVE10"]["details"] == {
        "discount_type": "percentage",
        "discount_percent": 10,
        "maximum_discount_amount": 200,
        "products": [],
        "category_id": [],
    }
    cart = shopper.cart((TEA, None, 2))  # goods 472 incl. tax
    evaluated = shopper.call("GET", f"/carts/{cart['id']}/evaluate-coupons")
    good = {c["coupon_code"][0]: c for c in evaluated["applicable_coupons"]}
    bad = {c["coupon_code"][0]: c for c in evaluated["inapplicable_coupons"]}
    assert good["SAVE10"]["estimated_discount"] == Decimal("44.95")  # 10 % of 449.52
    assert good["FREESHIP"]["estimated_discount"] == 50
    assert "28" in bad["FLAT100OFF"]["reason"]  # ₹28 short of ₹500
    assert bad["MEMBER20"]["reason"] == "Sign in to use this coupon."
    assert "fully redeemed" in bad["EARLY75"]["reason"] and "KURTA15" in bad
    refused = shopper.raw("POST", f"/carts/{cart['id']}/coupon", json={"coupon_code": "FLAT100OFF"})
    assert refused.status_code == 400 and refused.json()["code"] == "coupon_not_applicable"
    invalid = shopper.raw("POST", f"/carts/{cart['id']}/coupon", json={"coupon_code": "NOPE"})
    assert invalid.status_code == 400 and invalid.json()["code"] == "coupon_invalid"
    applied = shopper.call("POST", f"/carts/{cart['id']}/coupon", json={"coupon_code": "save10"})["cart"]
    assert applied["coupon_code"] == "SAVE10" and applied["is_coupon_applied"] is True
    assert applied["coupon_discount_amount"] == Decimal("44.95")
    assert applied["cart_items"][0]["coupon_discount_amount"] == Decimal("44.95")
    assert applied["cart_items"][0]["tax_amount"] == Decimal("20.23")  # 5 % of 404.57
    # 449.52 + 20.23 tax − 44.95 + shipping 59 (goods before coupon 472 < 499)
    assert applied["grand_total"] == Decimal("483.80") and applied["coupon_savings"] == Decimal("44.95")
    assert applied["applied_coupons"][0]["coupon_id"] == codes["SAVE10"]["id"]
    removed = shopper.call("DELETE", f"/carts/{cart['id']}/coupon")["cart"]
    assert removed["coupon_code"] is None and removed["coupon_discount_amount"] == 0
    again = shopper.raw("DELETE", f"/carts/{cart['id']}/coupon")
    assert again.status_code == 404 and again.content == b""


def test_a_coupon_that_stops_qualifying_is_dropped(shopper):
    cart = shopper.cart((RICE, None, 1))  # 681.45 incl. tax
    assert (
        shopper.call("POST", f"/carts/{cart['id']}/coupon", json={"coupon_code": "FLAT100OFF"})["cart"][
            "coupon_discount_amount"
        ]
        == 100
    )
    shopper.add(cart["id"], TEA, None, 2)
    smaller = dec(shopper.add(cart["id"], RICE, None, 0))["content"]["cart"]  # 472 left: below ₹500
    assert smaller["coupon_code"] is None and smaller["is_coupon_applied"] is False


def test_category_coupon_only_discounts_its_lines(shopper):
    cart = shopper.cart((KURTA, KURTA_S, 1), (RICE, None, 1))
    applied = shopper.call("POST", f"/carts/{cart['id']}/coupon", json={"coupon_code": "KURTA15"})["cart"]
    kurta, rice = applied["cart_items"]
    assert kurta["coupon_discount_amount"] == Decimal("149.85") and rice["coupon_discount_amount"] == 0


def test_loyalty_and_credit_need_a_customer_and_are_capped(ce, shopper):
    cart = shopper.cart((TEA, None, 2))  # grand total 531
    anonymous = shopper.raw(
        "POST", f"/carts/{cart['id']}/loyalty-points", json={"loyalty_point_redeemed": 10}
    )
    assert anonymous.status_code == 400 and anonymous.json()["code"] == "login_required"
    sign_in(shopper)
    too_many = shopper.raw(
        "POST", f"/carts/{cart['id']}/loyalty-points", json={"loyalty_point_redeemed": 501}
    )
    assert too_many.status_code == 400 and too_many.json()["code"] == "insufficient_points"
    points = shopper.call("POST", f"/carts/{cart['id']}/loyalty-points", json={"loyalty_point_redeemed": 100})
    cart = points["cart"]
    assert cart["loyalty_points_redeemed"] == 100 and cart["to_be_paid"] == 431 and cart["grand_total"] == 531
    over = shopper.raw("POST", f"/carts/{cart['id']}/credit-balance", json={"credit_balance_used": 301})
    assert over.status_code == 400 and over.json()["code"] == "insufficient_credit"
    credit = shopper.call("POST", f"/carts/{cart['id']}/credit-balance", json={"credit_balance_used": 300})[
        "cart"
    ]
    assert credit["credit_balance_used"] == 300 and credit["to_be_paid"] == 131
    assert credit["other_savings"] == 400 and credit["loyalty_points_earned"] == 1
    capped = shopper.call(
        "POST", f"/carts/{cart['id']}/loyalty-points", json={"loyalty_point_redeemed": 500}
    )["cart"]
    assert capped["loyalty_points_redeemed"] == 500 and capped["credit_balance_used"] == 31
    assert capped["to_be_paid"] == 0
    shopper.call("DELETE", f"/carts/{cart['id']}/loyalty-points")
    back = shopper.call("DELETE", f"/carts/{cart['id']}/credit-balance")["cart"]
    assert (
        back["loyalty_points_redeemed"] == 0
        and back["credit_balance_used"] == 0
        and back["to_be_paid"] == 531
    )
    assert shopper.raw("DELETE", f"/carts/{cart['id']}/credit-balance").status_code == 404


def test_gift_cards_cover_part_of_the_payable_and_remove_answers_the_cart_fields(shopper):
    cart = shopper.cart((TEA, None, 2))  # 531
    wrong_pin = shopper.raw(
        "POST", f"/carts/{cart['id']}/gift-card", json={"gift_card_code": "GIFT-0250-BBBB", "pin": "9999"}
    )
    assert wrong_pin.status_code == 400 and wrong_pin.json()["code"] == "gift_card_invalid"
    empty = shopper.raw("POST", f"/carts/{cart['id']}/gift-card", json={"gift_card_code": "GIFT-EMPTY-CCC"})
    assert empty.status_code == 400 and empty.json()["code"] == "gift_card_empty"
    body = {"gift_card_code": "GIFT-0250-BBBB", "pin": "1111"}
    applied = shopper.call("POST", f"/carts/{cart['id']}/gift-card", json=body)["cart"]
    assert applied["gift_card_code"] == "GIFT-0250-BBBB" and applied["gift_card_amount"] == 250
    assert applied["to_be_paid"] == 281 and applied["grand_total"] == 531
    big = shopper.call("POST", f"/carts/{cart['id']}/gift-card", json={"gift_card_code": "GIFT-1000-AAAA"})[
        "cart"
    ]
    assert big["gift_card_amount"] == 531 and big["to_be_paid"] == 0
    removed = shopper.call("DELETE", f"/carts/{cart['id']}/gift-card")
    assert "cart" not in removed and removed["id"] == cart["id"] and removed["gift_card_code"] is None
    assert removed["to_be_paid"] == 531


def test_full_cover_coupon_leaves_nothing_to_pay(shopper):
    cart = shopper.cart((RICE, None, 1))
    covered = shopper.call("POST", f"/carts/{cart['id']}/coupon", json={"coupon_code": "FULLCOVER"})["cart"]
    assert covered["coupon_discount_amount"] == 649 and covered["items_tax_amount"] == 0
    assert covered["grand_total"] == 0 and covered["to_be_paid"] == 0


# ---------------------------------------------------------------------------------- orders and payment

ADDRESS = {
    "first_name": "Ravi",
    "last_name": "Kumar",
    "phone": "9988776655",
    "email": "ravi@example.in",
    "address_line1": "4 Park Street",
    "pincode": "700016",
    "city": "Kolkata",
    "state": "West Bengal",
    "country": "India",
}
RETURN_URL = "http://shop.test/checkout/ce/return/?ref=abc"


def ready_cart(shopper: Shopper, *items) -> dict:
    cart = shopper.cart(*(items or ((RICE, None, 1),)))
    body = {"billing_address": ADDRESS, "shipping_address": ADDRESS}
    shopper.call("POST", f"/carts/{cart['id']}/address", json=body)
    ready = shopper.call(
        "POST", f"/carts/{cart['id']}/fulfillment-preference", json={"fulfillment_type": "delivery"}
    )
    assert ready["cart"]["status"] == "ready-for-payment"
    return ready["cart"]


def place(shopper: Shopper, cart_id: str, return_url: str | None = RETURN_URL) -> dict:
    body: dict = {"cart_id": cart_id}
    if return_url:
        body["payment_method"] = {
            "payment_provider_slug": "juspay",
            "integration_type": "hyper-checkout",
            "return_url": return_url,
            "action": "paymentPage",
        }
    return shopper.call("POST", "/orders", json=body)


def test_an_order_needs_a_ready_cart_and_closes_it(ce, shopper):
    cart = shopper.cart((RICE, None, 1))
    not_ready = shopper.raw("POST", "/orders", json={"cart_id": cart["id"]})
    assert not_ready.status_code == 400 and not_ready.json()["code"] == "cart_not_ready"
    assert not_ready.json()["message"] == "Please add a shipping address."
    ready_cart(shopper)
    placed = place(shopper, cart["id"])
    order = placed["order"]
    assert (
        placed["payment_required"] is True
        and order["status"] == "pending"
        and order["payment_status"] == "pending"
    )
    assert order["order_number"].startswith("CE") and order["grand_total"] == Decimal("681.45")
    assert order["item_total_tax"] == Decimal("32.45") and "items_tax_amount" not in order
    assert order["order_items"][0]["product_id"] == RICE and order["shipping_address"]["city"] == "Kolkata"
    assert placed["payment_info"]["payment_links"]["web"].startswith(ce.base_url + "/pay/")
    assert shopper.raw("GET", f"/carts/{cart['id']}").status_code == 404  # the cart is closed
    again = shopper.raw("POST", "/orders", json={"cart_id": cart["id"]})
    assert again.status_code == 400 and again.json()["code"] == "cart_already_ordered"
    assert ce.product(RICE)["stock"] == 39


def test_the_hosted_page_pays_and_redirects_to_the_return_url(ce, shopper):
    cart = ready_cart(shopper)
    placed = place(shopper, cart["id"])
    number = placed["order"]["order_number"]
    page = requests.get(placed["payment_info"]["payment_links"]["web"], timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert number in page.text and "₹681.45" in page.text and "<script" not in page.text
    assert 'data-action="gateway-pay"' in page.text and 'data-action="gateway-fail"' in page.text
    status = shopper.call("GET", f"/orders/{number}/payment-status")
    assert status == {
        "status": "pending",
        "amount_paid": 0,
        "amount_unpaid": Decimal("681.45"),
        "is_retry_available": False,
    }
    paid = requests.post(
        placed["payment_info"]["payment_links"]["web"],
        data={"outcome": "success"},
        allow_redirects=False,
        timeout=5,
    )
    assert paid.status_code == 303
    assert paid.headers["Location"] == f"{RETURN_URL}&order_number={number}&status=success"
    status = shopper.call("GET", f"/orders/{number}/payment-status")
    assert (
        status["status"] == "success"
        and status["amount_paid"] == Decimal("681.45")
        and status["amount_unpaid"] == 0
    )
    detail = shopper.call("GET", f"/orders/{number}")["order"]
    assert detail["status"] == "confirmed" and detail["payments"][0]["status"] == "success"
    listed = shopper.call("GET", f"/orders?user_id={shopper.user['id']}")
    assert [o["order_number"] for o in listed["orders"]] == [number]
    assert set(listed["orders"][0]) >= {
        "loyalty_point_redeemed",
        "loyalty_point_earned",
        "has_refund",
        "to_be_paid",
    }
    assert shopper.raw("GET", "/orders").status_code == 400  # user_id is required


def test_a_failed_payment_can_be_retried_on_a_new_page(ce, shopper):
    cart = ready_cart(shopper)
    placed = place(shopper, cart["id"])
    number = placed["order"]["order_number"]
    assert (
        shopper.raw("POST", f"/orders/{number}/retry-payment", json={}).json()["code"] == "retry_not_allowed"
    )
    failed = requests.post(
        placed["payment_info"]["payment_links"]["web"],
        data={"outcome": "failed"},
        allow_redirects=False,
        timeout=5,
    )
    assert failed.headers["Location"].endswith("status=failed")
    status = shopper.call("GET", f"/orders/{number}/payment-status")
    assert status["status"] == "failed" and status["is_retry_available"] is True
    retry = shopper.call("POST", f"/orders/{number}/retry-payment", json={})["payment_info"]
    assert retry["payment_links"]["web"] != placed["payment_info"]["payment_links"]["web"]
    ce.pay(number)
    assert shopper.call("GET", f"/orders/{number}/payment-status")["status"] == "success"


def test_nothing_to_pay_confirms_at_once_and_balances_move(ce, shopper):
    sign_in(shopper)
    cart = ready_cart(shopper, (TEA, None, 2))  # 531
    shopper.call("POST", f"/carts/{cart['id']}/loyalty-points", json={"loyalty_point_redeemed": 231})
    shopper.call("POST", f"/carts/{cart['id']}/credit-balance", json={"credit_balance_used": 300})
    placed = place(shopper, cart["id"])
    assert placed["payment_required"] is False and placed["payment_info"] is None
    order = placed["order"]
    assert (order["status"], order["payment_status"], order["to_be_paid"]) == ("confirmed", "success", 0)
    asha = ce.customer("9876543210")
    assert asha["points"] == 500 - 231 and asha["credit"] == 0


def test_a_lost_order_answer_is_found_in_the_users_orders(ce, shopper):
    cart = ready_cart(shopper)
    ce.fault("/orders", "drop", method="POST", after_commit=True)
    with pytest.raises(requests.ConnectionError):
        place(shopper, cart["id"])
    listed = shopper.call("GET", f"/orders?user_id={shopper.user['id']}")["orders"]
    assert len(listed) == 1 and ce.count("POST", "/orders") == 1
    assert (
        shopper.raw("POST", "/orders", json={"cart_id": cart["id"]}).json()["code"] == "cart_already_ordered"
    )


def test_orders_are_private(ce, shopper):
    cart = ready_cart(shopper)
    number = place(shopper, cart["id"])["order"]["order_number"]
    stranger = Shopper(ce)
    assert stranger.raw("GET", f"/orders/{number}").status_code == 404
    assert stranger.raw("GET", f"/orders?user_id={shopper.user['id']}").status_code == 401


def test_a_scripted_401_has_the_contract_shape_and_a_customer_can_edit_their_name(ce, shopper):
    ce.fault("/carts/available-coupons", "status", status=401)
    scripted = shopper.raw("GET", "/carts/available-coupons")
    assert scripted.status_code == 401 and scripted.json()["success"] is False
    assert scripted.json()["code"] == "unauthorized"
    assert shopper.raw("GET", "/carts/available-coupons").status_code == 200  # only once
    user = sign_in(shopper)["user"]
    renamed = shopper.call("PUT", f"/auth/user/{user['id']}", json={"first_name": "Asha R."})["user"]
    assert renamed["first_name"] == "Asha R." and renamed["customer_id"] == user["customer_id"]
    assert shopper.call("GET", f"/auth/user/{user['id']}")["user"]["first_name"] == "Asha R."


def test_older_paths_answer_like_the_current_ones(shopper):
    assert shopper.call("GET", "/offer/coupons") == shopper.call("GET", "/carts/available-coupons")
    cart = shopper.cart((RICE, None, 1))
    body = {"cart_id": cart["id"], "delivery_pincode": "560001"}
    assert (
        shopper.call("POST", "/shipping/fulfillment-options", json=body)["deliver"]["is_serviceable"] is True
    )
    methods = shopper.call("GET", "/payments/payment-methods")["payment_methods"]
    assert methods[0]["payment_provider_slug"] == "juspay"


def test_carts_expire_by_their_ttl_on_the_fakes_clock():
    ce = start_fake_commerce_engine(cart_ttl=600, access_ttl=3600)
    try:
        shopper = Shopper(ce)
        cart = shopper.cart((RICE, None, 1))
        ce.advance(601)
        answer = shopper.raw("GET", f"/carts/{cart['id']}")
        assert answer.status_code == 404 and answer.json()["code"] == "cart_expired"
    finally:
        ce.stop()


def test_categories_and_promotions_are_listed_and_evaluated(shopper):
    categories = shopper.call("GET", "/catalog/categories?nested_level=1")["categories"]
    clothing = next(c for c in categories if c["slug"] == "clothing")
    assert [c["slug"] for c in clothing["child_categories"]] == ["kurtas"] and clothing["product_count"] == 2
    promotions = shopper.call("GET", "/carts/available-promotions")["promotions"]
    assert [p["promotion_type"] for p in promotions] == ["discount"]
    cart = shopper.cart((DIYA, None, 1))
    evaluated = shopper.call("GET", f"/carts/{cart['id']}/evaluate-promotions")
    assert evaluated["applicable_promotions"][0]["estimated_discount"] == Decimal("52.68")


def test_a_customers_coupon_limit_and_order_cancellation_give_points_back(ce, shopper):
    ce.coupon_by_code("SAVE10")["redemption_limits"] = {"per_customer_redemptions": 1}
    sign_in(shopper)
    cart = ready_cart(shopper)
    shopper.call("POST", f"/carts/{cart['id']}/coupon", json={"coupon_code": "SAVE10"})
    shopper.call("POST", f"/carts/{cart['id']}/loyalty-points", json={"loyalty_point_redeemed": 100})
    number = place(shopper, cart["id"])["order"]["order_number"]
    second = shopper.cart((TEA, None, 2))
    used = shopper.raw("POST", f"/carts/{second['id']}/coupon", json={"coupon_code": "SAVE10"})
    assert used.status_code == 400 and used.json()["message"] == "You have already used this coupon."
    assert ce.customer("9876543210")["points"] == 400
    body = {"cancellation_reason": "Changed my mind", "refund_mode": "original-payment-mode"}
    cancelled = shopper.call("POST", f"/orders/{number}/cancel", json=body)["order"]
    assert (
        cancelled["status"] == "cancelled"
        and cancelled["cancellation_refund_details"]["loyalty_point"] == 100
    )
    assert ce.customer("9876543210")["points"] == 500
    again = shopper.raw("POST", f"/orders/{number}/cancel", json=body)
    assert again.status_code == 400 and again.json()["code"] == "cancellation_not_allowed"


def test_cancelling_a_payment_request_allows_a_retry_at_once(ce, shopper):
    cart = ready_cart(shopper)
    number = place(shopper, cart["id"])["order"]["order_number"]
    assert shopper.call("GET", f"/orders/{number}/payment-status")["is_retry_available"] is False
    cancelled = shopper.raw("POST", f"/orders/{number}/cancel-payment-request")
    assert cancelled.status_code == 200 and cancelled.json()["success"] is True
    assert shopper.call("GET", f"/orders/{number}/payment-status")["is_retry_available"] is True
    fresh = shopper.call("POST", f"/orders/{number}/retry-payment", json={})["payment_info"]
    assert fresh["payment_links"]["web"] == ce.payment_url(number)


def test_credit_over_the_balance_is_refused_or_with_credit_cap_capped(ce, shopper):
    sign_in(shopper)
    cart = shopper.cart((RICE, None, 1))  # 681.45 to pay, ₹300 credit
    refused = shopper.raw("POST", f"/carts/{cart['id']}/credit-balance", json={"credit_balance_used": 681.45})
    assert refused.status_code == 400 and refused.json()["code"] == "insufficient_credit"
    ce.credit_cap = True
    capped = shopper.call("POST", f"/carts/{cart['id']}/credit-balance", json={"credit_balance_used": 681.45})
    assert capped["cart"]["credit_balance_used"] == 300 and capped["cart"]["to_be_paid"] == Decimal("381.45")
