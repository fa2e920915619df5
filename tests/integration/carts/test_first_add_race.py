"""Two first adds at once from a new visitor (no session yet: two tabs adding different products)
both end up in the cart (issue 9, point 7).

How the race is made. Two tabs of one browser share its cookie jar. Before this fix, each add
that found no session created its own, with a random key; the browser kept whichever session
cookie arrived last, and the other tab's item was in a cart no one would see again. Both requests
left the browser before either answer came back, so neither carries a session cookie; both carry
the visitor cookie the first page set (carts.session.VISITOR_COOKIE).

- test_two_first_adds_... replays that with two test clients that hold the same visitor cookie and
  no session cookie: the second request starts after the first has finished, which is the order
  in which a loser meets the winner's session (it cannot create the session, so it joins it).
- test_two_first_adds_at_the_same_instant_... (PostgreSQL) runs both in threads held at a barrier
  placed inside start_session, after each request has found that it has no session and before
  either creates one: both then race for the one session row.
"""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from carts import session as cart_session
from carts.session import VISITOR_COOKIE
from storefront.providers.local import models as m
from tests.functional.pages import Page

SESSION = settings.SESSION_COOKIE_NAME


def _visitor() -> str:
    """A new visitor opens a product page: the answer gives the browser its visitor id."""
    response = Client().get("/products/toor-dal-1kg/")
    assert response.status_code == 200
    return response.cookies[VISITOR_COOKIE].value


def _tab(visitor: str) -> Client:
    tab = Client()
    tab.cookies[VISITOR_COOKIE] = visitor
    return tab


def _add(tab: Client, slug: str):
    product = m.Product.objects.get(slug=slug)
    return tab.post("/cart/add/", {"product": str(product.pk), "quantity": "1"})


@pytest.mark.django_db
def test_two_first_adds_from_a_new_visitor_both_end_up_in_the_cart(demo):
    visitor = _visitor()
    first, second = _tab(visitor), _tab(visitor)

    a = _add(first, "toor-dal-1kg")
    b = _add(second, "almonds-500g")  # sent before the first answer came back: no session cookie

    assert a.status_code == b.status_code == 303
    # both answers name the same session, so whichever cookie the browser keeps has both items
    assert a.cookies[SESSION].value == b.cookies[SESSION].value
    key = a.cookies[SESSION].value
    (cart,) = m.LocalCart.objects.filter(session_key=key, status="open")
    assert sorted(ln.variant.product.slug for ln in cart.lines.select_related("variant__product")) == [
        "almonds-500g",
        "toor-dal-1kg",
    ]
    browser = Client()
    browser.cookies[SESSION] = key
    assert len(Page(browser.get("/cart/").content).line_ids) == 2
    # the visitor id has done its job: the answers drop it, and the session key is not it
    assert a.cookies[VISITOR_COOKIE].value == "" and visitor not in key


@pytest.mark.django_db
def test_a_first_add_without_a_visitor_cookie_still_starts_a_session(demo):
    response = _add(Client(), "toor-dal-1kg")

    assert response.status_code == 303
    key = response.cookies[SESSION].value
    assert m.LocalCart.objects.filter(session_key=key, status="open").count() == 1


@pytest.mark.django_db
def test_the_visitor_cookie_is_given_once_and_only_without_a_session(client, demo):
    first = client.get("/")
    assert first.cookies[VISITOR_COOKIE]["httponly"]
    assert VISITOR_COOKIE not in client.get("/products/").cookies  # the browser has one
    _add(client, "toor-dal-1kg")
    client.cookies.pop(VISITOR_COOKIE, None)
    assert VISITOR_COOKIE not in client.get("/").cookies  # a session exists: not needed


@pytest.mark.django_db
def test_two_visitors_never_share_a_session(demo):
    a = _add(_tab(_visitor()), "toor-dal-1kg")
    b = _add(_tab(_visitor()), "almonds-500g")

    assert a.cookies[SESSION].value != b.cookies[SESSION].value


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite's shared-cache test database answers concurrent writers with "
    "'database table is locked' at once instead of waiting",
)
@pytest.mark.django_db(transaction=True)
def test_two_first_adds_at_the_same_instant_both_end_up_in_the_cart(monkeypatch):
    call_command("seed_demo", stdout=StringIO())
    real_start = cart_session.start_session

    for _ in range(5):
        visitor = _visitor()
        barrier = threading.Barrier(2)

        def held_start(request, session, barrier=barrier):
            # both requests have found no session; neither has created one yet
            barrier.wait(timeout=10)
            return real_start(request, session)

        monkeypatch.setattr(cart_session, "start_session", held_start)
        answers: dict[str, object] = {}
        errors: list[BaseException] = []

        def tab(slug: str, visitor=visitor, answers=answers, errors=errors) -> None:
            try:
                answers[slug] = _add(_tab(visitor), slug)
            except BaseException as exc:  # noqa: BLE001 - reported to the test thread
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=tab, args=(s,)) for s in ("toor-dal-1kg", "almonds-500g")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert errors == []
        keys = {answer.cookies[SESSION].value for answer in answers.values()}
        assert len(keys) == 1, "both tabs must end in one session"
        (cart,) = m.LocalCart.objects.filter(session_key=keys.pop(), status="open")
        assert cart.lines.count() == 2
