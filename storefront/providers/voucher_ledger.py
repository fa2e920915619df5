"""Voucher orders on the shared order ledger, for every voucher provider.

`place(...)` records the attempt (storefront.ledger.place_once, role "vouchers") and runs the
storefront's `on_claim` in that same transaction (the customer's balances are taken there), then
calls the provider's `send(attempt, items)` once. Each line gets our own reference, the order's
reference plus its position (`SF1A2B3C4D5E-1`), so a provider that takes one upstream order per
line (EnKash's create-order takes one denomination) can send it as its partner order reference
and find each line again by it. A provider that takes the whole order at once uses the order's
reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from storefront import ledger
from storefront.models import OrderAttempt
from storefront.providers.base import Resolution, Role
from storefront.providers.types import VoucherOrderItem


def line_reference(order_reference: str, position: int) -> str:
    return f"{order_reference}-{position}"


def with_references(
    attempt: OrderAttempt, items: tuple[VoucherOrderItem, ...]
) -> tuple[VoucherOrderItem, ...]:
    return tuple(replace(item, reference=line_reference(attempt.reference, item.position)) for item in items)


def item_json(item: VoucherOrderItem) -> dict[str, Any]:
    return {
        "position": item.position,
        "product_id": item.product_id,
        "product_name": item.product_name,
        "denomination_id": item.denomination_id,
        "face_value": str(item.face_value),
        "unit_price": str(item.unit_price),
        "quantity": item.quantity,
        "reference": item.reference,
    }


def place(
    *,
    account,
    idempotency_key: str,
    items: tuple[VoucherOrderItem, ...],
    user_id: int | None,
    on_claim: Callable[[OrderAttempt], None],
    send: Callable[[OrderAttempt, tuple[VoucherOrderItem, ...]], ledger.Sent],
    reconcile: Callable[[OrderAttempt], Resolution],
    shown: dict[str, Any] | None = None,
) -> OrderAttempt:
    """The attempt for this key, sent upstream at most once (see the module doc)."""

    def send_once(attempt: OrderAttempt) -> ledger.Sent:
        return send(attempt, with_references(attempt, items))

    return ledger.place_once(
        account=account,
        role=Role.VOUCHERS,
        key=idempotency_key,
        send=send_once,
        reconcile=reconcile,
        user_id=user_id,
        shown=shown,
        record={"items": [item_json(i) for i in items]},
        on_claim=on_claim,
    )
