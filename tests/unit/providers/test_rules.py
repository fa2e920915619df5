import pytest

from storefront.providers.rules import (
    MSG_QTY_MAX,
    MSG_QTY_MIN,
    MSG_QTY_POSITIVE,
    MSG_QTY_STEP,
    MSG_QTY_STOCK,
    MSG_QTY_STOCK_NONE,
    quantity_problem,
    stock_problem,
)
from storefront.providers.types import QuantityRule

PLAIN = QuantityRule(minimum=1, maximum=10, increment=1)
WATER = QuantityRule(minimum=6, maximum=48, increment=6)  # mineral-water-1l
MIN_THREE = QuantityRule(minimum=3, maximum=10, increment=1)


@pytest.mark.parametrize(
    ("rule", "quantity"), [(PLAIN, 1), (PLAIN, 10), (WATER, 6), (WATER, 48), (MIN_THREE, 3)]
)
def test_quantities_within_the_rule_are_accepted(rule, quantity):
    assert quantity_problem(rule, quantity) is None


@pytest.mark.parametrize("quantity", [0, -1, -6])
def test_zero_or_negative_quantity_points_to_remove(quantity):
    assert quantity_problem(WATER, quantity) == MSG_QTY_POSITIVE


def test_below_minimum_names_the_minimum():
    assert quantity_problem(MIN_THREE, 2) == MSG_QTY_MIN.format(minimum=3)


def test_above_maximum_names_the_maximum():
    assert quantity_problem(PLAIN, 11) == MSG_QTY_MAX.format(maximum=10)
    assert quantity_problem(WATER, 54) == MSG_QTY_MAX.format(maximum=48)


@pytest.mark.parametrize("quantity", [7, 8, 13, 47])
def test_quantity_not_a_whole_number_of_packs_suggests_pack_sizes(quantity):
    message = quantity_problem(WATER, quantity)

    assert message == MSG_QTY_STEP.format(increment=6, twice=12, thrice=18)
    assert "6, 12, 18" in message


def test_pack_of_four_suggests_multiples_of_four():
    bulbs = QuantityRule(minimum=4, maximum=20, increment=4)  # led-bulb-9w

    assert quantity_problem(bulbs, 6) == MSG_QTY_STEP.format(increment=4, twice=8, thrice=12)


def test_stock_allows_up_to_what_is_left():
    assert stock_problem(5, 5) is None
    assert stock_problem(5, 1) is None


def test_more_than_stock_says_how_many_are_left():
    assert stock_problem(5, 6) == MSG_QTY_STOCK.format(stock=5)


@pytest.mark.parametrize("stock", [0, -1])
def test_no_stock_says_out_of_stock(stock):
    assert stock_problem(stock, 1) == MSG_QTY_STOCK_NONE
