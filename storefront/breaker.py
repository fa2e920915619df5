"""A circuit breaker per provider account, with its state in Django's shared cache.

Every call `storefront.http.ProviderHTTP` makes for an account asks the account's `Breaker` first:

    closed ──N consecutive failures──▶ open ──cool-down over──▶ half-open
       ▲                                 ▲                          │ one probe call
       └───────── the probe succeeds ────┼──────────────────────────┤
                                         └──── the probe fails ─────┘

- closed: calls go through. A failure (a timeout, a connection error, a 5xx) adds one to the
  account's failure count; any other answer (2xx, 3xx, 4xx: the provider is there and answering)
  resets it. At `PROVIDER_BREAKER_FAILURES` consecutive failures the breaker opens.
- open: calls fail at once with `CircuitOpen` (a ProviderUnavailable: the shopper gets the
  friendly message immediately instead of waiting a read timeout) until `PROVIDER_BREAKER_COOLDOWN`
  seconds have passed.
- half-open: the first call after the cool-down, in whichever process, is the probe (a `cache.add`
  claim, so exactly one); everyone else still fails fast. The probe's success closes the breaker,
  its failure opens it for another cool-down.

The state is three cache keys per account (the failure count, when the cool-down ends, the probe
claim), so with Redis every app process and thread agrees; a closed breaker costs one cache read
per call. Time is wall-clock (time.time) since processes share it.

Why not pybreaker: its `CircuitBreaker.call` holds one lock per breaker around the whole upstream
call, which would serialise every thread of a process on one provider, and its half-open state
lets every process that sees it through at once (no claim for a single probe); its storages are an
in-memory one and a Redis one of its own, not Django's cache.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from .exceptions import CircuitOpen

logger = logging.getLogger("storefront.breaker")

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"

#: how long /healthz reports an account as serving stale pages after the last one
STALE_MARK_SECONDS = 60


@dataclass(frozen=True)
class Ticket:
    """What `before_call` found: whether this call is the half-open probe, and the failure count
    (so a success only writes to the cache when there is a count to reset)."""

    probe: bool = False
    failures: int = 0


@dataclass(frozen=True)
class BreakerStatus:
    state: str  # closed | open | half-open
    failures: int  # consecutive failures counted
    retry_in: float  # seconds until the cool-down ends (0 unless open)
    serving_stale: bool = False  # pages were served from stale copies lately (storefront.degraded)

    @property
    def health(self) -> str:
        """For /healthz: down while open, degraded while failing or awaiting its probe, else ok."""
        if self.state == OPEN:
            return "down"
        if self.state == HALF_OPEN or self.failures or self.serving_stale:
            return "degraded"
        return "ok"

    def describe(self) -> str:
        if self.state == OPEN:
            return f"open: calls fail fast for {self.retry_in:.0f} s more"
        if self.state == HALF_OPEN:
            return "half-open: the next call probes the provider"
        if self.failures:
            return f"closed ({self.failures} consecutive failure{'s' if self.failures != 1 else ''})"
        return "closed"


class Breaker:
    """The breaker of one provider account (`for_account`). Thread-safe: it keeps no state of its
    own. `probe_hold` is how long a probe may take before another one is allowed (its call's
    timeouts plus a margin)."""

    def __init__(self, key: str, *, probe_hold: float = 15.0, clock: Callable[[], float] = time.time):
        self.key = key
        self.probe_hold = probe_hold
        self.clock = clock
        prefix = f"breaker:{key}"
        self._failures_key, self._open_key, self._probe_key, self._stale_key = (
            f"{prefix}:failures",
            f"{prefix}:open-until",
            f"{prefix}:probe",
            f"{prefix}:stale",
        )

    @classmethod
    def for_account(cls, account, **kwargs) -> Breaker:
        return cls(f"account:{account.pk or account.name}", **kwargs)

    def __repr__(self) -> str:
        return f"<Breaker {self.key}>"

    # ------------------------------------------------------------------ settings
    @property
    def threshold(self) -> int:
        """Consecutive failures that open the breaker; 0 switches breakers off."""
        return int(settings.PROVIDER_BREAKER_FAILURES)

    @property
    def cooldown(self) -> float:
        return float(settings.PROVIDER_BREAKER_COOLDOWN)

    # ------------------------------------------------------------------ around each call
    def before_call(self) -> Ticket:
        """May the call go out? A ticket if so; CircuitOpen if not."""
        if self.threshold <= 0:
            return Ticket()
        found = cache.get_many([self._failures_key, self._open_key])
        failures = int(found.get(self._failures_key) or 0)
        open_until = found.get(self._open_key)
        if open_until is None:
            return Ticket(failures=failures)
        if self.clock() < open_until:
            raise CircuitOpen()
        # the cool-down is over: one caller, in any process, probes; the others keep failing fast
        if cache.add(self._probe_key, secrets.token_hex(4), timeout=max(1, round(self.probe_hold))):
            logger.info("%s: cool-down over, probing the provider", self)
            return Ticket(probe=True, failures=failures)
        raise CircuitOpen()

    def success(self, ticket: Ticket | None) -> None:
        if ticket is None:
            return
        if ticket.probe:
            cache.delete_many([self._open_key, self._failures_key, self._probe_key, self._stale_key])
            logger.warning("%s: the probe succeeded, circuit closed", self)
        elif ticket.failures:
            cache.delete(self._failures_key)

    def failure(self, ticket: Ticket | None) -> None:
        if ticket is None or self.threshold <= 0:
            return
        if ticket.probe:
            self._open()
            cache.delete(self._probe_key)
            logger.warning("%s: the probe failed, open for another %.0f s", self, self.cooldown)
            return
        cache.add(self._failures_key, 0, timeout=None)
        try:
            failures = cache.incr(self._failures_key)
        except ValueError:  # evicted between add and incr
            failures = 1
            cache.set(self._failures_key, failures, timeout=None)
        if failures >= self.threshold and cache.add(
            self._open_key, self.clock() + self.cooldown, timeout=None
        ):
            logger.warning(
                "%s: %s consecutive failures, circuit open: calls fail fast for %.0f s",
                self,
                failures,
                self.cooldown,
            )

    def release(self, ticket: Ticket | None) -> None:
        """The call ended with no verdict on the provider (our own deadline cut it short, or our
        code raised): count nothing, but let another probe go if this was one."""
        if ticket is not None and ticket.probe:
            cache.delete(self._probe_key)

    def _open(self) -> None:
        cache.set(self._open_key, self.clock() + self.cooldown, timeout=None)

    # ------------------------------------------------------------------ for staff
    def mark_stale(self) -> None:
        """A page was served from a stale copy (storefront.degraded): /healthz says degraded for
        STALE_MARK_SECONDS, or until a probe finds the provider back."""
        cache.set(self._stale_key, self.clock(), timeout=STALE_MARK_SECONDS)

    def status(self) -> BreakerStatus:
        found = cache.get_many([self._failures_key, self._open_key, self._stale_key])
        failures = int(found.get(self._failures_key) or 0)
        open_until = found.get(self._open_key)
        stale = self._stale_key in found
        if open_until is None:
            return BreakerStatus(CLOSED, failures, 0.0, stale)
        left = open_until - self.clock()
        if left > 0:
            return BreakerStatus(OPEN, failures, left, stale)
        return BreakerStatus(HALF_OPEN, failures, 0.0, stale)

    def reset(self) -> None:
        """Close the breaker now (staff action in admin)."""
        cache.delete_many([self._open_key, self._failures_key, self._probe_key, self._stale_key])
        logger.warning("%s: closed by hand", self)
