from decimal import Decimal

from django import template

from storefront import money

register = template.Library()


@register.filter
def inr(amount: Decimal | None) -> str:
    """{{ amount|inr }} → ₹1,23,456.50"""
    return money.format_inr(amount)


@register.filter
def inr_whole(amount: Decimal | None) -> str:
    """{{ threshold|inr_whole }} → ₹499"""
    return money.format_inr_whole(amount)


@register.filter
def plain_amount(amount: Decimal) -> str:
    """{{ amount|plain_amount }} → 1234.50 (for data-amount markers)."""
    return money.plain(amount)


@register.filter
def abs_amount(amount: Decimal) -> Decimal:
    return abs(amount)
