"""The base of the fake servers (tests/fakes/base.py), seen from a real `requests` client: routes, the
call log, bugs answered as 500, and every fault kind, before and after the handler commits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests

from tests.fakes.base import MALFORMED_BODY, FakeServer, HttpError, Request, Response, route

SHORT = (1.0, 0.3)  # (connect, read) timeouts of the client: a hang or a long delay outlasts them


class FakeShop(FakeServer):
    """A tiny stateful fake: orders are created by POST and listed by GET."""

    def __init__(self) -> None:
        super().__init__()
        self.orders: list[dict] = []

    @route("POST", r"/orders")
    def _create(self, req: Request) -> Response:
        order = {"id": f"o{len(self.orders) + 1}", "item": (req.body or {}).get("item", "")}
        self.orders.append(order)
        return Response(201, order)

    @route("GET", r"/orders")
    def _list(self, req: Request) -> dict:
        return {"orders": self.orders, "page": req.q("page", "1")}

    @route("GET", r"/orders/(?P<order_id>[^/]+)")
    def _get(self, req: Request) -> dict:
        for order in self.orders:
            if order["id"] == req.args["order_id"]:
                return order
        raise HttpError(404, {"message": "no such order"})

    @route("GET", r"/boom")
    def _boom(self, req: Request) -> dict:
        raise RuntimeError("a bug in the fake")


@pytest.fixture
def shop() -> Iterator[FakeShop]:
    server = FakeShop().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def order(http, shop, item="tea", timeout=SHORT) -> requests.Response:
    return http.post(f"{shop.base_url}/orders", json={"item": item}, timeout=timeout)


def caught(call) -> Exception | None:
    try:
        call()
    except Exception as exc:
        return exc
    return None


# --------------------------------------------------------------------------- routes and the call log


def test_routes_answer_json_with_their_path_arguments(shop, http):
    created = order(http, shop)

    found = http.get(f"{shop.base_url}/orders/o1", timeout=SHORT)

    assert created.status_code == 201 and created.json() == {"id": "o1", "item": "tea"}
    assert found.status_code == 200 and found.json() == {"id": "o1", "item": "tea"}
    assert found.headers["Content-Type"] == "application/json; charset=utf-8"


def test_unknown_paths_wrong_methods_and_refusals_have_their_status(shop, http):
    missing = http.get(f"{shop.base_url}/nowhere", timeout=SHORT)
    wrong_method = http.delete(f"{shop.base_url}/orders", timeout=SHORT)
    refused = http.get(f"{shop.base_url}/orders/o9", timeout=SHORT)

    assert missing.status_code == 404
    assert wrong_method.status_code == 405
    assert refused.status_code == 404 and refused.json() == {"message": "no such order"}
    assert shop.errors == []


def test_a_bug_in_a_fake_is_answered_500_and_kept(shop, http):
    answer = http.get(f"{shop.base_url}/boom", timeout=SHORT)

    assert answer.status_code == 500
    assert len(shop.errors) == 1 and "RuntimeError: a bug in the fake" in shop.errors[0]


def test_every_call_is_logged_with_what_was_sent(shop, http):
    order(http, shop, item="coffee")
    http.get(f"{shop.base_url}/orders?page=2&tag=a&tag=b", headers={"X-Trace": "t-1"}, timeout=SHORT)

    method, path, query, body = shop.calls[0]
    listed = shop.one("/orders", method="GET")

    assert (method, path, query, body) == ("POST", "/orders", {}, {"item": "coffee"})
    assert shop.calls[0].raw == b'{"item": "coffee"}' and shop.calls[0].json() == {"item": "coffee"}
    assert listed.query == {"page": "2", "tag": ["a", "b"]} and listed.q() == {"page": "2", "tag": "b"}
    assert listed.headers["x-trace"] == "t-1" and listed.target == "/orders?page=2&tag=a&tag=b"
    assert shop.count("POST", "/orders") == 1 and shop.count("get", "/orders?page=3") == 1
    assert len(shop.calls_to("/orders")) == 2


def test_counts_can_be_reset_and_connections_are_kept_alive(shop, http):
    for _ in range(3):
        order(http, shop)

    shop.reset_counts()

    assert shop.calls == [] and shop.count("POST", "/orders") == 0
    assert shop.connections == 1  # one keep-alive connection served all three
    assert len(shop.orders) == 3  # counting is not state


def test_a_route_can_be_added_to_one_server(shop, http):
    shop.add_route("GET", r"/health/(?P<part>\w+)", lambda req: {"ok": req.args["part"]})

    answer = http.get(f"{shop.base_url}/health/db", timeout=SHORT)

    assert answer.json() == {"ok": "db"}


# --------------------------------------------------------------------------- faults before the handler


def test_a_delay_times_the_client_out_and_then_serves(shop, http):
    shop.fault("/orders", "delay", method="POST", seconds=0.6)

    with pytest.raises(requests.exceptions.ReadTimeout):
        order(http, shop)

    assert shop.orders == []  # not yet: the handler runs after the delay
    deadline = time.monotonic() + 2
    while not shop.orders and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(shop.orders) == 1  # a slow server still does the work
    assert shop.calls[0].fault == "delay"


def test_latency_delays_every_answer_without_holding_up_the_others(shop, http):
    shop.latency = 0.2
    answers: list[int] = []

    def one():
        answers.append(order(http=requests, shop=shop, timeout=(1.0, 1.0)).status_code)

    started = time.monotonic()
    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started

    assert answers == [201] * 4
    assert 0.2 <= elapsed < 0.6  # concurrently, not 4 × 0.2 s
    assert len(shop.orders) == 4


def test_a_hang_outlasts_the_read_timeout(shop, http):
    shop.fault("/orders", "hang")

    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        order(http, shop)

    assert time.monotonic() - started < 1.0  # the client's timeout ended it, not the server
    assert shop.orders == []
    assert shop.count("POST", "/orders") == 1


def test_a_hang_ends_by_closing_the_connection_without_an_answer(shop, http):
    shop.fault("/orders", "hang", seconds=0.3)

    with pytest.raises(requests.exceptions.ConnectionError):
        order(http, shop, timeout=(1.0, 3.0))

    assert shop.orders == []


def test_a_hanging_call_does_not_hold_up_other_calls(shop, http):
    shop.fault("/orders", "hang", method="POST")
    errors: list[Exception] = []
    hanging = threading.Thread(target=lambda: errors.append(caught(lambda: order(requests, shop))))
    hanging.start()
    while shop.count("POST", "/orders") == 0:
        time.sleep(0.01)

    listed = http.get(f"{shop.base_url}/orders", timeout=SHORT)

    assert listed.status_code == 200
    hanging.join(2)
    assert isinstance(errors[0], requests.exceptions.ReadTimeout)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (503, {"message": "busy"}, {"message": "busy"}),
        (500, None, {"message": "Internal Server Error"}),
        (401, None, {"message": "Unauthorized"}),
    ],
)
def test_a_status_fault_answers_it_and_touches_no_state(shop, http, status, body, expected):
    shop.fault("/orders", "status", status=status, body=body)

    answer = order(http, shop)

    assert answer.status_code == status and answer.json() == expected
    assert shop.orders == []


def test_a_malformed_body_is_not_json(shop, http):
    shop.fault("/orders", "malformed", method="GET")

    answer = http.get(f"{shop.base_url}/orders", timeout=SHORT)

    assert answer.status_code == 200 and answer.text == MALFORMED_BODY
    with pytest.raises(requests.exceptions.JSONDecodeError):
        answer.json()


def test_a_dropped_connection_has_no_answer(shop, http):
    shop.fault("/orders", "drop")

    with pytest.raises(requests.exceptions.ConnectionError):
        order(http, shop)

    assert shop.orders == []


def test_a_fault_applies_to_the_next_calls_only_and_to_its_method(shop, http):
    shop.fault("/orders", "status", status=503, method="POST", times=2)

    listed = http.get(f"{shop.base_url}/orders", timeout=SHORT)
    answers = [order(http, shop).status_code for _ in range(3)]

    assert listed.status_code == 200
    assert answers == [503, 503, 201]
    assert shop.count("POST", "/orders") == 3  # faulted calls are counted
    assert [c.fault for c in shop.calls_to("/orders", "POST")] == ["status", "status", ""]
    assert shop.pending_faults == []


def test_faults_are_used_in_the_order_they_were_scripted(shop, http):
    shop.fault("/orders", "status", status=502)
    shop.fault("/orders", "status", status=504)

    answers = [order(http, shop).status_code for _ in range(3)]

    assert answers == [502, 504, 201]


def test_fail_next_keeps_its_meaning(shop, http):
    shop.fail_next("/orders", 429, {"message": "slow down"}, method="POST")
    shop.fail_next("/orders", None, delay=0.1, method="POST")

    limited = order(http, shop)
    slow_but_served = order(http, shop)

    assert limited.status_code == 429 and limited.json() == {"message": "slow down"}
    assert slow_but_served.status_code == 201
    assert len(shop.orders) == 1


def test_an_unknown_fault_kind_is_refused(shop):
    with pytest.raises(ValueError, match="unknown fault"):
        shop.fault("/orders", "explode")


# --------------------------------------------------------------------------- commit, then fail


@pytest.mark.parametrize(
    ("kind", "options", "seen_by_the_client"),
    [
        ("status", {"status": 502}, None),
        ("drop", {}, requests.exceptions.ConnectionError),
        ("hang", {}, requests.exceptions.ReadTimeout),
    ],
)
def test_commit_then_fail_changes_the_state_exactly_once(shop, http, kind, options, seen_by_the_client):
    shop.fault("/orders", kind, method="POST", after_commit=True, **options)

    if seen_by_the_client is None:
        assert order(http, shop).status_code == 502
    else:
        with pytest.raises(seen_by_the_client):
            order(http, shop)

    assert [o["id"] for o in shop.orders] == ["o1"]  # the order was created, its answer lost
    listed = http.get(f"{shop.base_url}/orders", timeout=SHORT).json()
    assert [o["id"] for o in listed["orders"]] == ["o1"]  # and it can be found afterwards
    assert shop.count("POST", "/orders") == 1
    assert shop.calls[0].fault == kind


def test_commit_then_answer_late(shop, http):
    shop.fault("/orders", "delay", after_commit=True, seconds=0.6)

    with pytest.raises(requests.exceptions.ReadTimeout):
        order(http, shop)

    assert len(shop.orders) == 1  # committed before the wait, unlike a plain delay


# --------------------------------------------------------------------------- shutdown


def test_stop_is_fast_even_with_a_hanging_call():
    shop = FakeShop().start()
    shop.fault("/orders", "hang")  # 30 seconds unless released
    outcome: dict[str, object] = {}
    caller = threading.Thread(
        target=lambda: outcome.update(error=caught(lambda: order(requests, shop, timeout=(1.0, 10.0))))
    )
    caller.start()
    deadline = time.monotonic() + 2
    while shop.count("POST", "/orders") == 0 and time.monotonic() < deadline:
        time.sleep(0.01)

    started = time.monotonic()
    shop.stop()
    stopped_in = time.monotonic() - started
    caller.join(2)

    assert stopped_in < 0.5
    assert not caller.is_alive()
    assert isinstance(outcome.get("error"), requests.exceptions.ConnectionError)


def test_a_server_works_as_a_context_manager():
    with FakeShop() as shop:
        assert requests.get(f"{shop.url}/orders", timeout=SHORT).status_code == 200

    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{shop.url}/orders", timeout=SHORT)
