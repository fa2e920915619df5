"""Sign-in limits with django-axes (settings AXES_* and SIGN_IN_LIMITS): the shop's sign-in and
the admin's count failures in one place, per client and account, per client and per account,
each with its own limit; a locked-out try gets 429 with Retry-After (storefront.throttle)."""

from __future__ import annotations

import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from .navigation import checked_next
from .throttle import MSG_THROTTLED, Throttled, client_ip, throttled_response


def axes_client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: sign-in counts the same client as every other limit (None when a
    request has no address at all, e.g. the test client's force_login: the column is an address)."""
    address = client_ip(request)
    return None if address == "unknown" else address


def axes_username(request: HttpRequest, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: the email, however it was typed (the shop's form says `email`,
    the admin's `username`), so both sign-in pages share one counter per account."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username")
    if not value and request is not None:
        value = request.POST.get("email") or request.POST.get("username")
    return (value or "").strip().lower()


def _sign_in_tiers() -> list[int]:
    return [limit for _params, limit in settings.SIGN_IN_LIMITS]


def axes_lockout_parameters(request, credentials) -> list:
    return [params for params, _limit in settings.SIGN_IN_LIMITS]


class TieredAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler with a limit per lockout parameter (SIGN_IN_LIMITS): one
    client on one account is stopped after a few failures, one client on any accounts after
    more, and one account from anywhere only after many more, so a stranger cannot lock the
    owner out from one address. Axes compares one number with one AXES_FAILURE_LIMIT, so each
    tier's count is scaled to it: count * AXES_FAILURE_LIMIT // tier_limit reaches the limit
    exactly when count reaches tier_limit."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        limit = settings.AXES_FAILURE_LIMIT
        worst = 0
        tiers = self.get_user_attempts(request, credentials)
        for attempts, tier_limit in zip(tiers, _sign_in_tiers(), strict=True):
            count = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            worst = max(worst, count * limit // tier_limit)
        return worst


MSG_SIGN_IN_LOCKED = MSG_THROTTLED["sign-in"]


def sign_in_retry_after(request: HttpRequest | None = None, credentials: dict | None = None) -> int:
    """Seconds until this client may try again: the time left of the lockout, worked out from
    axes' attempt records as they stand. A record counts until its last failure is a cool-off
    old, so each tier that is over its limit opens when enough of its oldest records have expired
    to bring the sum under the limit; the lockout ends when the last such tier opens. Tries
    during a lockout are not recorded (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False),
    so the answer does not move while the shopper waits. The whole cool-off when there is
    nothing to go by (no request, no records over a limit)."""
    cool_off = get_cool_off(request)
    full = int(cool_off.total_seconds()) if cool_off else 0
    if request is None or cool_off is None:
        return full
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    tiers = TieredAxesHandler().get_user_attempts(request, credentials)
    opens = None
    for attempts, tier_limit in zip(tiers, _sign_in_tiers(), strict=True):
        rows = list(attempts.order_by("attempt_time").values_list("attempt_time", "failures_since_start"))
        left = sum(failures for _time, failures in rows)
        if left < tier_limit:
            continue  # this tier does not hold the client back
        for attempt_time, failures in rows:
            left -= failures
            if left < tier_limit:
                tier_opens = attempt_time + cool_off
                opens = tier_opens if opens is None else max(opens, tier_opens)
                break
    if opens is None:
        return full
    return min(full, max(1, math.ceil((opens - now).total_seconds())))


def axes_lockout(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After (the time the lockout has left); the shop's
    sign-in page shows the message on its form (with htmx too: the page is the fragment), the
    admin's gets the shop's 429 page."""
    exc = Throttled("sign-in", sign_in_retry_after(request, credentials))
    from .accounts import LoginForm  # accounts imports this module

    if request.path == _login_path():
        # the form keeps the email; the message is the page's alert (throttle_message)
        form = LoginForm(initial={"email": request.POST.get("email", "")[:254]})
        return throttled_response(
            request,
            exc,
            template="registration/login.html",
            context={"form": form, "next": checked_next(request)},
        )
    return throttled_response(request, exc, back=request.path)


def _login_path() -> str:
    return reverse("accounts:login")
