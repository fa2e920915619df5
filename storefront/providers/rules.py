"""Quantity rules shared by every provider (the UI checks them before calling out)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .types import QuantityRule

MSG_QTY_POSITIVE = "Quantity must be at least 1. To remove the item, use Remove."
MSG_QTY_MIN = "The minimum order quantity for this item is {minimum}."
MSG_QTY_MAX = "You can order at most {maximum} of this item."
MSG_QTY_STEP = "This item is sold in packs of {increment}: choose {increment}, {twice}, {thrice}…"
MSG_QTY_STOCK = "Only {stock} left in stock for this size."
MSG_QTY_STOCK_NONE = "This size is out of stock."


def quantity_problem(rule: QuantityRule, quantity: int) -> str | None:
    if quantity < 1:
        return MSG_QTY_POSITIVE
    if quantity < rule.minimum:
        return MSG_QTY_MIN.format(minimum=rule.minimum)
    if quantity > rule.maximum:
        return MSG_QTY_MAX.format(maximum=rule.maximum)
    if rule.increment > 1 and quantity % rule.increment:
        i = rule.increment
        return MSG_QTY_STEP.format(increment=i, twice=2 * i, thrice=3 * i)
    return None


def stock_problem(stock: int, quantity: int) -> str | None:
    if stock <= 0:
        return MSG_QTY_STOCK_NONE
    if quantity > stock:
        return MSG_QTY_STOCK.format(stock=stock)
    return None
