"""Twenty submits of one checkout key at the same moment send one order upstream (PostgreSQL)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from storefront import ledger
from storefront.models import OrderAttempt, ProviderAccount
from storefront.providers.base import Resolution

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent writers on SQLite's shared in-memory test database fail "
        "at once instead of waiting; the unique key under concurrency is what this test is about",
    ),
    pytest.mark.django_db(transaction=True),
]


def test_twenty_concurrent_submits_of_one_key_send_one_order():
    account = ProviderAccount.objects.create(kind="fynd", name="ledger-race")
    sent: list[str] = []
    lock = threading.Lock()

    def send(attempt: OrderAttempt) -> ledger.Sent:
        with lock:
            sent.append(attempt.reference)
        time.sleep(0.3)  # the upstream call takes a while; the others arrive meanwhile
        return ledger.Sent("UP-1", {})

    barrier = threading.Barrier(20)
    results: list[object] = []

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            row = ledger.place_once(
                account=account,
                role="shop",
                key="same-key",
                send=send,
                reconcile=lambda attempt: Resolution(None),
            )
            results.append(row.order_id)
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not any(t.is_alive() for t in threads)
    assert len(sent) == 1
    assert results == ["UP-1"] * 20
    assert OrderAttempt.objects.filter(account=account).count() == 1
