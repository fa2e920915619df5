"""One guest's parallel page loads when their Commerce Engine access token has expired: the
refresh is made once (Commerce Engine rotates the refresh token and refuses a spent one), every
page shows the cart, and nobody is handed a new anonymous session."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.functional.carts import test_commerce_engine_pages as ce_pages

fake = ce_pages.fake  # the fake server and the active account, as the pages' own tests have them
ce = ce_pages.ce


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: five requests saving one session on SQLite's shared in-memory test "
    "database fail at once (SessionInterrupted) instead of waiting; the provider-level test in "
    "tests/integration/providers/test_commerce_engine_gaps.py runs everywhere",
)
@pytest.mark.django_db(transaction=True)
def test_five_parallel_pages_of_a_guest_with_an_expired_token_refresh_once(client, ce, fake):
    ce_pages.add(client, ce_pages.RICE, 2)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    fake.expire_access_tokens()
    start = threading.Barrier(5)
    pages: list = [None] * 5

    def load(i: int) -> None:
        browser = Client()
        browser.cookies[settings.SESSION_COOKIE_NAME] = cookie
        start.wait()
        try:
            response = browser.get(reverse("carts:cart"))
            pages[i] = (response.status_code, response.content.decode())
        except Exception as exc:  # noqa: BLE001 - the assertion below names it
            pages[i] = (0, repr(exc))

    threads = [threading.Thread(target=load, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert [status for status, _ in pages] == [200] * 5, [text[:300] for _, text in pages]
    for _, page in pages:
        assert 'data-line-quantity="2"' in page and 'data-message-level="error"' not in page
    assert fake.count("POST", "/auth/refresh-token") == 1
    assert fake.count("POST", "/auth/anonymous") == 1
    # and the next page, whichever session copy was saved last, needs no refresh and no new user
    later = client.get(reverse("carts:cart")).content.decode()
    assert 'data-line-quantity="2"' in later
    assert fake.count("POST", "/auth/refresh-token") == 1 and fake.count("POST", "/auth/anonymous") == 1
