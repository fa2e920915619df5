"""Two requests adding to one customer's cart at the same moment lose nothing."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.cache import SessionStore
from django.core.management import call_command
from django.db import connection, connections

from carts import selectors, services
from carts.session import CartSession
from storefront.providers.local import models as m
from tests.conftest import SHOPPER_EMAIL

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite's in-memory test database is shared between threads through "
    "shared-cache mode, which answers concurrent writers with 'database table is locked' at once "
    "instead of waiting; row locking is what this test is about",
)


def _add_concurrently(user, variant: m.Variant, quantities: list[int]) -> list[BaseException]:
    barrier = threading.Barrier(len(quantities))
    errors: list[BaseException] = []

    def worker(quantity: int) -> None:
        try:
            # a separate browser session each, like two tabs or two devices
            cs = CartSession(session=SessionStore(), user=user)
            barrier.wait(timeout=10)
            services.cart_add_item(
                cs=cs, product_id=str(variant.product_id), variant_id=None, quantity=quantity
            )
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(q,)) for q in quantities]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("cart_exists", [False, True], ids=["first-add", "existing-cart"])
def test_concurrent_adds_to_one_customer_cart_lose_nothing(cart_exists):
    call_command("seed_demo", stdout=StringIO())
    user = get_user_model().objects.get(email=SHOPPER_EMAIL)
    cs = CartSession(session=SessionStore(), user=user)
    dal = m.Variant.objects.get(product__slug="toor-dal-1kg")
    if cart_exists:
        almonds = m.Variant.objects.get(product__slug="almonds-500g")
        services.cart_add_item(cs=cs, product_id=str(almonds.product_id), variant_id=None, quantity=1)

    for _ in range(5):
        if not cart_exists:
            m.LocalCart.objects.filter(user=user).delete()
        # when two requests add 1 and 2 of the same product at once
        errors = _add_concurrently(user, dal, [1, 2])

        # then both succeed and the line holds the sum
        assert errors == []
        cart = selectors.cart_get(cs=cs)
        (line,) = [ln for ln in cart.lines if ln.product.slug == "toor-dal-1kg"]
        assert line.quantity == 3
        assert m.LocalCart.objects.filter(user=user, status="open", buy_now=False).count() == 1
        services.cart_remove_line(cs=cs, line_id=line.id)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tabs_of_one_anonymous_session_adding_at_once_share_one_cart():
    call_command("seed_demo", stdout=StringIO())
    dal = m.Variant.objects.get(product__slug="toor-dal-1kg")
    almonds = m.Variant.objects.get(product__slug="almonds-500g")

    for _ in range(5):
        # given a browser session with no cart yet, open in two tabs (the same session cookie)
        session = SessionStore()
        session.save()
        key = session.session_key
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def tab(variant: m.Variant, key=key, barrier=barrier, errors=errors) -> None:
            try:
                cs = CartSession(session=SessionStore(session_key=key))
                barrier.wait(timeout=10)
                services.cart_add_item(cs=cs, product_id=str(variant.product_id), variant_id=None, quantity=1)
            except BaseException as exc:  # noqa: BLE001 - reported to the test thread
                errors.append(exc)
            finally:
                connections.close_all()

        # when both tabs add their first item at the same moment
        threads = [threading.Thread(target=tab, args=(v,)) for v in (dal, almonds)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        # then both items are in the one cart the session finds
        assert errors == []
        cart = selectors.cart_get(cs=CartSession(session=SessionStore(session_key=key)))
        assert sorted(ln.product.slug for ln in cart.lines) == ["almonds-500g", "toor-dal-1kg"]
        assert m.LocalCart.objects.filter(session_key=key, status="open").count() == 1
