"""Commerce Engine, the gaps left after issue 11: a guest's lost order is reconciled without their
browser (`manage.py reconcile_orders`), and one guest's parallel requests refresh their rotating
token once (the others take the new pair instead of spending the old refresh token again)."""

from __future__ import annotations

import threading
import uuid
from io import StringIO

import pytest
from django.core.management import call_command

from storefront.ledger import OrderOutcomeUnknown
from storefront.models import OrderAttempt
from storefront.providers.base import CartContext
from storefront.providers.commerce_engine.tokens import AttemptTokens
from tests.integration.providers import test_commerce_engine_provider as ce_tests
from tests.integration.providers.test_commerce_engine_provider import RICE, Browser, add, ready

fake = ce_tests.fake  # the fake server and the active account, as the adapter's own tests have them
shop = ce_tests.shop


def lose_a_guests_order(shop, fake, browser):
    ready(shop, browser)
    fake.fault("/orders", "drop", method="POST", after_commit=True)
    with pytest.raises(OrderOutcomeUnknown):
        shop.place_order(browser.ctx, idempotency_key=uuid.uuid4().hex, payment_mode="online")
    attempt = OrderAttempt.objects.get()
    assert attempt.state == OrderAttempt.State.UNKNOWN and attempt.user_id is None
    return attempt


def reconcile() -> str:
    out = StringIO()
    call_command("reconcile_orders", stdout=out)
    return out.getvalue()


def test_a_guests_lost_order_is_reconciled_by_the_command_and_never_sent_again(shop, fake):
    browser = Browser(origin="https://shop.example")
    attempt = lose_a_guests_order(shop, fake, browser)
    (made,) = fake.orders.keys()

    said = reconcile()

    attempt.refresh_from_db()
    assert attempt.state == OrderAttempt.State.PLACED and attempt.upstream_id == made
    assert "1 placed" in said and made in said
    assert fake.count("POST", "/orders") == 1
    assert fake.count("GET", "/orders") == 1
    # the guest's order page (their link) shows CE's order number
    order = shop.get_order(Browser().ctx, order_id=made, guest_token=attempt.guest_token)
    assert order.id == made


def test_the_guests_tokens_on_the_attempt_are_encrypted(shop, fake):
    browser = Browser()
    attempt = lose_a_guests_order(shop, fake, browser)
    token = fake.calls_to("/orders", method="POST")[0].headers.get("authorization", "")[7:]
    refresh = shop._store(browser.ctx).read()["refresh_token"]

    stored = str(OrderAttempt.objects.filter(pk=attempt.pk).values_list("record", flat=True).get())

    assert token and token not in stored and refresh not in stored
    assert AttemptTokens(attempt).read()["access_token"] == token  # readable with CREDENTIALS_KEY


def test_reconciling_with_an_expired_token_refreshes_once_and_the_guest_keeps_their_session(shop, fake):
    browser = Browser()
    attempt = lose_a_guests_order(shop, fake, browser)
    fake.expire_access_tokens()

    reconcile()

    attempt.refresh_from_db()
    assert attempt.state == OrderAttempt.State.PLACED
    assert fake.count("POST", "/auth/refresh-token") == 1
    # the guest's session still holds the refresh token the command spent: it takes the rotated
    # pair instead of being refused and starting a new anonymous user
    add(shop, browser, RICE)
    assert fake.count("POST", "/auth/refresh-token") == 1
    assert fake.count("POST", "/auth/anonymous") == 1


def test_pressing_place_order_again_from_a_session_that_lost_its_tokens_finds_the_order(shop, fake):
    browser = Browser()
    ready(shop, browser)
    key = uuid.uuid4().hex
    fake.fault("/orders", "drop", method="POST", after_commit=True)
    with pytest.raises(OrderOutcomeUnknown):
        shop.place_order(browser.ctx, idempotency_key=key, payment_mode="online")
    (made,) = fake.orders.keys()
    browser.session.clear()  # e.g. the session Commerce Engine refused and replaced

    order = shop.place_order(browser.ctx, idempotency_key=key, payment_mode="online")

    assert order.id == made
    assert fake.count("POST", "/orders") == 1


def test_a_guests_attempt_that_never_reached_the_store_is_not_placed(shop, fake):
    browser = Browser()
    ready(shop, browser)
    fake.fault("/orders", "drop", method="POST")  # lost before Commerce Engine saw it
    with pytest.raises(OrderOutcomeUnknown):
        shop.place_order(browser.ctx, idempotency_key=uuid.uuid4().hex, payment_mode="online")

    reconcile()

    attempt = OrderAttempt.objects.get()
    assert attempt.state == OrderAttempt.State.FAILED
    assert fake.orders == {} and fake.count("POST", "/orders") == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_of_one_guest_refresh_their_expired_token_once(shop, fake):
    browser = Browser()
    add(shop, browser, RICE, quantity=2)
    fake.expire_access_tokens()
    # five requests of the same browser, each with the session data as it loaded it
    sessions = [dict(browser.session) for _ in range(5)]
    start = threading.Barrier(5)
    results: list = [None] * 5

    def request(i: int) -> None:
        ctx = CartContext(cart_id=browser.cart_id, session=sessions[i], session_key="sk")
        start.wait()
        try:
            results[i] = shop.get_cart(ctx)
        except Exception as exc:  # noqa: BLE001 - the assertion below names it
            results[i] = exc

    threads = [threading.Thread(target=request, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert [type(r).__name__ for r in results] == ["Cart"] * 5
    assert all(r.lines[0].quantity == 2 and not r.messages for r in results)
    assert fake.count("POST", "/auth/refresh-token") == 1
    assert fake.count("POST", "/auth/anonymous") == 1  # nobody was given a new session
    # whichever request's session is saved last, it holds the rotated pair
    pairs = {shop._store(CartContext(session=s)).read()["refresh_token"] for s in sessions}
    assert len(pairs) == 1


def test_the_admins_reconcile_action_places_a_guests_lost_order_and_never_shows_their_tokens(
    shop, fake, client
):
    from django.contrib.auth import get_user_model

    attempt = lose_a_guests_order(shop, fake, Browser())
    (made,) = fake.orders.keys()
    sealed = attempt.record[AttemptTokens.KEY]
    root = get_user_model().objects.create_superuser(
        username="ce-root", email="ce-root@example.in", password="admin-pass-123"
    )
    client.force_login(root)

    done = client.post(
        "/admin/storefront/orderattempt/",
        {"action": "reconcile", "_selected_action": [attempt.pk]},
        follow=True,
    )
    detail = client.get(f"/admin/storefront/orderattempt/{attempt.pk}/change/")

    attempt.refresh_from_db()
    assert attempt.state == OrderAttempt.State.PLACED and attempt.upstream_id == made
    assert f"{attempt.reference}: Placed".encode() in done.content
    assert fake.count("POST", "/orders") == 1
    assert detail.status_code == 200 and made.encode() in detail.content
    assert sealed.encode() not in detail.content and b"ce_tokens" not in detail.content


def test_a_guest_copy_commerce_engine_no_longer_refreshes_stays_unknown_and_is_not_resent(shop, fake):
    attempt = lose_a_guests_order(shop, fake, Browser())
    kept = AttemptTokens(attempt)
    kept.write({**kept.read(), "refresh_token": "spent"})
    fake.expire_access_tokens()

    said = reconcile()

    attempt.refresh_from_db()
    assert attempt.state == OrderAttempt.State.UNKNOWN  # for an operator, never guessed
    assert "1 still unknown" in said
    assert fake.count("POST", "/orders") == 1  # the 401 and the refused refresh changed nothing
