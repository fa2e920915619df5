"""Voucher services below the views: payment splits, the ledger's on_claim transaction, the
background job and its command, the seed, and the local provider's contract."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from storefront import ledger
from storefront.models import OrderAttempt
from storefront.providers import get_voucher_provider
from storefront.providers.base import Role, conformance_problems
from storefront.providers.local import models as m
from storefront.providers.local import voucher_models as lvm
from storefront.providers.local.pricing import POINT_VALUE
from storefront.providers.types import Capability
from vouchers import fulfilment, payment, services, tasks
from vouchers import models as vm


@given(
    total=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2),
    credit=st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=2),
    points=st.integers(min_value=0, max_value=40_000),
)
def test_split_pays_credit_first_then_whole_points_and_never_less_than_the_total(total, credit, points):
    have = payment.Balance(credit=credit, points=points)
    if total > have.total:
        with pytest.raises(payment.InsufficientBalance) as refused:
            payment.split(total, have)
        assert refused.value.missing == total - have.total
        return
    paid = payment.split(total, have)
    assert paid.credit <= credit and paid.points <= points
    assert total <= paid.total < total + POINT_VALUE
    if paid.credit >= POINT_VALUE or paid.points == 0:
        assert paid.total == total  # exact unless less than a point's worth of credit was taken


def test_give_back_returns_points_first_then_credit(shopper):
    paid = payment.Payment(credit=Decimal("250.00"), points=1000)  # ₹500 paid
    back = payment.give_back(shopper, amount=Decimal("300.00"), paid=paid)
    assert (back.points, back.credit) == (1000, Decimal("50.00"))
    assert payment.balance(shopper) == payment.Balance(credit=Decimal("300.00"), points=1800)


@pytest.mark.django_db
def test_on_claim_runs_in_the_attempts_transaction_and_a_refusal_records_nothing(shopper):
    def refuse(attempt):
        assert OrderAttempt.objects.filter(pk=attempt.pk).exists()
        raise payment.InsufficientBalance(total=Decimal("10"), available=Decimal("0"))

    with pytest.raises(payment.InsufficientBalance):
        ledger.place_once(
            account=None,
            role=Role.VOUCHERS,
            key="k1",
            send=lambda a: pytest.fail("sent"),
            reconcile=lambda a: pytest.fail("reconciled"),
            on_claim=refuse,
        )
    assert not OrderAttempt.objects.exists()


def test_local_voucher_provider_conforms(demo):
    provider = get_voucher_provider()
    assert conformance_problems(provider, Role.VOUCHERS) == []
    assert {Capability.VOUCHERS, Capability.ORDER_LEDGER} <= provider.capabilities
    assert provider.ping() == "8 voucher brands on sale"


def test_seed_demo_brands_are_idempotent_and_the_wallet_covers_3000(demo, shopper):
    before = (lvm.LocalVoucherBrand.objects.count(), lvm.LocalVoucherDenomination.objects.count())
    call_command("seed_demo", "--voucher-wallet", stdout=StringIO())
    call_command("seed_demo", "--voucher-wallet", stdout=StringIO())
    assert (lvm.LocalVoucherBrand.objects.count(), lvm.LocalVoucherDenomination.objects.count()) == before
    assert payment.balance(shopper).total >= Decimal("3000")
    assert m.LoyaltyAccount.objects.get(user=shopper).points == 12_800


def _order(client_user, provider, *items):
    for product, config, quantity in items:
        services.voucher_cart_add(
            provider=provider,
            user=client_user,
            product_id=product,
            denomination_id=config,
            quantity=str(quantity),
        )
    cart = services.selectors.voucher_cart_get(provider=provider, user=client_user)
    key = services.voucher_issue_key(cart=cart, user=client_user)
    return services.voucher_order_place(provider=provider, user=client_user, token=key).order


def test_the_background_job_completes_orders_nobody_watches_and_reschedules(demo, shopper, monkeypatch):
    m.LoyaltyAccount.objects.filter(user=shopper).update(points=12_800)
    provider = get_voucher_provider()
    order = _order(shopper, provider, ("booknook", "booknook-100", 2))
    scheduled = []
    monkeypatch.setattr(tasks, "schedule", lambda pk, attempt=0: scheduled.append((pk, attempt)))
    assert tasks.check_voucher_order.call(order.pk, 0) == "processing"
    assert scheduled == [(order.pk, 1)]
    lvm.LocalVoucherOrder.objects.update(ready_at="2000-01-01T00:00Z")
    vm.VoucherOrder.objects.update(checked_at=None)
    assert tasks.check_voucher_order.call(order.pk, 1) == "success"
    assert scheduled == [(order.pk, 1)] and vm.IssuedVoucher.objects.filter(order=order).count() == 2
    assert tasks.backoff(0).total_seconds() == 2 and tasks.backoff(20) == tasks.MAX_BACKOFF


def test_placing_enqueues_the_job(demo, shopper, django_capture_on_commit_callbacks):
    from django_tasks import default_task_backend

    m.LoyaltyAccount.objects.filter(user=shopper).update(points=12_800)
    default_task_backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order = _order(shopper, get_voucher_provider(), ("cafe-kaapi", "cafe-kaapi-100", 1))
    (result,) = default_task_backend.results
    assert result.args == [order.pk, 0] and result.task.run_after is not None


def test_the_command_checks_every_open_order(demo, shopper):
    m.LoyaltyAccount.objects.filter(user=shopper).update(points=12_800)
    order = _order(shopper, get_voucher_provider(), ("cafe-kaapi", "cafe-kaapi-250", 1))
    lvm.LocalVoucherOrder.objects.update(ready_at="2000-01-01T00:00Z")
    out = StringIO()
    call_command("check_voucher_orders", stdout=out)
    assert f"{order.reference}: success" in out.getvalue()
    assert vm.VoucherOrder.objects.get().status == "success"


def test_an_attempt_whose_answer_was_lost_is_reconciled_not_resent(demo, shopper, monkeypatch):
    from storefront.exceptions import ProviderUnavailable
    from storefront.providers.local.vouchers import LocalVoucherProvider

    m.LoyaltyAccount.objects.filter(user=shopper).update(points=12_800)
    provider = get_voucher_provider()
    real_send = LocalVoucherProvider._send

    def commit_then_fail(self, attempt, items):
        real_send(self, attempt, items)
        raise ProviderUnavailable()

    monkeypatch.setattr(LocalVoucherProvider, "_send", commit_then_fail)
    placed = None
    services.voucher_cart_add(
        provider=provider, user=shopper, product_id="booknook", denomination_id="booknook-100", quantity="1"
    )
    cart = services.selectors.voucher_cart_get(provider=provider, user=shopper)
    placed = services.voucher_order_place(
        provider=provider, user=shopper, token=services.voucher_issue_key(cart=cart, user=shopper)
    )
    assert not placed.confirmed and placed.order.attempt.state == "unknown"
    monkeypatch.setattr(LocalVoucherProvider, "_send", lambda *a: pytest.fail("sent twice"))
    order = fulfilment.voucher_order_check(placed.order)
    assert order.attempt.state == "placed" and lvm.LocalVoucherOrder.objects.count() == 1
