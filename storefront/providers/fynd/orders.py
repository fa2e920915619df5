"""Fynd checkout on the shared order ledger (storefront.ledger).

Fynd's checkout takes no idempotency key: the ledger records the attempt before the one POST
(never retried) and answers a second submit of the key with the placed order.

Reconciling an attempt whose answer was lost. Fynd's contract has no order API and no lookup by
our key; what it offers is the cart: a successful checkout archives the cart ("resets it to its
initial state", fynd.md §6.15 and the seed), and the checkout answer's CheckCart carries
`order_id`. So `reconcile_order` reads the cart that was sent (one GET, fresh):
- the cart carries an `order_id` → placed, with that id;
- the cart is gone (404), or it is empty and its `last_modified` moved since we sent → placed;
  Fynd's order id is not known, so the order is shown under our reference;
- it still holds the lines and its `last_modified` did not move → not placed (the shopper's cart
  is opened again and they may try again);
- anything else (lines, but changed since) → still unknown, for an operator.
While an attempt is unknown its cart is held (closed to the shopper), so nothing the shopper does
can blur the answer.
"""

from __future__ import annotations

import logging
import secrets
from decimal import Decimal

from django.core.cache import cache

from storefront import ledger
from storefront.exceptions import CheckoutChanged, NotFound, ProviderRejected, ProviderUnavailable
from storefront.models import OrderAttempt
from storefront.providers import readers
from storefront.providers.base import CartContext, Resolution, Role
from storefront.providers.types import Cart, CheckoutChange, Order, OrderLine, OrderType

from . import bodies
from . import mapping as fm
from .cart_state import FyndCartState
from .common import (
    MSG_BAD_PAYMENT,
    MSG_CART_GONE,
    MSG_NEED_ADDRESS,
    MSG_NEED_PICKUP_CONTACT,
    MSG_ORDER_NOT_FOUND,
    PAYMENT_COD,
    PAYMENT_LABELS,
    user_id_of,
)
from .models import FyndCart

logger = logging.getLogger("storefront.providers.fynd")

Placed = OrderAttempt.State.PLACED
RECONCILE_AT_LISTING = 3  # unknown attempts of one shopper looked up when they open their orders


class FyndOrders(FyndCartState):
    def payment_modes(self, cart: Cart) -> tuple[tuple[str, str], ...]:
        return ((PAYMENT_COD, PAYMENT_LABELS[PAYMENT_COD]),)

    def place_order(
        self,
        ctx: CartContext,
        *,
        idempotency_key: str,
        payment_mode: str,
        email: str = "",
        expected_total: Decimal | None = None,  # Fynd prices the checkout itself
    ) -> Order:
        known = ledger.find_attempt(account=self.account, role=Role.SHOP, key=idempotency_key)
        if known is not None and known.state != OrderAttempt.State.FAILED:
            self._check_owner(known, ctx)
            return self._order(ledger.settle(known, self.reconcile_order))
        cart_id = self._cart_id(ctx)
        state = self._state(cart_id)
        if not cart_id or (state is not None and not state.is_open):
            raise ProviderRejected(MSG_CART_GONE)
        # the caller has just read the cart (carts.services re-checks it before ordering), and
        # Fynd re-validates at checkout: the cached copy is enough for our own checks
        body = self._cached_body(ctx, cart_id, state) or self._read(ctx, cart_id, state)
        if body is None or not readers.as_list(body.get("items")):
            raise ProviderRejected(MSG_CART_GONE)
        cart = self._to_cart(body, ctx, state)
        self._check_ready(cart, payment_mode)
        email = email or (ctx.customer.email if ctx.customer else "")
        record = self._record(body, ctx, state, cart=cart, payment_mode=payment_mode, email=email)
        key = ledger.key_hash(idempotency_key)

        def send(attempt: OrderAttempt) -> ledger.Sent:
            answer = self.client.checkout(
                bodies.checkout_body(cart, cart_id, key, payment_mode, email, staff=ctx.acting_user),
                buy_now=ctx.buy_now,
                pincode=self._pincode(ctx, state),
            )
            order_id = readers.as_str(answer.get("order_id")) or readers.as_str(
                readers.as_dict(answer.get("data")).get("order_id")
            )
            if not order_id:
                logger.error("Fynd checkout of cart %s answered without an order id", cart_id)
                raise ProviderUnavailable()
            # the checkout answer's cart is what Fynd ordered (with its COD charge)
            ordered = readers.as_dict(answer.get("cart"))
            if fm.is_complete(ordered):
                record["cart"] = {k: v for k, v in ordered.items() if k not in ("message", "success")}
            return ledger.Sent(order_id, record)

        try:
            attempt = ledger.place_once(
                account=self.account,
                role=Role.SHOP,
                key=idempotency_key,
                send=send,
                reconcile=self.reconcile_order,
                user_id=user_id_of(ctx),
                cart_id=cart_id,
                record=record,
                guest=ctx.customer is None,
            )
        except ledger.OrderOutcomeUnknown:
            self._hold(cart_id, True)  # nothing may change the cart until we know
            raise
        self._hold(cart_id, True)
        cache.delete(self._cart_key(cart_id, ctx, state))
        return self._order(attempt)

    def _check_ready(self, cart: Cart, payment_mode: str) -> None:
        changes = []
        if cart.checkout_blocked:
            changes.append(CheckoutChange(cart.checkout_blocked))
        if cart.meta.order_type == OrderType.PICK_AT_STORE:
            if not (cart.meta.pickup_name and cart.meta.pickup_phone):
                changes.append(CheckoutChange(MSG_NEED_PICKUP_CONTACT))
        elif cart.shipping_address is None:
            changes.append(CheckoutChange(MSG_NEED_ADDRESS))
        if payment_mode not in dict(self.payment_modes(cart)):
            changes.append(CheckoutChange(MSG_BAD_PAYMENT))
        if changes:
            raise CheckoutChanged(changes)

    def _record(self, body: dict, ctx: CartContext, state, *, cart: Cart, payment_mode: str, email: str):
        """What the order pages show: the cart as sent (replaced by Fynd's answer when it comes)
        and, for reconciliation, the cart's Last-Modified before the checkout."""
        return {
            "cart": {k: v for k, v in body.items() if k not in ("message", "success")},
            "last_modified": readers.as_str(body.get("last_modified")),
            "payment_mode": payment_mode,
            "email": email,
            "pincode": self._pincode(ctx, state),
            "order_type": self._order_type(state),
            "shipping_address": fm.address_json(cart.shipping_address),
            "buy_now": ctx.buy_now,
        }

    def _hold(self, cart_id: str, held: bool) -> None:
        FyndCart.objects.filter(account=self.account, cart_id=cart_id).update(is_open=not held)

    def reconcile_order(self, attempt: OrderAttempt) -> Resolution:
        record = readers.as_dict(attempt.record)
        try:
            body, last_modified = self.client.cart(
                attempt.cart_id,
                buy_now=bool(record.get("buy_now")),
                pincode=readers.as_str(record.get("pincode")),
                order_type=readers.as_str(record.get("order_type")),
            )
        except NotFound:
            return Resolution(True, record=record)  # archived: checkout took it
        order_id = readers.as_str(body.get("order_id"))
        if order_id:
            return Resolution(True, upstream_id=order_id, record=record)
        stamp = last_modified or readers.as_str(body.get("last_modified"))
        moved = not readers.same_moment(stamp, record.get("last_modified"))
        lines = readers.as_list(body.get("items"))
        if not lines and moved:
            return Resolution(True, record=record)
        if lines and not moved:
            self._hold(attempt.cart_id, False)  # not ordered: the shopper's cart is theirs again
            return Resolution(False)
        return Resolution(None)

    def _check_owner(self, attempt: OrderAttempt, ctx: CartContext) -> None:
        """The key is a signed secret of the checkout page: holding it is enough, but a signed-in
        shopper never gets another customer's order."""
        user_id = user_id_of(ctx)
        if attempt.user_id and user_id is not None and user_id != attempt.user_id:
            raise NotFound(MSG_ORDER_NOT_FOUND)

    def _order(self, attempt: OrderAttempt) -> Order:
        snap = readers.as_dict(attempt.record)
        cart = self._map(
            fm.map_cart,
            readers.as_dict(snap.get("cart")),
            capabilities=self.capabilities,
            pincode=readers.as_str(snap.get("pincode")),
            order_type=readers.as_str(snap.get("order_type")),
            shipping_address=fm.address_from_json(snap.get("shipping_address")),
        )
        mode = readers.as_str(snap.get("payment_mode"))
        return Order(
            id=attempt.order_id,
            status=attempt.get_state_display(),
            placed_at=attempt.placed_at or attempt.created_at,
            lines=tuple(
                OrderLine(
                    product_name=ln.product.name,
                    variant_label=ln.variant.label,
                    quantity=ln.quantity,
                    unit_mrp=ln.unit_mrp,
                    unit_price=ln.unit_price,
                    line_total=ln.line_total,
                    image=ln.product.image,
                    product_slug=ln.product.slug,
                )
                for ln in cart.lines
            ),
            breakup=cart.breakup,
            total=cart.total,
            payment_mode=PAYMENT_LABELS.get(mode, mode),
            order_type=cart.meta.order_type,
            email=readers.as_str(snap.get("email")),
            shipping_address=cart.shipping_address,
            delivery_promise=cart.delivery_promise,
            meta=cart.meta,
            guest_token=attempt.guest_token,
        )

    def _attempts(self):
        return OrderAttempt.objects.filter(account=self.account, role=Role.SHOP)

    def list_orders(self, ctx: CartContext) -> tuple[Order, ...]:
        user_id = user_id_of(ctx)
        if user_id is None:
            return ()
        for attempt in ledger.unknown_attempts(account=self.account, role=Role.SHOP, user_id=user_id)[
            :RECONCILE_AT_LISTING
        ]:
            ledger.reconcile_attempt(attempt, self.reconcile_order)
        rows = self._attempts().filter(user_id=user_id, state=Placed)
        return tuple(self._order(r) for r in rows[:50])

    def get_order(self, ctx: CartContext, *, order_id: str, guest_token: str = "") -> Order:
        rows = self._attempts().filter(state=Placed)
        row = rows.filter(upstream_id=order_id).first() or rows.filter(reference=order_id).first()
        if row is None:
            raise NotFound(MSG_ORDER_NOT_FOUND)
        if row.user_id:
            if user_id_of(ctx) != row.user_id:
                raise NotFound(MSG_ORDER_NOT_FOUND)
        elif not guest_token or not secrets.compare_digest(guest_token, row.guest_token):
            raise NotFound(MSG_ORDER_NOT_FOUND)
        return self._order(row)
