"""Each envelope of storefront.envelopes through ProviderHTTP against a real HTTP server on
127.0.0.1: success shapes open to their payload, failure shapes (including EnKash's failures
sent as HTTP 200) become the typed errors `storefront.http.status_error` chooses.

Bodies follow the seeds (/work/shared/seeds/) where they give one, else the provider notes
(/work/shared/providers/*.md); seed field names win.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from storefront.envelopes import (
    MESSAGE_MAX,
    CommerceEngineEnvelope,
    EnKashEnvelope,
    FyndEnvelope,
    PlainJSON,
    SourceHubEnvelope,
)
from storefront.exceptions import (
    MSG_AUTH,
    MSG_NOT_FOUND,
    MSG_UNAVAILABLE,
    NotFound,
    ProviderAuthError,
    ProviderRejected,
    ProviderUnavailable,
)
from storefront.http import Envelope, ProviderHTTP, StaticHeaders, status_error
from tests.fakes.scripted_server import Answer, ScriptedServer

PATH = "/resource"


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


def opened(server: ScriptedServer, envelope: Envelope, *answers: Answer, method: str = "GET"):
    """What the envelope makes of the answer(s) to one call."""
    server.script(PATH, *answers)
    http = ProviderHTTP(
        base_url=server.url, timeout=(0.5, 1), auth=StaticHeaders(), envelope=envelope, retries=0
    )
    return http.json(method, PATH, json_body={} if method == "POST" else None)


def refused(server: ScriptedServer, envelope: Envelope, answer: Answer, kind=ProviderRejected):
    with pytest.raises(kind) as excinfo:
        opened(server, envelope, answer, method="POST")
    assert type(excinfo.value) is kind
    return excinfo.value


# --------------------------------------------------------------------------- status → typed error


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, ProviderAuthError),
        (403, ProviderAuthError),
        (302, ProviderUnavailable),
        (408, ProviderUnavailable),
        (429, ProviderUnavailable),
        (500, ProviderUnavailable),
        (503, ProviderUnavailable),
        (404, NotFound),
        (400, ProviderRejected),
        (409, ProviderRejected),
        (422, ProviderRejected),
        (200, ProviderRejected),  # a refusal found inside a 2xx body
    ],
)
def test_status_error_is_the_one_mapping(status, kind):
    error = status_error(status, message="Coupon expired", request_id="req-1", code="coupon_invalid")

    assert type(error) is kind
    assert (error.upstream_status, error.request_id, error.code) == (status, "req-1", "coupon_invalid")


def test_only_refusals_carry_the_providers_message():
    assert status_error(400, message="Coupon expired").user_message == "Coupon expired"
    assert status_error(404, message="No such product").user_message == "No such product"
    assert status_error(401, message="token abc invalid").user_message == MSG_AUTH
    assert status_error(500, message="NullPointerException").user_message == MSG_UNAVAILABLE
    assert status_error(404).user_message == MSG_NOT_FOUND


# --------------------------------------------------------------------------- PlainJSON


def test_plain_json_opens_to_the_body_with_decimals(server):
    assert opened(server, PlainJSON(), Answer(body='{"total": 12.50, "items": [1]}')) == {
        "total": Decimal("12.50"),
        "items": [1],
    }
    assert opened(server, PlainJSON(), Answer(body="[1, 2]")) == [1, 2]


def test_plain_json_empty_body_is_an_empty_dict(server):
    assert opened(server, PlainJSON(), Answer(204, b"")) == {}


@pytest.mark.parametrize("body", ["<html>captive portal</html>", '{"total": NaN}'])
def test_plain_json_unreadable_2xx_is_unavailable(server, body):
    refused(server, PlainJSON(), Answer(200, body), ProviderUnavailable)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, ProviderAuthError),
        (403, ProviderAuthError),
        (301, ProviderUnavailable),
        (429, ProviderUnavailable),
    ],
)
def test_plain_json_statuses(server, status, kind):
    refused(server, PlainJSON(), Answer(status, {"message": "whatever"}), kind)


def test_plain_json_refusal_message_comes_from_message_error_or_detail(server):
    assert (
        refused(server, PlainJSON(), Answer(400, {"detail": "Out of stock"})).user_message == "Out of stock"
    )
    assert refused(server, PlainJSON(), Answer(404, {"error": "No such cart"}), NotFound).user_message == (
        "No such cart"
    )
    long = refused(server, PlainJSON(), Answer(422, {"message": "x" * 1000}))
    assert long.user_message == "x" * MESSAGE_MAX


def test_plain_json_refusal_without_json_uses_the_generic_message(server):
    error = refused(server, PlainJSON(), Answer(400, "<html>Bad request</html>"))

    assert error.user_message == ProviderRejected.user_message


# --------------------------------------------------------------------------- Fynd


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"message": "  Coupon expired  "}, "Coupon expired"),
        ({"error": "Product not found"}, "Product not found"),
        ({"errors": ["Invalid gstin", "Invalid pincode"]}, "Invalid gstin; Invalid pincode"),
        ({"errors": "bad gstin"}, "bad gstin"),
        ({"address_id": ["Missing data for required field."]}, "Missing data for required field."),
        ({"success": False}, None),
        (["not", "an", "object"], None),
        ({"message": "x" * 500}, "x" * MESSAGE_MAX),
    ],
)
def test_fynd_message_reading(body, message):
    assert FyndEnvelope().message(body) == message


def test_fynd_refusals_carry_fynds_message(server):
    error = refused(server, FyndEnvelope(), Answer(400, {"success": False, "message": "Sorry, out of stock"}))

    assert (error.user_message, error.upstream_status) == ("Sorry, out of stock", 400)


def test_fynd_success_false_in_a_200_is_a_refusal_only_for_calls_without_a_cart(server):
    body = {"success": False, "message": "Cart not archived"}

    assert opened(server, FyndEnvelope(), Answer(200, body)) == body  # a cart answer: the provider reads it
    error = refused(server, FyndEnvelope(refuse_unsuccessful=True), Answer(200, body))
    assert error.user_message == "Cart not archived"
    assert opened(server, FyndEnvelope(refuse_unsuccessful=True), Answer(200, {"success": True})) == {
        "success": True
    }


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "<html>portal</html>"])
def test_fynd_2xx_that_is_not_an_object_is_unavailable(server, body):
    refused(server, FyndEnvelope(), Answer(200, body), ProviderUnavailable)


def test_fynd_empty_2xx_is_an_empty_object(server):
    assert opened(server, FyndEnvelope(refuse_unsuccessful=True), Answer(200, b"")) == {}


# --------------------------------------------------------------------------- Commerce Engine

CE_CART = {
    "message": "cart details",
    "success": True,
    "content": {
        "cart": {"id": "01H9XYZ12345ABCDE", "grand_total": 1, "to_be_paid": 1, "cart_items_count": 1}
    },
}


def test_commerce_engine_opens_to_content(server):
    assert opened(server, CommerceEngineEnvelope(), Answer(200, CE_CART)) == CE_CART["content"]


def test_commerce_engine_answer_without_content_is_empty(server):
    body = {"message": "All cart items are removed.", "success": True}

    assert opened(server, CommerceEngineEnvelope(), Answer(200, body), method="POST") == {}


def test_commerce_engine_money_stays_decimal(server):
    body = '{"message": "ok", "success": true, "content": {"cart": {"grand_total": 199.90}}}'

    assert opened(server, CommerceEngineEnvelope(), Answer(200, body))["cart"]["grand_total"] == Decimal(
        "199.90"
    )


def test_commerce_engine_400_is_a_refusal_with_message_and_code(server):
    body = {"message": "Coupon is not valid", "success": False, "code": "coupon_invalid"}

    error = refused(server, CommerceEngineEnvelope(), Answer(400, body))

    assert (error.user_message, error.code, error.upstream_status) == (
        "Coupon is not valid",
        "coupon_invalid",
        400,
    )


def test_commerce_engine_success_false_in_a_200_is_a_refusal(server):
    body = {"message": "Insufficient loyalty points", "success": False, "code": "insufficient_points"}

    error = refused(server, CommerceEngineEnvelope(), Answer(200, body))

    assert (error.user_message, error.code) == ("Insufficient loyalty points", "insufficient_points")


def test_commerce_engine_401_with_static_credentials_is_an_auth_error(server):
    body = {
        "message": "Not authorized for given operation on the Resource.",
        "success": False,
        "code": "unauthorized",
    }

    error = refused(server, CommerceEngineEnvelope(), Answer(401, body), ProviderAuthError)

    assert error.user_message == MSG_AUTH


def test_commerce_engine_404_with_or_without_a_body(server):
    body = {"message": "Cart not found", "success": False, "code": "not_found"}

    assert (
        refused(server, CommerceEngineEnvelope(), Answer(404, body), NotFound).user_message
        == "Cart not found"
    )
    assert refused(server, CommerceEngineEnvelope(), Answer(404, b""), NotFound).user_message == MSG_NOT_FOUND


def test_commerce_engine_2xx_that_is_not_an_object_is_unavailable(server):
    refused(server, CommerceEngineEnvelope(), Answer(200, "[]"), ProviderUnavailable)


# --------------------------------------------------------------------------- SourceHub

SOURCEHUB_CART = {  # seeds/001: GET /api/carts?customer_id=9
    "data": {
        "cart_item_count": 1,
        "total_cart_quantity": 3,
        "cart_total": 600,
        "discount": 0,
        "billable_amount": 600,
        "items": [
            {
                "id": 79532,
                "quantity": 3,
                "product": {
                    "id": 4,
                    "name": "3 Roses Mrp 10 (408pc)",
                    "hsn_code": "0902",
                    "price_per_unit": 10,
                    "maximum_retail_price": 4080,
                    "gst_percent": 5,
                    "productpricing": {"id": 1058, "product_id": 4, "buying_qty": 1, "price": 200},
                },
            }
        ],
    },
    "message": "Cart items fetch successfully",
}
SOURCEHUB_401 = {  # seeds/001: "Sample 401 Faliure Response"
    "error": {
        "code": "AUTHENTICATION_ERROR",
        "description": "Invalid credential or token.",
        "source": "https://webservices.sourcehub.in/api/items.product",
        "status_code": 401,
    }
}


def sourcehub_error(code: str, description: str, status: int) -> dict:
    return {
        "error": {
            "code": code,
            "description": description,
            "source": "https://x/api/carts",
            "status_code": status,
        }
    }


def test_sourcehub_opens_to_data(server):
    assert opened(server, SourceHubEnvelope(), Answer(200, SOURCEHUB_CART)) == SOURCEHUB_CART["data"]


def test_sourcehub_answer_without_data_is_empty(server):
    assert opened(server, SourceHubEnvelope(), Answer(200, {"message": "done"})) == {}


def test_sourcehub_401_is_an_auth_error_with_its_code(server):
    error = refused(server, SourceHubEnvelope(), Answer(401, SOURCEHUB_401), ProviderAuthError)

    assert (error.code, error.user_message) == ("AUTHENTICATION_ERROR", MSG_AUTH)


def test_sourcehub_bad_request_is_a_refusal_with_the_description(server):
    body = sourcehub_error("BAD_REQUEST_ERROR", "The customer id field is required.", 400)

    error = refused(server, SourceHubEnvelope(), Answer(400, body))

    assert (error.user_message, error.code) == ("The customer id field is required.", "BAD_REQUEST_ERROR")


@pytest.mark.parametrize(("code", "status"), [("TOO_MANY_REQUESTS", 429), ("INTERNAL_SERVER_ERROR", 500)])
def test_sourcehub_rate_limit_and_server_errors_are_unavailable(server, code, status):
    error = refused(
        server,
        SourceHubEnvelope(),
        Answer(status, sourcehub_error(code, "Slow down", status)),
        ProviderUnavailable,
    )

    assert error.code == code


def test_sourcehub_error_inside_a_200_is_mapped_by_its_status_code(server):
    bad = sourcehub_error("BAD_REQUEST_ERROR", "Product not found", 400)
    auth = {"error": {"code": "AUTHENTICATION_ERROR", "description": "Invalid credential or token."}}

    assert refused(server, SourceHubEnvelope(), Answer(200, bad)).user_message == "Product not found"
    assert (
        refused(server, SourceHubEnvelope(), Answer(200, auth), ProviderAuthError).code
        == "AUTHENTICATION_ERROR"
    )


def test_sourcehub_empty_description_uses_the_generic_message(server):
    error = refused(server, SourceHubEnvelope(), Answer(400, sourcehub_error("BAD_REQUEST_ERROR", "", 400)))

    assert error.user_message == ProviderRejected.user_message


# --------------------------------------------------------------------------- EnKash

ENKASH_CART = {  # seeds/000: GET /api/v0/cart?product=VOUCHER
    "payload": [
        {
            "id": 2133,
            "ekUserId": "EK8IHN4B",
            "productCatalogId": "PC235129857G58ZX",
            "items": {
                "PCN724771408NCGasd": {
                    "productConfigId": "PCN724771408NCGasd",
                    "mrp": 100,
                    "sellRate": 100,
                    "enkashDiscount": 0,
                    "savings": 0,
                    "quantity": 2,
                    "total": 200,
                }
            },
            "totalQuantity": 2,
            "totalAmount": 200,
        }
    ],
    "response_code": 0,
    "response_message": "Success",
}
ENKASH_ORDER = """{
  "paylod" : {
  "orderId": "12345",
  "paymentStatus": "SUCCESS",
  "orderStatus": "SUCCESS",
  "totalAmount": 5000.00,
  "orderAmount": 4500.00,
  "partnerOrderReferenceId": "REF123456789",
  "voucherDetailsList": [
    {"cardNumber": "1234567890123456", "pin": "1234", "expiryDate": "2025-12-31T23:59:59"}
  ]
  },
  "response_message": "Success",
  "response_code": "0"
}"""  # seeds/004: POST /api/v0/order/orderDetails, with its `paylod` and string code


def test_enkash_opens_to_payload(server):
    assert opened(server, EnKashEnvelope(), Answer(200, ENKASH_CART)) == ENKASH_CART["payload"]


def test_enkash_reads_the_paylod_misspelling_and_a_string_code(server):
    order = opened(server, EnKashEnvelope(), Answer(200, ENKASH_ORDER), method="POST")

    assert order["partnerOrderReferenceId"] == "REF123456789"
    assert order["orderAmount"] == Decimal("4500.00")


@pytest.mark.parametrize("payload", [120, "ok", [], {"coinConfigId": "WCC024845"}])
def test_enkash_payload_may_be_any_json_value(server, payload):
    body = {"payload": payload, "response_code": 0, "response_message": "Success"}

    assert opened(server, EnKashEnvelope(), Answer(200, body)) == payload


def test_enkash_reward_allocation_shape_code_message_payload(server):
    body = {"code": 0, "message": "Success", "payload": {"enKashCardId": "EKC1", "otbBalance": 500.00}}

    assert opened(server, EnKashEnvelope(), Answer(200, body), method="POST")["enKashCardId"] == "EKC1"


def test_enkash_failure_as_http_200_is_a_refusal_with_its_message(server):
    body = {"payload": "Insufficient balance", "response_code": 1, "response_message": "Insufficient balance"}

    error = refused(server, EnKashEnvelope(), Answer(200, body))

    assert (error.user_message, error.code, error.upstream_status) == ("Insufficient balance", "1", 200)


@pytest.mark.parametrize(
    "body",
    [
        {"paylod": "Invalid productConfigId", "response_code": "1"},
        {"code": 1, "message": "Invalid productConfigId", "payload": None},
    ],
)
def test_enkash_failure_message_falls_back_to_message_or_a_string_payload(server, body):
    assert refused(server, EnKashEnvelope(), Answer(200, body)).user_message == "Invalid productConfigId"


def test_enkash_success_is_decided_by_the_code_never_by_the_message_text(server):
    body = {"payload": {"id": 1}, "response_code": 0, "response_message": "Failed? no: Success"}

    assert opened(server, EnKashEnvelope(), Answer(200, body)) == {"id": 1}


@pytest.mark.parametrize(
    "body",
    [
        '{"payload": {"id": 1}, "response_message": "Success"}',
        '{"payload": {}, "response_code": "zero"}',
        '{"payload": {}, "response_code": true}',
        "[]",
        "",
        "<html>maintenance</html>",
    ],
)
def test_enkash_without_a_readable_code_is_unavailable(server, body):
    refused(server, EnKashEnvelope(), Answer(200, body), ProviderUnavailable)


def test_enkash_http_errors_use_the_status_and_its_message(server):
    bad = {"payload": None, "response_code": 1, "response_message": "quantity exceeds maxQuantity"}

    assert refused(server, EnKashEnvelope(), Answer(422, bad)).user_message == "quantity exceeds maxQuantity"
    assert refused(server, EnKashEnvelope(), Answer(404, bad), NotFound).upstream_status == 404
    assert refused(server, EnKashEnvelope(), Answer(401, bad), ProviderAuthError).user_message == MSG_AUTH
    assert refused(server, EnKashEnvelope(), Answer(502, "<html>bad gateway</html>"), ProviderUnavailable)


# --------------------------------------------------------------------------- every envelope

EVERY = [PlainJSON(), FyndEnvelope(), CommerceEngineEnvelope(), SourceHubEnvelope(), EnKashEnvelope()]


@pytest.mark.parametrize("envelope", EVERY, ids=lambda e: type(e).__name__)
def test_every_envelope_keeps_the_request_id_and_never_shows_a_5xx_body(server, envelope):
    answer = Answer(
        500,
        {"message": "NullPointerException at com.vendor", "response_code": 1},
        headers={"X-Request-Id": "req-9"},
    )

    error = refused(server, envelope, answer, ProviderUnavailable)

    assert (error.request_id, error.upstream_status) == ("req-9", 500)
    assert "NullPointer" not in str(error)


@pytest.mark.parametrize("envelope", EVERY, ids=lambda e: type(e).__name__)
def test_every_envelope_treats_a_redirect_as_unavailable(server, envelope):
    refused(
        server, envelope, Answer(302, b"", headers={"Location": "http://example.com/"}), ProviderUnavailable
    )
