from storefront.providers import get_shop_provider


def storefront(request):
    """Header needs: the cart count the provider last reported (kept in the session, so a page
    costs no provider call for it) and the active provider's capabilities."""
    session = getattr(request, "session", None)
    count = session.get("cart:count", 0) if session is not None else 0
    htmx = getattr(request, "htmx", None)
    # the page the shopper is on: for an htmx fragment that is the page, not the form's POST URL
    page_path = (htmx.current_url_abs_path if htmx else None) or request.get_full_path()
    provider = get_shop_provider()
    return {
        "cart_count": count,
        "capabilities": provider.capabilities,
        "shop_kind": getattr(provider, "kind", ""),
        "page_path": page_path,
    }
