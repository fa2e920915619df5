"""htmx plumbing shared by every view: fragments, redirects after mutations, errors → messages."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import trigger_client_event
from django_htmx.middleware import HtmxDetails

from .exceptions import MSG_UNEXPECTED, ProviderAuthError, ProviderUnavailable, StorefrontError
from .templating import render_targets

logger = logging.getLogger("storefront")

LAYOUT = "base.html"  # every page extends it; its blocks are the fragments all pages share


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def render_fragments(
    request: HttpRequest,
    template: str,
    targets: Iterable[str],
    context: Mapping[str, Any],
    *,
    status: int = 200,
    with_messages: bool = True,
) -> HttpResponse:
    """Render the blocks of `template` named after each target id (`cart-lines` is
    `{% block cart_lines %}`): the first is the swap target, the rest go out of band (each block
    adds hx-swap-oob when `oob` is true). Pending messages go out of band too, from the layout's
    `messages` block; with no targets, the messages are all there is.

    All parts share one context, built once for the response, so the context processors run
    once, not once per part."""
    parts = [(template, target, {"oob": i > 0}) for i, target in enumerate(targets)]
    if with_messages:
        parts.append((LAYOUT, "messages", {"oob": True}))
    return HttpResponse(render_targets(request, parts, context), status=status)


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def redirect_303(url: str) -> HttpResponse:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def cart_changed(response: HttpResponse) -> HttpResponse:
    return trigger_client_event(response, "cart-updated")


def error_message(exc: Exception) -> tuple[str, int]:
    """The one place an error becomes words for the customer, and a status."""
    if isinstance(exc, ProviderAuthError):
        logger.error("provider rejected our credentials; check the active provider account")
        return exc.user_message, 503
    if isinstance(exc, ProviderUnavailable):
        return exc.user_message, 503
    if isinstance(exc, StorefrontError):
        return exc.user_message, exc.status
    logger.exception("unexpected error in a storefront request", exc_info=exc)
    return MSG_UNEXPECTED, 500


def add_error(request: HttpRequest, exc: Exception) -> int:
    text, status = error_message(exc)
    messages.error(request, text)
    return status
