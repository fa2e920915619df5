"""htmx plumbing shared by every view: fragments, redirects after mutations, errors → messages."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import RequestContext
from django.template.loader import get_template
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import trigger_client_event
from django_htmx.middleware import HtmxDetails

from .exceptions import MSG_UNEXPECTED, ProviderAuthError, ProviderUnavailable, StorefrontError

logger = logging.getLogger("storefront")


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def render_fragments(
    request: HttpRequest,
    template: str,
    partials: Iterable[str],
    context: Mapping[str, Any],
    *,
    status: int = 200,
    with_messages: bool = True,
) -> HttpResponse:
    """Render `template#partial` for each name: the first is the swap target, the rest go out
    of band (the partials add hx-swap-oob when `oob` is true). Pending messages go out of band too.

    All parts share one RequestContext, so the context processors run once per response, not
    once per part."""
    if partials:
        parts = [(get_template(f"{template}#{name}"), {"oob": i > 0}) for i, name in enumerate(partials)]
    else:  # a whole small template, rendered as the caller's context says
        parts = [(get_template(template), {})]
    if with_messages:
        parts.append((get_template("partials/messages.html"), {"oob": True}))
    # One bind for the whole response: binding runs the context processors, so every part
    # rendered inside it shares their output (Template.render sees the bound context and does
    # not bind again).
    request_context = RequestContext(request, dict(context))
    body = []
    with request_context.bind_template(parts[0][0].template):
        for tmpl, extra in parts:
            with request_context.push(extra):
                body.append(tmpl.template.render(request_context))
    return HttpResponse("".join(body), status=status)


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
