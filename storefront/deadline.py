"""One deadline per storefront request for every upstream call it makes.

`RequestDeadlineMiddleware` (storefront.middleware) marks when a request started, in a context
variable. `storefront.http.ProviderHTTP` asks `remaining(budget)` before each call, with the
account's read timeout as the budget: each call's (connect, read) timeouts are cut to what is left,
a retry starts only while time is left, and once the budget is spent a call is not made at all
(`DeadlineExceeded`). So a page waits at most about one read timeout for its provider, however many
calls it makes, plus the time to render the answer.

Outside a request (management commands, reconciliation, tests calling services directly) there is
no deadline: every call gets the account's full timeouts.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: a call is not started with less than this left: it could not finish anyway
MIN_CALL_SECONDS = 0.05

_started: ContextVar[float | None] = ContextVar("storefront_request_started", default=None)


@contextmanager
def request_scope(started: float | None = None) -> Iterator[None]:
    """Calls made inside share one deadline, counted from `started` (time.monotonic(); now)."""
    token = _started.set(time.monotonic() if started is None else started)
    try:
        yield
    finally:
        _started.reset(token)


def remaining(budget: float) -> float | None:
    """Seconds left of `budget` for the current request; None outside a request."""
    started = _started.get()
    if started is None:
        return None
    return started + budget - time.monotonic()


def in_request() -> bool:
    return _started.get() is not None
