"""Envelopes: how each back end wraps its answers, plugged into `storefront.http.ProviderHTTP`.

An envelope does two things (the `storefront.http.Envelope` protocol): `payload(response)` opens a
2xx answer and returns what is inside it, or raises a typed error when the body is a refusal or
cannot be read; `error(response)` reads a non-2xx answer's message and code. Which error a status
becomes is decided once, by `storefront.http.status_error`; an envelope only says where the
message, the code and the payload are.

- `PlainJSON`: the JSON body is the payload; an error's message from `message`, `error`, `detail`.
- `FyndEnvelope`: a JSON object; messages from `message`, `error`, `errors[]` or a field-error map;
  with `refuse_unsuccessful`, a 200 with `success: false` is a refusal.
- `CommerceEngineEnvelope`: `content` of `{success, message, content}`; `success: false` (also in
  a 200) is a refusal with `message` and `code`.
- `SourceHubEnvelope`: `data` of `{data, message}`; failures are `{error: {code, description,
  source, status_code}}`.
- `EnKashEnvelope`: `payload` (or the misspelt `paylod`) when `response_code` (or `code`) is 0;
  anything else is a refusal with `response_message`, even when it comes as HTTP 200.

Common to all: an empty 2xx body is `{}` (EnKash: None), a 2xx body that is not JSON (or not the
shape the envelope needs) is ProviderUnavailable, numbers with a fraction are Decimal, and a
message shown to the customer is at most MESSAGE_MAX characters of the provider's text.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import requests

from storefront.exceptions import ProviderError, ProviderUnavailable
from storefront.http import loads, status_error

logger = logging.getLogger("storefront.envelopes")

MESSAGE_MAX = 300


def _text(value: Any) -> str | None:
    """A message, stripped and cut to MESSAGE_MAX; None when there is none."""
    if isinstance(value, str) and value.strip():
        return value.strip()[:MESSAGE_MAX]
    return None


class JSONEnvelope:
    """The shared algorithm; subclasses say where the message, the code and the payload are."""

    def payload(self, response: requests.Response) -> Any:
        try:
            body = self._body(response)
        except ValueError as exc:
            raise self.unreadable(response, "a body that is not JSON") from exc
        return self.unwrap(body, response)

    def error(self, response: requests.Response) -> ProviderError:
        try:
            body = self._body(response)
        except ValueError:
            body = None  # an HTML error page: the status alone decides
        return status_error(
            response.status_code,
            message=self.message(body),
            request_id=response.headers.get("x-request-id"),
            code=self.code(body),
        )

    # ------------------------------------------------------------------ what subclasses read
    def message(self, body: Any) -> str | None:
        return None

    def code(self, body: Any) -> str | None:
        return None

    def unwrap(self, body: Any, response: requests.Response) -> Any:
        return {} if body is None else body

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _body(response: requests.Response) -> Any:
        """The parsed body (Decimal for fractions), None when empty; ValueError when not JSON."""
        return loads(response.content) if response.content else None

    def refusal(self, body: Any, response: requests.Response, *, status: int | None = None) -> ProviderError:
        """A refusal found inside a 2xx body (ProviderRejected, unless `status` says otherwise)."""
        return status_error(
            status or response.status_code,
            message=self.message(body),
            request_id=response.headers.get("x-request-id"),
            code=self.code(body),
        )

    def unreadable(self, response: requests.Response, what: str) -> ProviderUnavailable:
        method = response.request.method if response.request is not None else "?"
        logger.warning(
            "%s %s answered %s with %s", method, urlsplit(response.url).path, response.status_code, what
        )
        return ProviderUnavailable(
            status=response.status_code, request_id=response.headers.get("x-request-id")
        )

    def _object(self, body: Any, response: requests.Response) -> dict[str, Any]:
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise self.unreadable(response, "JSON that is not an object")
        return body


class PlainJSON(JSONEnvelope):
    """An unwrapped JSON API: the body is the payload; an error's message is the first of
    `message_keys` that holds text."""

    def __init__(self, message_keys: tuple[str, ...] = ("message", "error", "detail")):
        self.message_keys = message_keys

    def message(self, body: Any) -> str | None:
        if isinstance(body, dict):
            for key in self.message_keys:
                text = _text(body.get(key))
                if text:
                    return text
        return None


class FyndEnvelope(JSONEnvelope):
    """Fynd Platform application APIs (fynd.md §1): every answer is a JSON object. A message is
    taken from `message`, `error`, `errors` (a list or a string) or the first field of a
    field-error map (`{"address_id": ["Missing data for required field."]}`), in that order.

    Answers that carry a cart report problems inside the cart (the provider reads them); for the
    calls without one (archive, add address, checkout) use `refuse_unsuccessful=True`: a 200 with
    `success: false` is then a refusal with Fynd's message."""

    def __init__(self, *, refuse_unsuccessful: bool = False):
        self.refuse_unsuccessful = refuse_unsuccessful

    def message(self, body: Any) -> str | None:
        if not isinstance(body, dict):
            return None
        for key in ("message", "error"):
            text = _text(body.get(key))
            if text:
                return text
        errors = body.get("errors")
        if isinstance(errors, list):
            texts = [str(e).strip() for e in errors if isinstance(e, str | int) and str(e).strip()]
            if texts:
                return "; ".join(texts)[:MESSAGE_MAX]
        text = _text(errors)
        if text:
            return text
        # a field-validation map: {"payment_mode": ["Missing data for required field."]}
        for value in body.values():
            if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                return _text(value[0])
        return None

    def unwrap(self, body: Any, response: requests.Response) -> dict[str, Any]:
        body = self._object(body, response)
        if self.refuse_unsuccessful and body.get("success") is False:
            raise self.refusal(body, response)
        return body


class CommerceEngineEnvelope(JSONEnvelope):
    """Commerce Engine storefront API (commerce_engine.md §1.4–1.5): `{message, success, content}`.
    The payload is `content` (the resource under a named key, e.g. `content.cart`); answers
    without `content` (delete cart) are `{}`. Errors are `{message, success: false, code}`; a 200
    with `success: false` is a refusal too."""

    def message(self, body: Any) -> str | None:
        return _text(body.get("message")) if isinstance(body, dict) else None

    def code(self, body: Any) -> str | None:
        return _text(body.get("code")) if isinstance(body, dict) else None

    def unwrap(self, body: Any, response: requests.Response) -> Any:
        body = self._object(body, response)
        if body.get("success") is False:
            raise self.refusal(body, response)
        content = body.get("content")
        return content if isinstance(content, dict | list) else {}


class SourceHubEnvelope(JSONEnvelope):
    """SourceHub B2B API (sourcehub.md §3): success is `{data, message}` (the payload is `data`;
    `message` is free text, never parsed); failure is `{error: {code, description, source,
    status_code}}` with the HTTP status mirrored in `status_code`. An `error` inside a 200 is a
    failure too, mapped by its `status_code` (else by its code). `source` is only logged."""

    CODE_STATUS = {
        "AUTHENTICATION_ERROR": 401,
        "BAD_REQUEST_ERROR": 400,
        "TOO_MANY_REQUESTS": 429,
        "INTERNAL_SERVER_ERROR": 500,
    }

    @staticmethod
    def _error(body: Any) -> dict[str, Any] | None:
        error = body.get("error") if isinstance(body, dict) else None
        return error if isinstance(error, dict) else None

    def message(self, body: Any) -> str | None:
        error = self._error(body)
        return _text(error.get("description")) if error else None

    def code(self, body: Any) -> str | None:
        error = self._error(body)
        return _text(error.get("code")) if error else None

    def error(self, response: requests.Response) -> ProviderError:
        error = super().error(response)
        try:
            details = self._error(self._body(response))
        except ValueError:
            details = None
        if details:
            logger.info("SourceHub error %s from %s", error.code, _text(details.get("source")) or "?")
        return error

    def unwrap(self, body: Any, response: requests.Response) -> Any:
        body = self._object(body, response)
        error = self._error(body)
        if error is not None:
            status = error.get("status_code")
            if isinstance(status, bool) or not isinstance(status, int) or status < 300:
                status = self.CODE_STATUS.get(self.code(body) or "", 400)
            raise self.refusal(body, response, status=status)
        data = body.get("data")
        return {} if data is None else data


class EnKashEnvelope(JSONEnvelope):
    """EnKash Rewards API (enkash.md §3): `{payload, response_code, response_message}`, also
    `{code, message, payload}` (reward allocation) and the documented `paylod` misspelling.
    Success is a 2xx AND `response_code` (or `code`) 0, as an integer or a numeric string;
    failures often come as HTTP 200 with code 1 and the message (also repeated as a string
    payload). `response_message` is never matched on. The payload may be an object, a list, a
    number (a coin balance) or a string; None when absent. No code at all is an unreadable body."""

    @staticmethod
    def _inner(body: dict[str, Any]) -> Any:
        inner = body.get("payload")
        return inner if inner is not None else body.get("paylod")

    @staticmethod
    def _raw_code(body: Any) -> Any:
        if not isinstance(body, dict):
            return None
        return body["response_code"] if body.get("response_code") is not None else body.get("code")

    def message(self, body: Any) -> str | None:
        if not isinstance(body, dict):
            return None
        return _text(body.get("response_message")) or _text(body.get("message")) or _text(self._inner(body))

    def code(self, body: Any) -> str | None:
        raw = self._raw_code(body)
        return None if raw is None or isinstance(raw, dict | list) else str(raw).strip() or None

    def unwrap(self, body: Any, response: requests.Response) -> Any:
        if not isinstance(body, dict):
            raise self.unreadable(response, "no EnKash envelope")
        raw = self._raw_code(body)
        try:
            code = None if isinstance(raw, bool | dict | list) else int(str(raw).strip())
        except ValueError:
            code = None
        if code is None:
            raise self.unreadable(response, "no readable response_code")
        if code != 0:
            raise self.refusal(body, response)
        return self._inner(body)
