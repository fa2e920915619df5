from django.utils.functional import SimpleLazyObject

from carts.session import badge_count

from .providers import registry
from .providers.base import Role


def storefront(request):
    """Header needs: the cart count the provider last reported (kept in a cookie, so a page costs
    no provider call for it), the active provider's capabilities and shop policy. The
    provider is only resolved when a template asks (admin pages never do)."""
    count = badge_count(request)
    htmx = getattr(request, "htmx", None)
    # the page the shopper is on: for an htmx fragment that is the page, not the form's POST URL
    page_path = (htmx.current_url_abs_path if htmx else None) or request.get_full_path()
    return {
        "cart_count": count,
        "capabilities": SimpleLazyObject(lambda: request.shop.capabilities),
        "shop_policy": SimpleLazyObject(lambda: request.shop.policy),
        "page_path": page_path,
        # the header links to the voucher store when a voucher provider is built; resolving the
        # active voucher account is left to the voucher pages (they 404 when there is none)
        "voucher_store": registry.serves(Role.VOUCHERS),
    }
