"""The one HTTP base every remote provider uses.

A provider plugs two objects into `ProviderHTTP`:

- an **auth** object (`Auth`): the headers each call carries and what a 401 means.
  `StaticHeaders` holds fixed credentials (Fynd, SourceHub); `BearerTokens` holds a SHOPPER's
  expiring token pair (Commerce Engine) and refreshes it; `OAuthPasswordGrant` logs OUR service
  user in with a password grant and caches the token (EnKash).
- an **envelope** (`Envelope`, see `storefront.envelopes`): how the back end wraps its answers;
  it returns the payload or raises a typed error. Which error a status becomes is decided once,
  by `status_error` here.

What the base keeps for everyone: a pooled `requests.Session` per account and thread,
(connect, read) timeouts on every call, bounded retries for GET/HEAD only (a POST that creates
something is never sent twice by us), no redirects, Decimal JSON (`loads`/`dumps`), a `calls`
counter, and log lines that never carry a secret (`redact`, `RedactingFilter`).

Inside a storefront request every call also keeps to the request's deadline (storefront.deadline:
the account's read timeout, counted from the start of the request, for all its calls together):
each attempt's timeouts are cut to what is left, a retry starts only while time is left, and a call
with no time left is not made (`DeadlineExceeded`). An account's `breaker` (storefront.breaker)
is asked before each call (`CircuitOpen` while it is open) and told how it went: a timeout, a
connection failure or a 5xx is a failure; any other answer is a success.

A 401 goes to the auth object: if it can refresh (a new token), the call is sent once more with
the new credentials; a 401 again is `auth.expired` (`ProviderSessionExpired` for a shopper's token)
or, for our own credentials, `ProviderAuthError` from the envelope. A 401 means nothing was done
upstream, so the one retry is safe for any method.

Token refresh is single-flight across threads and processes (`single_flight`): one `cache.add`
lock per token; whoever loses the race waits briefly and re-reads the token the winner stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import requests
from django.core.cache import cache
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import exceptions as urllib3_exceptions
from urllib3.util.retry import Retry
from urllib3.util.timeout import Timeout

from . import crypto, deadline
from .breaker import Breaker
from .exceptions import (
    DeadlineExceeded,
    NotFound,
    ProviderAuthError,
    ProviderError,
    ProviderRejected,
    ProviderSessionExpired,
    ProviderUnavailable,
)

logger = logging.getLogger("storefront.http")

_SECRET_KEYS = re.compile(
    r"(?i)(authorization|token|secret|password|passwd|pin|api[_-]?key|card[_-]?number|cvv)"
)
_REDACT_PATTERNS = [
    # key=value, "key": "value" and Authorization headers
    re.compile(
        r"(?i)((?:authorization|token|secret|password|pin|api[_-]?key|client_secret)"
        r"[\"']?\s*[:=]\s*[\"']?)(?:bearer\s+|basic\s+)?[^\s\"',&}]+"
    ),
    # 13–19 digit card numbers
    re.compile(r"\b(\d[ -]?){13,19}\b"),
    # bearer tokens in our own paths (share links, set-password links), e.g. Django's "Not Found:
    # /cart/shared/<token>/" request log line
    re.compile(r"(/cart/shared/|/accounts/welcome/[^/\s]+/)[^/\s?#\"']+"),
]


def redact(text: str) -> str:
    text = _REDACT_PATTERNS[0].sub(r"\1[redacted]", text)
    text = _REDACT_PATTERNS[2].sub(r"\1[redacted]", text)
    return _REDACT_PATTERNS[1].sub("[redacted-number]", text)


def redact_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: ("[redacted]" if _SECRET_KEYS.search(k) else v) for k, v in data.items()}


class RedactingFilter(logging.Filter):
    """Logging filter: scrub secrets from every formatted message, whoever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken log call must not break the request
            message = None
        if message is not None:
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, ()
        # logger.exception() tracebacks carry exception messages (URLs with tokens, echoed
        # headers): format them once here so the handler prints the scrubbed text.
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def loads(body: bytes | str) -> Any:
    """JSON with every number that has a fraction as Decimal, never float.

    NaN / Infinity (which json accepts by default) are rejected: they would arrive as floats."""
    return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)


class _DecimalEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Decimal):
            return str(o)
        return super().default(o)


def dumps(data: Any) -> str:
    return json.dumps(data, cls=_DecimalEncoder)


# ============================================================================ status → typed error


def status_error(
    status: int,
    *,
    message: str | None = None,
    request_id: str | None = None,
    code: str | None = None,
) -> ProviderError:
    """The one place an upstream status becomes a typed error, for every provider and envelope.

    401/403 → ProviderAuthError (the message is never shown: it is about our credentials);
    3xx (never followed), 408, 429 and 5xx → ProviderUnavailable ("not now", and their bodies are
    not meant for the customer); 404 → NotFound; any other status (other 4xx, or a refusal an
    envelope found inside a 2xx) → ProviderRejected with the provider's message."""
    error: ProviderError
    if status in (401, 403):
        error = ProviderAuthError(status=status, request_id=request_id)
    elif 300 <= status < 400 or status in (408, 429) or status >= 500:
        error = ProviderUnavailable(status=status, request_id=request_id)
    elif status == 404:
        error = NotFound(message, status=status, request_id=request_id)
    else:
        error = ProviderRejected(message, status=status, request_id=request_id)
    error.code = code
    return error


# ============================================================================ the two plug-ins


class Envelope(Protocol):
    """How one back end wraps its answers (implementations: storefront.envelopes)."""

    def payload(self, response: requests.Response) -> Any:
        """A 2xx answer's payload, or a typed error when the body is a refusal or unreadable."""
        ...

    def error(self, response: requests.Response) -> ProviderError:
        """The typed error for a non-2xx answer (through `status_error`)."""
        ...


class Auth(Protocol):
    """The credentials of a call."""

    #: what a 401 that outlived one refresh is: ProviderSessionExpired for a shopper's token;
    #: None for our own credentials (then the envelope's ProviderAuthError, a staff problem)
    expired: type[ProviderError] | None

    def headers(self, http: ProviderHTTP) -> dict[str, str]:
        """The headers for the next call (may fetch or refresh a token first)."""
        ...

    def refresh(self, http: ProviderHTTP, rejected: Mapping[str, str]) -> bool:
        """After a 401 on a call sent with `rejected`: get new credentials. True when the call may
        be sent once more."""
        ...


# ============================================================================ single-flight


T = TypeVar("T")


def single_flight(
    lock_key: str,
    *,
    ready: Callable[[], T | None],
    produce: Callable[[], T],
    hold: int,
    wait: float,
    poll: float = 0.05,
) -> T:
    """`ready()` if it has a value, else `produce()` it, with one producer at a time across
    threads and processes.

    The lock is `cache.add(lock_key, …, timeout=hold)` (atomic in Redis and in the local-memory
    cache). Whoever does not get it polls `ready()` until the producer has stored its result; a
    producer that died leaves a lock that expires after `hold` seconds, and `wait` should be a
    little longer so a waiter can take over. Still no value after `wait` → ProviderUnavailable."""
    deadline = time.monotonic() + wait
    owner = secrets.token_hex(8)
    while True:
        value = ready()
        if value is not None:
            return value
        if cache.add(lock_key, owner, timeout=hold):
            try:
                value = ready()  # the previous holder may have finished between our read and add
                return value if value is not None else produce()
            finally:
                if cache.get(lock_key) == owner:
                    cache.delete(lock_key)
        if time.monotonic() >= deadline:
            logger.warning("gave up waiting for %s after %.1f s", lock_key, wait)
            raise ProviderUnavailable()
        time.sleep(poll)


def _bearer(headers: Mapping[str, str]) -> str:
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    return value[7:] if value[:7].lower() == "bearer " else ""


# ============================================================================ auth: static headers


class StaticHeaders:
    """Fixed credential headers sent on every call (Fynd's `Bearer base64(app_id:token)` plus its
    currency and ordering-source headers; SourceHub's static bearer token). Nothing to refresh:
    a 401 is our credentials, a staff problem."""

    expired = None

    def __init__(self, headers: Mapping[str, str] | None = None):
        self._headers = dict(headers or {})

    @classmethod
    def bearer(cls, token: str, extra: Mapping[str, str] | None = None) -> StaticHeaders:
        return cls({"Authorization": f"Bearer {token}", **(extra or {})})

    def headers(self, http: ProviderHTTP) -> dict[str, str]:
        return dict(self._headers)

    def refresh(self, http: ProviderHTTP, rejected: Mapping[str, str]) -> bool:
        return False

    def __repr__(self) -> str:  # header names only, never values
        return f"<StaticHeaders {sorted(self._headers)}>"


#: for calls that must carry no credentials (a token refresh, a public endpoint)
NO_AUTH = StaticHeaders()


# ============================================================================ auth: a shopper's tokens


def jwt_expiry(token: str) -> float | None:
    """The `exp` claim (epoch seconds) of a JWT, read without verifying it: only to know when to
    refresh; the provider checks the signature. None when the token is not a readable JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        return None
    return float(exp)


@dataclass(frozen=True, repr=False)
class TokenPair:
    """A shopper's access token, the refresh token that renews it, and when the access token
    expires (epoch seconds; None: unknown, then read from the token's JWT `exp` if it has one)."""

    access_token: str
    refresh_token: str = ""
    expires_at: float | None = None

    def __repr__(self) -> str:  # never the tokens
        return f"<TokenPair expires_at={self.expires_at}>"

    def expiry(self) -> float | None:
        return self.expires_at if self.expires_at is not None else jwt_expiry(self.access_token)

    def to_dict(self) -> dict[str, str]:
        """As strings, for an encrypted store (e.g. a shopper link's tokens)."""
        data = {"access_token": self.access_token, "refresh_token": self.refresh_token}
        if self.expires_at is not None:
            data["expires_at"] = repr(self.expires_at)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> TokenPair | None:
        data = data or {}
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            return None
        refresh = data.get("refresh_token")
        try:
            expires_at = float(data["expires_at"]) if data.get("expires_at") not in (None, "") else None
        except (TypeError, ValueError):
            expires_at = None
        return cls(access, refresh if isinstance(refresh, str) else "", expires_at)

    @classmethod
    def from_answer(cls, answer: Any, *, now: float, refresh_token: str = "") -> TokenPair:
        """From a token endpoint's payload: `access_token`, `refresh_token` (else the one we had),
        `expires_in` seconds (else the JWT's own `exp`)."""
        answer = answer if isinstance(answer, dict) else {}
        access = answer.get("access_token")
        refresh = answer.get("refresh_token")
        lifetime = answer.get("expires_in")
        expires_at = None
        if isinstance(lifetime, int | Decimal) and not isinstance(lifetime, bool) and lifetime > 0:
            expires_at = now + float(lifetime)
        return cls(
            access if isinstance(access, str) else "",
            refresh if isinstance(refresh, str) and refresh else refresh_token,
            expires_at,
        )


class TokenStore(Protocol):
    """Where a shopper's token pair lives. It must be shared by every process (the database, e.g.
    the shopper link's encrypted tokens), so a pair one process refreshed is what another reads."""

    def load(self) -> TokenPair | None: ...

    def save(self, pair: TokenPair) -> None: ...


class BearerTokens:
    """A shopper's expiring `Authorization: Bearer` token with a refresh token (Commerce Engine:
    `POST /auth/refresh-token {refresh_token}` answers `content.access_token`/`refresh_token`).

    The pair comes from `store`. It is refreshed before a call when it expires within `skew`
    seconds (from `expires_at`, else the JWT's `exp`), and after a 401 (then the call is sent once
    more). The refresh is single-flight per `lock_key` (name it after the account and shopper).
    No pair, no refresh token, a refresh token the provider refuses (4xx), or a second 401 are
    `ProviderSessionExpired`: the provider starts a new guest session or asks the shopper to sign
    in; our own credentials are not involved.

    Providers that rotate refresh tokens (Commerce Engine does: the old one is refused once used)
    need every copy of the pair to learn the new one, also copies that are not shared (a guest's
    pair lives in their session data, which two parallel requests each loaded on their own). So
    the refresher publishes the new pair, encrypted (storefront.crypto), in the cache under the
    fingerprint of the refresh token it spent, for ROTATION_KEEP seconds; whoever still holds
    that spent token (the request that waited on the lock, another copy of the pair) takes the
    newest pair from there and saves it into its own store instead of refreshing again."""

    expired = ProviderSessionExpired
    ROTATION_KEEP = 24 * 3600
    ROTATION_HOPS = 8

    def __init__(
        self,
        store: TokenStore,
        *,
        lock_key: str,
        refresh_path: str = "/auth/refresh-token",
        skew: float = 60,
        clock: Callable[[], float] = time.time,
    ):
        self.store = store
        self.lock_key = f"bearer-refresh:{lock_key}"
        self.refresh_path = refresh_path
        self.skew = skew
        self.clock = clock

    def __repr__(self) -> str:
        return f"<BearerTokens {self.lock_key}>"

    def headers(self, http: ProviderHTTP) -> dict[str, str]:
        pair = self.store.load()
        if pair is None or not pair.access_token:
            raise ProviderSessionExpired()
        expiry = pair.expiry()
        if expiry is not None and expiry - self.skew <= self.clock():
            pair = self._refreshed(http, stale=pair.access_token)
        return {"Authorization": f"Bearer {pair.access_token}"}

    def refresh(self, http: ProviderHTTP, rejected: Mapping[str, str]) -> bool:
        self._refreshed(http, stale=_bearer(rejected))
        return True

    def _rotated_key(self, refresh_token: str) -> str:
        return f"{self.lock_key}:rotated:{hashlib.sha256(refresh_token.encode()).hexdigest()}"

    def _successor(self, pair: TokenPair) -> TokenPair | None:
        """The newest pair a refresh of `pair`'s refresh token (and of its successors) produced."""
        newest, current = None, pair
        for _ in range(self.ROTATION_HOPS):
            if not current.refresh_token:
                break
            sealed = cache.get(self._rotated_key(current.refresh_token))
            try:
                nxt = TokenPair.from_dict(crypto.decrypt(sealed)) if sealed else None
            except crypto.CredentialsUnreadable:
                nxt = None
            if nxt is None or nxt.access_token == current.access_token:
                break
            newest = current = nxt
        return newest

    def _fresh(self, pair: TokenPair | None, stale: str) -> bool:
        if pair is None or not pair.access_token or pair.access_token == stale:
            return False
        expiry = pair.expiry()
        return expiry is None or expiry > self.clock()

    def _usable(self, stale: str) -> TokenPair | None:
        """The stored pair if someone already replaced the `stale` token (and it has not expired),
        else the pair another copy's refresh rotated in (saved into this store)."""
        pair = self.store.load()
        if self._fresh(pair, stale):
            return pair
        newer = self._successor(pair) if pair is not None else None
        if newer is not None and self._fresh(newer, stale):
            self.store.save(newer)
            return newer
        return None

    def _refreshed(self, http: ProviderHTTP, *, stale: str) -> TokenPair:
        return single_flight(
            self.lock_key,
            ready=lambda: self._usable(stale),
            produce=lambda: self._refresh_now(http),
            hold=http.lock_hold,
            wait=http.lock_hold + 1,
        )

    def _refresh_now(self, http: ProviderHTTP) -> TokenPair:
        current = self.store.load()
        if current is None or not current.refresh_token:
            raise ProviderSessionExpired()
        refused_key = f"{self.lock_key}:refused"
        fingerprint = hashlib.sha256(current.refresh_token.encode()).hexdigest()
        if cache.get(refused_key) == fingerprint:  # the threads that waited on a refused refresh
            raise ProviderSessionExpired()
        try:
            answer = http.json(
                "POST", self.refresh_path, json_body={"refresh_token": current.refresh_token}, auth=NO_AUTH
            )
        except (ProviderRejected, NotFound, ProviderAuthError) as exc:
            cache.set(refused_key, fingerprint, timeout=http.lock_hold)
            logger.info(
                "%s: the shopper's refresh token was refused (status %s); their session is over",
                http.name,
                exc.upstream_status,
            )
            raise ProviderSessionExpired(status=exc.upstream_status, request_id=exc.request_id) from exc
        pair = TokenPair.from_answer(answer, now=self.clock(), refresh_token=current.refresh_token)
        if not pair.access_token:
            logger.warning("%s: the token refresh answered without an access token", http.name)
            raise ProviderUnavailable()
        self.store.save(pair)
        cache.set(
            self._rotated_key(current.refresh_token), crypto.encrypt(pair.to_dict()), self.ROTATION_KEEP
        )
        return pair


# ============================================================================ auth: our OAuth login


class OAuthPasswordGrant:
    """OUR service login by OAuth password grant (EnKash: `POST /oauth/token` with
    `Authorization: Basic base64(client_id:client_secret)` and the form `grant_type=password`,
    `username`, `password` plus `extra_form`, e.g. EnKash's `clientId` company id; the answer is
    plain JSON `access_token`, `token_type`, `refresh_token`, `expires_in`).

    The token is cached in Django's cache until `skew` seconds before it expires (at least half its
    lifetime is used), shared by every thread and process; fetching it is single-flight. The
    token call is never retried: a 4xx from it is ProviderAuthError, and further token calls with
    the same credentials are held back for `refused_for` seconds, because three failed logins lock
    the account upstream. Changed credentials (a different fingerprint) try again at once.
    A 401 on an API call fetches a new token once and sends the call once more; a second 401 is
    ProviderAuthError (staff must act)."""

    expired = None

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        username: str,
        password: str,
        cache_key: str,
        extra_form: Mapping[str, str] | None = None,
        skew: float = 30,
        default_lifetime: int = 300,
        refused_for: int = 900,
        clock: Callable[[], float] = time.time,
    ):
        self.token_url = token_url
        self._basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
        self._form = {
            "grant_type": "password",
            "username": username,
            "password": password,
            **(extra_form or {}),
        }
        self.skew = skew
        self.default_lifetime = default_lifetime
        self.refused_for = refused_for
        self.clock = clock
        fingerprint = hashlib.sha256(
            "\0".join((token_url, client_id, client_secret, username, password)).encode()
        ).hexdigest()[:16]
        prefix = f"oauth:{cache_key}:{fingerprint}"
        self._token_key, self._lock_key, self._refused_key = (
            f"{prefix}:token",
            f"{prefix}:lock",
            f"{prefix}:refused",
        )

    def __repr__(self) -> str:  # never the secret, the password or the token
        return f"<OAuthPasswordGrant {urlsplit(self.token_url).netloc}>"

    def headers(self, http: ProviderHTTP) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token(http, stale='')}"}

    def refresh(self, http: ProviderHTTP, rejected: Mapping[str, str]) -> bool:
        self._token(http, stale=_bearer(rejected))
        return True

    def _cached(self, stale: str) -> str | None:
        entry = cache.get(self._token_key)
        if not isinstance(entry, dict):
            return None
        try:  # encrypted at rest in the shared cache (Redis in production), like all credentials
            token = crypto.decrypt(entry.get("sealed", "")).get("access_token")
        except (crypto.CredentialsUnreadable, TypeError, ValueError):
            return None
        if not isinstance(token, str) or not token or token == stale:
            return None
        return token if entry.get("refresh_at", 0) > self.clock() else None

    def _token(self, http: ProviderHTTP, *, stale: str) -> str:
        return single_flight(
            self._lock_key,
            ready=lambda: self._cached(stale),
            produce=lambda: self._fetch(http),
            hold=http.lock_hold,
            wait=http.lock_hold + 1,
        )

    def _fetch(self, http: ProviderHTTP) -> str:
        if cache.get(self._refused_key):
            logger.error(
                "%s: not asking for a token: the token endpoint refused these credentials within the "
                "last %s s (three failures lock the account); staff must fix the account's credentials",
                http.name,
                self.refused_for,
            )
            raise ProviderAuthError()
        response = http.send(
            "POST",
            self.token_url,
            data=self._form,
            headers={"Authorization": f"Basic {self._basic}", "Accept": "application/json"},
        )
        status, request_id = response.status_code, response.headers.get("x-request-id")
        if 400 <= status < 500 and status not in (408, 429):
            cache.set(self._refused_key, status, timeout=self.refused_for)
            logger.error(
                "%s: the token endpoint refused our credentials (status %s); not retried, since three "
                "failures lock the account: staff must fix the account's credentials",
                http.name,
                status,
            )
            raise ProviderAuthError(status=status, request_id=request_id)
        if not 200 <= status < 300:
            raise status_error(status, request_id=request_id)
        try:
            answer = loads(response.content)
        except ValueError as exc:
            logger.warning("%s: the token endpoint answered a body that is not JSON", http.name)
            raise ProviderUnavailable(status=status, request_id=request_id) from exc
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            logger.warning("%s: the token endpoint answered without an access token", http.name)
            raise ProviderUnavailable(status=status, request_id=request_id)
        lifetime = answer.get("expires_in")
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | Decimal) or lifetime <= 0:
            lifetime = self.default_lifetime
        lifetime = float(lifetime)
        now = self.clock()
        refresh_at = now + max(lifetime - self.skew, lifetime / 2)
        cache.set(
            self._token_key,
            {"sealed": crypto.encrypt({"access_token": token}), "refresh_at": refresh_at},
            timeout=max(1, math.ceil(refresh_at - now)),
        )
        return token


# ============================================================================ the base


def _timed_out(exc: requests.RequestException) -> bool:
    """A timeout, however requests reports it (a GET's read timeout, which the session's Retry
    saw, arrives as a ConnectionError around urllib3's MaxRetryError)."""
    if isinstance(exc, requests.Timeout):
        return True
    reason = getattr(exc.args[0] if exc.args else None, "reason", None)
    return isinstance(reason, urllib3_exceptions.TimeoutError)


class _DeadlineTimeout(Timeout):
    """The account's (connect, read) timeouts, cut to what is left of the request's deadline.
    urllib3 clones the timeout for every attempt (retries included), so each attempt gets what is
    left at its own start, and `total` bounds connect and read together."""

    def __init__(self, connect: float, read: float, budget: float):
        super().__init__(connect=connect, read=read)
        self.budget = budget

    def clone(self) -> Timeout:
        left = deadline.remaining(self.budget)
        if left is None:
            return Timeout(connect=self._connect, read=self._read)
        left = max(left, 0.001)  # spent: the attempt times out at once
        connect = self._connect if isinstance(self._connect, int | float) else left
        read = self._read if isinstance(self._read, int | float) else left
        return Timeout(connect=min(connect, left), read=min(read, left), total=left)


class _DeadlineRetry(Retry):
    """urllib3's Retry that also stops once the request's deadline would pass during the backoff
    (or leave too little for another attempt)."""

    budget: float = 0.0

    def new(self, **kw: Any) -> _DeadlineRetry:
        retry = super().new(**kw)
        retry.budget = self.budget
        return retry

    def is_exhausted(self) -> bool:
        if super().is_exhausted():
            return True
        left = deadline.remaining(self.budget) if self.budget else None
        return left is not None and left - self.get_backoff_time() < deadline.MIN_CALL_SECONDS


class ProviderHTTP:
    """HTTP for one provider account. Thread-safe: each thread gets its own pooled Session.

    `auth` gives each call its credentials and handles 401s; `envelope` turns answers into
    payloads or typed errors. Both can be overridden per call (`auth=NO_AUTH` for a token refresh,
    another envelope for an endpoint that answers differently)."""

    IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(
        self,
        *,
        base_url: str,
        timeout: tuple[float, float],
        auth: Auth,
        envelope: Envelope,
        retries: int = 2,
        name: str = "provider",
        breaker: Breaker | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.auth = auth
        self.envelope = envelope
        self.retries = retries
        self.name = name
        self.breaker = breaker
        self._local = threading.local()
        self._count_lock = threading.Lock()
        self.calls = 0

    def __repr__(self) -> str:
        return f"<ProviderHTTP {self.name} {self.base_url}>"

    @property
    def lock_hold(self) -> int:
        """How long (s) a token refresh may hold its lock: one call's timeouts plus a margin."""
        return math.ceil(sum(self.timeout)) + 2

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            retry = _DeadlineRetry(
                total=self.retries,
                connect=self.retries,
                # a read timeout is not retried: the provider is slow, and waiting 3× the read
                # timeout would hold the customer's page far too long
                read=0,
                status=self.retries,
                backoff_factor=0.2,
                status_forcelist=(502, 503, 504),
                allowed_methods=self.IDEMPOTENT,
                raise_on_status=False,
                respect_retry_after_header=False,
            )
            retry.budget = self.timeout[1]
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=retry)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._local.session = session
        return session

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """One exchange with an absolute URL, whatever its status: timeouts, no redirects, the
        session's retries for GET/HEAD, transport failures as ProviderUnavailable, one log line.
        No auth and no envelope: `request` adds those (a token endpoint uses this directly)."""
        path = urlsplit(url).path
        timeout, cut = self._call_timeout(method, path)
        ticket = self.breaker.before_call() if self.breaker else None
        started = time.perf_counter()
        with self._count_lock:
            self.calls += 1
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=data,
                headers=dict(headers or {}),
                timeout=timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            timed_out = _timed_out(exc)
            if timed_out:
                logger.warning("%s %s %s timed out", self.name, method, path)
            else:
                logger.warning("%s %s %s failed: %s", self.name, method, path, type(exc).__name__)
            if self.breaker:
                # a call the request's own deadline cut short is not held against the provider
                (self.breaker.release if timed_out and cut else self.breaker.failure)(ticket)
            raise ProviderUnavailable() from exc
        except BaseException:
            if self.breaker:
                self.breaker.release(ticket)
            raise
        if self.breaker:
            (self.breaker.failure if response.status_code >= 500 else self.breaker.success)(ticket)
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.info("%s %s %s -> %s in %.0f ms", self.name, method, path, response.status_code, elapsed_ms)
        return response

    def _call_timeout(self, method: str, path: str) -> tuple[tuple[float, float] | Timeout, bool]:
        """The timeouts of the next call and whether the request's deadline cut its read timeout
        below half the account's. Outside a request: the account's own (connect, read)."""
        read = self.timeout[1]
        left = deadline.remaining(read)
        if left is None:
            return self.timeout, False
        if left < deadline.MIN_CALL_SECONDS:
            logger.warning("%s %s %s not sent: the request's deadline is spent", self.name, method, path)
            raise DeadlineExceeded()
        return _DeadlineTimeout(self.timeout[0], read, budget=read), left < read / 2

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        auth: Auth | None = None,
        envelope: Envelope | None = None,
    ) -> requests.Response:
        """A call to `base_url + path` with the auth's headers (then `headers`); the 2xx response,
        or the typed error (after one refresh and one more try on a 401, when the auth can)."""
        auth = self.auth if auth is None else auth
        envelope = self.envelope if envelope is None else envelope
        url = f"{self.base_url}{path}"
        # bytes, so http.client sends headers and body in one packet (no Nagle/delayed-ACK stall)
        data = dumps(json_body).encode() if json_body is not None else None
        base = {"Accept": "application/json"}
        if data is not None:
            base["Content-Type"] = "application/json"
        for attempt in range(2):
            sent = auth.headers(self)
            response = self.send(
                method, url, params=params, data=data, headers={**base, **sent, **(headers or {})}
            )
            if response.status_code != 401 or attempt or not auth.refresh(self, sent):
                break
            logger.info(
                "%s %s %s -> 401: credentials refreshed, sending it once more", self.name, method, path
            )
        status = response.status_code
        if 200 <= status < 300:
            return response
        if status == 401 and auth.expired is not None:
            logger.info("%s %s %s -> 401 again: the session is over", self.name, method, path)
            raise auth.expired(status=status, request_id=response.headers.get("x-request-id"))
        error = envelope.error(response)
        if isinstance(error, ProviderAuthError):
            logger.error("%s rejected our credentials (status %s)", self.name, status)
        raise error

    def call(
        self, method: str, path: str, *, envelope: Envelope | None = None, **kwargs: Any
    ) -> tuple[Any, CaseInsensitiveDict[str]]:
        """(the envelope's payload, the response headers)."""
        envelope = self.envelope if envelope is None else envelope
        response = self.request(method, path, envelope=envelope, **kwargs)
        return envelope.payload(response), response.headers

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The envelope's payload of one call."""
        return self.call(method, path, **kwargs)[0]
