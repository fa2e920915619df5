"""The shop's URLs plus three views that fail on purpose (tests/security/test_error_pages.py)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from storefront.urls import handler400, handler403, handler404, handler500
from storefront.urls import urlpatterns as shop_urlpatterns

SECRET_TEXT = "boom in /srv/storefront/storefront/settings.py: password=hunter2"


def _boom(request):
    raise RuntimeError(SECRET_TEXT)


def _denied(request):
    raise PermissionDenied(SECRET_TEXT)


def _bad(request):
    raise SuspiciousOperation(SECRET_TEXT)


urlpatterns = [
    path("test-errors/boom/", _boom),
    path("test-errors/denied/", _denied),
    path("test-errors/bad/", _bad),
    *shop_urlpatterns,
]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
