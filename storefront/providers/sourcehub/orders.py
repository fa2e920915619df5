"""SourceHub sales orders on the shared order ledger (storefront.ledger).

`POST orders/create?customer_id=` takes no idempotency key and no body: it turns the customer's
cart into a sales order and empties the cart (sourcehub.md §6, INFERRED from the single
parameter). The ledger records the attempt before that one POST (never retried; a 429 is
`RateLimited`, nothing ordered), a second submit of the key gets the placed order back without
reaching SourceHub, and concurrent submits of one key make one order (the ledger's unique key).

Reconciling an attempt whose answer was lost (a timeout, a dropped connection, a 5xx after the
commit), before anything is sent again, as the contract says:
1. GET carts?customer_id= (fresh): the lines we sent are still there, unchanged → not placed (the
   shopper may order again); the cart is empty → placed.
2. When placed, GET orders?phone_number=<the buyer's>&from_date=<today>&to_date=<today> finds the
   order (same products, quantities and item total, not yet claimed by another attempt) for its
   id and number; not found → still placed, shown under our reference.
3. Anything else (other lines now) → still unknown, for an operator (`manage.py reconcile_orders`).
While an attempt is unknown the customer's cart does not change (carts.SourceHubCarts).

Order pages show what the ledger kept: the cart as sent (packs, units, GST, HSN) plus SourceHub's
order number, and the GSTIN and business name current when it was placed (the invoice's).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from django.core.cache import cache

from storefront import ledger
from storefront.exceptions import CheckoutChanged, NotFound, ProviderRejected
from storefront.models import OrderAttempt
from storefront.providers import readers
from storefront.providers.base import CartContext, Resolution, Role
from storefront.providers.messages import MSG_CART_GONE, MSG_ORDER_NOT_FOUND
from storefront.providers.types import (
    Address,
    Cart,
    CartMeta,
    CheckoutChange,
    Order,
    OrderLine,
    OrderType,
)

from . import mapping
from .carts import SourceHubCarts

logger = logging.getLogger("storefront.providers.sourcehub")

IST = timezone(timedelta(hours=5, minutes=30), "IST")
PAYMENT_INVOICE = "invoice"
PAYMENT_LABELS = {PAYMENT_INVOICE: "Pay against invoice (your SourceHub terms)"}
RECONCILE_AT_LISTING = 3
Placed = OrderAttempt.State.PLACED


def _today() -> datetime:
    return datetime.now(IST)


class SourceHubOrders(SourceHubCarts):
    def payment_modes(self, cart: Cart) -> tuple[tuple[str, str], ...]:
        return ((PAYMENT_INVOICE, PAYMENT_LABELS[PAYMENT_INVOICE]),)

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
            self._check_owner(known, ctx)
            return self._order(ledger.settle(known, self.reconcile_order))
        customer_id = self._customer_id(ctx)
        if customer_id is None:
            raise ProviderRejected(self.buyer_access(ctx).message or MSG_CART_GONE)
        self._settle_unknown(customer_id)
        body = self._body(customer_id)
        if not readers.as_list(body.get("items")):
            raise ProviderRejected(MSG_CART_GONE)
        cart = self._to_cart(body, ctx, customer_id)
        changes = []
        if cart.checkout_blocked:
            changes.append(CheckoutChange(cart.checkout_blocked))
        if payment_mode not in PAYMENT_LABELS:
            changes.append(CheckoutChange("Choose a payment method we accept for this order."))
        if expected_total is not None and expected_total != cart.total:
            changes.append(CheckoutChange("The amount payable changed. Please check it again."))
        if changes:
            raise CheckoutChanged(changes)
        record = self._record(body, cart, ctx, payment_mode, email)

        def send(attempt: OrderAttempt) -> ledger.Sent:
            answer = mapping.one(self.client.create_order(customer_id))
            # a 200 means SourceHub made the order; without an id it is shown under our reference
            order_id = readers.as_str(answer.get("id")) or readers.as_str(answer.get("order_no"))
            if not order_id:
                logger.warning("SourceHub orders/create for customer %s answered without an id", customer_id)
                order_id = attempt.reference
            cache.delete(self._key("cart", customer_id))
            return ledger.Sent(order_id, {**record, "order": answer})

        attempt = ledger.place_once(
            account=self.account,
            role=Role.SHOP,
            key=idempotency_key,
            send=send,
            reconcile=self.reconcile_order,
            user_id=self._user_pk(ctx.customer) if ctx.customer else None,
            cart_id=customer_id,
            record=record,
        )
        return self._order(attempt)

    def _record(self, body: dict, cart: Cart, ctx: CartContext, payment_mode: str, email: str) -> dict:
        record = self.buyer_record(ctx.customer, external_id=cart.id) if ctx.customer else None
        return {
            "cart": {k: v for k, v in body.items() if k != "message"},
            "payment_mode": payment_mode,
            "email": email or (ctx.customer.email if ctx.customer else ""),
            "phone": record.phone if record else "",
            "day": _today().date().isoformat(),
            "gstin": cart.meta.gstin,
            "business_name": cart.meta.business_name,
            "comment": cart.meta.comment,
            "address": mapping_address(cart),
        }

    # ------------------------------------------------------------------ reconciliation
    def reconcile_order(self, attempt: OrderAttempt) -> Resolution:
        record = readers.as_dict(attempt.record)
        sent = readers.as_dict(record.get("cart"))
        body = readers.as_dict(self.client.cart(attempt.cart_id))
        items = readers.as_list(body.get("items"))
        if items:
            if self._same_lines(items, readers.as_list(sent.get("items"))):
                return Resolution(False)  # SourceHub still holds the cart as sent: not ordered
            return Resolution(None)
        found = self._find_order(record, sent)
        if found is None:
            return Resolution(True, record=record)
        return Resolution(
            True, upstream_id=readers.as_str(found.get("id")), record={**record, "order": found}
        )

    @staticmethod
    def _same_lines(now: list, sent: list) -> bool:
        def lines(items: list) -> list[tuple[str, int]]:
            return sorted(
                (
                    readers.as_str(readers.as_dict(i).get("id")),
                    readers.as_int(readers.as_dict(i).get("quantity")),
                )
                for i in items
            )

        return lines(now) == lines(sent)

    def _find_order(self, record: dict, sent: dict) -> dict | None:
        phone = readers.as_str(record.get("phone"))
        if not phone:
            return None
        day = datetime.fromisoformat(readers.as_str(record.get("day")) or _today().date().isoformat()).date()
        listed = mapping.order_list(
            self.client.orders(
                phone=phone, from_date=mapping.query_date(day), to_date=mapping.query_date(day)
            )
        )
        claimed = set(
            OrderAttempt.objects.filter(account=self.account, role=Role.SHOP)
            .exclude(upstream_id="")
            .values_list("upstream_id", flat=True)
        )
        for order in listed:
            if readers.as_str(order.get("id")) not in claimed and mapping.order_matches(order, sent):
                return order
        return None

    # ------------------------------------------------------------------ order pages
    def _check_owner(self, attempt: OrderAttempt, ctx: CartContext) -> None:
        user_pk = self._user_pk(ctx.customer) if ctx.customer else None
        if attempt.user_id and user_pk is not None and user_pk != attempt.user_id:
            raise NotFound(MSG_ORDER_NOT_FOUND)

    def _order(self, attempt: OrderAttempt) -> Order:
        snap = readers.as_dict(attempt.record)
        body = readers.as_dict(snap.get("cart"))
        cart = self._map(
            mapping.cart, body, cart_id=attempt.cart_id, capabilities=self.capabilities, catalogue={}
        )
        upstream = readers.as_dict(snap.get("order"))
        number = readers.as_str(upstream.get("order_no"))
        mode = readers.as_str(snap.get("payment_mode"))
        state = attempt.get_state_display()
        return Order(
            id=attempt.order_id,
            status=f"{state} · SourceHub order {number}" if number else state,
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
                    product_id=ln.product.id,
                    variant_id=ln.variant.id,
                )
                for ln in cart.lines
            ),
            breakup=cart.breakup,
            total=cart.total,
            payment_mode=PAYMENT_LABELS.get(mode, mode),
            order_type=OrderType.HOME_DELIVERY,
            email=readers.as_str(snap.get("email")),
            shipping_address=address_from(snap.get("address")),
            meta=CartMeta(
                gstin=readers.as_str(snap.get("gstin")),
                business_name=readers.as_str(snap.get("business_name")),
                comment=readers.as_str(snap.get("comment")),
            ),
            guest_token=attempt.guest_token,
        )

    def _attempts(self):
        return OrderAttempt.objects.filter(account=self.account, role=Role.SHOP)

    def list_orders(self, ctx: CartContext) -> tuple[Order, ...]:
        user_pk = self._user_pk(ctx.customer) if ctx.customer else None
        if user_pk is None:
            return ()
        for attempt in ledger.unknown_attempts(account=self.account, role=Role.SHOP, user_id=user_pk)[
            :RECONCILE_AT_LISTING
        ]:
            ledger.reconcile_attempt(attempt, self.reconcile_order)
        rows = self._attempts().filter(user_id=user_pk, state=Placed).order_by("-created_at")
        return tuple(self._order(r) for r in rows[:50])

    def get_order(self, ctx: CartContext, *, order_id: str, guest_token: str = "") -> Order:
        rows = self._attempts().filter(state=Placed)
        row = rows.filter(upstream_id=order_id).first() or rows.filter(reference=order_id).first()
        if row is None:
            raise NotFound(MSG_ORDER_NOT_FOUND)
        user_pk = self._user_pk(ctx.customer) if ctx.customer else None
        if row.user_id:
            if user_pk != row.user_id:
                raise NotFound(MSG_ORDER_NOT_FOUND)
        elif not guest_token or not secrets.compare_digest(guest_token, row.guest_token):
            raise NotFound(MSG_ORDER_NOT_FOUND)
        return self._order(row)


def mapping_address(cart: Cart) -> dict:
    a = cart.shipping_address
    if a is None:
        return {}
    return {
        "name": a.name,
        "phone": a.phone,
        "line1": a.line1,
        "line2": a.line2,
        "city": a.city,
        "state": a.state,
        "pincode": a.pincode,
    }


def address_from(raw) -> Address | None:
    data = readers.as_dict(raw)
    if not data.get("line1"):
        return None
    return Address(
        id="sourcehub",
        name=readers.as_str(data.get("name")),
        phone=readers.as_str(data.get("phone")),
        line1=readers.as_str(data.get("line1")),
        line2=readers.as_str(data.get("line2")),
        city=readers.as_str(data.get("city")),
        state=readers.as_str(data.get("state")),
        pincode=readers.as_str(data.get("pincode")),
    )
