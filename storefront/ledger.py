"""The order ledger: exactly-once order creation for every provider and role.

`place_once` writes an OrderAttempt (pending) BEFORE the upstream call that creates the order,
then settles it from the answer:

    pending ──send ok──▶ placed
       │ ──refused (ProviderRejected, CheckoutChanged, …)──▶ failed   (the same key may try again)
       │ ──not sent (breaker open, deadline spent)──▶ failed
       └──no answer (timeout, dropped connection, 5xx, unreadable body)──▶ unknown

An unknown attempt is never sent again. `reconcile` asks the provider what happened (each provider
documents what its contract offers for that) and moves it to placed or failed; it runs when the
shopper presses the button again with the same key, when they open their orders, and from
`manage.py reconcile_orders` (an operator or a scheduler). A pending attempt older than
STALE_PENDING (the process died mid-call) is treated as unknown by that command.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .exceptions import (
    ProviderError,
    ProviderNotCalled,
    ProviderRejected,
    ProviderUnavailable,
    StorefrontError,
)
from .models import OrderAttempt
from .providers.base import Resolution

logger = logging.getLogger("storefront.ledger")

MSG_ORDER_UNKNOWN = (
    "We couldn't confirm your order with the store. Don't order again yet: we are checking with "
    "the store, and it will show in your orders if it went through. Press Place order again in a "
    "minute to see the result."
)
MSG_ORDER_IN_PROGRESS = "Your order is still being placed. Please wait a moment and check your orders."
MSG_ORDER_NOT_PLACED = (
    "The store did not take your order, so nothing was ordered. Please review your cart and try again."
)
WAIT_SECONDS = 3.0
STALE_PENDING = timedelta(minutes=2)

State = OrderAttempt.State


class OrderOutcomeUnknown(ProviderUnavailable):
    """The provider may have taken the order but its answer was lost: never send it again."""

    user_message = MSG_ORDER_UNKNOWN


@dataclass(frozen=True)
class Sent:
    """A provider's answer to the order call: its order id and what the order pages show."""

    upstream_id: str
    record: dict[str, Any] = field(default_factory=dict)


def key_hash(idempotency_key: str) -> str:
    return hashlib.sha256(idempotency_key.encode()).hexdigest()


def new_reference() -> str:
    return "SF" + secrets.token_hex(5).upper()


class _Taken(Exception):
    """The key is already recorded (the unique constraint said so)."""


def _claim(
    *,
    account,
    role: str,
    digest: str,
    defaults: dict[str, Any],
    on_claim: Callable[[OrderAttempt], None] | None = None,
) -> tuple[OrderAttempt, bool]:
    """The attempt for this key and whether this call owns sending it: a new attempt, or a failed
    one tried again (taken over atomically, so two submits never both send).

    `on_claim(attempt)` runs in the same transaction as the write that claims the attempt (e.g.
    taking the customer's balances): when it raises, nothing is recorded and the error goes to
    the caller."""
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    row = OrderAttempt.objects.create(
                        account=account, role=role, key_hash=digest, reference=new_reference(), **defaults
                    )
            except IntegrityError as exc:
                raise _Taken() from exc
            if on_claim is not None:
                on_claim(row)
        return row, True
    except _Taken:
        pass
    row = OrderAttempt.objects.get(account=account, role=role, key_hash=digest)
    if row.state == State.FAILED:
        with transaction.atomic():
            taken = OrderAttempt.objects.filter(pk=row.pk, state=State.FAILED).update(
                state=State.PENDING, note="", **defaults
            )
            row.refresh_from_db()
            if taken and on_claim is not None:
                on_claim(row)
        return row, bool(taken)
    return row, False


def place_once(
    *,
    account,
    role: str,
    key: str,
    send: Callable[[OrderAttempt], Sent],
    reconcile: Callable[[OrderAttempt], Resolution],
    user_id: int | None = None,
    cart_id: str = "",
    shown: dict[str, Any] | None = None,
    record: dict[str, Any] | None = None,
    guest: bool = False,
    on_claim: Callable[[OrderAttempt], None] | None = None,
) -> OrderAttempt:
    """The placed attempt for `key`, sending the order upstream at most once.

    `record` is kept before sending (what the order pages show if the answer is lost and the order
    turns out placed); `send` returns the provider's order id and the final record. Raises what
    `send` raised on a refusal, OrderOutcomeUnknown when the answer was lost (now or before), and
    ProviderRejected with MSG_ORDER_IN_PROGRESS while another request is sending it.
    `on_claim(attempt)` runs in the transaction that records the attempt, before the send (see
    `_claim`); the voucher orders take the customer's balances there."""
    defaults = {
        "user_id": user_id,
        "cart_id": cart_id,
        "shown": shown or {},
        "record": record or {},
        "guest_token": secrets.token_urlsafe(24) if guest else "",
    }
    row, owned = _claim(
        account=account, role=role, digest=key_hash(key), defaults=defaults, on_claim=on_claim
    )
    if not owned:
        return settle(row, reconcile)
    row.sent_at = timezone.now()
    row.save(update_fields=["sent_at", "updated_at"])
    try:
        sent = send(row)
    except ProviderNotCalled as exc:
        # the breaker was open or the deadline spent: the order never left, so it was not placed
        _mark(row, State.FAILED, note=f"not sent: {type(exc).__name__}")
        raise
    except ProviderUnavailable as exc:
        _mark(row, State.UNKNOWN, note=f"no answer: {type(exc.__cause__ or exc).__name__}")
        logger.error("order attempt %s: no answer from the provider, outcome unknown", row.reference)
        raise OrderOutcomeUnknown() from exc
    except (ProviderError, StorefrontError) as exc:
        _mark(row, State.FAILED, note=f"refused: {type(exc).__name__}")
        raise
    except BaseException:
        _mark(row, State.UNKNOWN, note="crashed while sending")
        raise
    row.state, row.upstream_id, row.placed_at = State.PLACED, sent.upstream_id, timezone.now()
    if sent.record:
        row.record = sent.record
    row.save()
    return row


def _mark(row: OrderAttempt, state: str, *, note: str = "") -> None:
    row.state, row.note = state, note[:200]
    row.save(update_fields=["state", "note", "updated_at"])


def settle(row: OrderAttempt, reconcile: Callable[[OrderAttempt], Resolution]) -> OrderAttempt:
    """The same key again: its order, never a second send."""
    deadline = time.monotonic() + WAIT_SECONDS
    while row.state == State.PENDING and time.monotonic() < deadline:
        time.sleep(0.1)
        row.refresh_from_db()
    if row.state == State.UNKNOWN:
        row = reconcile_attempt(row, reconcile)
    if row.state == State.PLACED:
        return row
    if row.state == State.PENDING:
        raise ProviderRejected(MSG_ORDER_IN_PROGRESS)
    if row.state == State.FAILED:
        raise ProviderRejected(MSG_ORDER_NOT_PLACED)
    raise OrderOutcomeUnknown()


def find_attempt(*, account, role: str, key: str) -> OrderAttempt | None:
    return OrderAttempt.objects.filter(account=account, role=role, key_hash=key_hash(key)).first()


def reconcile_attempt(row: OrderAttempt, reconcile: Callable[[OrderAttempt], Resolution]) -> OrderAttempt:
    """Ask the provider what became of an unknown attempt and record the answer. A provider that
    cannot tell yet (or cannot be reached) leaves it unknown."""
    if row.state != State.UNKNOWN:
        return row
    try:
        found = reconcile(row)
    except StorefrontError as exc:
        logger.warning("order attempt %s: reconciliation failed (%s)", row.reference, type(exc).__name__)
        return row
    now = timezone.now()
    if found.placed is None:
        OrderAttempt.objects.filter(pk=row.pk).update(reconciled_at=now)
        return row
    changes: dict[str, Any] = {"reconciled_at": now, "updated_at": now}
    if found.placed:
        changes.update(state=State.PLACED, placed_at=now, note="reconciled: placed")
        if found.upstream_id:
            changes["upstream_id"] = found.upstream_id
        if found.record is not None:
            changes["record"] = found.record
    else:
        changes.update(state=State.FAILED, note="reconciled: not placed")
    # only an attempt still unknown changes: two reconcilers never both settle it
    OrderAttempt.objects.filter(pk=row.pk, state=State.UNKNOWN).update(**changes)
    row.refresh_from_db()
    logger.info("order attempt %s reconciled: %s", row.reference, row.state)
    return row


def unknown_attempts(*, account=None, role: str | None = None, user_id=None) -> Iterable[OrderAttempt]:
    rows = OrderAttempt.objects.filter(state=State.UNKNOWN)
    if account is not None:
        rows = rows.filter(account=account)
    if role:
        rows = rows.filter(role=role)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    return rows.order_by("created_at")


def mark_stale_pending_unknown(*, now=None) -> int:
    """Pending attempts older than STALE_PENDING were cut off mid-call (a process died): their
    outcome is unknown."""
    cutoff = (now or timezone.now()) - STALE_PENDING
    return OrderAttempt.objects.filter(state=State.PENDING, updated_at__lt=cutoff).update(
        state=State.UNKNOWN, note="cut off while sending"
    )
