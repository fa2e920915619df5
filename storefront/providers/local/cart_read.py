"""The cart's rows read with a few hand-written queries (the ORM spends most of a small read
compiling SQL): the cart row with everything that comes one per cart, its lines with the fresh
stock of their products' sizes, and its gift cards. What the products are (names, prices, sizes,
images) comes from the catalogue cache, not from here.

`cart_lookup` decides which open cart a shopper means; the raw read and the provider's ORM
writes both render that one decision.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.db import connection
from django.db.models import Q

from storefront.providers.base import CartContext

from . import models as m
from .rows import Columns

OPEN = m.LocalCart.Status.OPEN


@dataclass(frozen=True, slots=True)
class CartLookup:
    """Which open cart a context means: by id (kept in the session) or by the browser session,
    owned by the customer, by no one, or (a buy-now cart) either."""

    buy_now: bool
    pk: uuid.UUID | None = None
    session_key: str = ""
    owner_id: int | None = None
    guests: bool = False

    def q(self) -> Q:
        q = Q(status=OPEN, buy_now=self.buy_now)
        if self.pk is not None:
            q &= Q(pk=self.pk)
        if self.session_key:
            q &= Q(session_key=self.session_key)
        owner = Q()
        if self.guests:
            owner |= Q(user__isnull=True)
        if self.owner_id is not None:
            owner |= Q(user_id=self.owner_id)
        return q & owner

    def sql(self) -> tuple[str, list]:
        """The WHERE clause over the cart table aliased `c`, and its parameters."""
        clauses = ["c.status = %s", "c.buy_now = %s"]
        params: list = [OPEN, self.buy_now]
        if self.pk is not None:
            clauses.append("c.id = %s")
            params.append(_cart_pk(self.pk))
        if self.session_key:
            clauses.append("c.session_key = %s")
            params.append(self.session_key)
        owner = []
        if self.guests:
            owner.append("c.user_id IS NULL")
        if self.owner_id is not None:
            owner.append("c.user_id = %s")
            params.append(self.owner_id)
        clauses.append("(" + " OR ".join(owner) + ")")
        return " AND ".join(clauses), params


def cart_lookup(ctx: CartContext) -> CartLookup | None:
    """A signed-in customer's cart is theirs whatever the session says; a guest's is found by the
    id in the session, or by the browser session; a buy-now cart by its id, the customer's or no
    one's. None: the context has no cart."""
    if ctx.customer and not ctx.buy_now:
        return CartLookup(buy_now=False, owner_id=int(ctx.customer.id))
    try:
        cart_id = uuid.UUID(str(ctx.cart_id)) if ctx.cart_id else None
    except ValueError:  # a malformed id from an old session is just "no cart"
        return None
    if cart_id is None:
        if ctx.session_key and not ctx.buy_now and not ctx.customer:
            return CartLookup(buy_now=False, session_key=ctx.session_key, guests=True)
        return None
    if ctx.buy_now:
        # a customer's buy-now cart is theirs (points, credit, their orders); a guest's is no one's
        owner_id = int(ctx.customer.id) if ctx.customer else None
        return CartLookup(buy_now=True, pk=cart_id, owner_id=owner_id, guests=True)
    return CartLookup(buy_now=False, pk=cart_id, guests=True)


def _cart_pk(pk: uuid.UUID):
    return m.LocalCart._meta.pk.get_db_prep_value(pk, connection)


# ------------------------------------------------------------------------------------ the cart row
@dataclass(frozen=True, slots=True)
class CartHead:
    """The cart row and what comes one per cart: its redemptions (with their coupon, pick-up store
    and addresses attached), the owner's points and credit, and how many placed orders of the
    owner used the coupon (for a per-customer limit; None: not counted, ask the database)."""

    id: uuid.UUID
    user_id: int | None
    buy_now: bool
    staff_user: str
    redemptions: m.CartRedemptions | None
    loyalty: m.LoyaltyAccount | None
    credit: m.StoreCredit | None
    coupon_uses: int | None = None

    @property
    def coupon(self) -> m.Coupon | None:
        return self.redemptions.coupon if self.redemptions else None


_CART = Columns(m.LocalCart, "c", ("id", "user_id", "buy_now", "staff_user"))
_REDEMPTIONS = Columns(m.CartRedemptions, "r")
_LOYALTY = Columns(m.LoyaltyAccount, "la")
_CREDIT = Columns(m.StoreCredit, "sc")
_HEAD_PARTS = (_CART, _REDEMPTIONS, _LOYALTY, _CREDIT)
_COUPON = Columns(m.Coupon, "cp")
_STORE = Columns(m.Store, "st")
_SHIPPING = Columns(m.Address, "sa")
_BILLING = Columns(m.Address, "ba")
_DETAIL_PARTS = (_COUPON, _STORE, _SHIPPING, _BILLING)

# Two queries, not one with eight tables: PostgreSQL plans an eight-table outer join in ~2.5 ms
# (more than all else the cart read does), four tables in ~0.3 ms. The second query runs only
# when the redemptions name a coupon, a pick-up store or an address.


@cache
def _head_select() -> str:
    t = _tables()
    return (
        f"SELECT {', '.join(part.sql for part in _HEAD_PARTS)}"  # noqa: S608 - names from model metadata, values as parameters
        f" FROM {t['cart']} c"
        f" LEFT JOIN {t['redemptions']} r ON r.cart_id = c.id"
        f" LEFT JOIN {t['loyalty']} la ON la.user_id = c.user_id"
        f" LEFT JOIN {t['credit']} sc ON sc.user_id = c.user_id"
    )


@cache
def _details_select() -> str:
    t = _tables()
    return (
        f"SELECT {', '.join(part.sql for part in _DETAIL_PARTS)},"  # noqa: S608 - names from model metadata, values as parameters
        # the owner's placed orders with this coupon, for a per-customer limit
        f" CASE WHEN cp.per_customer_limit IS NULL THEN 0 ELSE"
        f" (SELECT COUNT(*) FROM {t['order']} o WHERE o.coupon_id = cp.id"
        f" AND o.user_id = %s AND o.status = %s) END"
        f" FROM {t['redemptions']} r"
        f" LEFT JOIN {t['coupon']} cp ON cp.id = r.coupon_id"
        f" LEFT JOIN {t['store']} st ON st.id = r.pickup_store_id"
        f" LEFT JOIN {t['address']} sa ON sa.id = r.shipping_address_id"
        f" LEFT JOIN {t['address']} ba ON ba.id = r.billing_address_id"
        f" WHERE r.id = %s"
    )


@cache
def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        key: quote(model._meta.db_table)
        for key, model in {
            "cart": m.LocalCart,
            "redemptions": m.CartRedemptions,
            "coupon": m.Coupon,
            "store": m.Store,
            "address": m.Address,
            "loyalty": m.LoyaltyAccount,
            "credit": m.StoreCredit,
            "order": m.Order,
            "line": m.LocalCartLine,
            "variant": m.Variant,
            "cart_card": m.CartGiftCard,
            "card": m.GiftCard,
        }.items()
    }


def read_head(lookup: CartLookup | None) -> CartHead | None:
    """The open cart the lookup finds, or None."""
    if lookup is None:
        return None
    where, params = lookup.sql()
    return _one_head(f"{_head_select()} WHERE {where} ORDER BY c.id LIMIT 1", params)


def read_head_by_id(pk: uuid.UUID, *, status: str | None = None) -> CartHead | None:
    """A cart by its id (a cart just written, or a shared copy: `status`), whatever its owner."""
    sql = f"{_head_select()} WHERE c.id = %s"
    params = [_cart_pk(pk)]
    if status is not None:
        sql += " AND c.status = %s"
        params.append(status)
    return _one_head(sql, params)


def _one_head(sql: str, params: list) -> CartHead | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        conn = cursor.db
    if row is None:
        return None
    cart_id, user_id, buy_now, staff_user = _CART.values(conn, row)
    start = len(_CART)
    red = _REDEMPTIONS.instance(conn, row, start)
    start += len(_REDEMPTIONS)
    loyalty = _LOYALTY.instance(conn, row, start)
    credit = _CREDIT.instance(conn, row, start + len(_LOYALTY))
    coupon_uses = _attach_details(red, user_id) if red is not None else None
    return CartHead(
        id=cart_id,
        user_id=user_id,
        buy_now=buy_now,
        staff_user=staff_user,
        redemptions=red,
        loyalty=loyalty,
        credit=credit,
        coupon_uses=coupon_uses,
    )


def _attach_details(red: m.CartRedemptions, user_id: int | None) -> int:
    """Read the coupon, pick-up store and addresses the redemptions name and attach them (so
    that reading them never queries); the owner's placed orders with the coupon."""
    named = (red.coupon_id, red.pickup_store_id, red.shipping_address_id, red.billing_address_id)
    row = None
    if any(named):
        with connection.cursor() as cursor:
            cursor.execute(_details_select(), [user_id, m.Order.Status.PLACED, red.pk])
            row = cursor.fetchone()
            conn = cursor.db
    if row is None:  # nothing named (or the cart deleted a moment ago)
        red.coupon = red.pickup_store = red.shipping_address = red.billing_address = None
        return 0
    start = 0
    found = []
    for part in _DETAIL_PARTS:
        found.append(part.instance(conn, row, start))
        start += len(part)
    red.coupon, red.pickup_store, red.shipping_address, red.billing_address = found
    return row[-1]


# ------------------------------------------------------------------------------------ lines and stock
@dataclass(frozen=True, slots=True)
class LineRow:
    id: int
    variant_id: int
    product_id: int
    quantity: int
    price_at_add: Decimal


_LINE = Columns(m.LocalCartLine, "l", ("id", "variant_id", "quantity", "price_at_add"))


@cache
def _lines_select() -> str:
    t = _tables()
    return (
        f"SELECT {_LINE.sql}, lv.product_id, s.id, s.stock"  # noqa: S608 - names from model metadata, values as parameters
        f" FROM {t['line']} l"
        f" JOIN {t['variant']} lv ON lv.id = l.variant_id"
        f" JOIN {t['variant']} s ON s.product_id = lv.product_id"
        f" WHERE l.cart_id = %s ORDER BY l.added_at, l.id"
    )


def read_lines(cart_id: uuid.UUID) -> tuple[tuple[LineRow, ...], dict[int, int], dict[int, frozenset[int]]]:
    """The cart's lines in the order they were added; the stock of every size of their products,
    read now (never cached); and each product's size ids as the database has them now."""
    with connection.cursor() as cursor:
        cursor.execute(_lines_select(), [_cart_pk(cart_id)])
        rows = cursor.fetchall()
        conn = cursor.db
    lines: dict[int, LineRow] = {}
    stock: dict[int, int] = {}
    sizes: dict[int, set[int]] = {}
    width = len(_LINE)
    for row in rows:
        line_id = row[0]
        product_id, size_id, size_stock = row[width], row[width + 1], row[width + 2]
        if line_id not in lines:
            line_id, variant_id, quantity, price_at_add = _LINE.values(conn, row)
            lines[line_id] = LineRow(line_id, variant_id, product_id, quantity, price_at_add)
        stock[size_id] = size_stock
        sizes.setdefault(product_id, set()).add(size_id)
    return tuple(lines.values()), stock, {pid: frozenset(ids) for pid, ids in sizes.items()}


# ------------------------------------------------------------------------------------ gift cards
_CARD = Columns(m.GiftCard, "g", ("id", "code", "balance", "expires_at", "active"))


@cache
def _cards_select() -> str:
    t = _tables()
    return (
        f"SELECT {_CARD.sql} FROM {t['cart_card']} cg JOIN {t['card']} g ON g.id = cg.gift_card_id"  # noqa: S608 - names from model metadata, values as parameters
        f" WHERE cg.cart_id = %s ORDER BY cg.added_at, cg.id"
    )


def read_gift_cards(cart_id: uuid.UUID) -> tuple[m.GiftCard, ...]:
    """The cart's gift cards in the order they were added (pin hashes are not read)."""
    with connection.cursor() as cursor:
        cursor.execute(_cards_select(), [_cart_pk(cart_id)])
        return tuple(_CARD.instance(cursor.db, row) for row in cursor.fetchall())


# ------------------------------------------------------------------------------------ the badge
def read_count(lookup: CartLookup | None) -> int:
    """How many items the open cart holds (0: no cart)."""
    if lookup is None:
        return 0
    where, params = lookup.sql()
    t = _tables()
    sql = (
        f"SELECT COALESCE(SUM(l.quantity), 0) FROM {t['line']} l"  # noqa: S608 - names from model metadata, values as parameters
        f" WHERE l.cart_id = (SELECT c.id FROM {t['cart']} c WHERE {where} ORDER BY c.id LIMIT 1)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])
