"""The tolerant readers every provider mapping is built on: odd types read as neutral defaults,
amounts stay Decimal and floats are refused, datetimes come out aware."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from storefront.money import MoneyError
from storefront.providers import readers

# --------------------------------------------------------------------------- containers


@pytest.mark.parametrize("value", [None, [], "x", 3, Decimal("1"), True])
def test_as_dict_reads_anything_but_a_dict_as_empty(value):
    assert readers.as_dict(value) == {}


def test_as_dict_keeps_the_dict_itself():
    body = {"a": 1}

    assert readers.as_dict(body) is body


@pytest.mark.parametrize("value", [None, {}, "abc", 3, (1, 2)])
def test_as_list_reads_anything_but_a_list_as_empty(value):
    assert readers.as_list(value) == []


def test_as_list_keeps_the_list_itself():
    items = [1, 2]

    assert readers.as_list(items) is items


# --------------------------------------------------------------------------- scalars


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Kurta ", "Kurta"),
        (42, "42"),
        (Decimal("12.50"), "12.50"),
        (None, ""),
        ({"name": "x"}, ""),
        (["x"], ""),
        (False, "False"),
    ],
)
def test_as_str(value, expected):
    assert readers.as_str(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7, 7),
        ("12", 12),
        (Decimal("3"), 3),
        (Decimal("3.9"), 3),
        (None, -1),
        ("", -1),
        ("twelve", -1),
        ({"n": 1}, -1),
        ([1], -1),
        (True, -1),
        (Decimal("NaN"), -1),
        (Decimal("Infinity"), -1),
    ],
)
def test_as_int_falls_back_to_the_default(value, expected):
    assert readers.as_int(value, -1) == expected


def test_as_int_default_is_zero():
    assert readers.as_int(None) == 0


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        (True, False, True),
        (False, True, False),
        ("true", False, False),
        (1, False, False),
        (None, True, True),
    ],
)
def test_as_bool_reads_only_json_booleans(value, default, expected):
    assert readers.as_bool(value, default) is expected


# --------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.50", Decimal("12.50")),
        (Decimal("0.10"), Decimal("0.10")),
        (1999, Decimal("1999")),
        (None, Decimal("0.00")),
        ("", Decimal("0.00")),
    ],
)
def test_as_money_keeps_decimal(value, expected):
    amount = readers.as_money(value)

    assert isinstance(amount, Decimal)
    assert amount == expected


def test_as_money_keeps_the_exact_decimal_it_was_given():
    amount = Decimal("0.1") + Decimal("0.2")

    assert readers.as_money(amount) == Decimal("0.3")


@pytest.mark.parametrize("value", [12.5, 0.1, True])
def test_as_money_refuses_floats_and_booleans(value):
    with pytest.raises(MoneyError):
        readers.as_money(value)


@pytest.mark.parametrize("value", [{"value": 1}, [1]])
def test_as_money_refuses_a_container_as_a_mapping_error(value):
    with pytest.raises(readers.MappingError):
        readers.as_money(value)


def test_as_money_refuses_text_that_is_not_an_amount():
    with pytest.raises(MoneyError):
        readers.as_money("twelve")


def test_mapping_error_is_a_value_error():
    assert issubclass(readers.MappingError, ValueError)


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2020-03-09T00:00:00.000Z", datetime(2020, 3, 9, tzinfo=UTC)),
        ("2023-08-03T18:19:23", datetime(2023, 8, 3, 18, 19, 23, tzinfo=UTC)),
        ("Sat, 09 Mar 2024 10:00:00 GMT", datetime(2024, 3, 9, 10, tzinfo=UTC)),
        (1646257339, datetime.fromtimestamp(1646257339, tz=UTC)),
        (Decimal("1646257339.0"), datetime.fromtimestamp(1646257339, tz=UTC)),
        ("not a date", None),
        (None, None),
        ("", None),
        (True, None),
        ({"at": "2020-03-09"}, None),
        (10**20, None),
    ],
)
def test_parse_moment(value, expected):
    assert readers.parse_moment(value) == expected


def test_parse_moment_is_always_aware():
    moment = readers.parse_moment("2023-08-03T18:19:23")

    assert moment is not None
    assert moment.tzinfo is not None


def test_same_moment_compares_to_the_second_across_formats():
    assert readers.same_moment("Sat, 09 Mar 2024 10:00:00 GMT", "2024-03-09T10:00:00.750Z")
    assert not readers.same_moment("Sat, 09 Mar 2024 10:00:01 GMT", "2024-03-09T10:00:00.000Z")
    assert not readers.same_moment(None, "2024-03-09T10:00:00Z")
    assert not readers.same_moment("junk", "junk")
