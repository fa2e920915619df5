"""What /healthz and admin say about the providers: each active account's circuit breaker
(storefront.breaker), read from the shared cache. Nothing here calls a provider."""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.db.models import Q

from .breaker import Breaker
from .models import ROLE_SHOP, ROLE_VOUCHERS, ProviderAccount, ProviderKind

#: from best to worst
HEALTH_ORDER = ("ok", "degraded", "down")
EMBEDDED = "local"


#: how long a provider's refusal of our credentials shows on /healthz after the last one
CREDENTIALS_REFUSED_SECONDS = 10 * 60


def _refused_key(account) -> str:
    return f"health:credentials-refused:{account.pk or account.name}"


def note_credentials_refused(account) -> None:
    """A provider refused this account's own credentials (a 401 that is our configuration, not a
    shopper's session): /healthz shows `credentials_refused` for the next ten minutes."""
    cache.set(_refused_key(account), int(time.time()), CREDENTIALS_REFUSED_SECONDS)


def note_credentials_accepted(account) -> None:
    cache.delete(_refused_key(account))


def _embedded(roles: list[str]) -> dict[str, Any]:
    return {"kind": ProviderKind.LOCAL.value, "roles": roles, "state": "ok", "breaker": "none"}


def account_health(account: ProviderAccount) -> dict[str, Any]:
    roles = [
        role
        for role, on in ((ROLE_SHOP, account.active_for_shop), (ROLE_VOUCHERS, account.active_for_vouchers))
        if on
    ]
    if account.kind == ProviderKind.LOCAL:  # no HTTP, no breaker: it is the app's own database
        return _embedded(roles)
    status = Breaker.for_account(account).status()
    return {
        "kind": account.kind,
        "roles": roles,
        "state": status.health,
        "breaker": status.state,
        "consecutive_failures": status.failures,
        "retry_in_seconds": round(status.retry_in, 1),
        "serving_stale": status.serving_stale,
        **({"credentials_refused": True} if cache.get(_refused_key(account)) else {}),
    }


def provider_health() -> dict[str, dict[str, Any]]:
    """{account name: its health} for every active account, plus the embedded `local` provider
    for the roles no account serves."""
    found: dict[str, dict[str, Any]] = {}
    served: set[str] = set()
    for account in ProviderAccount.objects.filter(Q(active_for_shop=True) | Q(active_for_vouchers=True)):
        health = account_health(account)
        served.update(health["roles"])
        found[account.name] = health
    rest = [role for role in (ROLE_SHOP, ROLE_VOUCHERS) if role not in served]
    if rest and EMBEDDED not in found:
        found[EMBEDDED] = _embedded(rest)
    return found
