"""Where "Sign in" goes back to (issue 9, point 12): the page it was pressed on, as a `next=` that
the sign-in view checks again (`storefront.htmx.safe_next`) before following it."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from storefront.urlcache import reverse_once

# pages a shopper is never sent back to after signing in (the sign-in pages themselves)
NO_RETURN_PREFIXES = ("/accounts/",)


def return_path(request: HttpRequest | None) -> str:
    """This page's path and query, when it is a page worth coming back to (a GET, ours)."""
    if request is None or request.method not in ("GET", "HEAD"):
        return ""
    path = request.get_full_path()
    if path.startswith(NO_RETURN_PREFIXES) or path == "/":
        return ""
    return path


def sign_in_url(request: HttpRequest | None) -> str:
    target = return_path(request)
    login = reverse_once("accounts:login")
    return f"{login}?{urlencode({'next': target})}" if target else login


def checked_next(request: HttpRequest) -> str:
    """The `next` a sign-in or sign-up page was opened with, when it is safe to follow (ours, not
    another host, not a `javascript:` URL), else empty."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""
