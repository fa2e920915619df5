"""Per-request set-up: the request's deadline for upstream calls, and the active provider resolved
once, as django-oscar resolves `request.strategy`."""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import SimpleLazyObject

from carts.session import BADGE_COOKIE, VISITOR_COOKIE, new_visitor_id

from . import deadline
from .providers import get_shop_provider, get_voucher_provider


class RequestDeadlineMiddleware:
    """Every upstream call this request makes shares one deadline (storefront.deadline), counted
    from here: first in MIDDLEWARE, so the time other middleware takes counts too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with deadline.request_scope():
            return self.get_response(request)


class ShopMiddleware:
    """Sets `request.shop`: the active shop provider, resolved lazily and at most once per
    request (the active account is a cache read, a Redis round trip in production). Services and
    selectors take the provider from the request's CartSession; nothing asks the registry again.
    On the way out it keeps the header badge's cookie in step with the count the provider reported."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.shop = SimpleLazyObject(get_shop_provider)
        # the voucher role's provider, resolved the same way (CapabilityMissing when none is built)
        request.vouchers = SimpleLazyObject(get_voucher_provider)
        response = self.get_response(request)
        self._visitor_cookie(request, response)
        count = getattr(request, "cart_count", None)
        if count is not None and str(count) != request.COOKIES.get(BADGE_COOKIE):
            response.set_cookie(
                BADGE_COOKIE,
                str(count),
                max_age=settings.SESSION_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    @staticmethod
    def _visitor_cookie(request, response) -> None:
        """A new visitor's first page gives the browser its visitor id (carts.session.start_session),
        so the first adds from two tabs find one session; once a session cookie exists it is
        no longer needed."""
        if getattr(request, "visitor_used", False):
            # it named the session this request started: never again (a later session of this
            # browser gets a random key), so it is worth nothing to anyone who learns it
            response.delete_cookie(VISITOR_COOKIE, samesite="Lax")
            return
        session = getattr(request, "session", None)
        if (
            request.method == "GET"
            and response.status_code == 200
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and VISITOR_COOKIE not in request.COOKIES
            and (session is None or (session.session_key is None and not session.modified))
            and response.get("Content-Type", "").startswith("text/html")
        ):
            response.set_cookie(
                VISITOR_COOKIE,
                new_visitor_id(),
                max_age=settings.SESSION_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )


class PermissionsPolicyMiddleware:
    """Permissions-Policy on every answer (settings.PERMISSIONS_POLICY): the shop's pages use no
    camera, microphone, location, payment request, USB and so on, and neither may anything
    embedded in them. Django has no setting for this header."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.value = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.value)
        return response


# Pages about one shopper's cart, checkout, orders and account: never kept by the browser (or any
# cache between), so Back after an order asks again and shows the cart as it is now (empty), not
# the full cart the shopper had a minute ago, and no one at a shared computer pages back into them.
NO_STORE_PREFIXES = ("/cart/", "/checkout/", "/orders/", "/accounts/", "/vouchers/cart/", "/vouchers/orders/")


class NoStoreMiddleware:
    """`Cache-Control: no-store` (with Django's never-cache set: max-age=0, no-cache, private)
    on every answer under NO_STORE_PREFIXES, whatever the view did."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(NO_STORE_PREFIXES):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response
