"""Placing orders on the local store: exactly once per idempotency key, all or nothing."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass, field, replace
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

# the cart meta an order keeps, as Order.meta
_ORDER_META_KEYS = ("gift_message", "gstin", "business_name", "comment", "pickup_name", "pickup_phone")

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
        """Inside place_order's transaction: lock the cart, re-check everything under row locks,
        take what the order spends and write it. Rows are locked in one order by every submit:
        the cart, the variants (by id), the coupon, the points, the credit, the gift cards."""
        cart_row = self._find_cart(ctx, lock=True)
        existing = m.Order.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:  # the submit we queued behind placed it
            return self._owned(existing, ctx)
        if cart_row is None:
            raise ProviderRejected(MSG_CART_GONE)
        lines = _lines_to_order(cart_row)
        cart, spend = self._lock_and_recheck(
            ctx, cart_row, lines, payment_mode=payment_mode, expected_total=expected_total
        )
        _take(cart_row, lines, spend)
        order = _write_order(
            ctx,
            cart_row,
            cart,
            lines,
            spend,
            idempotency_key=idempotency_key,
            payment_mode=payment_mode,
            email=email,
        )
        cart_row.status = m.LocalCart.Status.ORDERED
        cart_row.save(update_fields=["status", "updated_at"])
        return self._map_order(order)

    def _lock_and_recheck(
        self,
        ctx: CartContext,
        cart_row: m.LocalCart,
        lines: list[m.LocalCartLine],
        *,
        payment_mode: str,
        expected_total: Decimal | None,
    ) -> tuple[Cart, _Spend]:
        """The cart as it is now, with every row the order takes locked; CheckoutChanged with
        everything that changed since the shopper saw it, all at once."""
        changes = _stock_changes(lines)
        # priced from the database, as the order lines are written: never from a cached catalogue
        cart = self._build_cart(cart_row, ctx, fresh_catalogue=True)
        changes += _fulfilment_changes(cart)
        coupon, coupon_changes = _lock_coupon(cart_row, cart)
        changes += coupon_changes
        spend = _Spend.of(cart, coupon)
        changes += _balance_changes(cart_row.user_id, spend)
        card_ids, card_changes = _lock_gift_cards(spend.card_uses)
        changes += card_changes
        changes += _total_changes(cart, expected_total)
        if payment_mode not in dict(self.payment_modes(cart)):
            changes.append(CheckoutChange(MSG_BAD_PAYMENT))
        if changes:
            raise CheckoutChanged(changes)
        return cart, replace(spend, card_ids=card_ids)

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


@dataclass(frozen=True, slots=True)
class _Spend:
    """What an order takes besides stock: the coupon use, points, credit and gift-card amounts
    (with the ids of the gift-card rows once they are locked)."""

    coupon: m.Coupon | None
    points: int
    credit: Decimal | int
    card_uses: list[tuple[str, Decimal]]
    card_ids: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, cart: Cart, coupon: m.Coupon | None) -> _Spend:
        return cls(
            coupon=coupon,
            points=cart.loyalty.applied if cart.loyalty else 0,
            credit=cart.credit.applied if cart.credit else 0,
            card_uses=[(r.code, r.amount) for r in cart.gift_cards if r.amount > 0],
        )


# ------------------------------------------------------------------------ lock and re-check
def _lines_to_order(cart_row: m.LocalCart) -> list[m.LocalCartLine]:
    lines = list(m.LocalCartLine.objects.filter(cart=cart_row).select_related("variant__product"))
    if not lines:
        raise ProviderRejected(MSG_CART_GONE)
    return lines


def _stock_changes(lines: list[m.LocalCartLine]) -> list[CheckoutChange]:
    """Stock, with the variant rows locked (by id) so two carts cannot both take the last unit."""
    variants = {
        v.pk: v
        for v in m.Variant.objects.select_for_update()
        .filter(pk__in=[ln.variant_id for ln in lines])
        .order_by("pk")
    }
    changes: list[CheckoutChange] = []
    for line in lines:
        v = variants[line.variant_id]
        if v.stock < line.quantity:
            text = MSG_STOCK_SHORT.format(
                name=line.variant.product.name, size=v.label, stock=v.stock, quantity=line.quantity
            )
            changes.append(CheckoutChange(text, line_id=str(line.pk)))
    return changes


def _fulfilment_changes(cart: Cart) -> list[CheckoutChange]:
    """Where the order goes: a store and who picks up, or a delivery address; and what the cart
    itself says stops the checkout."""
    changes: list[CheckoutChange] = []
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
    return changes


def _lock_coupon(cart_row: m.LocalCart, cart: Cart) -> tuple[m.Coupon | None, list[CheckoutChange]]:
    """The cart's coupon, locked (its last use goes to one customer only), and whether it still
    gives what the cart shows."""
    red = _redemptions_of(cart_row)
    if red is None or not red.coupon_id:
        return None, []
    coupon = m.Coupon.objects.select_for_update().get(pk=red.coupon_id)
    problem = coupon_static_problem(coupon, user_id=cart_row.user_id)
    row = cart.row("coupon")
    if not problem and row is not None and row.amount == 0 and row.messages:
        problem = row.messages[0]
    if problem:
        return coupon, [CheckoutChange(MSG_COUPON_GONE.format(code=coupon.code, reason=problem))]
    return coupon, []


def _balance_changes(user_id: int | None, spend: _Spend) -> list[CheckoutChange]:
    """Points, then credit: each locked and checked against what this order takes."""
    changes: list[CheckoutChange] = []
    if spend.points:
        account = m.LoyaltyAccount.objects.select_for_update().get(user_id=user_id)
        if account.points < spend.points:
            changes.append(
                CheckoutChange(MSG_POINTS_SHORT.format(points=account.points, needed=spend.points))
            )
    if spend.credit:
        credit = m.StoreCredit.objects.select_for_update().get(user_id=user_id)
        if credit.balance < spend.credit:
            text = MSG_CREDIT_SHORT.format(
                balance=format_inr(credit.balance), amount=format_inr(spend.credit)
            )
            changes.append(CheckoutChange(text))
    return changes


def _lock_gift_cards(card_uses: list[tuple[str, Decimal]]) -> tuple[dict[str, int], list[CheckoutChange]]:
    """The gift cards' ids, their rows locked, and which of them cannot pay what it is to pay."""
    codes = [code for code, _ in card_uses]
    cards = {c.code: c for c in m.GiftCard.objects.select_for_update().filter(code__in=codes)}
    changes: list[CheckoutChange] = []
    for code, amount in card_uses:
        card = cards.get(code)
        if card is None or card.balance < amount:
            text = MSG_CARD_SHORT.format(
                tail=code[-4:], balance=format_inr(card.balance if card else 0), amount=format_inr(amount)
            )
            changes.append(CheckoutChange(text))
    return {code: card.pk for code, card in cards.items()}, changes


def _total_changes(cart: Cart, expected_total: Decimal | None) -> list[CheckoutChange]:
    """A balance was spent since the page was shown (another order took the gift card, the
    points or the credit): never charge other than what the customer agreed to."""
    if expected_total is None or cart.total == expected_total:
        return []
    codes = [r.code for r in cart.gift_cards]
    balances = dict(m.GiftCard.objects.filter(code__in=codes).values_list("code", "balance"))
    changes = [
        CheckoutChange(MSG_CARD_NOW.format(tail=r.code[-4:], balance=format_inr(balances.get(r.code, 0))))
        for r in cart.gift_cards
    ]
    changes.append(
        CheckoutChange(MSG_TOTAL_CHANGED.format(old=format_inr(expected_total), new=format_inr(cart.total)))
    )
    return changes


# ------------------------------------------------------------------------ take and write
def _take(cart_row: m.LocalCart, lines: list[m.LocalCartLine], spend: _Spend) -> None:
    """All checked: take the stock and everything the order spends, in this transaction."""
    for line in lines:
        m.Variant.objects.filter(pk=line.variant_id).update(stock=F("stock") - line.quantity)
    if spend.coupon is not None:
        m.Coupon.objects.filter(pk=spend.coupon.pk).update(used_count=F("used_count") + 1)
    if spend.points:
        m.LoyaltyAccount.objects.filter(user_id=cart_row.user_id).update(points=F("points") - spend.points)
    if spend.credit:
        m.StoreCredit.objects.filter(user_id=cart_row.user_id).update(balance=F("balance") - spend.credit)
    for code, amount in spend.card_uses:
        m.GiftCard.objects.filter(pk=spend.card_ids[code]).update(balance=F("balance") - amount)


def _write_order(
    ctx: CartContext,
    cart_row: m.LocalCart,
    cart: Cart,
    lines: list[m.LocalCartLine],
    spend: _Spend,
    *,
    idempotency_key: str,
    payment_mode: str,
    email: str,
) -> m.Order:
    """The order row, a snapshot of the cart as it was paid, and its lines."""
    meta, promise = cart.meta, cart.delivery_promise
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
        meta={key: getattr(meta, key) for key in _ORDER_META_KEYS},
        coupon=spend.coupon,
        points_used=spend.points,
        credit_used=spend.credit or 0,
        gift_card_uses=[[code, str(amount)] for code, amount in spend.card_uses],
        delivery_min=promise.min if promise else None,
        delivery_max=promise.max if promise else None,
    )
    m.OrderLine.objects.bulk_create([_order_line(order, line) for line in lines])
    return order


def _order_line(order: m.Order, line: m.LocalCartLine) -> m.OrderLine:
    variant, product = line.variant, line.variant.product
    return m.OrderLine(
        order=order,
        variant_id=line.variant_id,
        product_name=product.name,
        product_slug=product.slug,
        image=product.image,
        variant_label=variant.label,
        quantity=line.quantity,
        unit_mrp=variant.mrp,
        unit_price=variant.price,
        line_total=variant.price * line.quantity,
        gst_rate=product.gst_rate,
    )
