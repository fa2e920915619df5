"""The one HTTP client every remote provider uses.

A pooled `requests.Session` per account and thread, (connect, read) timeouts on every call,
bounded retries only for idempotent reads, no redirects, status → typed error in one place,
and log lines that never carry a secret.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .exceptions import (
    NotFound,
    ProviderAuthError,
    ProviderRejected,
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
]


def redact(text: str) -> str:
    text = _REDACT_PATTERNS[0].sub(r"\1[redacted]", text)
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


class ProviderHTTP:
    """HTTP for one provider account. Thread-safe: each thread gets its own pooled Session."""

    IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(
        self,
        *,
        base_url: str,
        timeout: tuple[float, float],
        default_headers: Mapping[str, str] | None = None,
        retries: int = 2,
        name: str = "provider",
        error_message_keys: tuple[str, ...] = ("message", "error", "detail"),
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.default_headers = dict(default_headers or {})
        self.retries = retries
        self.name = name
        self.error_message_keys = error_message_keys
        self._local = threading.local()
        self.calls = 0

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            retry = Retry(
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
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=retry)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers.update(self.default_headers)
            self._local.session = session
        return session

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        allow_statuses: tuple[int, ...] = (),
    ) -> requests.Response:
        url = f"{self.base_url}{path}"
        data = dumps(json_body) if json_body is not None else None
        req_headers = {"Accept": "application/json"}
        if data is not None:
            req_headers["Content-Type"] = "application/json"
        req_headers.update(headers or {})
        started = time.perf_counter()
        self.calls += 1
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=data,
                headers=req_headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            logger.warning("%s %s %s timed out", self.name, method, path)
            raise ProviderUnavailable() from exc
        except requests.RequestException as exc:
            logger.warning("%s %s %s failed: %s", self.name, method, path, type(exc).__name__)
            raise ProviderUnavailable() from exc
        elapsed_ms = (time.perf_counter() - started) * 1000
        logger.info("%s %s %s -> %s in %.0f ms", self.name, method, path, response.status_code, elapsed_ms)
        if response.status_code in allow_statuses or response.status_code < 300:
            return response
        raise self.error_for(response)

    def error_for(self, response: requests.Response) -> Exception:
        status = response.status_code
        request_id = response.headers.get("x-request-id")
        if status in (401, 403):
            logger.error("%s rejected our credentials (status %s)", self.name, status)
            return ProviderAuthError(status=status, request_id=request_id)
        # 3xx (never followed), 408/429 (slow down, try again) and 5xx are "not now", not a refusal:
        # their bodies are not messages meant for the customer.
        if 300 <= status < 400 or status in (408, 429) or status >= 500:
            return ProviderUnavailable(status=status, request_id=request_id)
        message = self.message_from(response)
        if status == 404:
            return NotFound(message, status=status, request_id=request_id)
        return ProviderRejected(message, status=status, request_id=request_id)

    def message_from(self, response: requests.Response) -> str | None:
        try:
            body = loads(response.content)
        except ValueError:
            return None
        if isinstance(body, dict):
            for key in self.error_message_keys:
                value = body.get(key)
                if isinstance(value, str) and value.strip():
                    return value.strip()[:300]
        return None

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        if not response.content:
            return {}
        try:
            return loads(response.content)
        except ValueError as exc:
            logger.warning("%s %s %s returned a body that is not JSON", self.name, method, path)
            raise ProviderUnavailable() from exc
