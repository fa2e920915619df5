"""Placing orders on the local store: exactly once per idempotency key, all or nothing."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict
from decimal import Decimal

from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from storefront.exceptions import CheckoutChanged, NotFound, ProviderRejected
from storefront.money import format_inr
from storefront.providers.base import CartContext
from storefront.providers.messages import (
    LABEL_CASH_ON_DELIVERY,
    MSG_BAD_PAYMENT,
    MSG_CART_GONE,
    MSG_NEED_ADDRESS,
    MSG_NEED_PICKUP_CONTACT,
    MSG_ORDER_NOT_FOUND,
)
from storefront.providers.types import (
    Address,
    BreakupRow,
    Cart,
    CartMeta,
    CheckoutChange,
    DeliveryPromise,
    Order,
    OrderLine,
    OrderType,
)

from . import models as m
from .redemptions import coupon_static_problem, map_store
from .redemptions import redemptions_of as _redemptions_of

MSG_STOCK_SHORT = "{name} ({size}): only {stock} left, you asked for {quantity}."
MSG_COUPON_GONE = "Coupon {code}: {reason}"
MSG_CARD_SHORT = "Gift card …{tail} now has {balance}, less than the {amount} it was to pay."
MSG_POINTS_SHORT = "You now have {points} loyalty points, fewer than the {needed} on this order."
MSG_CREDIT_SHORT = "Your store credit is now {balance}, less than the {amount} on this order."
MSG_NEED_STORE = "Choose a store for pick-up."
MSG_TOTAL_CHANGED = "Your total changed from {old} to {new}."
MSG_CARD_NOW = "Gift card …{tail} now has {balance}."
MSG_CANCELLED = "Order {number} is cancelled."

PAYMENT_COD = "cod"
PAYMENT_REDEMPTIONS = "redemptions"
PAYMENT_LABELS = {PAYMENT_COD: LABEL_CASH_ON_DELIVERY, PAYMENT_REDEMPTIONS: "Fully paid by redemptions"}


def _row_json(row: BreakupRow) -> dict:
    return {
        "key": row.key,
        "label": row.label,
        "amount": str(row.amount),
        "informational": row.informational,
        "messages": list(row.messages),
    }


def _stored_key(idempotency_key: str) -> str:
    """The key as Order.idempotency_key holds it (64 characters at most): long keys, such as the
    checkout's "<cart id>:<token id>" (69 characters), by their SHA-256."""
    if len(idempotency_key) <= 64:
        return idempotency_key
    return hashlib.sha256(idempotency_key.encode()).hexdigest()


def _order_number() -> str:
    return "KC" + timezone.now().strftime("%y%m") + secrets.token_hex(3).upper()


class CheckoutMixin:
    def payment_modes(self, cart: Cart) -> tuple[tuple[str, str], ...]:
        if cart.total <= 0:
            return ((PAYMENT_REDEMPTIONS, PAYMENT_LABELS[PAYMENT_REDEMPTIONS]),)
        return ((PAYMENT_COD, PAYMENT_LABELS[PAYMENT_COD]),)

    def place_order(
        self,
        ctx: CartContext,
        *,
        idempotency_key: str,
        payment_mode: str,
        email: str = "",
        expected_total: Decimal | None = None,
    ) -> Order:
        """Re-check everything under row locks, then in one transaction take the stock, the coupon
        use, the points, the gift-card balances and the credit, and write the order. The same key
        always returns the same order."""
        idempotency_key = _stored_key(idempotency_key)
        existing = m.Order.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return self._owned(existing, ctx)
        try:
            with transaction.atomic():
                return self._place(
                    ctx,
                    idempotency_key=idempotency_key,
                    payment_mode=payment_mode,
                    email=email,
                    expected_total=expected_total,
                )
        except IntegrityError:
            # a concurrent submit with the same key won the race: answer with its order
            existing = m.Order.objects.filter(idempotency_key=idempotency_key).first()
            if existing is None:
                raise
            return self._owned(existing, ctx)

    def _owned(self, order: m.Order, ctx: CartContext) -> Order:
        if ctx.customer and order.user_id and str(order.user_id) != ctx.customer.id:
            raise NotFound(MSG_ORDER_NOT_FOUND)
        return self._map_order(order)

    def _place(
        self,
        ctx: CartContext,
        *,
        idempotency_key: str,
        payment_mode: str,
        email: str,
        expected_total: Decimal | None = None,
    ) -> Order:
        cart_row = self._find_cart(ctx, lock=True)
        if cart_row is None:
            existing = m.Order.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return self._owned(existing, ctx)
            raise ProviderRejected(MSG_CART_GONE)
        existing = m.Order.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:  # the submit we queued behind placed it
            return self._owned(existing, ctx)
        lines = list(m.LocalCartLine.objects.filter(cart=cart_row).select_related("variant__product"))
        if not lines:
            raise ProviderRejected(MSG_CART_GONE)
        changes: list[CheckoutChange] = []
        # stock, with the variant rows locked so two carts cannot both take the last unit
        variants = {
            v.pk: v
            for v in m.Variant.objects.select_for_update()
            .filter(pk__in=[ln.variant_id for ln in lines])
            .order_by("pk")
        }
        for line in lines:
            v = variants[line.variant_id]
            if v.stock < line.quantity:
                changes.append(
                    CheckoutChange(
                        MSG_STOCK_SHORT.format(
                            name=line.variant.product.name,
                            size=v.label,
                            stock=v.stock,
                            quantity=line.quantity,
                        ),
                        line_id=str(line.pk),
                    )
                )
        cart = self._build_cart(cart_row, ctx)
        red = _redemptions_of(cart_row)
        meta = cart.meta
        if meta.order_type == OrderType.PICK_AT_STORE:
            if meta.pickup_store is None:
                changes.append(CheckoutChange(MSG_NEED_STORE))
            if not (meta.pickup_name and meta.pickup_phone):
                changes.append(CheckoutChange(MSG_NEED_PICKUP_CONTACT))
        elif cart.shipping_address is None:
            changes.append(CheckoutChange(MSG_NEED_ADDRESS))
        if cart.checkout_blocked:
            changes.append(CheckoutChange(cart.checkout_blocked))
        # the coupon, locked: the last use goes to one customer only
        coupon = None
        if red is not None and red.coupon_id:
            coupon = m.Coupon.objects.select_for_update().get(pk=red.coupon_id)
            problem = coupon_static_problem(coupon, user_id=cart_row.user_id)
            row = cart.row("coupon")
            if not problem and row is not None and row.amount == 0 and row.messages:
                problem = row.messages[0]
            if problem:
                changes.append(CheckoutChange(MSG_COUPON_GONE.format(code=coupon.code, reason=problem)))
        # points, credit and gift cards, locked and checked against what this order takes
        points_used = cart.loyalty.applied if cart.loyalty else 0
        if points_used:
            account = m.LoyaltyAccount.objects.select_for_update().get(user_id=cart_row.user_id)
            if account.points < points_used:
                changes.append(
                    CheckoutChange(MSG_POINTS_SHORT.format(points=account.points, needed=points_used))
                )
        credit_used = cart.credit.applied if cart.credit else 0
        if credit_used:
            credit = m.StoreCredit.objects.select_for_update().get(user_id=cart_row.user_id)
            if credit.balance < credit_used:
                changes.append(
                    CheckoutChange(
                        MSG_CREDIT_SHORT.format(
                            balance=format_inr(credit.balance), amount=format_inr(credit_used)
                        )
                    )
                )
        card_uses = [(r.code, r.amount) for r in cart.gift_cards if r.amount > 0]
        cards = {
            c.code: c
            for c in m.GiftCard.objects.select_for_update().filter(code__in=[code for code, _ in card_uses])
        }
        for code, amount in card_uses:
            card = cards.get(code)
            if card is None or card.balance < amount:
                changes.append(
                    CheckoutChange(
                        MSG_CARD_SHORT.format(
                            tail=code[-4:],
                            balance=format_inr(card.balance if card else 0),
                            amount=format_inr(amount),
                        )
                    )
                )
        if expected_total is not None and cart.total != expected_total:
            # a balance was spent since the page was shown (another order took the gift card,
            # the points or the credit): never charge other than what the customer agreed to
            balances = dict(
                m.GiftCard.objects.filter(code__in=[r.code for r in cart.gift_cards]).values_list(
                    "code", "balance"
                )
            )
            for r in cart.gift_cards:
                balance = format_inr(balances.get(r.code, 0))
                changes.append(CheckoutChange(MSG_CARD_NOW.format(tail=r.code[-4:], balance=balance)))
            changes.append(
                CheckoutChange(
                    MSG_TOTAL_CHANGED.format(old=format_inr(expected_total), new=format_inr(cart.total))
                )
            )
        if payment_mode not in dict(self.payment_modes(cart)):
            changes.append(CheckoutChange(MSG_BAD_PAYMENT))
        if changes:
            raise CheckoutChanged(changes)

        # all checked: take everything, in this transaction
        for line in lines:
            m.Variant.objects.filter(pk=line.variant_id).update(stock=F("stock") - line.quantity)
        if coupon is not None:
            m.Coupon.objects.filter(pk=coupon.pk).update(used_count=F("used_count") + 1)
        if points_used:
            m.LoyaltyAccount.objects.filter(user_id=cart_row.user_id).update(points=F("points") - points_used)
        if credit_used:
            m.StoreCredit.objects.filter(user_id=cart_row.user_id).update(balance=F("balance") - credit_used)
        for code, amount in card_uses:
            m.GiftCard.objects.filter(pk=cards[code].pk).update(balance=F("balance") - amount)
        promise = cart.delivery_promise
        order = m.Order.objects.create(
            number=_order_number(),
            idempotency_key=idempotency_key,
            cart=cart_row,
            user_id=cart_row.user_id,
            email=email or (ctx.customer.email if ctx.customer else ""),
            guest_token="" if cart_row.user_id else secrets.token_urlsafe(24),
            payment_mode=payment_mode,
            order_type=meta.order_type.value,
            total=cart.total,
            breakup=[_row_json(r) for r in cart.breakup],
            shipping_address=asdict(cart.shipping_address) if cart.shipping_address else None,
            pickup_store_id=int(meta.pickup_store.id) if meta.pickup_store else None,
            meta={
                "gift_message": meta.gift_message,
                "gstin": meta.gstin,
                "business_name": meta.business_name,
                "comment": meta.comment,
                "pickup_name": meta.pickup_name,
                "pickup_phone": meta.pickup_phone,
            },
            coupon=coupon,
            points_used=points_used,
            credit_used=credit_used or 0,
            gift_card_uses=[[code, str(amount)] for code, amount in card_uses],
            delivery_min=promise.min if promise else None,
            delivery_max=promise.max if promise else None,
        )
        m.OrderLine.objects.bulk_create(
            [
                m.OrderLine(
                    order=order,
                    variant_id=line.variant_id,
                    product_name=line.variant.product.name,
                    product_slug=line.variant.product.slug,
                    image=line.variant.product.image,
                    variant_label=line.variant.label,
                    quantity=line.quantity,
                    unit_mrp=line.variant.mrp,
                    unit_price=line.variant.price,
                    line_total=line.variant.price * line.quantity,
                    gst_rate=line.variant.product.gst_rate,
                )
                for line in lines
            ]
        )
        cart_row.status = m.LocalCart.Status.ORDERED
        cart_row.save(update_fields=["status", "updated_at"])
        return self._map_order(order)

    # ------------------------------------------------------------------------ reading orders
    def _map_order(self, order: m.Order) -> Order:
        meta = order.meta or {}
        return Order(
            id=order.number,
            status=order.get_status_display(),
            placed_at=order.placed_at,
            lines=tuple(
                OrderLine(
                    product_name=ln.product_name,
                    variant_label=ln.variant_label,
                    quantity=ln.quantity,
                    unit_mrp=ln.unit_mrp,
                    unit_price=ln.unit_price,
                    line_total=ln.line_total,
                    image=staticfiles_storage.url(ln.image) if ln.image else "",
                    product_slug=ln.product_slug,
                )
                for ln in order.lines.all()
            ),
            breakup=tuple(
                BreakupRow(
                    r["key"],
                    r["label"],
                    Decimal(r["amount"]),
                    informational=r.get("informational", False),
                    messages=tuple(r.get("messages", ())),
                )
                for r in order.breakup
            ),
            total=order.total,
            payment_mode=PAYMENT_LABELS.get(order.payment_mode, order.payment_mode),
            order_type=OrderType(order.order_type),
            email=order.email,
            shipping_address=Address(**order.shipping_address) if order.shipping_address else None,
            pickup_store=map_store(order.pickup_store),
            delivery_promise=DeliveryPromise(order.delivery_min, order.delivery_max)
            if order.delivery_min and order.delivery_max
            else None,
            meta=CartMeta(
                gift_message=meta.get("gift_message", ""),
                gstin=meta.get("gstin", ""),
                business_name=meta.get("business_name", ""),
                comment=meta.get("comment", ""),
                pickup_name=meta.get("pickup_name", ""),
                pickup_phone=meta.get("pickup_phone", ""),
            ),
            guest_token=order.guest_token,
        )

    def _orders(self):
        return m.Order.objects.select_related("pickup_store").prefetch_related("lines")

    def list_orders(self, ctx: CartContext) -> tuple[Order, ...]:
        if not ctx.customer:
            return ()
        return tuple(self._map_order(o) for o in self._orders().filter(user_id=ctx.customer.id)[:50])

    def get_order(self, ctx: CartContext, *, order_id: str, guest_token: str = "") -> Order:
        """A customer sees only their own orders; a guest needs the order's secret token."""
        order = self._orders().filter(number=order_id).first()
        if order is None:
            raise NotFound(MSG_ORDER_NOT_FOUND)
        if order.user_id:
            if not ctx.customer or str(order.user_id) != ctx.customer.id:
                raise NotFound(MSG_ORDER_NOT_FOUND)
        elif not guest_token or not secrets.compare_digest(guest_token, order.guest_token):
            raise NotFound(MSG_ORDER_NOT_FOUND)
        return self._map_order(order)

    def cancel_order(self, *, order_id: str) -> None:
        """Operator action: cancel, and give back stock, points, credit and gift-card balance."""
        with transaction.atomic():
            order = m.Order.objects.select_for_update().get(number=order_id)
            if order.status == m.Order.Status.CANCELLED:
                return
            for line in order.lines.all():
                if line.variant_id:
                    m.Variant.objects.filter(pk=line.variant_id).update(stock=F("stock") + line.quantity)
            if order.points_used and order.user_id:
                m.LoyaltyAccount.objects.filter(user_id=order.user_id).update(
                    points=F("points") + order.points_used
                )
            if order.credit_used and order.user_id:
                m.StoreCredit.objects.filter(user_id=order.user_id).update(
                    balance=F("balance") + order.credit_used
                )
            for code, amount in order.gift_card_uses:
                m.GiftCard.objects.filter(code=code).update(balance=F("balance") + Decimal(amount))
            if order.coupon_id:
                m.Coupon.objects.filter(pk=order.coupon_id, used_count__gt=0).update(
                    used_count=F("used_count") - 1
                )
            order.status = m.Order.Status.CANCELLED
            order.save(update_fields=["status"])
