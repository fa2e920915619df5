from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storefront.providers.local.pricing import (
    DELIVERY_CHARGE,
    FREE_DELIVERY_FROM,
    PricedLine,
    compute_breakup,
)

PAISE = Decimal("0.01")


def _amounts(rows) -> dict[str, Decimal]:
    return {row.key: row.amount for row in rows}


@st.composite
def priced_lines(draw) -> PricedLine:
    # providers may send more than two decimals; the breakup must still come out in paise
    places = draw(st.sampled_from([0, 2, 3, 4]))
    mrp = draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=places))
    price = draw(st.decimals(min_value=Decimal("0.01"), max_value=mrp, places=places))
    return PricedLine(
        unit_mrp=mrp,
        unit_price=price,
        quantity=draw(st.integers(min_value=1, max_value=60)),
        gst_rate=Decimal(draw(st.sampled_from([0, 5, 12, 18, 28]))),
    )


@given(st.lists(priced_lines(), max_size=25))
def test_breakup_rows_always_add_up(lines):
    # given any cart / when the breakup is computed
    rows = compute_breakup(lines)
    a = _amounts(rows)

    # then the rows a shopper reads add up, and each is in rupees and paise
    assert a["subtotal"] == a["mrp_total"] + a["discount"]
    assert a["total"] == a["subtotal"] + a["delivery_charge"]
    assert a["you_saved"] == a["mrp_total"] - a["subtotal"]
    assert a["discount"] <= 0
    assert a["you_saved"] >= 0
    for row in rows:
        assert row.amount == row.amount.quantize(PAISE), f"{row.key} has more than two decimals"
        assert row.amount.as_tuple().exponent >= -2


@given(st.lists(priced_lines(), min_size=1, max_size=25))
def test_delivery_is_free_exactly_from_the_threshold(lines):
    a = _amounts(compute_breakup(lines))

    expected = Decimal("0.00") if a["subtotal"] >= FREE_DELIVERY_FROM else DELIVERY_CHARGE
    assert a["delivery_charge"] == expected


@pytest.mark.parametrize(
    ("unit_price", "expected_charge"),
    [("499.00", "0.00"), ("498.99", "49.00"), ("499.01", "0.00")],
)
def test_free_delivery_boundary(unit_price, expected_charge):
    # given a one-line cart priced right at the free-delivery threshold
    line = PricedLine(Decimal("600.00"), Decimal(unit_price), 1, Decimal(18))

    a = _amounts(compute_breakup([line]))

    assert a["delivery_charge"] == Decimal(expected_charge)
    assert a["total"] == Decimal(unit_price) + Decimal(expected_charge)


def test_delivery_charge_row_explains_how_to_get_free_delivery():
    line = PricedLine(Decimal("100.00"), Decimal("90.00"), 1, Decimal(5))

    row = next(r for r in compute_breakup([line]) if r.key == "delivery_charge")

    assert row.amount == DELIVERY_CHARGE
    assert row.messages and "499" in row.messages[0]


def test_rows_come_in_the_order_the_price_details_show_them():
    rows = compute_breakup([PricedLine(Decimal("210"), Decimal("179"), 2, Decimal(5))])

    assert [r.key for r in rows] == [
        "mrp_total",
        "discount",
        "subtotal",
        "delivery_charge",
        "total",
        "gst_charges",
        "you_saved",
    ]
    assert {r.key for r in rows if r.informational} == {"gst_charges", "you_saved"}


def test_empty_cart_costs_nothing_and_has_no_delivery_charge():
    a = _amounts(compute_breakup([]))

    assert set(a.values()) == {Decimal("0.00")}


def test_worked_example_with_gst_inside_prices():
    # given two kurtas (MRP 1499, selling 999, GST 5 %) and one bulb pack line (MRP 120, 99, GST 12 %) x4
    lines = [
        PricedLine(Decimal("1499"), Decimal("999"), 2, Decimal(5)),
        PricedLine(Decimal("120"), Decimal("99"), 4, Decimal(12)),
    ]

    a = _amounts(compute_breakup(lines))

    assert a["mrp_total"] == Decimal("3478.00")
    assert a["discount"] == Decimal("-1084.00")
    assert a["subtotal"] == Decimal("2394.00")
    assert a["delivery_charge"] == Decimal("0.00")
    assert a["total"] == Decimal("2394.00")
    assert a["you_saved"] == Decimal("1084.00")
    # GST is the tax inside the price: 1998 × 5/105 + 396 × 12/112 = 95.142… + 42.428… = 137.57
    assert a["gst_charges"] == Decimal("137.57")
