"""One cheap call with a provider account (its provider's `ping`), timed: what `manage.py provider
test` and the admin's "Test connection" action report. The result names the outcome and the
provider's short description or our typed error's customer-safe text, never a credential."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .crypto import CredentialsUnreadable
from .exceptions import StorefrontError
from .models import ProviderAccount
from .providers import registry


@dataclass(frozen=True)
class ConnectionResult:
    ok: bool
    ms: float
    text: str

    def describe(self, name: str) -> str:
        if self.ok:
            return f"{name}: OK in {self.ms:.0f} ms: {self.text}"
        return f"{name}: FAILED after {self.ms:.0f} ms: {self.text}"


def check_connection(account: ProviderAccount) -> ConnectionResult:
    started = time.perf_counter()
    try:
        provider = registry.provider_class(account.kind, account.roles()[0])(account)
        result = provider.ping()
    except (registry.UnknownProviderKind, CredentialsUnreadable) as exc:
        return ConnectionResult(False, _ms(started), f"{type(exc).__name__}: {exc}")
    except StorefrontError as exc:
        return ConnectionResult(False, _ms(started), f"{type(exc).__name__}: {exc.user_message}")
    return ConnectionResult(True, _ms(started), str(result)[:200])


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
