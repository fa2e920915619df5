"""Exactly-once voucher orders on PostgreSQL against the fake EnKash server: twenty submits of one
key at the same moment make one upstream order and take the balances once; a create-order that
EnKash commits but whose answer is lost (timeout) is reconciled to that order by its reference,
and its codes are shown; nothing lost, nothing doubled."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections

from storefront.models import ProviderAccount
from storefront.providers import get_voucher_provider, registry
from storefront.providers.local import models as wallet
from tests.conftest import SHOPPER_EMAIL
from tests.fakes.enkash_server import CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, fake_enkash  # noqa: F401
from vouchers import fulfilment, selectors, services
from vouchers import models as vm

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent writers on SQLite's shared in-memory test database fail at "
        "once instead of waiting; row locks and the unique key under concurrency are what this is about",
    ),
    pytest.mark.django_db(transaction=True),
]
CREATE = "/api/v0/partner/create-order"
MYNTRA = "PC7513531244A681"


@pytest.fixture
def setup(fake_enkash):  # noqa: F811
    call_command("seed_demo", verbosity=0)
    account = ProviderAccount(kind="enkash", name="enkash-pg", base_url=fake_enkash.base_url)
    account.connect_timeout, account.read_timeout = 0.5, 1.0
    account.set_credentials(
        {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "username": USERNAME, "password": PASSWORD}
    )
    account.save()
    registry.activate(account)
    shopper = get_user_model().objects.get(email=SHOPPER_EMAIL)
    wallet.LoyaltyAccount.objects.filter(user=shopper).update(points=12_800)
    return fake_enkash, shopper


def _token(shopper) -> str:
    provider = get_voucher_provider()
    services.voucher_cart_add(
        provider=provider, user=shopper, product_id=MYNTRA, denomination_id="PCN5915678VIB1A121", quantity="2"
    )
    cart = selectors.voucher_cart_get(provider=provider, user=shopper)
    return services.voucher_issue_key(cart=cart, user=shopper)


def test_twenty_concurrent_submits_of_one_key_make_one_upstream_order(setup):
    enkash, shopper = setup
    token = _token(shopper)
    enkash.fault(CREATE, "delay", seconds=0.4)  # the others arrive while EnKash is working
    barrier = threading.Barrier(20)
    results: list[object] = []

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            placed = services.voucher_order_place(provider=get_voucher_provider(), user=shopper, token=token)
            results.append(placed.order.reference)
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
    (reference,) = set(results)
    assert isinstance(reference, str)
    assert len(enkash.calls_to(CREATE)) == 1 and enkash.upstream_orders() == 1
    assert vm.VoucherOrder.objects.count() == 1
    # paid once: ₹980 = ₹250 credit + 2,920 points
    assert wallet.StoreCredit.objects.get(user=shopper).balance == Decimal("0.00")
    assert wallet.LoyaltyAccount.objects.get(user=shopper).points == 12_800 - 2_920


def test_commit_then_timeout_is_reconciled_to_that_order_and_its_codes(setup):
    enkash, shopper = setup
    token = _token(shopper)
    enkash.fault(CREATE, "hang", after_commit=True, seconds=3)
    placed = services.voucher_order_place(provider=get_voucher_provider(), user=shopper, token=token)
    assert not placed.confirmed and placed.order.attempt.state == "unknown"
    assert enkash.upstream_orders() == 1
    again = services.voucher_order_place(provider=get_voucher_provider(), user=shopper, token=token)
    assert again.order.pk == placed.order.pk
    order = fulfilment.voucher_order_check(vm.VoucherOrder.objects.get(pk=placed.order.pk))
    assert order.status == "success" and order.attempt.state == "placed"
    assert vm.IssuedVoucher.objects.filter(order=order).count() == 2
    upstream = enkash.order_by_reference(f"{order.reference}-1")
    assert {v.secret()["code"] for v in order.vouchers.all()} == {v["cardNumber"] for v in upstream.vouchers}
    assert len(enkash.calls_to(CREATE)) == 1 and vm.VoucherOrder.objects.count() == 1
