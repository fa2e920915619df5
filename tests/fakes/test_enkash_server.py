"""The fake EnKash server follows enkash.md: token rules (Basic client:secret, password grant,
lock after three failures, expiry), the envelope (failures as HTTP 200 with code 1, the seed's
`paylod` and string code on orderDetails), catalogue, cart totals, orders idempotent on the
partner reference and completing into vouchers, and call counting."""

from __future__ import annotations

import base64
import json

import requests

from tests.fakes.enkash_server import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME

BASIC = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()


def token(fake, password=PASSWORD) -> requests.Response:
    form = {"username": USERNAME, "password": password, "grant_type": "password", "clientId": CLIENT_ID}
    return requests.post(
        f"{fake.base_url}/oauth/token", data=form, headers={"Authorization": BASIC}, timeout=5
    )


def call(fake, method, path, bearer, **kwargs):
    headers = {"Authorization": f"Bearer {bearer}"}
    return requests.request(method, f"{fake.base_url}/api/v0{path}", headers=headers, timeout=5, **kwargs)


def test_token_is_plain_json_and_works_until_it_expires(fake_enkash):
    answer = token(fake_enkash).json()
    assert set(answer) == {"access_token", "token_type", "refresh_token", "expires_in", "scope"}
    assert answer["expires_in"] == 300
    assert (
        call(fake_enkash, "GET", "/cart?product=VOUCHER", answer["access_token"]).json()["response_code"] == 0
    )
    fake_enkash.expire_tokens()
    assert call(fake_enkash, "GET", "/cart?product=VOUCHER", answer["access_token"]).status_code == 401


def test_three_bad_logins_lock_the_account(fake_enkash):
    assert [token(fake_enkash, "wrong").status_code for _ in range(3)] == [401, 401, 401]
    assert token(fake_enkash).status_code == 401  # locked, even with the right password
    assert fake_enkash.count("POST", "/oauth/token") == 4


def test_catalogue_and_configs(fake_enkash):
    bearer = token(fake_enkash).json()["access_token"]
    listing = call(fake_enkash, "POST", "/partner/search-catalog?limit=10&offset=0", bearer, json={}).json()
    assert listing["payload"]["totalElements"] == 3
    product = call(fake_enkash, "GET", "/partner/search-config/PC7513531244A681", bearer).json()["payload"]
    assert [c["sellRate"] for c in product["configResponses"]] == [98, 250, 490, 1000]
    unknown = call(fake_enkash, "GET", "/partner/search-config/PCNOPE", bearer)
    assert unknown.status_code == 200 and unknown.json()["response_code"] == 1


def test_cart_totals_follow_the_documented_rules(fake_enkash):
    bearer = token(fake_enkash).json()["access_token"]
    body = {
        "productCatalogId": "PC7513531244A681",
        "items": {
            "PCN5915678VIB1A121": {"quantity": 1, "description": ""},
            "PCN724771408NCGasd": {"quantity": 2, "description": ""},
        },
    }
    (cart,) = call(fake_enkash, "POST", "/cart?product=VOUCHER", bearer, json=body).json()["payload"]
    assert (cart["totalQuantity"], cart["totalAmount"], cart["totalSavings"]) == (3, 686, 14)
    assert call(fake_enkash, "GET", "/cart", bearer).status_code == 400  # product=VOUCHER is required


def test_orders_are_idempotent_on_the_reference_and_complete_with_vouchers(fake_enkash):
    bearer = token(fake_enkash).json()["access_token"]
    body = {
        "denomination": 500,
        "orderReferenceId": "SFX-1",
        "productCatalogId": "PC7513531244A681",
        "quantity": 2,
    }
    first = call(fake_enkash, "POST", "/partner/create-order", bearer, json=body).json()["payload"]
    again = call(fake_enkash, "POST", "/partner/create-order", bearer, json=body).json()["payload"]
    assert first["orderId"] == again["orderId"] and fake_enkash.upstream_orders() == 1
    raw = call(fake_enkash, "POST", "/order/orderDetails", bearer, json={"orderId": "SFX-1"}).text
    details = json.loads(raw)
    assert details["response_code"] == "0" and "payload" not in details
    assert details["paylod"]["orderStatus"] == "SUCCESS" and len(details["paylod"]["voucherDetailsList"]) == 2
    missing = call(fake_enkash, "POST", "/order/orderDetails", bearer, json={"orderId": "SFX-9"}).json()
    assert missing["response_code"] == 1


def test_create_order_refuses_bad_denominations_and_quantities_as_http_200(fake_enkash):
    bearer = token(fake_enkash).json()["access_token"]
    base = {"orderReferenceId": "SFY-1", "productCatalogId": "PC235129857G58ZX"}
    bad = (
        {"denomination": 700, "quantity": 1, "productCatalogId": "PC7513531244A681"},  # no such value
        {"denomination": 100, "quantity": 6},  # above maxQuantity 5
        {"denomination": 100, "quantity": 1, "productCatalogId": "PC999000111NOPE0"},  # inactive
    )
    for change in bad:
        answer = call(fake_enkash, "POST", "/partner/create-order", bearer, json={**base, **change})
        assert answer.status_code == 200 and answer.json()["response_code"] == 1
    custom = call(
        fake_enkash,
        "POST",
        "/partner/create-order",
        bearer,
        json={**base, "denomination": 1500, "quantity": 1},
    )
    assert custom.json()["payload"]["orderAmount"] == 1425.0
