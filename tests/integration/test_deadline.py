"""One deadline per storefront request (storefront.deadline) for all the upstream calls it makes:
ProviderHTTP cuts each call's timeouts to what is left, stops retrying when time runs out, and
makes no call once it is spent."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from storefront import deadline
from storefront.envelopes import PlainJSON
from storefront.exceptions import DeadlineExceeded, ProviderUnavailable
from storefront.http import ProviderHTTP, StaticHeaders
from storefront.middleware import RequestDeadlineMiddleware
from tests.fakes.scripted_server import Answer, ScriptedServer

MARGIN = 0.25  # scheduling slack on a shared machine


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


def http_for(server, *, timeout=(0.5, 0.5)) -> ProviderHTTP:
    return ProviderHTTP(
        base_url=server.base_url, timeout=timeout, auth=StaticHeaders(), envelope=PlainJSON(), name="t"
    )


def test_calls_of_one_request_share_the_read_timeout_and_the_last_is_not_made(server):
    server.script("/slow", Answer(body={}, delay=0.3))
    http = http_for(server)
    outcomes = []

    started = time.monotonic()
    with deadline.request_scope():
        for _ in range(3):
            try:
                http.json("GET", "/slow")
                outcomes.append("answered")
            except DeadlineExceeded:
                outcomes.append("not made")
            except ProviderUnavailable:
                outcomes.append("timed out")
    elapsed = time.monotonic() - started

    # 0.3 s answered; the second had 0.2 s left and timed out; the third was never sent
    assert outcomes == ["answered", "timed out", "not made"]
    assert elapsed < 0.5 + MARGIN
    assert server.count("GET", "/slow") == 2


def test_outside_a_request_every_call_gets_the_full_timeouts(server):
    server.script("/slow", Answer(body={}, delay=0.3))
    http = http_for(server)

    for _ in range(3):
        assert http.json("GET", "/slow") == {}


def test_retries_of_a_safe_read_stop_when_the_deadline_would_pass(server):
    server.script("/cart", Answer(503, {"message": "busy"}, delay=0.2))
    http = http_for(server)  # two retries with 0.2 s and 0.4 s backoff would take 1.2 s

    started = time.monotonic()
    with deadline.request_scope(), pytest.raises(ProviderUnavailable):
        http.json("GET", "/cart")

    assert time.monotonic() - started < 0.5 + MARGIN
    assert server.count("GET", "/cart") == 2


def test_a_hanging_provider_holds_a_request_no_longer_than_its_read_timeout_whatever_it_calls(server):
    server.fault("/cart", "hang", seconds=3, times=5)
    http = http_for(server, timeout=(0.3, 0.4))
    rf = RequestFactory()

    def view(request):
        for _ in range(5):
            with contextlib.suppress(ProviderUnavailable):
                http.json("GET", "/cart")
        return HttpResponse("done")

    started = time.monotonic()
    response = RequestDeadlineMiddleware(view)(rf.get("/"))

    assert response.content == b"done"
    assert time.monotonic() - started < 0.4 + MARGIN
    assert deadline.remaining(1) is None  # the scope ends with the request


def test_remaining_is_counted_from_the_start_of_the_request():
    with deadline.request_scope(started=time.monotonic() - 2):
        assert deadline.remaining(10) == pytest.approx(8, abs=0.05)
        assert deadline.in_request()
    assert not deadline.in_request()
