"""The local store's price breakup: pure Decimal arithmetic, rounded once per row to paise.

Prices are GST inclusive (Indian retail MRP rules), so GST is shown as the tax part of what is
paid, not added on top.

Stacking order, the same on every recalculation: promotions, then coupon, then loyalty points,
then gift cards, then store credit. Coupon and points reduce the price of the goods (and so the
taxable value); gift cards and store credit are ways of paying and can also pay the delivery
charge. Row relations, for any cart:

    subtotal  = mrp_total + discount                              (discount ≤ 0)
    total     = subtotal + delivery_charge + coupon + loyalty_points + gift_card + credit_balance
                (each redemption row ≤ 0; total never below zero)
    you_saved = -(discount + coupon + loyalty_points)             (savings, not payments)
    gst_charges = Σ taxable part of each line × rate / (100 + rate)   (informational)

Delivery is free when the subtotal (before coupon and points) reaches the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from storefront.money import ZERO, quantize
from storefront.providers.types import BreakupRow

DELIVERY_CHARGE = Decimal("49.00")
FREE_DELIVERY_FROM = Decimal("499.00")
# Loyalty: one point is worth this many rupees, and points pay at most this share of the goods.
POINT_VALUE = Decimal("0.25")
POINTS_CAP_SHARE = Decimal("0.20")

MSG_COUPON_ADD_MORE = "Add ₹{short:,} more to use {code}."
MSG_COUPON_NOT_FOR_ITEMS = "{code} is not valid for the items in your cart."
MSG_FREE_DELIVERY = "Free delivery on orders of ₹{threshold:,.0f} or more"
MSG_GST_INTRA_STATE = "CGST ₹{cgst:,} + SGST ₹{sgst:,}"
MSG_GST_INTER_STATE = "IGST ₹{igst:,}"

LABELS = {
    "mrp_total": "MRP total",
    "discount": "Discount on MRP",
    "subtotal": "Subtotal",
    "coupon": "Coupon",
    "loyalty_points": "Loyalty points",
    "delivery_charge": "Delivery",
    "gift_card": "Gift card",
    "credit_balance": "Store credit",
    "total": "Total",
    "gst_charges": "GST included in prices",
    "you_saved": "You saved",
}


@dataclass(frozen=True, slots=True)
class PricedLine:
    unit_mrp: Decimal
    unit_price: Decimal
    quantity: int
    gst_rate: Decimal
    coupon_eligible: bool = True


@dataclass(frozen=True, slots=True)
class CouponTerms:
    code: str
    percent: Decimal | None = None  # e.g. 10 for 10 %
    flat: Decimal | None = None
    max_discount: Decimal | None = None
    min_cart_value: Decimal = ZERO
    blocked: str = ""  # why the coupon gives nothing whatever the cart (expired, used up, ...)


@dataclass(frozen=True, slots=True)
class GiftCardBalance:
    code: str
    balance: Decimal


@dataclass(frozen=True, slots=True)
class RedemptionInputs:
    coupon: CouponTerms | None = None
    points_balance: int = 0
    points_requested: int | None = None  # None: not applied; 0 or more: that many (clamped)
    points_all: bool = False  # apply all applicable points
    gift_cards: Sequence[GiftCardBalance] = ()
    credit_balance: Decimal = ZERO
    use_credit: bool = False
    intra_state: bool | None = None  # True: CGST+SGST, False: IGST, None: shipping state unknown


@dataclass(frozen=True, slots=True)
class PriceResult:
    rows: tuple[BreakupRow, ...]
    coupon_amount: Decimal = ZERO  # positive amounts actually taken
    coupon_problem: str = ""  # why an applied coupon gives nothing now
    points_applicable: int = 0
    points_used: int = 0
    gift_card_uses: tuple[tuple[str, Decimal], ...] = ()
    credit_used: Decimal = ZERO
    gst: Decimal = ZERO
    total: Decimal = ZERO
    extra: dict = field(default_factory=dict)


def gst_part(amount: Decimal, rate: Decimal) -> Decimal:
    """The tax inside a GST-inclusive amount (unrounded)."""
    if rate <= 0:
        return ZERO
    return amount * rate / (Decimal(100) + rate)


def coupon_discount(terms: CouponTerms, eligible_value: Decimal, subtotal: Decimal) -> tuple[Decimal, str]:
    """(discount, problem). The minimum cart value is checked against the subtotal."""
    if terms.blocked:
        return ZERO, terms.blocked
    if subtotal < terms.min_cart_value:
        short = quantize(terms.min_cart_value - subtotal)
        return ZERO, MSG_COUPON_ADD_MORE.format(short=short, code=terms.code)
    if eligible_value <= 0:
        return ZERO, MSG_COUPON_NOT_FOR_ITEMS.format(code=terms.code)
    if terms.percent is not None:
        amount = quantize(eligible_value * terms.percent / Decimal(100))
    else:
        amount = quantize(terms.flat or ZERO)
    if terms.max_discount is not None:
        amount = min(amount, terms.max_discount)
    return min(amount, eligible_value), ""


def points_applicable(balance: int, goods_after_coupon: Decimal) -> int:
    cap_value = goods_after_coupon * POINTS_CAP_SHARE
    by_cap = int((cap_value / POINT_VALUE).to_integral_value(rounding=ROUND_FLOOR)) if cap_value > 0 else 0
    return max(0, min(balance, by_cap))


def price_cart(
    lines: Iterable[PricedLine],
    redemptions: RedemptionInputs | None = None,
    *,
    delivery_charge: Decimal = DELIVERY_CHARGE,
    free_delivery_from: Decimal = FREE_DELIVERY_FROM,
) -> PriceResult:
    lines = list(lines)
    r = redemptions or RedemptionInputs()
    mrp_total = quantize(sum((ln.unit_mrp * ln.quantity for ln in lines), ZERO))
    selling = quantize(sum((ln.unit_price * ln.quantity for ln in lines), ZERO))
    discount = selling - mrp_total
    subtotal = mrp_total + discount
    charge = ZERO if not lines or subtotal >= free_delivery_from else quantize(delivery_charge)

    # 1. promotions: none on the local store (a remote provider reports its own rows)
    # 2. coupon, on the goods it is valid for
    coupon_amount, coupon_problem = ZERO, ""
    if r.coupon is not None and lines:
        eligible = quantize(sum((ln.unit_price * ln.quantity for ln in lines if ln.coupon_eligible), ZERO))
        coupon_amount, coupon_problem = coupon_discount(r.coupon, eligible, subtotal)
    goods = subtotal - coupon_amount
    # 3. loyalty points, capped at a share of the goods after the coupon
    applicable = points_applicable(r.points_balance, goods)
    points_used = 0
    if r.points_all:
        points_used = applicable
    elif r.points_requested is not None:
        points_used = max(0, min(r.points_requested, applicable))
    points_amount = quantize(Decimal(points_used) * POINT_VALUE)
    goods -= points_amount
    # 4. gift cards in the order they were added, 5. store credit: both pay what is left
    payable = goods + charge
    uses: list[tuple[str, Decimal]] = []
    for card in r.gift_cards:
        take = min(quantize(card.balance), payable)
        if take > 0:
            uses.append((card.code, take))
            payable -= take
    credit_used = min(quantize(r.credit_balance), payable) if r.use_credit else ZERO
    payable -= credit_used

    # GST on the value after the discounts that reduce the price (coupon, points), shared
    # across lines in proportion to their price
    reduce_share = (coupon_amount + points_amount) / subtotal if subtotal > 0 else ZERO
    gst = quantize(
        sum((gst_part(ln.unit_price * ln.quantity * (1 - reduce_share), ln.gst_rate) for ln in lines), ZERO)
    )
    gst_messages: tuple[str, ...] = ()
    if gst and r.intra_state is not None:
        if r.intra_state:
            cgst = quantize(gst / 2)
            gst_messages = (MSG_GST_INTRA_STATE.format(cgst=cgst, sgst=gst - cgst),)
        else:
            gst_messages = (MSG_GST_INTER_STATE.format(igst=gst),)
    you_saved = -discount + coupon_amount + points_amount

    delivery_messages: tuple[str, ...] = ()
    if lines and charge:
        delivery_messages = (MSG_FREE_DELIVERY.format(threshold=free_delivery_from),)
    rows = [
        BreakupRow("mrp_total", LABELS["mrp_total"], mrp_total),
        BreakupRow("discount", LABELS["discount"], discount),
        BreakupRow("subtotal", LABELS["subtotal"], subtotal),
    ]
    if r.coupon is not None and lines:
        rows.append(
            BreakupRow(
                "coupon",
                f"{LABELS['coupon']} ({r.coupon.code})",
                -coupon_amount,
                messages=(coupon_problem,) if coupon_problem else (),
            )
        )
    if points_used:
        rows.append(
            BreakupRow("loyalty_points", f"{LABELS['loyalty_points']} ({points_used})", -points_amount)
        )
    rows.append(BreakupRow("delivery_charge", LABELS["delivery_charge"], charge, messages=delivery_messages))
    for code, amount in uses:
        rows.append(BreakupRow("gift_card", f"{LABELS['gift_card']} (…{code[-4:]})", -amount))
    if credit_used:
        rows.append(BreakupRow("credit_balance", LABELS["credit_balance"], -credit_used))
    rows += [
        BreakupRow("total", LABELS["total"], payable),
        BreakupRow("gst_charges", LABELS["gst_charges"], gst, informational=True, messages=gst_messages),
        BreakupRow("you_saved", LABELS["you_saved"], you_saved, informational=True),
    ]
    return PriceResult(
        rows=tuple(rows),
        coupon_amount=coupon_amount,
        coupon_problem=coupon_problem,
        points_applicable=applicable,
        points_used=points_used,
        gift_card_uses=tuple(uses),
        credit_used=credit_used,
        gst=gst,
        total=payable,
    )


def compute_breakup(
    lines: Iterable[PricedLine],
    *,
    delivery_charge: Decimal = DELIVERY_CHARGE,
    free_delivery_from: Decimal = FREE_DELIVERY_FROM,
) -> tuple[BreakupRow, ...]:
    """The breakup of a cart with no redemptions."""
    return price_cart(lines, delivery_charge=delivery_charge, free_delivery_from=free_delivery_from).rows
