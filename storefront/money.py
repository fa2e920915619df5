"""Money is Decimal from the wire to the template, rounded to paise half-up, shown en_IN."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency

PAISE = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyError(ValueError):
    pass


def to_money(value: str | int | Decimal | None) -> Decimal:
    """Parse an amount from a provider or a form. Floats are refused: they have already lost
    precision by the time they get here (parse JSON with parse_float=Decimal)."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, bool | float):
        raise MoneyError(f"refusing {type(value).__name__} as money")
    try:
        amount = Decimal(value) if not isinstance(value, Decimal) else value
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise MoneyError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"not an amount: {value!r}")
    return amount


def quantize(amount: Decimal) -> Decimal:
    """Round once, to paise, half up (as Indian invoices do)."""
    return amount.quantize(PAISE, rounding=ROUND_HALF_UP)


def format_inr(amount: Decimal | None) -> str:
    """₹1,23,456.50: Indian digit grouping (lakh, crore) via Babel's en_IN locale. Whole rupees
    drop their paise as Indian stores show them (₹999, ₹1,188 but ₹1,188.50): issue 9."""
    if amount is None:
        return ""
    amount = quantize(to_money(amount))
    return _format_inr(str(amount if amount else amount.copy_abs()))


@lru_cache(maxsize=8192)
def _format_inr(amount: str) -> str:
    # Babel re-reads the locale's pattern on every call; a page shows the same few dozen amounts
    # again and again, so the formatted strings are memoised.
    # keyed by the string: Decimal("-0.00") == Decimal("0.00") would share a cache entry
    return format_currency(Decimal(amount), "INR", locale="en_IN").removesuffix(".00")


def format_inr_whole(amount: Decimal | None) -> str:
    """Kept for templates written before whole rupees lost their `.00`: the same as format_inr."""
    return format_inr(amount)


def plain(amount: Decimal) -> str:
    """The marker form of an amount: a plain decimal string with two places, e.g. -1234.50."""
    return f"{quantize(amount):f}"


def percent_off(mrp: Decimal, price: Decimal) -> int:
    if mrp <= 0 or price >= mrp:
        return 0
    return int(((mrp - price) * 100 / mrp).to_integral_value(rounding="ROUND_FLOOR"))
