from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ mapping|get_item:key }} (for per-line error dicts)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def breakup_row(cart, key):
    """{{ cart|breakup_row:"coupon" }}: the breakup row with that key, or None."""
    try:
        return cart.row(key)
    except AttributeError:
        return None
