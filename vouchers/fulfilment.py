"""Following a voucher order to a final status, and paying back what was not delivered.

`voucher_order_check` asks the provider about an order that is not final, at most once every
CHECK_EVERY whoever asks (the order page, its htmx poll, the background job, the command): an
attempt whose answer was lost is reconciled by its reference (storefront.ledger; never ordered
again), a placed one's status and vouchers are fetched and stored (codes and pins encrypted), and
once every line is final the order is success, failed or partial, with what failed paid back,
once (`refunded_at`, under a row lock)."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from storefront import ledger
from storefront.exceptions import StorefrontError
from storefront.money import ZERO, format_inr
from storefront.providers import registry
from storefront.providers.base import Role, VoucherProvider
from storefront.providers.types import IssuedVoucher as IssuedSecret
from storefront.providers.types import VoucherOrder, VoucherStatus

from . import models as vm
from . import payment

logger = logging.getLogger("vouchers")

MSG_NOT_PLACED_REFUNDED = (
    "The voucher provider did not take your order, so nothing was bought. "
    "{paid} was returned to your balance."
)
MSG_FAILED_REFUNDED = (
    "The voucher provider could not issue these vouchers. {paid} was returned to your balance."
)
MSG_PARTIAL_REFUNDED = "Some vouchers could not be issued. {paid} was returned to your balance for them."
CHECK_EVERY = timedelta(seconds=3)  # an order page asks the provider at most this often


def _paid(order: vm.VoucherOrder) -> payment.Payment:
    return payment.Payment(credit=order.paid_credit, points=order.paid_points)


@transaction.atomic
def _give_back(
    order_pk: int, *, amount: Decimal | None, status: VoucherStatus, message: str
) -> vm.VoucherOrder:
    """Refund once (the order row is locked; `refunded_at` says it was done) and set the final
    status. `amount` None: everything that was paid."""
    order = vm.VoucherOrder.objects.select_for_update().get(pk=order_pk)
    if order.refunded_at is None:
        wanted = order.price_total if amount is None else amount
        if wanted > 0:
            back = payment.give_back(order.user, amount=wanted, paid=_paid(order))
            order.refunded_amount = back.total
        order.refunded_at = timezone.now()
        order.message = message.format(paid=format_inr(order.refunded_amount))[:300]
    order.status = status
    order.final_at = order.final_at or timezone.now()
    order.save()
    return order


def not_placed(order: vm.VoucherOrder) -> vm.VoucherOrder:
    """The provider did not take the order: everything paid goes back and the order is failed."""
    order = _give_back(order.pk, amount=None, status=VoucherStatus.FAILED, message=MSG_NOT_PLACED_REFUNDED)
    vm.VoucherOrderLine.objects.filter(order=order).update(status=VoucherStatus.FAILED)
    logger.info("voucher order %s not placed; refunded", order.reference)
    return order


def voucher_order_check(order: vm.VoucherOrder, *, every: timedelta = CHECK_EVERY) -> vm.VoucherOrder:
    """Ask the provider about an order that is not final, at most once per `every` (whoever
    asks: an open order page, its htmx poll, the background job or the command); a check that
    another request made moments ago is not repeated. Returns the order as it now stands."""
    if order.is_final:
        return order
    now = timezone.now()
    claimed = (
        vm.VoucherOrder.objects.filter(pk=order.pk)
        .filter(Q(checked_at__isnull=True) | Q(checked_at__lte=now - every))
        .update(checked_at=now, checks=F("checks") + 1)
    )
    if not claimed:
        order.refresh_from_db()
        return order
    try:
        provider = registry.build(order.account, Role.VOUCHERS)
        return _check(order, provider)
    except StorefrontError as exc:
        logger.warning("voucher order %s: status check failed (%s)", order.reference, type(exc).__name__)
    order.refresh_from_db()
    return order


def _check(order: vm.VoucherOrder, provider: VoucherProvider) -> vm.VoucherOrder:
    attempt = order.attempt
    attempt.refresh_from_db()
    State = attempt.State
    if attempt.state == State.PENDING and attempt.updated_at < timezone.now() - ledger.STALE_PENDING:
        ledger.mark_stale_pending_unknown()
        attempt.refresh_from_db()
    if attempt.state == State.UNKNOWN:
        attempt = ledger.reconcile_attempt(attempt, provider.reconcile_order)
    if attempt.state == State.FAILED:
        return not_placed(order)
    if attempt.state != State.PLACED:
        order.refresh_from_db()
        return order
    if order.status == VoucherStatus.PENDING:
        vm.VoucherOrder.objects.filter(pk=order.pk, status=VoucherStatus.PENDING).update(
            status=VoucherStatus.PROCESSING
        )
    report = provider.fetch_voucher_order(attempt)
    return _apply(order.pk, report)


@sensitive_variables()
def _apply(order_pk: int, report: VoucherOrder) -> vm.VoucherOrder:
    """Record what the provider reported: each line's status and its vouchers (encrypted), then
    the order's status once every line is final, paying back what was not issued."""
    with transaction.atomic():
        order = vm.VoucherOrder.objects.select_for_update().get(pk=order_pk)
        if order.is_final:
            return order
        lines = {line.position: line for line in order.lines.all()}
        for reported in report.lines:
            line = lines.get(reported.position)
            if line is None or VoucherStatus(line.status).is_final:
                continue
            status = reported.status
            if status == VoucherStatus.SUCCESS and not reported.vouchers:
                status = VoucherStatus.PROCESSING  # issued, codes not there yet: ask again
            if status == VoucherStatus.SUCCESS:
                _store(order, line, reported.vouchers)
            line.status = status if status != VoucherStatus.PENDING else VoucherStatus.PROCESSING
            line.upstream_id = reported.upstream_id or line.upstream_id
            line.message = reported.message[:300]
            line.save(update_fields=["status", "upstream_id", "message"])
        statuses = {VoucherStatus(line.status) for line in lines.values()}
        if not all(s.is_final for s in statuses):
            if order.status == VoucherStatus.PENDING:
                order.status = VoucherStatus.PROCESSING
                order.save(update_fields=["status", "updated_at"])
            return order
    if statuses == {VoucherStatus.SUCCESS}:
        vm.VoucherOrder.objects.filter(pk=order_pk).update(
            status=VoucherStatus.SUCCESS, final_at=timezone.now()
        )
        logger.info("voucher order %s issued", order.reference)
        return vm.VoucherOrder.objects.get(pk=order_pk)
    failed = sum((ln.line_price for ln in lines.values() if ln.status == VoucherStatus.FAILED), ZERO)
    if VoucherStatus.SUCCESS in statuses:
        return _give_back(order_pk, amount=failed, status=VoucherStatus.PARTIAL, message=MSG_PARTIAL_REFUNDED)
    return _give_back(order_pk, amount=None, status=VoucherStatus.FAILED, message=MSG_FAILED_REFUNDED)


@sensitive_variables()
def _store(order: vm.VoucherOrder, line: vm.VoucherOrderLine, vouchers: tuple[IssuedSecret, ...]) -> None:
    for index, voucher in enumerate(vouchers):
        if line.vouchers.filter(index=index).exists():
            continue
        row = vm.IssuedVoucher(order=order, line=line, index=index, expires_at=voucher.expires_at)
        row.set_secret(voucher.code, voucher.pin)
        row.save()
