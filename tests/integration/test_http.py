"""storefront.http.ProviderHTTP against a real HTTP server on 127.0.0.1, with static credentials
and the plain JSON envelope (auth objects: test_http_auth.py; envelopes: test_envelopes.py).

The server is scripted per path (a queue of answers, the last one repeats), counts the calls it
receives, and records each request's method, headers, body and client port.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from storefront.envelopes import PlainJSON
from storefront.exceptions import (
    MSG_AUTH,
    MSG_NOT_FOUND,
    MSG_UNAVAILABLE,
    NotFound,
    ProviderAuthError,
    ProviderRejected,
    ProviderUnavailable,
)
from storefront.http import ProviderHTTP, RedactingFilter, StaticHeaders, dumps, loads, redact
from tests.fakes.scripted_server import Answer, ScriptedServer

# --------------------------------------------------------------------------- the fake server


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


@pytest.fixture
def other_server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


def client_for(base_url: str, **kwargs) -> ProviderHTTP:
    kwargs.setdefault("timeout", (0.5, 0.3))
    kwargs.setdefault("name", "testprov")
    kwargs.setdefault("auth", StaticHeaders())
    kwargs.setdefault("envelope", PlainJSON())
    return ProviderHTTP(base_url=base_url, **kwargs)


@pytest.fixture
def http(server: ScriptedServer) -> ProviderHTTP:
    return client_for(server.url)


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# --------------------------------------------------------------------------- JSON and Decimal


def test_fractional_numbers_in_a_response_arrive_as_decimal_never_float(server, http):
    server.script("/cart", Answer(body='{"total": 1299.50, "lines": [{"price": 0.1, "qty": 2}]}'))

    cart = http.json("GET", "/cart")

    assert cart["total"] == Decimal("1299.50")
    assert isinstance(cart["total"], Decimal)
    assert cart["lines"][0]["price"] == Decimal("0.1")
    assert cart["lines"][0]["qty"] == 2


def test_loads_keeps_every_fraction_exact():
    data = loads(b'{"a": 0.30000000000000004, "b": 1e2, "c": 7}')

    assert data == {"a": Decimal("0.30000000000000004"), "b": Decimal("1E+2"), "c": 7}
    assert not any(isinstance(v, float) for v in data.values())


def test_loads_rejects_nan_and_infinity_instead_of_returning_floats():
    for text in ('{"amount": NaN}', '{"amount": Infinity}', '{"amount": -Infinity}'):
        with pytest.raises(ValueError):
            loads(text)


def test_a_body_with_nan_money_is_treated_as_unreadable(server, http):
    server.script("/cart", Answer(body='{"total": NaN}'))

    with pytest.raises(ProviderUnavailable):
        http.json("GET", "/cart")


def test_dumps_writes_decimals_as_strings():
    assert json.loads(dumps({"amount": Decimal("1234.50"), "qty": 2})) == {"amount": "1234.50", "qty": 2}


def test_request_bodies_send_decimals_as_exact_strings(server, http):
    server.script("/orders", Answer(201, {"id": "FY-123"}))

    http.json("POST", "/orders", json_body={"amount": Decimal("999.90")})

    (call,) = server.calls_to("/orders")
    assert json.loads(call.body) == {"amount": "999.90"}
    assert call.headers["content-type"] == "application/json"


# --------------------------------------------------------------------------- timeouts and connection failures


def test_a_slow_provider_times_out_quickly_as_unavailable(server, http):
    server.script("/slow", Answer(body={"ok": True}, delay=3))

    started = time.monotonic()
    with pytest.raises(ProviderUnavailable) as excinfo:
        http.json("GET", "/slow")
    elapsed = time.monotonic() - started

    assert elapsed < 2.5, "the read timeout (0.3s per attempt) was not applied"
    assert excinfo.value.user_message == MSG_UNAVAILABLE
    assert len(server.calls_to("/slow")) == 1  # a slow provider is not asked again: the page would wait 3×


def test_a_slow_post_is_not_sent_twice(server, http):
    server.script("/orders", Answer(201, {"id": "FY-1"}, delay=2))

    with pytest.raises(ProviderUnavailable):
        http.json("POST", "/orders", json_body={"sku": "A"})

    time.sleep(0.1)
    assert len(server.calls_to("/orders")) == 1


def test_a_refused_connection_is_unavailable():
    http = client_for(f"http://127.0.0.1:{closed_port()}", retries=0)

    with pytest.raises(ProviderUnavailable):
        http.json("GET", "/anything")


def test_a_connect_timeout_is_unavailable():
    # A listener whose accept queue is full drops new SYNs, so connect() hangs until the timeout.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        fillers.append(s)
    time.sleep(0.1)
    http = client_for(f"http://127.0.0.1:{port}", timeout=(0.3, 5), retries=0)
    try:
        started = time.monotonic()
        with pytest.raises(ProviderUnavailable):
            http.json("GET", "/anything")
        assert time.monotonic() - started < 3, "the connect timeout was not applied"
    finally:
        for s in fillers:
            s.close()
        listener.close()


# --------------------------------------------------------------------------- retries


def test_a_get_is_retried_through_passing_503s(server, http):
    server.script(
        "/products", Answer(503, {"message": "busy"}), Answer(503, "busy"), Answer(200, {"items": []})
    )

    assert http.json("GET", "/products") == {"items": []}
    assert len(server.calls_to("/products")) == 3


def test_a_get_that_keeps_failing_gives_up_after_the_retry_budget(server, http):
    server.script("/products", Answer(503, {"message": "busy"}))

    with pytest.raises(ProviderUnavailable) as excinfo:
        http.json("GET", "/products")

    assert len(server.calls_to("/products")) == 3  # 1 + retries=2
    assert excinfo.value.upstream_status == 503


def test_a_post_answered_503_is_not_retried(server, http):
    server.script("/orders", Answer(503, {"message": "busy"}), Answer(201, {"id": "FY-1"}))

    with pytest.raises(ProviderUnavailable):
        http.json("POST", "/orders", json_body={"sku": "A"}, headers={"Idempotency-Key": "k-1"})

    assert len(server.calls_to("/orders")) == 1


# --------------------------------------------------------------------------- status → typed error


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_credentials_are_an_auth_error(server, http, status):
    server.script("/cart", Answer(status, {"message": "invalid token abc"}))

    with pytest.raises(ProviderAuthError) as excinfo:
        http.json("GET", "/cart")

    assert excinfo.value.upstream_status == status
    assert excinfo.value.user_message == MSG_AUTH
    assert "abc" not in str(excinfo.value)


def test_404_is_not_found_with_the_providers_message(server, http):
    server.script("/products/x", Answer(404, {"message": "Product x is no longer sold"}))

    with pytest.raises(NotFound) as excinfo:
        http.json("GET", "/products/x")

    assert excinfo.value.user_message == "Product x is no longer sold"
    assert excinfo.value.upstream_status == 404


def test_404_without_a_message_uses_the_generic_one(server, http):
    server.script("/products/x", Answer(404, "<html>not here</html>"))

    with pytest.raises(NotFound) as excinfo:
        http.json("GET", "/products/x")

    assert excinfo.value.user_message == MSG_NOT_FOUND


@pytest.mark.parametrize("status", [400, 422])
def test_a_refusal_carries_the_providers_message_for_the_customer(server, http, status):
    server.script("/cart/coupon", Answer(status, {"message": "Coupon expired"}))

    with pytest.raises(ProviderRejected) as excinfo:
        http.json("POST", "/cart/coupon", json_body={"code": "OLD10"})

    assert excinfo.value.user_message == "Coupon expired"
    assert str(excinfo.value) == "Coupon expired"
    assert excinfo.value.upstream_status == status


def test_a_refusal_message_may_come_from_another_configured_key(server):
    server.script("/cart/coupon", Answer(400, {"errors": "Minimum cart value is 499"}))
    http = client_for(server.url, envelope=PlainJSON(message_keys=("errors",)))

    with pytest.raises(ProviderRejected) as excinfo:
        http.json("POST", "/cart/coupon", json_body={})

    assert excinfo.value.user_message == "Minimum cart value is 499"


def test_a_server_error_is_unavailable(server, http):
    server.script("/cart", Answer(500, {"message": "NullPointerException at com.vendor.Cart"}))

    with pytest.raises(ProviderUnavailable) as excinfo:
        http.json("POST", "/cart", json_body={})

    assert excinfo.value.user_message == MSG_UNAVAILABLE
    assert "NullPointer" not in str(excinfo.value)


def test_too_many_requests_is_unavailable_not_a_refusal(server, http):
    server.script("/cart", Answer(429, {"message": "rate limit exceeded for key k_live_123"}))

    with pytest.raises(ProviderUnavailable) as excinfo:
        http.json("POST", "/cart", json_body={})

    assert excinfo.value.upstream_status == 429
    assert "k_live_123" not in str(excinfo.value)


def test_a_redirect_is_not_followed(server, other_server, http):
    other_server.script("/target", Answer(200, {"ok": True}))
    server.script("/cart", Answer(302, b"", headers={"Location": f"{other_server.url}/target"}))

    with pytest.raises(ProviderUnavailable) as excinfo:
        http.json("GET", "/cart")

    assert excinfo.value.upstream_status == 302
    assert other_server.calls == []
    assert len(server.calls_to("/cart")) == 1


def test_a_200_that_is_not_json_is_unavailable(server, http):
    server.script("/cart", Answer(200, "<html>Please log in to the captive portal</html>"))

    with pytest.raises(ProviderUnavailable):
        http.json("GET", "/cart")


def test_an_empty_200_is_an_empty_dict(server, http):
    server.script("/cart/lines/1", Answer(204, b""))

    assert http.json("DELETE", "/cart/lines/1") == {}


def test_request_returns_the_2xx_response_and_raises_for_the_rest(server, http):
    server.script("/cart", Answer(200, {"id": "c1"}, headers={"Last-Modified": "Sat, 09 Mar 2024"}))
    server.script("/gone", Answer(404, {"message": "no cart"}))

    response = http.request("HEAD", "/cart")

    assert response.status_code == 200
    assert response.headers["Last-Modified"] == "Sat, 09 Mar 2024"
    with pytest.raises(NotFound):
        http.request("GET", "/gone")


def test_call_gives_the_payload_and_the_response_headers(server, http):
    server.script("/cart", Answer(200, {"total": 10.5}, headers={"Last-Modified": "Sat, 09 Mar 2024"}))

    payload, headers = http.call("GET", "/cart")

    assert payload == {"total": Decimal("10.5")}
    assert headers["last-modified"] == "Sat, 09 Mar 2024"


def test_the_envelope_may_be_chosen_per_call(server, http):
    server.script("/cart/coupon", Answer(400, {"errors": "Minimum cart value is 499"}))

    with pytest.raises(ProviderRejected) as excinfo:
        http.json("POST", "/cart/coupon", json_body={}, envelope=PlainJSON(message_keys=("errors",)))

    assert excinfo.value.user_message == "Minimum cart value is 499"


def test_every_call_is_counted(server, http):
    server.script("/cart", Answer(200, {}))

    http.json("GET", "/cart")
    http.json("POST", "/cart", json_body={})

    assert http.calls == 2


# --------------------------------------------------------------------------- errors keep ids, never headers


def test_errors_keep_request_id_and_status_but_no_header_values(server):
    server.script("/cart", Answer(422, {"message": "Coupon expired"}, headers={"X-Request-Id": "req-42"}))
    http = client_for(server.url, auth=StaticHeaders({"Authorization": "Bearer sk_live_SECRET"}))

    with pytest.raises(ProviderRejected) as excinfo:
        http.json("POST", "/cart", json_body={}, headers={"X-Api-Key": "apikey-SECRET"})

    exc = excinfo.value
    assert exc.request_id == "req-42"
    assert exc.upstream_status == 422
    for text in (str(exc), repr(exc)):
        assert "SECRET" not in text
        assert "req-42" not in text
        assert "Bearer" not in text


def test_auth_and_unavailable_errors_keep_the_request_id(server, http):
    server.script("/a", Answer(401, {}, headers={"x-request-id": "req-a"}))
    server.script("/b", Answer(500, {}, headers={"x-request-id": "req-b"}))

    with pytest.raises(ProviderAuthError) as auth:
        http.json("GET", "/a")
    with pytest.raises(ProviderUnavailable) as unavailable:
        http.json("POST", "/b", json_body={})

    assert (auth.value.request_id, auth.value.upstream_status) == ("req-a", 401)
    assert (unavailable.value.request_id, unavailable.value.upstream_status) == ("req-b", 500)
    assert "req-" not in str(auth.value) + str(unavailable.value)


# --------------------------------------------------------------------------- the pooled session


def test_static_headers_are_sent_on_every_call(server):
    server.script("/cart", Answer(200, {}))
    http = client_for(server.url, auth=StaticHeaders.bearer("abc.def", {"x-currency-code": "INR"}))

    http.json("GET", "/cart")
    http.json("POST", "/cart", json_body={})

    assert [c.headers["authorization"] for c in server.calls] == ["Bearer abc.def"] * 2
    assert all(c.headers["x-currency-code"] == "INR" for c in server.calls)
    assert all(c.headers["accept"] == "application/json" for c in server.calls)


def test_sequential_calls_reuse_one_connection(server, http):
    server.script("/cart", Answer(200, {"n": 1}))

    http.json("GET", "/cart")
    http.json("GET", "/cart")
    http.json("POST", "/cart", json_body={"x": 1})

    assert len(server.calls) == 3
    assert len({c.client_port for c in server.calls}) == 1
    assert server.connections == 1


def test_each_thread_gets_its_own_session(server, http):
    server.script("/cart", Answer(200, {}))
    sessions: dict[str, object] = {}

    def work(name: str) -> None:
        http.json("GET", "/cart")
        sessions[name] = http.session

    threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    main_session = http.session

    assert main_session is http.session  # stable within a thread
    assert len({id(s) for s in (*sessions.values(), main_session)}) == 3
    assert len({c.client_port for c in server.calls}) == 2  # one connection per thread


# --------------------------------------------------------------------------- logs never carry secrets

CARD = "4111111111111111"


def test_logs_of_a_call_never_contain_secrets(server, caplog):
    server.script("/orders", Answer(200, {"ok": True}))
    server.script("/fail", Answer(401, {"message": "bad token"}))
    http = client_for(server.url, auth=StaticHeaders({"Authorization": "Bearer tok-SECRET-1"}))
    caplog.set_level(logging.DEBUG)

    http.json(
        "POST",
        "/orders",
        json_body={"pin": "1234", "card_number": CARD},
        headers={"Authorization": "Bearer tok-SECRET-2"},
    )
    with pytest.raises(ProviderAuthError):
        http.json("POST", "/fail", json_body={"pin": "1234", "card": CARD})
    with pytest.raises(ProviderUnavailable):
        client_for(f"http://127.0.0.1:{closed_port()}", retries=0).json(
            "POST", "/orders", json_body={"pin": "1234"}, headers={"Authorization": "Bearer tok-SECRET-3"}
        )

    assert server.calls[0].headers["authorization"] == "Bearer tok-SECRET-2"  # it was really sent
    assert caplog.records, "expected the client to log its calls"
    logged = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("storefront"))
    assert "/orders" in ours
    for secret in ("tok-SECRET", CARD, '"pin"'):
        assert secret not in logged
    assert "1234" not in ours


@pytest.mark.parametrize(
    "text,secret",
    [
        ("Authorization: Bearer abc.def", "abc.def"),
        ("authorization=Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("GET /cart?token=xyz&page=2", "xyz"),
        ('{"pin": "4321", "order": "FY-123"}', "4321"),
        ("{'pin': 4321}", "4321"),
        ("client_secret=s3cr3t-value", "s3cr3t-value"),
        ('{"password": "hunter2"}', "hunter2"),
        ("x-api-key: k_live_99", "k_live_99"),
        ("card 4111 1111 1111 1111 declined", "4111 1111 1111 1111"),
        ("card 4111-1111-1111-1111 declined", "1111-1111"),
        (f"card={CARD}", CARD),
    ],
)
def test_redact_scrubs_secrets(text, secret):
    assert secret not in redact(text)


def test_redact_keeps_ordinary_text():
    text = "order FY-123 paid 1234.50 INR for 2 items at 12:30, pincode 560001"

    assert redact(text) == text


def test_the_filter_scrubs_formatted_messages_and_args():
    record = logging.LogRecord(
        "storefront.x",
        logging.INFO,
        __file__,
        1,
        "calling %s with %s",
        ("FY-123", "token=xyz pin=4321"),
        None,
    )

    assert RedactingFilter().filter(record) is True
    message = record.getMessage()
    assert "xyz" not in message
    assert "4321" not in message
    assert "FY-123" in message


def test_the_filter_leaves_clean_records_alone():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "order %s total %s", ("FY-123", "1234.50"), None
    )

    RedactingFilter().filter(record)

    assert (record.msg, record.args) == ("order %s total %s", ("FY-123", "1234.50"))


def test_the_filter_scrubs_tracebacks_too():
    try:
        raise RuntimeError("upstream said: Authorization: Bearer abc.def for card 4111 1111 1111 1111")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "order FY-123 failed", (), sys.exc_info())

    RedactingFilter().filter(record)
    formatted = logging.Formatter().format(record)

    assert "FY-123" in formatted
    assert "RuntimeError" in formatted
    assert "abc.def" not in formatted
    assert "4111" not in formatted


def test_a_handler_with_the_filter_writes_scrubbed_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    try:
        logger.warning("provider replied %s for %s", "token=xyz pin=4321", "FY-123")
    finally:
        logger.removeHandler(handler)

    line = stream.getvalue()
    assert "FY-123" in line
    assert "xyz" not in line
    assert "4321" not in line


def test_settings_put_the_redacting_filter_on_the_log_handler():
    from django.conf import settings

    assert settings.LOGGING["filters"]["redact"]["()"] == "storefront.http.RedactingFilter"
    assert "redact" in settings.LOGGING["handlers"]["console"]["filters"]
