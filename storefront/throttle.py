"""Abuse limits: how often one client, one account or one card may try something.

Sign-in is django-axes (settings AXES_*, `TieredAxesHandler` below); everything else goes through
`hit()`, which counts with django-ratelimit's atomic cache counters (`cache.add` then `cache.incr`:
Redis INCR in production, a locked dict in a single process). A try is counted *before* it is
checked, so twenty parallel guesses get twenty different counts and only those within the limit
go ahead: concurrency cannot exceed a limit (tests/security/test_abuse_limits.py).

RATE_LIMITS (settings) names, per action, a rate per dimension, checked in order:

- ``client``: the client's address (`client_ip`, IPv6 by /64), so fresh sessions or cookies
  do not reset it; without a request (service calls from code) the browser session stands in;
- ``account``: the signed-in account (the cart's owner while staff assist); skipped for guests;
- anything else (``card``, ``phone``): a value the caller names, e.g. the gift card's number.

A dimension is only counted once the ones before it let the try through: a client that is
already throttled adds nothing to the card's counter, which is what keeps a stranger from
locking a gift card's holder out (README, "Abuse limits").

Reusable for new actions: ``throttle.hit(request, "otp", phone=number)`` in a view, or the
``@throttle.limit("otp")`` decorator, which answers a refused try with `throttled_response`.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

from .exceptions import StorefrontError

MSG_THROTTLED = {
    "sign-in": "Too many sign-in attempts. For your security, please wait {wait} and try again.",
    "sign-up": "Too many new accounts from your network. Please wait {wait} and try again.",
    "coupon": "Too many coupon codes tried. Please wait {wait} and try again.",
    "gift-card": (
        "Too many gift card numbers or pins tried. For your security, please wait {wait} and try again."
    ),
    "otp": "Too many codes asked for. Please wait {wait} before asking for another.",
    "share-link": "You've made a lot of share links. Please wait {wait} before making another.",
}
MSG_THROTTLED_DEFAULT = "Too many tries. Please wait {wait} and try again."
THROTTLED_TEMPLATE = "too_many_requests.html"


class Throttled(StorefrontError):
    """A try over one of its action's limits (HTTP 429 with Retry-After)."""

    status = 429

    def __init__(self, action: str, retry_after: int, *, field: str | None = None):
        self.action = action
        self.retry_after = max(1, int(retry_after))
        text = MSG_THROTTLED.get(action, MSG_THROTTLED_DEFAULT).format(wait=wait_words(self.retry_after))
        super().__init__(text, field=field)


def wait_words(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if minutes >= 60 and minutes % 60 == 0:
        hours = minutes // 60
        return "1 hour" if hours == 1 else f"{hours} hours"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


# ---------------------------------------------------------------------------- who is asking


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind TRUSTED_PROXY_COUNT proxies that each append the address
    they saw to X-Forwarded-For, the client is that many entries from the right (entries further
    left were written by the client and prove nothing); without proxies, REMOTE_ADDR."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    address = request.META.get("REMOTE_ADDR", "") or ""
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if parsed.version == 6:
        # one customer's network gets a whole /64: counting single addresses there is no limit
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False).network_address)
    return str(parsed)


def digest(value: str) -> str:
    """A counter's key for a secret-ish value (a card number): the cache never holds it."""
    return hashlib.sha256(value.strip().upper().encode()).hexdigest()[:32]


# ---------------------------------------------------------------------------- counting


def _rates(action: str) -> dict[str, str]:
    rates = getattr(settings, "RATE_LIMITS", {}).get(action)
    if rates is None:
        raise KeyError(f"no RATE_LIMITS entry for {action!r}")
    return rates


def hit(
    request: HttpRequest | None,
    action: str,
    *,
    session=None,
    account: Any = None,
    field: str | None = None,
    **subjects: str,
) -> None:
    """Count one try at `action` against each of its limits, in order; raise Throttled at the
    first one it is over (the later ones are not counted). `account` defaults to the request's
    signed-in user; `session` stands in for the client when there is no request."""
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return
    if account is None and request is not None:
        user = getattr(request, "user", None)
        account = user if user is not None and user.is_authenticated else None
    for dimension, rate in _rates(action).items():
        if dimension == "client":
            if request is not None:
                value = "ip:" + client_ip(request)
            elif session is not None:
                if session.session_key is None:
                    session.save()
                value = "session:" + session.session_key
            else:
                continue
        elif dimension == "account":
            if account is None or not getattr(account, "is_authenticated", False):
                continue
            value = f"user:{account.pk}"
        else:
            if subjects.get(dimension) is None:
                continue
            value = f"{dimension}:{subjects[dimension]}"
        group = f"{action}:{dimension}"
        usage = get_usage(
            request or HttpRequest(), group=group, key=lambda _g, _r, v=value: v, rate=rate, increment=True
        )
        if usage is not None and usage["should_limit"]:
            retry_after = usage["time_left"] if usage["time_left"] > 0 else _period(rate)
            raise Throttled(action, retry_after, field=field)


def _period(rate: str) -> int:
    from django_ratelimit.core import _split_rate

    return _split_rate(rate)[1]


# ---------------------------------------------------------------------------- answering


def throttled_response(
    request: HttpRequest, exc: Throttled, *, back: str = "", template: str = THROTTLED_TEMPLATE, context=None
) -> HttpResponse:
    """429 with Retry-After: the message on a page of its own (or in `template`, e.g. the form
    the try came from, with `context`)."""
    ctx = {"throttle_message": exc.user_message, "back": back or "/"}
    ctx.update(context or {})
    response = render(request, template, ctx, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def limit(action: str, **subject_from_post: str):
    """View decorator: count each POST against `action`'s limits (subjects read from the named
    POST fields, hashed), answering a refused try with the 429 page. For actions such as OTP
    requests (``@throttle.limit("otp", phone="mobile")``)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                subjects = {
                    name: digest(request.POST.get(field, ""))
                    for name, field in subject_from_post.items()
                    if request.POST.get(field)
                }
                try:
                    hit(request, action, **subjects)
                except Throttled as exc:
                    return throttled_response(request, exc, back=request.path)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
