"""Tolerant readers for provider JSON, shared by every adapter's `mapping.py`.

Pure functions: no HTTP, no database. A value of the wrong type reads as a neutral default (an
empty dict, list or string, the given int or bool), so a newer answer with odd or extra fields maps
like the documented one. Amounts are the exception: they go through `storefront.money.to_money`,
which refuses floats (clients parse JSON with `parse_float=Decimal`), and a dict or list where an
amount belongs raises `MappingError`, because a wrong total must never be shown as zero.
Datetimes come out aware.
"""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from storefront.money import to_money


class MappingError(ValueError):
    """A body whose shape we cannot read (the provider turns it into ProviderUnavailable)."""


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str:
    """Text, stripped; None, dicts and lists read as ""."""
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def as_int(value: Any, default: int = 0) -> int:
    """An int from an int, Decimal or numeric string; booleans, None, "" and junk give `default`."""
    if isinstance(value, bool) or value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError, ArithmeticError):
        return default


def as_bool(value: Any, default: bool) -> bool:
    """A JSON boolean; anything else (including "true" or 1) gives `default`."""
    return value if isinstance(value, bool) else default


def as_money(value: Any) -> Decimal:
    """An amount: int, Decimal or numeric string; None → 0. Floats are refused (MoneyError)."""
    if isinstance(value, dict | list):
        raise MappingError(f"not an amount: {type(value).__name__}")
    return to_money(value)


def parse_moment(value: Any) -> datetime | None:
    """An aware datetime from an ISO string (naive ones are read as UTC), an HTTP-date
    (Last-Modified) or epoch seconds; None when there is nothing readable."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    if isinstance(value, int | Decimal):
        try:
            return datetime.fromtimestamp(int(value), tz=UTC)
        except (OverflowError, OSError, ValueError, ArithmeticError):
            return None
    text = as_str(value)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def same_moment(a: Any, b: Any) -> bool:
    """Whether two Last-Modified values name the same second (HTTP-dates carry whole seconds)."""
    first, second = parse_moment(a), parse_moment(b)
    if first is None or second is None:
        return False
    return first.replace(microsecond=0) == second.replace(microsecond=0)
