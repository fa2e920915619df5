"""How counts and dates read to a shopper, the same on every page and in every message (issue 9,
point 15): "1 item" / "3 items", and one date format, "Wed, 9 Dec" (the year only when it is not
this year: "Fri, 9 Apr 2027"), with the time after a comma where one matters ("Wed, 9 Dec, 14:05").
Times are shown in the current time zone, as Django templates show them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

# English names whatever the process locale (strftime's %a/%b follow it)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def count_noun(n: int, singular: str, plural: str | None = None) -> str:
    """1 item, 3 items, 0 items."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def _local(value: dt.date | dt.datetime) -> dt.date | dt.datetime:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def format_day(value: dt.date | dt.datetime | None, *, today: dt.date | None = None) -> str:
    """Wed, 9 Dec (this year) or Fri, 9 Apr 2027."""
    if value is None:
        return ""
    value = _local(value)
    today = today or timezone.localdate()
    text = f"{WEEKDAYS[value.weekday()]}, {value.day} {MONTHS[value.month - 1]}"
    return text if value.year == today.year else f"{text} {value.year}"


def format_day_time(value: dt.datetime | None, *, today: dt.date | None = None) -> str:
    """Wed, 9 Dec, 14:05."""
    if value is None:
        return ""
    value = _local(value)
    return f"{format_day(value, today=today)}, {value:%H:%M}"
