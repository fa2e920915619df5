"""Voucher writes: the customer's voucher cart, placing an order exactly once (the order ledger,
with the payment taken in the same transaction), following it to a final status, and revealing
a voucher. Views call these; nothing here renders or reads a request.

Every limit is checked here, against the provider's catalogue, before anything is written or
sent upstream: an unknown brand or denomination, a quantity that is not 1..maxQuantity (the sum
when a line grows), a custom amount outside its bounds or not in whole rupees.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from storefront import ledger
from storefront.exceptions import (
    NotFound,
    ProviderError,
    ProviderNotCalled,
    ProviderRejected,
    StorefrontError,
)
from storefront.money import format_inr
from storefront.providers.base import Role, VoucherProvider
from storefront.providers.types import (
    VoucherCart,
    VoucherDenomination,
    VoucherOrderItem,
    VoucherProduct,
    VoucherStatus,
)

from . import fulfilment, payment, selectors, tasks
from . import models as vm
from .pricing import MSG_AMOUNT_NOT_NUMBER, face_value_for, parse_quantity

logger = logging.getLogger("vouchers")

MSG_ADDED = "Added {quantity} × {value} {name} voucher{s} to your voucher cart."
MSG_UPDATED = "Voucher cart updated."
MSG_REMOVED = "Voucher removed from your cart."
MSG_QTY_MAX = "You can buy at most {max} {name} vouchers of {value} in one order."
MSG_UNKNOWN_DENOMINATION = (
    "That denomination isn't available for this voucher. Please choose one from the list."
)
MSG_NOT_IN_CART = "That voucher is no longer in your voucher cart."
MSG_EMPTY = "Your voucher cart is empty."
MSG_KEY_INVALID = (
    "This order form has expired or was changed. Please review your voucher cart and place the order again."
)
MSG_CART_CHANGED = (
    "Your voucher cart changed since this page was shown (perhaps in another tab). "
    "Please check it and place the order again."
)
MSG_PLACED = "Order {reference} placed. Your vouchers are being issued; this page updates by itself."
MSG_CHECKING = (
    "We couldn't confirm your order with the voucher provider just now. Don't order again: we are "
    "checking, and this page shows the result."
)
MSG_REVEALED = "Voucher revealed. Keep the code and pin private: anyone who has them can use the voucher."

KEY_SALT = "vouchers.place-order"
KEY_MAX_AGE = 60 * 60 * 6


def _check_quantity(
    product: VoucherProduct, denomination: VoucherDenomination, face: Decimal, quantity: int
) -> None:
    if quantity > denomination.max_quantity:
        raise StorefrontError(
            MSG_QTY_MAX.format(max=denomination.max_quantity, name=product.name, value=format_inr(face)),
            field="quantity",
        )


def _resolve(provider: VoucherProvider, product_id: str, denomination_id: str):
    product = provider.get_voucher_product(product_id)  # NotFound for an unknown brand
    denomination = product.denomination(denomination_id)
    if denomination is None:
        raise NotFound(MSG_UNKNOWN_DENOMINATION, field="config")
    return product, denomination


# ---------------------------------------------------------------------------- the cart


def _cart_row(user, account, *, lock: bool) -> vm.VoucherCart:
    key = vm.account_key(account)
    rows = vm.VoucherCart.objects.select_for_update() if lock else vm.VoucherCart.objects
    row = rows.filter(user=user, account_key=key).first()
    if row is None:
        row, _ = vm.VoucherCart.objects.get_or_create(user=user, account_key=key)
        if lock:
            row = vm.VoucherCart.objects.select_for_update().get(pk=row.pk)
    return row


def _bump(row: vm.VoucherCart) -> None:
    vm.VoucherCart.objects.filter(pk=row.pk).update(version=F("version") + 1, updated_at=timezone.now())


def voucher_cart_add(
    *, provider: VoucherProvider, user, product_id: str, denomination_id: str, quantity: str, amount: str = ""
) -> tuple[VoucherCart, str]:
    """Add vouchers; the same brand, denomination and value again adds to its line. Returns the
    cart and the success message."""
    product, denomination = _resolve(provider, product_id, denomination_id)
    count = parse_quantity(quantity)
    face = face_value_for(product, denomination, amount)
    _check_quantity(product, denomination, face, count)
    with transaction.atomic():
        row = _cart_row(user, provider.account, lock=True)
        line = row.lines.filter(
            product_id=product.id, denomination_id=denomination.id, face_value=face
        ).first()
        total = count + (line.quantity if line else 0)
        _check_quantity(product, denomination, face, total)
        if line:
            line.quantity = total
            line.save(update_fields=["quantity"])
        else:
            vm.VoucherCartLine.objects.create(
                cart=row,
                product_id=product.id,
                denomination_id=denomination.id,
                face_value=face,
                quantity=count,
            )
        _bump(row)
    message = MSG_ADDED.format(
        quantity=count, value=format_inr(face), name=product.name, s="" if count == 1 else "s"
    )
    return selectors.voucher_cart_get(provider=provider, user=user), message


def _line(row: vm.VoucherCart, product_id: str, denomination_id: str, amount: str) -> vm.VoucherCartLine:
    lines = row.lines.filter(product_id=product_id, denomination_id=denomination_id)
    text = (amount or "").strip().replace(",", "").removeprefix("₹").strip()
    if text:
        try:
            lines = lines.filter(face_value=Decimal(text))
        except (InvalidOperation, ValueError) as exc:
            raise StorefrontError(MSG_AMOUNT_NOT_NUMBER, field="amount") from exc
    line = lines.first() if lines.count() == 1 else None
    if line is None:
        raise NotFound(MSG_NOT_IN_CART, field="line")
    return line


def voucher_cart_update(
    *, provider: VoucherProvider, user, product_id: str, denomination_id: str, quantity: str, amount: str = ""
) -> VoucherCart:
    """Set a line's quantity (1..maxQuantity); the line is named by brand, denomination and, for a
    custom amount, the amount."""
    count = parse_quantity(quantity)
    with transaction.atomic():
        row = _cart_row(user, provider.account, lock=True)
        line = _line(row, product_id, denomination_id, amount)
        product, denomination = _resolve(provider, product_id, denomination_id)
        _check_quantity(product, denomination, line.face_value, count)
        line.quantity = count
        line.save(update_fields=["quantity"])
        _bump(row)
    return selectors.voucher_cart_get(provider=provider, user=user)


def voucher_cart_remove(
    *, provider: VoucherProvider, user, product_id: str, denomination_id: str, amount: str = ""
) -> VoucherCart:
    with transaction.atomic():
        row = _cart_row(user, provider.account, lock=True)
        _line(row, product_id, denomination_id, amount).delete()
        _bump(row)
    return selectors.voucher_cart_get(provider=provider, user=user)


# ---------------------------------------------------------------------------- placing an order


def voucher_issue_key(*, cart: VoucherCart, user) -> str:
    """The place-order form's hidden idempotency key: signed, naming the customer, the cart's
    version and the total shown. Every tab showing the same cart gets the same key."""
    return signing.dumps(
        {"u": user.pk, "c": cart.id, "v": cart.version, "t": str(cart.price_total)},
        salt=KEY_SALT,
        compress=True,
    )


def _read_key(token: str, user) -> dict:
    try:
        payload = signing.loads(token or "", salt=KEY_SALT, max_age=KEY_MAX_AGE)
        if payload["u"] != user.pk:
            raise ValueError("another customer's key")
        int(payload["v"]), Decimal(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise StorefrontError(MSG_KEY_INVALID, field="idempotency_key") from exc
    return payload


def _ledger_key(payload: dict) -> str:
    return f"vouchers:{payload['u']}:{payload['c']}:{payload['v']}"


@dataclass(frozen=True)
class Placed:
    order: vm.VoucherOrder
    confirmed: bool  # False: the provider's answer was lost; the order is being checked

    @property
    def message(self) -> str:
        return MSG_PLACED.format(reference=self.order.reference) if self.confirmed else MSG_CHECKING


def _items(cart: VoucherCart) -> tuple[VoucherOrderItem, ...]:
    return tuple(
        VoucherOrderItem(
            position=n,
            product_id=line.product.id,
            product_name=line.product.name,
            denomination_id=line.denomination.id,
            face_value=line.face_value,
            unit_price=line.unit_price,
            quantity=line.quantity,
        )
        for n, line in enumerate(cart.lines, start=1)
    )


def _recorder(*, user, cart: VoucherCart, version: int, account) -> Callable:
    """`on_claim`: in the transaction that records the attempt, check the cart is the one shown,
    take the payment, write the order and its lines, and empty the cart."""

    def record(attempt) -> None:
        row = vm.VoucherCart.objects.select_for_update().get(pk=cart.id)
        if row.version != version or vm.VoucherOrder.objects.filter(attempt=attempt).exists():
            raise StorefrontError(MSG_CART_CHANGED, field="idempotency_key")
        paid = payment.take(user, cart.price_total)
        order = vm.VoucherOrder.objects.create(
            attempt=attempt,
            reference=attempt.reference,
            user=user,
            account=account,
            face_total=cart.face_total,
            price_total=cart.price_total,
            paid_credit=paid.credit,
            paid_points=paid.points,
            paid_points_value=paid.points_value,
        )
        vm.VoucherOrderLine.objects.bulk_create(
            vm.VoucherOrderLine(
                order=order,
                position=n,
                product_id=line.product.id,
                product_name=line.product.name,
                logo=line.product.logo,
                denomination_id=line.denomination.id,
                face_value=line.face_value,
                unit_price=line.unit_price,
                quantity=line.quantity,
            )
            for n, line in enumerate(cart.lines, start=1)
        )
        row.lines.all().delete()
        _bump(row)

    return record


def voucher_order_place(*, provider: VoucherProvider, user, token: str) -> Placed:
    """Place the voucher cart shown with `token`, exactly once per token.

    Before anything is written or sent: the key is checked (signature, customer), then, for a key
    not seen yet, the cart must be the version shown with no line in trouble, and the balances
    must cover the total. The ledger then records the attempt with the payment and the order in
    one transaction and sends it once. The same key again (double click, reload, another tab,
    a retry) answers with the same order."""
    payload = _read_key(token, user)
    key = _ledger_key(payload)
    known = ledger.find_attempt(account=provider.account, role=Role.VOUCHERS, key=key)
    items: tuple[VoucherOrderItem, ...] = ()
    cart = None
    if known is None:
        try:
            cart, items = _ready(provider, user, payload)
        except StorefrontError:
            # another submit of this key may have taken the cart a moment ago: its order, if so
            if ledger.find_attempt(account=provider.account, role=Role.VOUCHERS, key=key) is None:
                raise
    on_claim = (
        _recorder(user=user, cart=cart, version=int(payload["v"]), account=provider.account)
        if cart is not None
        else _refuse_retake
    )
    try:
        attempt = provider.place_voucher_order(
            idempotency_key=key,
            items=items,
            user_id=user.pk,
            on_claim=on_claim,
            shown={"version": payload["v"], "total": payload["t"]},
        )
    except ledger.OrderOutcomeUnknown:
        order = _order_of_key(provider, key)
        if order is None:
            raise
        _schedule(order)
        return Placed(order, confirmed=False)
    except (ProviderError, StorefrontError) as exc:
        order = _order_of_key(provider, key)
        if order is not None and order.attempt.state == order.attempt.State.FAILED:
            if order.refunded_at is None:
                fulfilment.not_placed(order)
                _restore_cart(order)
            raise ProviderRejected(
                fulfilment.MSG_NOT_PLACED_REFUNDED.format(paid=format_inr(order.price_total))
                + ("" if isinstance(exc, ProviderNotCalled) else f" ({exc.user_message})")
            ) from exc
        if order is not None and exc.user_message == ledger.MSG_ORDER_IN_PROGRESS:
            return Placed(order, confirmed=False)
        raise
    order = vm.VoucherOrder.objects.get(attempt=attempt)
    if order.status == VoucherStatus.PENDING:
        vm.VoucherOrder.objects.filter(pk=order.pk, status=VoucherStatus.PENDING).update(
            status=VoucherStatus.PROCESSING
        )
        order.refresh_from_db()
    _schedule(order)
    return Placed(order, confirmed=True)


def _ready(
    provider: VoucherProvider, user, payload: dict
) -> tuple[VoucherCart, tuple[VoucherOrderItem, ...]]:
    """The cart shown with the key, checked before anything is written or sent: not empty, the
    version and total shown, no line in trouble, and balances that cover it."""
    cart = selectors.voucher_cart_get(provider=provider, user=user)
    if cart.is_empty:
        raise StorefrontError(MSG_EMPTY)
    if (
        cart.version != int(payload["v"])
        or cart.price_total != Decimal(payload["t"])
        or cart.id != payload["c"]
    ):
        raise StorefrontError(MSG_CART_CHANGED, field="idempotency_key")
    if cart.problems:
        raise StorefrontError(cart.problems[0])
    payment.split(cart.price_total, payment.balance(user))  # InsufficientBalance, before anything
    return cart, _items(cart)


def _refuse_retake(attempt) -> None:
    """A key whose attempt failed is never retried with a cart we have not re-read."""
    raise StorefrontError(MSG_CART_CHANGED, field="idempotency_key")


def _order_of_key(provider: VoucherProvider, key: str) -> vm.VoucherOrder | None:
    attempt = ledger.find_attempt(account=provider.account, role=Role.VOUCHERS, key=key)
    if attempt is None:
        return None
    return vm.VoucherOrder.objects.select_related("attempt").filter(attempt=attempt).first()


def _schedule(order: vm.VoucherOrder) -> None:
    transaction.on_commit(lambda: tasks.schedule(order.pk))


def _restore_cart(order: vm.VoucherOrder) -> None:
    with transaction.atomic():
        row = _cart_row(order.user, order.account, lock=True)
        for line in order.lines.all():
            existing = row.lines.filter(
                product_id=line.product_id, denomination_id=line.denomination_id, face_value=line.face_value
            ).first()
            if existing is None:
                vm.VoucherCartLine.objects.create(
                    cart=row,
                    product_id=line.product_id,
                    denomination_id=line.denomination_id,
                    face_value=line.face_value,
                    quantity=line.quantity,
                )
        _bump(row)


# ---------------------------------------------------------------------------- reveal


@sensitive_variables()
def voucher_reveal(*, user, reference: str, voucher_id: str) -> tuple[vm.IssuedVoucher, dict[str, str]]:
    """The code and pin of one of the customer's own vouchers, and the reveal recorded (who,
    when). Anyone else's voucher, or an unknown one, is NotFound (a 404)."""
    try:
        pk = int(voucher_id)
    except (TypeError, ValueError) as exc:
        raise NotFound() from exc
    voucher = vm.IssuedVoucher.objects.filter(pk=pk, order__reference=reference, order__user=user).first()
    if voucher is None:
        raise NotFound()
    vm.VoucherReveal.objects.create(voucher=voucher, user=user)
    logger.info("voucher %s of order %s revealed by its owner", voucher.pk, reference)
    return voucher, voucher.secret()
