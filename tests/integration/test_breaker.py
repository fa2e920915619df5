"""The circuit breaker per provider account (storefront.breaker) through ProviderHTTP against a real
HTTP server: what counts as a failure, failing fast while open, one probe after the cool-down, and
every process agreeing through the shared cache."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from django.test import override_settings

from storefront import deadline, ledger
from storefront.breaker import CLOSED, HALF_OPEN, OPEN, Breaker
from storefront.envelopes import PlainJSON
from storefront.exceptions import (
    MSG_UNAVAILABLE,
    CircuitOpen,
    ProviderRejected,
    ProviderUnavailable,
)
from storefront.http import ProviderHTTP, StaticHeaders
from storefront.models import OrderAttempt
from tests.fakes.scripted_server import Answer, ScriptedServer

FAILURES, COOLDOWN = 3, 30.0
pytestmark = pytest.mark.usefixtures("breaker_settings")


@pytest.fixture
def breaker_settings():
    with override_settings(PROVIDER_BREAKER_FAILURES=FAILURES, PROVIDER_BREAKER_COOLDOWN=COOLDOWN):
        yield


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


def http_for(server, clock, *, key="account:7", timeout=(0.5, 0.3)) -> ProviderHTTP:
    """One app process's client for the account `key` (each has its own pooled sessions)."""
    return ProviderHTTP(
        base_url=server.base_url,
        timeout=timeout,
        auth=StaticHeaders(),
        envelope=PlainJSON(),
        name="testprov",
        breaker=Breaker(key, probe_hold=2, clock=clock),
    )


def fail_times(http, n, path="/cart"):
    for _ in range(n):
        with pytest.raises(ProviderUnavailable):
            http.json("POST", path, json_body={})


# --------------------------------------------------------------------------- what counts


def test_consecutive_5xx_open_the_breaker_and_calls_then_fail_fast_without_a_request(server, clock):
    server.script("/cart", Answer(503, {"message": "down"}))
    http = http_for(server, clock)
    fail_times(http, FAILURES)

    started = time.monotonic()
    with pytest.raises(CircuitOpen) as caught:
        http.json("POST", "/cart", json_body={})

    assert time.monotonic() - started < 0.05
    assert caught.value.user_message == MSG_UNAVAILABLE
    assert server.count("POST", "/cart") == FAILURES
    assert http.breaker.status().state == OPEN


def test_timeouts_and_dropped_connections_count_as_failures(server, clock):
    http = http_for(server, clock)
    server.fault("/cart", "hang", seconds=2)
    server.fault("/cart", "drop")
    server.fault("/cart", "hang", seconds=2)
    fail_times(http, 3)

    assert http.breaker.status().state == OPEN


@pytest.mark.parametrize("status", [400, 401, 404, 409, 422])
def test_refusals_never_open_it(server, clock, status):
    server.script("/cart", Answer(status, {"message": "no"}))
    http = http_for(server, clock)
    for _ in range(FAILURES + 2):
        with pytest.raises(Exception):  # noqa: B017 - whichever typed refusal the status maps to
            http.json("POST", "/cart", json_body={})

    assert server.count("POST", "/cart") == FAILURES + 2
    assert http.breaker.status() == http.breaker.status().__class__(CLOSED, 0, 0.0)


def test_a_success_resets_the_count_of_consecutive_failures(server, clock):
    server.script(
        "/cart", Answer(500), Answer(500), Answer(200, {}), Answer(500), Answer(500), Answer(200, {})
    )
    http = http_for(server, clock)
    fail_times(http, 2)
    http.json("POST", "/cart", json_body={})
    fail_times(http, 2)

    assert http.breaker.status().state == CLOSED
    http.json("POST", "/cart", json_body={})
    assert http.breaker.status().failures == 0


def test_a_timeout_the_request_deadline_cut_short_is_not_held_against_the_provider(server, clock):
    server.script("/slow", Answer(body={}, delay=0.6))
    http = http_for(server, clock, timeout=(0.5, 1.0))
    for _ in range(FAILURES):
        # each request has already spent most of its 1 s budget before calling
        with deadline.request_scope(started=time.monotonic() - 0.8), pytest.raises(ProviderUnavailable):
            http.json("GET", "/slow")

    assert http.breaker.status().state == CLOSED


@override_settings(PROVIDER_BREAKER_FAILURES=0)
def test_zero_switches_breakers_off(server, clock):
    server.script("/cart", Answer(500))
    http = http_for(server, clock)
    fail_times(http, 6)

    assert server.count("POST", "/cart") == 6


# --------------------------------------------------------------------------- cool-down and probe


def test_after_the_cool_down_one_probe_goes_through_and_its_success_closes_it(server, clock):
    server.script("/cart", Answer(500), Answer(500), Answer(500), Answer(200, {"ok": True}))
    http = http_for(server, clock)
    fail_times(http, FAILURES)
    clock.now += COOLDOWN - 1
    with pytest.raises(CircuitOpen):
        http.json("POST", "/cart", json_body={})

    clock.now += 1
    assert http.breaker.status().state == HALF_OPEN
    assert http.json("POST", "/cart", json_body={}) == {"ok": True}

    assert http.breaker.status().state == CLOSED
    assert server.count("POST", "/cart") == FAILURES + 1


def test_a_failed_probe_opens_it_for_another_cool_down(server, clock):
    server.script("/cart", Answer(500))
    http = http_for(server, clock)
    fail_times(http, FAILURES)
    clock.now += COOLDOWN

    fail_times(http, 1)  # the probe

    status = http.breaker.status()
    assert status.state == OPEN
    assert status.retry_in == pytest.approx(COOLDOWN)
    with pytest.raises(CircuitOpen):
        http.json("POST", "/cart", json_body={})
    assert server.count("POST", "/cart") == FAILURES + 1


def test_while_the_probe_is_out_everyone_else_still_fails_fast(server, clock):
    server.script("/cart", Answer(500), Answer(500), Answer(500), Answer(200, {}, delay=0.1))
    processes = [http_for(server, clock) for _ in range(6)]
    fail_times(processes[0], FAILURES)
    clock.now += COOLDOWN
    outcomes: list[str] = []

    def shop(http):
        try:
            http.json("POST", "/cart", json_body={})
            outcomes.append("answered")
        except CircuitOpen:
            outcomes.append("failed fast")

    threads = [threading.Thread(target=shop, args=(http,)) for http in processes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["answered"] + ["failed fast"] * 5
    assert server.count("POST", "/cart") == FAILURES + 1
    assert processes[3].breaker.status().state == CLOSED


def test_every_process_of_an_account_agrees_and_other_accounts_are_untouched(server, clock):
    server.script("/cart", Answer(500))
    one, two = http_for(server, clock), http_for(server, clock)
    other_account = http_for(server, clock, key="account:8")
    fail_times(one, 2)
    fail_times(two, 1)

    with pytest.raises(CircuitOpen):
        one.json("POST", "/cart", json_body={})
    assert other_account.breaker.status().state == CLOSED
    fail_times(other_account, 1)  # reaches the server
    assert server.count("POST", "/cart") == 4


def test_staff_can_close_it_by_hand(server, clock):
    server.script("/cart", Answer(500), Answer(500), Answer(500), Answer(200, {}))
    http = http_for(server, clock)
    fail_times(http, FAILURES)

    http.breaker.reset()

    assert http.json("POST", "/cart", json_body={}) == {}


# --------------------------------------------------------------------------- orders


@pytest.mark.django_db
def test_an_order_the_open_breaker_kept_from_being_sent_is_not_placed_and_may_be_tried_again():
    def not_sent(attempt):
        raise CircuitOpen()

    with pytest.raises(CircuitOpen):
        ledger.place_once(
            account=None, role="shop", key="k-1", send=not_sent, reconcile=lambda a: pytest.fail("no")
        )
    attempt = OrderAttempt.objects.get()
    assert attempt.state == OrderAttempt.State.FAILED
    assert attempt.note == "not sent: CircuitOpen"

    placed = ledger.place_once(
        account=None, role="shop", key="k-1", send=lambda a: ledger.Sent("UP-1"), reconcile=lambda a: None
    )
    assert (placed.pk, placed.state, placed.upstream_id) == (attempt.pk, OrderAttempt.State.PLACED, "UP-1")


def test_a_refusal_is_not_a_failure_even_as_the_last_straw(server, clock):
    server.script("/cart", Answer(500), Answer(500), Answer(422, {"message": "no such size"}))
    http = http_for(server, clock)
    fail_times(http, 2)
    with pytest.raises(ProviderRejected):
        http.json("POST", "/cart", json_body={})

    assert http.breaker.status().state == CLOSED
