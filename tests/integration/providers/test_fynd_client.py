"""The Fynd client against a real HTTP server on 127.0.0.1: each call's method, path, query, headers
and body as fynd.md states them, and how every kind of failure is mapped.

The server here is scripted (answers queued per method and path); the stateful simulator in
tests/fakes/fynd_server.py drives the provider journey tests.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from storefront.envelopes import FyndEnvelope
from storefront.exceptions import (
    MSG_AUTH,
    MSG_UNAVAILABLE,
    NotFound,
    ProviderAuthError,
    ProviderRejected,
    ProviderUnavailable,
)
from storefront.models import ProviderAccount
from storefront.providers.fynd.client import FyndClient, auth_header
from tests.fakes.scripted_server import Answer, ScriptedServer

APP_ID = "000000000000000000000001"
APP_TOKEN = "9UV2GHMs0wq-Secret-Token"
CART = "/service/application/cart/v1.0"
CATALOG = "/service/application/catalog/v1.0"


# --------------------------------------------------------------------------- a scripted server


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer(unscripted_status=599).start()
    yield srv
    srv.stop()


def account_for(url: str, **extra: str) -> ProviderAccount:
    account = ProviderAccount(
        kind="fynd", name="fynd-test", base_url=url, connect_timeout=0.5, read_timeout=0.5
    )
    account.set_credentials({"application_id": APP_ID, "application_token": APP_TOKEN, **extra})
    return account


@pytest.fixture
def client(server) -> FyndClient:
    return FyndClient(account_for(server.url, ordering_source="storefront"))


CART_BODY = {
    "id": "64fe0c2a9c1b3d0012ab34cd",
    "uid": "54",
    "cart_id": 54,
    "is_valid": True,
    "items": [],
    "breakup_values": {"raw": {"total": 0}},
    "last_modified": "2024-03-09T10:00:00.000Z",
}


# --------------------------------------------------------------------------- headers


def test_every_call_carries_the_documented_auth_and_currency_headers(server, client):
    server.script(f"{CART}/basic", Answer(body={"user_cart_items_count": 2}), method="GET")

    assert client.item_count("c1") == 2

    seen = server.one(f"{CART}/basic", method="GET")
    expected = base64.b64encode(f"{APP_ID}:{APP_TOKEN}".encode()).decode()
    assert seen.headers["authorization"] == f"Bearer {expected}"
    assert seen.headers["x-currency-code"] == "INR"
    assert seen.headers["x-ordering-source"] == "storefront"
    assert "x-location-detail" not in seen.headers


def test_ordering_source_is_left_out_when_not_configured_and_currency_is_the_accounts(server):
    client = FyndClient(account_for(server.url, currency_code="USD"))
    server.script(f"{CART}/basic", Answer(body={"user_cart_items_count": 0}), method="GET")

    client.item_count("c1")

    seen = server.one(f"{CART}/basic", method="GET")
    assert seen.headers["x-currency-code"] == "USD"
    assert "x-ordering-source" not in seen.headers


def test_the_pincode_travels_as_a_json_location_header(server, client):
    server.script(f"{CART}/detail", Answer(body=CART_BODY), method="GET")

    client.cart("c1", pincode="560001")

    seen = server.one(f"{CART}/detail", method="GET")
    assert json.loads(seen.headers["x-location-detail"]) == {"pincode": "560001", "country": "India"}
    assert seen.q()["area_code"] == "560001"


def test_auth_header_is_bearer_base64_of_id_colon_token():
    assert auth_header("app", "tok") == "Bearer " + base64.b64encode(b"app:tok").decode()


def test_the_client_repr_never_shows_the_token(client):
    assert APP_TOKEN not in repr(client)


# --------------------------------------------------------------------------- cart calls


def test_get_cart_asks_for_items_and_breakup_of_that_cart(server, client):
    server.script(
        f"{CART}/detail",
        Answer(body={**CART_BODY, "breakup_values": {"raw": {"total": 999.5}}},
               headers={"Last-Modified": "Sat, 09 Mar 2024 10:00:00 GMT"}),
        method="GET",
    )  # fmt: skip

    body, last_modified = client.cart("c 1/x", buy_now=True, pincode="110001", order_type="PickAtStore")

    seen = server.one(f"{CART}/detail", method="GET")
    assert seen.q() == {
        "id": "c 1/x",
        "i": "true",
        "b": "true",
        "buy_now": "true",
        "area_code": "110001",
        "order_type": "PickAtStore",
    }
    assert seen.body == b""
    assert body["breakup_values"]["raw"]["total"] == Decimal("999.5")
    assert last_modified == "Sat, 09 Mar 2024 10:00:00 GMT"


def test_false_flags_and_empty_values_are_left_out_of_the_query(server, client):
    server.script(f"{CART}/detail", Answer(body=CART_BODY), method="GET")

    client.cart("c1")

    assert server.one(f"{CART}/detail", method="GET").q() == {"id": "c1", "i": "true", "b": "true"}


def test_head_reads_the_last_modified_header_only(server, client):
    server.script(
        f"{CART}/detail", Answer(headers={"Last-Modified": "Sat, 09 Mar 2024 10:00:00 GMT"}), method="HEAD"
    )

    assert client.cart_last_modified("c1") == "Sat, 09 Mar 2024 10:00:00 GMT"

    seen = server.one(f"{CART}/detail", method="HEAD")
    assert seen.q() == {"id": "c1"}


def test_head_of_an_unknown_cart_is_not_found(server, client):
    server.script(f"{CART}/detail", Answer(404, b""), method="HEAD")

    with pytest.raises(NotFound):
        client.cart_last_modified("gone")


def test_add_posts_items_and_new_cart_with_the_cart_query(server, client):
    server.script(f"{CART}/detail", Answer(body={"success": True, "cart": CART_BODY}), method="POST")
    items = [{"item_id": 7501, "item_size": "M", "quantity": 2, "store_id": 11, "seller_id": 3}]

    answer = client.add_items(None, items, new_cart=True, pincode="560001", order_type="HomeDelivery")

    seen = server.one(f"{CART}/detail", method="POST")
    assert seen.q() == {"i": "true", "b": "true", "area_code": "560001", "order_type": "HomeDelivery"}
    assert seen.json() == {"items": items, "new_cart": True}
    assert seen.headers["content-type"] == "application/json"
    assert answer["cart"]["id"] == CART_BODY["id"]


def test_add_to_a_known_cart_names_it_and_sends_no_new_cart(server, client):
    server.script(f"{CART}/detail", Answer(body={"success": True, "cart": CART_BODY}), method="POST")

    client.add_items("c1", [{"item_id": 1, "item_size": "S", "quantity": 1}], buy_now=True)

    seen = server.one(f"{CART}/detail", method="POST")
    assert seen.q() == {"id": "c1", "i": "true", "b": "true", "buy_now": "true"}
    assert "new_cart" not in seen.json()


@pytest.mark.parametrize("operation", ["update_item", "remove_item"])
def test_update_puts_the_operation_at_the_top_level(server, client, operation):
    server.script(f"{CART}/detail", Answer(body={"success": True, "cart": CART_BODY}), method="PUT")
    item = {"identifiers": {"identifier": "BDnwAINORr6SlTKxZN3w"}, "item_id": 7501, "item_size": "M",
            "item_index": 0, "quantity": 0 if operation == "remove_item" else 3}  # fmt: skip

    client.update_items("c1", operation=operation, items=[item], pincode="560001")

    seen = server.one(f"{CART}/detail", method="PUT")
    assert seen.q() == {"id": "c1", "i": "true", "b": "true", "area_code": "560001"}
    assert seen.json() == {"operation": operation, "items": [item]}


def test_archive_puts_cart_archive_with_the_id(server, client):
    server.script(
        f"{CART}/cart_archive", Answer(body={"success": True, "message": "cart archived"}), method="PUT"
    )

    assert client.archive("c1")["message"] == "cart archived"

    seen = server.one(f"{CART}/cart_archive", method="PUT")
    assert seen.q() == {"id": "c1"}
    assert seen.body == b""


def test_an_archive_that_fails_says_why(server, client):
    server.script(
        f"{CART}/cart_archive", Answer(body={"success": False, "message": "Cart not archived"}), method="PUT"
    )

    with pytest.raises(ProviderRejected) as exc:
        client.archive("c1")

    assert exc.value.user_message == "Cart not archived"


def test_item_count_reads_user_cart_items_count(server, client):
    server.script(f"{CART}/basic", Answer(body={"user_cart_items_count": 3}), method="GET")

    assert client.item_count("c1", buy_now=True) == 3
    assert server.one(f"{CART}/basic", method="GET").q() == {"id": "c1", "buy_now": "true"}


def test_coupon_calls(server, client):
    server.script(f"{CART}/coupon", Answer(body={"available_coupon_list": [], "page": {}}), method="GET")
    server.script(f"{CART}/coupon", Answer(body=CART_BODY), method="POST")
    server.script(f"{CART}/coupon", Answer(body=CART_BODY), method="DELETE")

    client.coupons("c1")
    client.apply_coupon("c1", "WELCOME10", pincode="560001")
    client.remove_coupon("c1")

    assert server.one(f"{CART}/coupon", method="GET").q() == {"id": "c1"}
    apply = server.one(f"{CART}/coupon", method="POST")
    assert apply.q() == {"id": "c1", "i": "true", "b": "true"}
    assert apply.json() == {"coupon_code": "WELCOME10"}
    remove = server.one(f"{CART}/coupon", method="DELETE")
    assert remove.q() == {"id": "c1"}
    assert remove.body == b""


def test_reward_points_use_redeem_points_with_a_boolean_by_default(server, client):
    server.script(f"{CART}/redeem/points/", Answer(body=CART_BODY), method="POST")

    client.redeem_points("c1", True)
    client.redeem_points("c1", False)

    calls = [s for s in server.calls if s.path == f"{CART}/redeem/points/"]
    assert [c.json() for c in calls] == [{"points": True}, {"points": False}]
    assert calls[0].q() == {"id": "c1", "i": "true", "b": "true"}


def test_reward_points_can_use_the_newer_redeem_endpoint(server):
    client = FyndClient(account_for(server.url, loyalty_api="redeem"))
    server.script(f"{CART}/redeem", Answer(body=CART_BODY), method="POST")

    client.redeem_points("c1", True)

    assert server.one(f"{CART}/redeem", method="POST").json() == {"redeem_points": True}


def test_update_meta_puts_the_body_and_checks_is_valid(server, client):
    server.script(
        f"{CART}/meta", Answer(body={"message": "cart meta updated", "is_valid": True}), method="PUT"
    )
    body = {"gstin": "29ABCDE1234F1Z5", "comment": "Ring the bell", "checkout_mode": "self"}

    client.update_meta("c1", body)

    seen = server.one(f"{CART}/meta", method="PUT")
    assert seen.q() == {"id": "c1"}
    assert seen.json() == body


def test_invalid_meta_is_refused_with_the_errors(server, client):
    server.script(f"{CART}/meta", Answer(400, {"errors": ["Invalid gstin"]}), method="PUT")

    with pytest.raises(ProviderRejected) as exc:
        client.update_meta("c1", {"gstin": "X"})

    assert exc.value.user_message == "Invalid gstin"
    assert exc.value.upstream_status == 400


def test_meta_answered_not_valid_is_refused(server, client):
    server.script(f"{CART}/meta", Answer(body={"message": "Invalid GSTIN", "is_valid": False}), method="PUT")

    with pytest.raises(ProviderRejected) as exc:
        client.update_meta("c1", {"gstin": "X"})

    assert exc.value.user_message == "Invalid GSTIN"


def test_address_calls(server, client):
    server.script(f"{CART}/address", Answer(body={"address": []}), method="GET")
    server.script(f"{CART}/address", Answer(body={"id": "a-1", "success": True}), method="POST")
    server.script(f"{CART}/address/a%201", Answer(body={"id": "a 1"}), method="GET")
    server.script(f"{CART}/select-address", Answer(body=CART_BODY), method="POST")

    client.addresses("c1")
    client.add_address({"name": "Asha", "area_code": "560001"})
    client.address("a 1")
    client.select_address("c1", "a-1", billing_address_id="a-2", pincode="560001")

    assert server.one(f"{CART}/address", method="GET").q() == {"cart_id": "c1"}
    assert server.one(f"{CART}/address", method="POST").json() == {"name": "Asha", "area_code": "560001"}
    assert server.one(f"{CART}/address/a%201", method="GET").method == "GET"
    select = server.one(f"{CART}/select-address", method="POST")
    assert select.q() == {"cart_id": "c1", "i": "true", "b": "true"}
    assert select.json() == {"id": "a-1", "billing_address_id": "a-2", "cart_id": "c1"}


def test_checkout_posts_once_and_reads_the_order(server, client):
    server.script(
        f"{CART}/checkout", Answer(body={"success": True, "order_id": "FY6601", "message": ""}), method="POST"
    )

    answer = client.checkout({"payment_mode": "COD", "id": "c1"}, buy_now=True)

    seen = server.one(f"{CART}/checkout", method="POST")
    assert seen.q() == {"buy_now": "true"}
    assert seen.json() == {"payment_mode": "COD", "id": "c1"}
    assert answer["order_id"] == "FY6601"


def test_a_checkout_refusal_in_a_200_body_is_rejected_with_fynds_message(server, client):
    server.script(
        f"{CART}/checkout",
        Answer(body={"success": False, "message": "No address found with address id a-9"}),
        method="POST",
    )

    with pytest.raises(ProviderRejected) as exc:
        client.checkout({"payment_mode": "COD", "address_id": "a-9"})

    assert exc.value.user_message == "No address found with address id a-9"


def test_share_calls(server, client):
    server.script(f"{CART}/share-cart", Answer(body={"token": "ZweG1XyX", "share_url": "x"}), method="POST")
    server.script(f"{CART}/share-cart/ZweG1XyX", Answer(body={"cart": CART_BODY}), method="GET")

    assert client.share_link("c1", {"source": "storefront"})["token"] == "ZweG1XyX"
    assert client.shared_cart("ZweG1XyX")["cart"]["id"] == CART_BODY["id"]
    assert server.one(f"{CART}/share-cart", method="POST").json() == {
        "id": "c1",
        "meta": {"source": "storefront"},
    }


# --------------------------------------------------------------------------- catalogue calls


def test_product_listing_query(server, client):
    server.script(f"{CATALOG}/products/", Answer(body={"items": [], "page": {}}), method="GET")

    client.products(q="blue shirt", category="t-shirts", page=2, page_size=12)

    assert server.one(f"{CATALOG}/products/", method="GET").q() == {
        "q": "blue shirt",
        "f": "category:t-shirts",
        "filters": "false",
        "page_type": "number",
        "page_no": "2",
        "page_size": "12",
    }


def test_product_paths_quote_the_slug_and_end_with_a_slash(server, client):
    slug = "shirt/../admin?x=1"
    quoted = "shirt%2F..%2Fadmin%3Fx%3D1"
    server.script(f"{CATALOG}/products/{quoted}/", Answer(body={"uid": 1}), method="GET")
    server.script(f"{CATALOG}/products/{quoted}/sizes/", Answer(body={"sizes": []}), method="GET")

    client.product(slug)
    client.product_sizes(slug)

    assert [s.path for s in server.calls] == [
        f"{CATALOG}/products/{quoted}/",
        f"{CATALOG}/products/{quoted}/sizes/",
    ]


def test_size_price_uses_v3_and_sends_the_pincode_both_ways(server, client):
    path = "/service/application/catalog/v3.0/products/tee/sizes/XL/price/"
    server.script(path, Answer(body={"price": {"effective": 499}}), method="GET")

    client.size_price("tee", "XL", pincode="400059")

    seen = server.one(path, method="GET")
    assert seen.q() == {"pincode": "400059"}
    assert json.loads(seen.headers["x-location-detail"])["pincode"] == "400059"


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_credentials_are_an_auth_error_logged_for_staff(server, client, status, caplog):
    server.script(
        f"{CART}/detail", Answer(status, {"success": False, "message": "Invalid token"}), method="GET"
    )

    with (
        caplog.at_level(logging.ERROR, logger="storefront.providers.fynd"),
        pytest.raises(ProviderAuthError) as exc,
    ):
        client.cart("c1")

    assert exc.value.user_message == MSG_AUTH
    assert len(server.calls) == 1  # static credentials: nothing to refresh, nothing to retry
    assert "application_token" in caplog.text and "fynd-test" in caplog.text
    assert APP_TOKEN not in caplog.text


def test_head_with_refused_credentials_is_an_auth_error_logged_for_staff(server, client, caplog):
    server.script(f"{CART}/detail", Answer(401, b""), method="HEAD")

    with (
        caplog.at_level(logging.ERROR, logger="storefront.providers.fynd"),
        pytest.raises(ProviderAuthError),
    ):
        client.cart_last_modified("c1")

    assert "fynd-test" in caplog.text


def test_a_4xx_carries_fynds_message(server, client):
    server.script(
        f"{CART}/detail",
        Answer(400, {"success": False, "message": "Sorry, item is out of stock"}),
        method="POST",
    )

    with pytest.raises(ProviderRejected) as exc:
        client.add_items("c1", [{"item_id": 1, "item_size": "S", "quantity": 1}])

    assert exc.value.user_message == "Sorry, item is out of stock"
    assert exc.value.upstream_status == 400


def test_a_field_error_map_gives_its_first_message(server, client):
    server.script(
        f"{CART}/checkout", Answer(400, {"payment_mode": ["Missing data for required field."]}), method="POST"
    )

    with pytest.raises(ProviderRejected) as exc:
        client.checkout({})

    assert exc.value.user_message == "Missing data for required field."


def test_a_404_is_not_found_with_the_message(server, client):
    server.script(f"{CATALOG}/products/nope/", Answer(404, {"error": "Product not found"}), method="GET")

    with pytest.raises(NotFound) as exc:
        client.product("nope")

    assert exc.value.user_message == "Product not found"


def test_a_4xx_without_json_uses_the_generic_message(server, client):
    server.script(f"{CART}/coupon", Answer(422, "<html>bad</html>"), method="POST")

    with pytest.raises(ProviderRejected) as exc:
        client.apply_coupon("c1", "X")

    assert exc.value.user_message == ProviderRejected.user_message


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_is_unavailable_and_a_post_is_never_repeated(server, client, status):
    server.script(f"{CART}/detail", Answer(status, {"message": "NullPointerException"}), method="POST")

    with pytest.raises(ProviderUnavailable) as exc:
        client.add_items("c1", [{"item_id": 1, "item_size": "S", "quantity": 1}])

    assert exc.value.user_message == MSG_UNAVAILABLE
    assert len([s for s in server.calls if s.method == "POST"]) == 1


def test_a_get_is_retried_through_a_passing_503(server, client):
    server.script(f"{CART}/basic", Answer(503, {}), Answer(body={"user_cart_items_count": 1}), method="GET")

    assert client.item_count("c1") == 1
    assert len(server.calls) == 2


def test_a_timeout_is_unavailable_and_the_checkout_is_sent_once(server, client):
    server.script(
        f"{CART}/checkout", Answer(body={"success": True, "order_id": "FY1"}, delay=1.5), method="POST"
    )

    with pytest.raises(ProviderUnavailable):
        client.checkout({"payment_mode": "COD"})

    time.sleep(0.1)
    assert len([s for s in server.calls if s.path == f"{CART}/checkout"]) == 1


@pytest.mark.parametrize("body", ["<html>captive portal</html>", '{"total": NaN}', "[1, 2]", '"text"'])
def test_a_malformed_200_body_is_unavailable(server, client, body):
    server.script(f"{CART}/detail", Answer(body=body), method="GET")

    with pytest.raises(ProviderUnavailable):
        client.cart("c1")


def test_an_empty_200_body_is_an_empty_object(server, client):
    server.script(f"{CART}/meta", Answer(body=b""), method="PUT")

    assert client.update_meta("c1", {}) == {}


def test_a_redirect_is_not_followed(server, client):
    server.script(
        f"{CART}/detail", Answer(302, b"", headers={"Location": "http://example.com/"}), method="GET"
    )

    with pytest.raises(ProviderUnavailable):
        client.cart("c1")


def test_too_many_requests_is_unavailable_not_a_refusal(server, client):
    server.script(f"{CART}/coupon", Answer(429, {"message": "slow down"}), method="POST")

    with pytest.raises(ProviderUnavailable):
        client.apply_coupon("c1", "X")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"message": "  Coupon expired  "}, "Coupon expired"),
        ({"error": "Product not found"}, "Product not found"),
        ({"errors": ["a", "b"]}, "a; b"),
        ({"errors": "bad gstin"}, "bad gstin"),
        ({"address_id": ["Missing data for required field."]}, "Missing data for required field."),
        ({"success": False}, None),
        (["not", "an", "object"], None),
        ({"message": "x" * 500}, "x" * 300),
    ],
)
def test_error_message_reading(body, message):
    assert FyndEnvelope().message(body) == message
