"""Counts and dates as a shopper reads them, the same everywhere (issue 9, point 15)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.utils import timezone

from storefront.text import count_noun, format_day, format_day_time

THIS_YEAR = dt.date(2026, 12, 6)


@pytest.mark.parametrize(("n", "text"), [(0, "0 items"), (1, "1 item"), (3, "3 items")])
def test_counts_read_as_one_item_or_several_items(n, text):
    assert count_noun(n, "item") == text


def test_an_irregular_plural_can_be_named():
    assert count_noun(2, "box", "boxes") == "2 boxes"


def test_a_day_this_year_reads_weekday_day_month_without_a_leading_zero():
    assert format_day(dt.date(2026, 12, 9), today=THIS_YEAR) == "Wed, 9 Dec"


def test_a_day_in_another_year_adds_the_year():
    assert format_day(dt.date(2027, 4, 9), today=THIS_YEAR) == "Fri, 9 Apr 2027"


def test_a_moment_is_shown_on_the_shops_clock(settings):
    settings.TIME_ZONE = "Asia/Kolkata"
    late_utc = dt.datetime(2026, 12, 8, 20, 5, tzinfo=dt.UTC)  # 01:35 on the 9th in India
    assert format_day_time(late_utc, today=THIS_YEAR) == "Wed, 9 Dec, 01:35"
    assert timezone.localtime(late_utc).tzinfo == ZoneInfo("Asia/Kolkata")


def test_nothing_to_show_is_empty():
    assert format_day(None) == "" and format_day_time(None) == ""


def test_templates_use_the_same_filters():
    template = engines["jinja2"].from_string('{{ n|count_noun("item") }} · {{ d|day }}')
    assert template.render({"n": 1, "d": dt.date(timezone.localdate().year, 12, 9)}).startswith("1 item · ")
    assert template.render({"n": 3, "d": dt.date(2020, 12, 9)}) == "3 items · Wed, 9 Dec 2020"
