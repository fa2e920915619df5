"""The rules of a voucher line, before anything is written or sent upstream: the quantity is a
whole number of at least 1, a face value is the denomination's or a custom amount in whole rupees
within its bounds, and the price of one voucher is the denomination's sell rate (for a custom
amount, the same discount on the amount chosen)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from storefront.exceptions import StorefrontError
from storefront.money import format_inr, quantize
from storefront.providers.rules import MSG_QTY_POSITIVE
from storefront.providers.types import VoucherDenomination, VoucherProduct

MSG_QTY_NOT_NUMBER = "Enter the quantity as a whole number, for example 2."
MSG_AMOUNT_NEEDED = "Enter an amount between {min} and {max}."
MSG_AMOUNT_NOT_NUMBER = "Enter the amount in whole rupees, for example 1500."
MSG_AMOUNT_RANGE = "{name} vouchers can be between {min} and {max}. Enter an amount in that range."
MSG_NOT_CUSTOM = "This denomination has a fixed value; leave the amount empty."


def parse_quantity(raw: str | None) -> int:
    text = (raw or "").strip()
    if not text.lstrip("-").isdigit():
        raise StorefrontError(MSG_QTY_NOT_NUMBER, field="quantity")
    value = int(text)
    if value < 1:
        raise StorefrontError(MSG_QTY_POSITIVE, field="quantity")
    return value


def face_value_for(
    product: VoucherProduct, denomination: VoucherDenomination, raw_amount: str | None
) -> Decimal:
    """The face value of one voucher: the denomination's, or the custom amount within bounds."""
    text = (raw_amount or "").strip().replace(",", "").removeprefix("₹").strip()
    if not denomination.custom_amount:
        if text and text not in (str(denomination.face_value), f"{denomination.face_value:.0f}"):
            try:
                if Decimal(text) != denomination.face_value:
                    raise StorefrontError(MSG_NOT_CUSTOM, field="amount")
            except InvalidOperation as exc:
                raise StorefrontError(MSG_NOT_CUSTOM, field="amount") from exc
        return denomination.face_value
    low, high = (
        denomination.min_amount or denomination.face_value,
        denomination.max_amount or denomination.face_value,
    )
    if not text:
        raise StorefrontError(
            MSG_AMOUNT_NEEDED.format(min=format_inr(low), max=format_inr(high)), field="amount"
        )
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise StorefrontError(MSG_AMOUNT_NOT_NUMBER, field="amount") from exc
    if not amount.is_finite() or amount != amount.to_integral_value():
        raise StorefrontError(MSG_AMOUNT_NOT_NUMBER, field="amount")
    if not low <= amount <= high:
        raise StorefrontError(
            MSG_AMOUNT_RANGE.format(name=product.name, min=format_inr(low), max=format_inr(high)),
            field="amount",
        )
    return quantize(amount)


def unit_price(denomination: VoucherDenomination, face_value: Decimal) -> Decimal:
    """The price of one voucher: the denomination's sell rate, or for a custom amount the same
    discount on the amount chosen (EnKash: sellRate = mrp × (1 − enkashDiscount/100))."""
    if not denomination.custom_amount or face_value == denomination.face_value:
        return denomination.price
    return quantize(face_value * (Decimal(100) - denomination.discount_percent) / Decimal(100))
