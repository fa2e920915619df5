"""The local store's price breakup: pure Decimal arithmetic, rounded once per row to paise.

Prices are GST inclusive (Indian retail MRP rules), so GST is shown as the tax part of what is
paid, not added on top. Row relations, for any cart:

    subtotal  = mrp_total + discount            (discount is negative)
    total     = subtotal + delivery_charge
    you_saved = mrp_total - subtotal             (what the customer saved against MRP)
    gst_charges = Σ line_total × rate / (100 + rate)   (informational)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from storefront.money import ZERO, quantize
from storefront.providers.types import BreakupRow

DELIVERY_CHARGE = Decimal("49.00")
FREE_DELIVERY_FROM = Decimal("499.00")

LABELS = {
    "mrp_total": "MRP total",
    "discount": "Discount on MRP",
    "subtotal": "Subtotal",
    "delivery_charge": "Delivery",
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


def gst_part(amount: Decimal, rate: Decimal) -> Decimal:
    """The tax inside a GST-inclusive amount (unrounded)."""
    if rate <= 0:
        return ZERO
    return amount * rate / (Decimal(100) + rate)


def compute_breakup(
    lines: Iterable[PricedLine],
    *,
    delivery_charge: Decimal = DELIVERY_CHARGE,
    free_delivery_from: Decimal = FREE_DELIVERY_FROM,
) -> tuple[BreakupRow, ...]:
    lines = list(lines)
    mrp_total = quantize(sum((ln.unit_mrp * ln.quantity for ln in lines), ZERO))
    selling = quantize(sum((ln.unit_price * ln.quantity for ln in lines), ZERO))
    discount = selling - mrp_total  # ≤ 0
    subtotal = mrp_total + discount
    charge = ZERO if not lines or subtotal >= free_delivery_from else quantize(delivery_charge)
    total = subtotal + charge
    gst = quantize(sum((gst_part(ln.unit_price * ln.quantity, ln.gst_rate) for ln in lines), ZERO))
    you_saved = mrp_total - subtotal
    delivery_messages: tuple[str, ...] = ()
    if lines and charge:
        delivery_messages = (f"Free delivery on orders of ₹{free_delivery_from:,.0f} or more",)
    rows = [
        BreakupRow("mrp_total", LABELS["mrp_total"], mrp_total),
        BreakupRow("discount", LABELS["discount"], discount),
        BreakupRow("subtotal", LABELS["subtotal"], subtotal),
        BreakupRow("delivery_charge", LABELS["delivery_charge"], charge, messages=delivery_messages),
        BreakupRow("total", LABELS["total"], total),
        BreakupRow("gst_charges", LABELS["gst_charges"], gst, informational=True),
        BreakupRow("you_saved", LABELS["you_saved"], you_saved, informational=True),
    ]
    return tuple(rows)
