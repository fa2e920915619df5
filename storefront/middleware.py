"""Per-request set-up: the request's deadline for upstream calls, and the active provider resolved
once, as django-oscar resolves `request.strategy`."""

from __future__ import annotations

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from carts.session import BADGE_COOKIE

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
