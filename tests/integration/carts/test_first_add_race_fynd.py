"""Two first adds at once from a new visitor on Fynd, whose carts are created upstream by the add
itself (issue 9, point 7 for remote carts).

The visitor cookie already puts both tabs in one session (test_first_add_race.py). What is left
for a provider like Fynd: both requests find no cart id in that session, both ask Fynd to start a
cart, and the session keeps the last one, so the other tab's item is lost. The first add now runs
under a short per-session lock in the cache (CartSession.first_cart); the request that loses waits,
re-reads the session and adds to the winner's cart.

How the race is made: tab A's add reaches the fake Fynd, whose cart-creating answer is held back
(a `delay` fault); tab B's add is sent while A is still waiting for it, carrying the same visitor
cookie and no session cookie, exactly as the second tab of a browser would. Without the lock B
starts a second Fynd cart (verified: the test fails with two cart-creating calls).
"""

from __future__ import annotations

import threading
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import Client

from carts import session as cart_session
from carts.session import VISITOR_COOKIE
from tests.fakes.fynd_server import CART, FakeFynd, fake_fynd  # noqa: F401 - the fixture
from tests.functional.pages import Page

SESSION = settings.SESSION_COOKIE_NAME
ADD = CART + "/detail"


@pytest.fixture
def fynd(fake_fynd: FakeFynd) -> FakeFynd:  # noqa: F811
    call_command("seed_demo", stdout=StringIO())
    call_command(
        "provider", "add", "--kind", "fynd", "--name", "fynd-race", "--base-url", fake_fynd.base_url,
        "--set", f"application_id={fake_fynd.app_id}", "--set", f"application_token={fake_fynd.app_token}",
        "--activate", stdout=StringIO(),
    )  # fmt: skip
    return fake_fynd


def _cart_creating_calls(fake: FakeFynd) -> int:
    return sum(1 for call in fake.calls_to(ADD, "POST") if (call.body or {}).get("new_cart") is True)


def _tab(visitor: str) -> Client:
    tab = Client()
    tab.cookies[VISITOR_COOKIE] = visitor
    return tab


@pytest.mark.django_db(transaction=True)
def test_two_first_adds_at_once_end_in_one_fynd_cart(fynd):
    visitor = Client().get("/products/").cookies[VISITOR_COOKIE].value
    fynd.fault(ADD, "delay", method="POST", seconds=0.8)  # A's cart is being made upstream...
    answers: dict[str, object] = {}
    errors: list[BaseException] = []

    def tab(product: str, size: str) -> None:
        try:
            answers[product] = _tab(visitor).post(
                "/cart/add/", {"product": product, "size": size, "quantity": "1"}
            )
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    first = threading.Thread(target=tab, args=("7501", "M"))
    first.start()
    deadline = time.monotonic() + 10
    while not fynd.calls_to(ADD, "POST") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert fynd.calls_to(ADD, "POST"), "tab A never reached Fynd"
    second = threading.Thread(target=tab, args=("7503", "OS"))  # ...when tab B adds its item
    second.start()
    first.join(timeout=30)
    second.join(timeout=30)

    assert errors == []
    assert answers["7501"].status_code == answers["7503"].status_code == 303
    assert _cart_creating_calls(fynd) == 1, "only one of the two adds may start a Fynd cart"
    app = fynd.apps[fynd.app_id]
    assert len(app.carts) == 1
    (cart,) = app.carts.values()
    assert sorted(line.item_id for line in cart.lines) == [7501, 7503]
    # whichever session cookie the browser keeps, its cart shows both items
    keys = {answer.cookies[SESSION].value for answer in answers.values() if SESSION in answer.cookies}
    assert len(keys) == 1
    browser = Client()
    browser.cookies[SESSION] = keys.pop()
    assert len(Page(browser.get("/cart/").content).line_ids) == 2


@pytest.mark.django_db(transaction=True)
def test_a_second_add_after_the_first_uses_the_cart_without_waiting(fynd):
    """The lock only guards the first add: with a cart id in the session nothing waits or
    re-reads, and no new cart is started."""
    browser = _tab(Client().get("/products/").cookies[VISITOR_COOKIE].value)
    browser.post("/cart/add/", {"product": "7501", "size": "M", "quantity": "1"})
    started = time.monotonic()
    browser.post("/cart/add/", {"product": "7503", "size": "OS", "quantity": "1"})

    assert time.monotonic() - started < 2
    assert _cart_creating_calls(fynd) == 1
    (cart,) = fynd.apps[fynd.app_id].carts.values()
    assert len(cart.lines) == 2


class _DownCache:
    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache down")

        return fail


@pytest.mark.django_db(transaction=True)
def test_a_cache_that_cannot_be_reached_does_not_stop_a_first_add(fynd, monkeypatch):
    browser = _tab(Client().get("/products/").cookies[VISITOR_COOKIE].value)
    monkeypatch.setattr(cart_session, "cache", _DownCache())

    response = browser.post("/cart/add/", {"product": "7501", "size": "M", "quantity": "1"})

    assert response.status_code == 303
    (cart,) = fynd.apps[fynd.app_id].carts.values()
    assert len(cart.lines) == 1
