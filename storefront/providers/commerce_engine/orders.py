"""Commerce Engine orders on the shared order ledger (storefront.ledger), and hosted payment.

Placing: the cart is read once (Commerce Engine's `status` must be `ready-for-payment`; its
`status_error_message` is shown otherwise), the attempt is recorded, then ONE `POST /orders
{cart_id, payment_method}` is sent (never retried). A double click, a reload or a retry with
the same key gets the recorded order; nothing reaches Commerce Engine twice.

A lost answer (timeout, dropped connection, 5xx after the commit) leaves the attempt unknown; it
is reconciled from the shopper's own orders (`GET /orders?user_id=`): the one order not yet
known to the ledger that holds exactly the cart's paid lines and was made after we sent is it
(placed); none, and the cart still active with its lines → not placed; anything else stays
unknown for an operator. It is reconciled in the shopper's own requests and from `manage.py
reconcile_orders` / the admin's "reconcile" action: a customer's with the tokens on their shopper
link, a guest's with the copy of their tokens kept encrypted on the attempt itself (the record's
`ce_tokens`, Fernet like every other copy; tokens.AttemptTokens), refreshed like any other.

Payment: `payment_required` true → the order carries `payment_info.payment_links.web` (Juspay's
hosted page, asked for with `integration_type: hyper-checkout` and our return URL
`/orders/<reference>/payment/`); that page reads `GET /orders/{order_number}/payment-status`
(`success` → paid, `pending`/`partially_paid` → pending, `failed` → failed, with
`is_retry_available` → `POST …/retry-payment` for a new page). Nothing payable (coupon, points,
credit, gift card cover it): the order is confirmed at once. Pages show Commerce Engine's
`order_number`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.urls import reverse

from storefront import ledger
from storefront.exceptions import CheckoutChanged, NotFound, ProviderRejected, ProviderUnavailable
from storefront.models import OrderAttempt
from storefront.providers import readers
from storefront.providers.base import CartContext, Resolution, Role
from storefront.providers.messages import MSG_CART_GONE, MSG_NEED_ADDRESS, MSG_ORDER_NOT_FOUND
from storefront.providers.types import Cart, CheckoutChange, Order, PaymentStatus

from . import mapping as cm
from .carts import REMEMBER_SECONDS
from .common import Shopper, logger
from .redemptions import CommerceEngineRedemptions
from .tokens import AttemptTokens, BlobStore, LinkTokens

Placed = OrderAttempt.State.PLACED
RECONCILE_AT_LISTING = 3

PAY_ONLINE = "online"
PAY_NOTHING = "prepaid"
PAYMENT_LABELS = {
    PAY_ONLINE: "Pay online: card, UPI or netbanking on the store's secure payment page",
    PAY_NOTHING: "Nothing to pay: offers, points, credit or gift cards cover it",
}
STATUS_LABELS = {
    "paid": "Paid",
    "pending": "Awaiting payment",
    "failed": "Payment failed",
    "": "Confirmed",
}

MSG_BAD_PAYMENT = "Choose how to pay for this order."
MSG_TOTAL_CHANGED = "The total changed from {was} to {now}."
MSG_NO_RETRY = "This payment can't be tried again yet. Please wait a few minutes and check the order."
MSG_ALREADY_PAID = "This order is paid."


def _user_id(ctx: CartContext) -> int | None:
    try:
        return int(ctx.customer.id) if ctx.customer else None
    except (TypeError, ValueError):
        return None


class CommerceEngineOrders(CommerceEngineRedemptions):
    def payment_modes(self, cart: Cart) -> tuple[tuple[str, str], ...]:
        mode = PAY_ONLINE if cart.total > 0 else PAY_NOTHING
        return ((mode, PAYMENT_LABELS[mode]),)

    # ================================================================== placing
    def place_order(
        self,
        ctx: CartContext,
        *,
        idempotency_key: str,
        payment_mode: str,
        email: str = "",
        expected_total: Decimal | None = None,
    ) -> Order:
        known = ledger.find_attempt(account=self.account, role=Role.SHOP, key=idempotency_key)
        if known is not None and known.state != OrderAttempt.State.FAILED:
            # the key is a signed secret of the checkout page: holding it is enough, but a
            # signed-in shopper never gets another customer's order
            if ctx.customer is not None and known.user_id and _user_id(ctx) != known.user_id:
                raise NotFound(MSG_ORDER_NOT_FOUND)
            return self._order(
                ledger.settle(known, lambda a: self._reconcile(a, self._attempt_store(ctx, a)))
            )
        shopper = self._shopper(ctx, create=False)
        if shopper is None:
            raise ProviderRejected(MSG_CART_GONE)
        body = self._live(ctx, shopper)[0]
        if not body or not readers.as_list(body.get("cart_items")):
            raise ProviderRejected(MSG_CART_GONE)
        cart = self._to_cart(body, ctx, None)
        self._check_ready(body, cart, payment_mode, expected_total)
        cart_id = readers.as_str(body.get("id"))
        record = {
            "order": {k: v for k, v in body.items() if k != "metadata"},
            "email": email or (ctx.customer.email if ctx.customer else ""),
            "ce_user_id": shopper.user_id,
            "items_key": [list(i) for i in cm.order_item_key(body)],
            "payment_required": cart.total > 0,
            "payment_state": "pending" if cart.total > 0 else "",
        }
        if ctx.customer is None:
            # a guest's tokens, encrypted, so their attempt can be reconciled without their browser
            record[AttemptTokens.KEY] = AttemptTokens.sealed(shopper.store.read())

        def send(attempt: OrderAttempt) -> ledger.Sent:
            answer = self.client.create_order(
                shopper.auth, cart_id, return_url=self._return_url(ctx, attempt)
            )
            order = readers.as_dict(answer.get("order"))
            number = readers.as_str(order.get("order_number"))
            if not number:
                logger.error("Commerce Engine order for cart %s answered without an order number", cart_id)
                raise ProviderUnavailable()
            required = readers.as_bool(answer.get("payment_required"), cart.total > 0)
            return ledger.Sent(number, self._placed_record(record, order, answer, required))

        attempt = ledger.place_once(
            account=self.account,
            role=Role.SHOP,
            key=idempotency_key,
            send=send,
            reconcile=lambda a: self._reconcile(a, self._attempt_store(ctx, a)),
            user_id=_user_id(ctx),
            cart_id=cart_id,
            record=record,
            guest=ctx.customer is None,
        )
        self._forget(cart_id)
        cache.set(self._ordered_key(cart_id), True, REMEMBER_SECONDS)
        return self._order(attempt)

    @staticmethod
    def _placed_record(record: dict, order: dict, answer: dict, required: bool) -> dict[str, Any]:
        placed = dict(record)
        if readers.as_list(order.get("order_items")):
            placed["order"] = order
        placed["payment_required"] = required
        placed["payment_url"] = cm.payment_url(answer) if required else ""
        placed["payment_state"] = "pending" if required else ""
        return placed

    def _return_url(self, ctx: CartContext, attempt: OrderAttempt) -> str:
        if not ctx.origin:
            return ""
        url = ctx.origin + reverse("order-payment", args=[attempt.reference])
        return url + (f"?t={attempt.guest_token}" if attempt.guest_token else "")

    def _check_ready(self, body: dict, cart: Cart, payment_mode: str, expected: Decimal | None) -> None:
        changes = []
        if cart.checkout_blocked:
            changes.append(CheckoutChange(cart.checkout_blocked))
        elif cart.shipping_address is None:
            changes.append(CheckoutChange(MSG_NEED_ADDRESS))
        elif readers.as_str(body.get("status")) not in ("", cm.READY):
            changes.append(
                CheckoutChange(readers.as_str(body.get("status_error_message")) or MSG_NEED_ADDRESS)
            )
        if payment_mode not in dict(self.payment_modes(cart)):
            changes.append(CheckoutChange(MSG_BAD_PAYMENT))
        if expected is not None and expected != cart.total:
            from storefront.money import format_inr

            changes.append(
                CheckoutChange(MSG_TOTAL_CHANGED.format(was=format_inr(expected), now=format_inr(cart.total)))
            )
        if changes:
            raise CheckoutChanged(changes)

    # ================================================================== reconciling
    def reconcile_order(self, attempt: OrderAttempt) -> Resolution:
        """From `manage.py reconcile_orders` and the admin: a customer's attempt with their shopper
        link, a guest's with the encrypted copy of their tokens kept on the attempt."""
        if attempt.user_id:
            return self._reconcile(attempt, LinkTokens(str(attempt.user_id), self.account))
        return self._reconcile(attempt, AttemptTokens(attempt))

    def _attempt_store(self, ctx: CartContext, attempt: OrderAttempt) -> BlobStore:
        """Whose tokens reconcile `attempt`: the customer's link; for a guest the copy kept on the
        attempt (their session may hold another Commerce Engine user by now), else their session."""
        if attempt.user_id:
            return LinkTokens(str(attempt.user_id), self.account)
        kept = AttemptTokens(attempt)
        return kept if kept.read() else self._store(ctx)

    def _reconcile(self, attempt: OrderAttempt, store: BlobStore) -> Resolution:
        shopper = self._as_shopper(store)
        record = readers.as_dict(attempt.record)
        if shopper is None:
            return Resolution(None)
        want = tuple(tuple(i) for i in readers.as_list(record.get("items_key")))
        user_id = readers.as_str(record.get("ce_user_id")) or shopper.user_id
        answer = self.client.orders(shopper.auth, user_id)
        known = set(
            OrderAttempt.objects.filter(account=self.account, role=Role.SHOP)
            .exclude(upstream_id="")
            .values_list("upstream_id", flat=True)
        )
        since = (attempt.sent_at or attempt.created_at) - timedelta(minutes=5)
        found = []
        for order in readers.as_list(answer.get("orders")):
            order = readers.as_dict(order)
            number = readers.as_str(order.get("order_number"))
            made = readers.parse_moment(order.get("created_at") or order.get("order_date"))
            if (
                number
                and number not in known
                and cm.order_item_key(order) == want
                and (made is None or made >= since)
            ):
                found.append(order)
        if len(found) == 1:
            placed = self._placed_record(record, found[0], {}, bool(record.get("payment_required")))
            # the tokens' copy as it is now (a refresh during this call rewrote it)
            now = OrderAttempt.objects.filter(pk=attempt.pk).values_list("record", flat=True).first()
            sealed = readers.as_dict(now).get(AttemptTokens.KEY)
            if sealed:
                placed[AttemptTokens.KEY] = sealed
            return Resolution(True, upstream_id=readers.as_str(found[0].get("order_number")), record=placed)
        if found:
            return Resolution(None)
        try:
            cart = self._cart_of(self.client.cart(shopper.auth, attempt.cart_id))
        except NotFound:
            return Resolution(None)
        if cart and not self._expired(cart) and cm.order_item_key(cart) == want:
            return Resolution(False)
        return Resolution(None)

    # ================================================================== reading orders
    def _check_owner(self, attempt: OrderAttempt, ctx: CartContext, guest_token: str) -> None:
        user_id = _user_id(ctx)
        if attempt.user_id:
            if user_id != attempt.user_id:
                raise NotFound(MSG_ORDER_NOT_FOUND)
        elif not guest_token or not secrets.compare_digest(guest_token, attempt.guest_token):
            raise NotFound(MSG_ORDER_NOT_FOUND)

    def _order(self, attempt: OrderAttempt) -> Order:
        record = readers.as_dict(attempt.record)
        state = readers.as_str(record.get("payment_state"))
        order = self._map(
            cm.order_from_record,
            record,
            order_id=attempt.order_id,
            status=STATUS_LABELS.get(state, "Confirmed"),
            placed_at=attempt.placed_at or attempt.created_at,
            guest_token=attempt.guest_token,
        )
        from dataclasses import replace

        url = readers.as_str(record.get("payment_url")) if state in ("pending", "failed") else ""
        return replace(order, payment_url=url, payment_state=state)

    def _attempts(self):
        return OrderAttempt.objects.filter(account=self.account, role=Role.SHOP)

    def list_orders(self, ctx: CartContext) -> tuple[Order, ...]:
        user_id = _user_id(ctx)
        if user_id is None:
            return ()
        store = self._store(ctx)
        for attempt in ledger.unknown_attempts(account=self.account, role=Role.SHOP, user_id=user_id)[
            :RECONCILE_AT_LISTING
        ]:
            ledger.reconcile_attempt(attempt, lambda a: self._reconcile(a, store))
        rows = self._attempts().filter(user_id=user_id, state=Placed).order_by("-created_at")
        return tuple(self._order(r) for r in rows[:50])

    def _placed(self, ctx: CartContext, order_id: str, guest_token: str) -> OrderAttempt:
        rows = self._attempts().filter(state=Placed)
        row = rows.filter(upstream_id=order_id).first() or rows.filter(reference=order_id).first()
        if row is None:
            raise NotFound(MSG_ORDER_NOT_FOUND)
        self._check_owner(row, ctx, guest_token)
        return row

    def get_order(self, ctx: CartContext, *, order_id: str, guest_token: str = "") -> Order:
        return self._order(self._placed(ctx, order_id, guest_token))

    # ================================================================== hosted payment
    def _order_auth(self, ctx: CartContext, row: OrderAttempt) -> Shopper:
        if row.user_id:
            shopper = self._as_shopper(LinkTokens(str(row.user_id), self.account))
        else:
            # the guest's session while it is still the user who ordered, else the attempt's copy
            shopper = self._as_shopper(self._store(ctx))
            ordered_by = readers.as_str(readers.as_dict(row.record).get("ce_user_id"))
            if shopper is None or (ordered_by and shopper.user_id != ordered_by):
                shopper = self._as_shopper(AttemptTokens(row))
        if shopper is None:
            raise ProviderRejected(MSG_NO_RETRY)
        return shopper

    def payment_status(self, ctx: CartContext, *, order_id: str, guest_token: str = "") -> PaymentStatus:
        """GET /orders/{order_number}/payment-status; the order's record follows it."""
        row = self._placed(ctx, order_id, guest_token)
        record = readers.as_dict(row.record)
        if not record.get("payment_required"):
            total = self._order(row).total
            return PaymentStatus(row.order_id, "paid", total, Decimal(0), guest_token=row.guest_token)
        shopper = self._order_auth(ctx, row)
        answer = self.client.payment_status(shopper.auth, row.order_id)
        state = cm.PAYMENT_STATES.get(readers.as_str(answer.get("status")), "pending")
        if state != readers.as_str(record.get("payment_state")):
            row.record = {**record, "payment_state": state}
            row.save(update_fields=["record", "updated_at"])
        return PaymentStatus(
            order_id=row.order_id,
            state=state,
            amount_paid=cm.money_or_zero(answer.get("amount_paid")),
            amount_due=cm.money_or_zero(answer.get("amount_unpaid")),
            can_retry=state == "failed" and readers.as_bool(answer.get("is_retry_available"), False),
            guest_token=row.guest_token,
        )

    def retry_payment(self, ctx: CartContext, *, order_id: str, guest_token: str = "") -> str:
        """POST /orders/{order_number}/retry-payment, only when Commerce Engine says a retry is
        available (sent once: a refusal is shown, never resent)."""
        status = self.payment_status(ctx, order_id=order_id, guest_token=guest_token)
        if status.state == "paid":
            raise ProviderRejected(MSG_ALREADY_PAID)
        if not status.can_retry:
            raise ProviderRejected(MSG_NO_RETRY)
        row = self._placed(ctx, order_id, guest_token)
        shopper = self._order_auth(ctx, row)
        answer = self.client.retry_payment(shopper.auth, row.order_id, return_url=self._return_url(ctx, row))
        url = cm.payment_url(answer)
        if not url:
            raise ProviderUnavailable()
        row.record = {**readers.as_dict(row.record), "payment_url": url, "payment_state": "pending"}
        row.save(update_fields=["record", "updated_at"])
        return url
