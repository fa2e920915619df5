from decimal import Decimal

import pytest

from storefront.money import MoneyError, format_inr, percent_off, plain, quantize, to_money


@pytest.mark.parametrize("value", [0.1, 499.0, float("nan"), True])
def test_to_money_refuses_floats_and_booleans(value):
    # given an amount that has already lost precision (or is not an amount at all)
    # when it is parsed / then it is refused instead of silently rounding
    with pytest.raises(MoneyError):
        to_money(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1234.50", Decimal("1234.50")), (499, Decimal("499")), (Decimal("0.10"), Decimal("0.10"))],
)
def test_to_money_keeps_strings_ints_and_decimals_exact(value, expected):
    assert to_money(value) == expected


@pytest.mark.parametrize("value", [None, ""])
def test_to_money_treats_missing_amounts_as_zero(value):
    assert to_money(value) == Decimal("0.00")


@pytest.mark.parametrize("value", ["abc", "12,50", "NaN", "Infinity"])
def test_to_money_rejects_text_that_is_not_a_finite_amount(value):
    with pytest.raises(MoneyError):
        to_money(value)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("2.345", "2.35"),  # half up, not banker's rounding (which gives 2.34)
        ("2.355", "2.36"),
        ("2.344", "2.34"),
        ("0.005", "0.01"),
        ("-2.345", "-2.35"),
        ("10", "10.00"),
    ],
)
def test_quantize_rounds_half_up_to_paise(amount, expected):
    result = quantize(Decimal(amount))
    assert result == Decimal(expected)
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("123456.5", "₹1,23,456.50"),
        ("12345678.9", "₹1,23,45,678.90"),
        ("999", "₹999"),
        ("1000", "₹1,000"),
        ("1188.5", "₹1,188.50"),
        ("999.00", "₹999"),
        ("-100.00", "-₹100"),
        ("0", "₹0"),
        ("0.10", "₹0.10"),
        ("0.005", "₹0.01"),
    ],
)
def test_format_inr_uses_indian_digit_grouping(amount, expected):
    assert format_inr(Decimal(amount)) == expected


def test_format_inr_refuses_a_float():
    with pytest.raises(MoneyError):
        format_inr(1234.5)


def test_format_inr_of_no_amount_is_blank():
    assert format_inr(None) == ""


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("-1234.5", "-1234.50"), ("1E+3", "1000.00"), ("0", "0.00"), ("49.999", "50.00")],
)
def test_plain_marker_amount_is_a_two_place_decimal_string(amount, expected):
    assert plain(Decimal(amount)) == expected


@pytest.mark.parametrize(
    ("mrp", "price", "expected"),
    [("1499", "999", 33), ("100", "100", 0), ("100", "120", 0), ("0", "0", 0), ("30", "25", 16)],
)
def test_percent_off_is_floored_and_never_negative(mrp, price, expected):
    assert percent_off(Decimal(mrp), Decimal(price)) == expected
