"""Degraded mode: while a shop's provider is down, pages the shopper has seen are served from the
last copy kept of them, read-only, instead of the "store unavailable" page.

A provider keeps a second, long-lived copy of each catalogue answer and of each cart it read
(`settings.CATALOGUE_STALE_SECONDS`, one day by default) and falls back to it when a call fails
with ProviderUnavailable (the breaker is open, the call timed out, the provider answered 5xx) --
but only inside `stale_allowed()`, which the catalogue, product, cart and checkout pages open
around their reads. Writes, order placement and checkout pricing never open it, so no stale copy
is ever used to change a cart or to price an order. The next successful read replaces the copy.

`stale_allowed()` yields a `StaleUse` whose `served` says whether any answer of the block came
from a stale copy; the view then renders the notice (catalogue) or the read-only cart.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

logger = logging.getLogger("storefront.degraded")

MSG_STALE_CATALOGUE = (
    "We can't reach the store just now, so you're seeing this page as it was a little while ago. "
    "Prices and stock may have changed."
)
MSG_CART_PAUSED = (
    "We can't reach the store just now, so changes to your cart are paused. "
    "Nothing is lost: this is your cart as you last saw it, and you can carry on when the store is back."
)
MSG_CHECKOUT_PAUSED = (
    "Checkout is paused while we can't reach the store. Nothing has been charged or ordered, and your "
    "cart is safe; please try again in a few minutes."
)


@dataclass
class StaleUse:
    served: bool = False
    accounts: set = field(default_factory=set)


_use: ContextVar[StaleUse | None] = ContextVar("storefront_stale_use", default=None)


@contextmanager
def stale_allowed() -> Iterator[StaleUse]:
    """Reads inside may fall back to a stale copy when the provider is unavailable."""
    use = StaleUse()
    token = _use.set(use)
    try:
        yield use
    finally:
        _use.reset(token)


def may_serve_stale() -> bool:
    return _use.get() is not None


def note_stale(account, what: str) -> None:
    """A provider served `what` from its stale copy: the page shows it, /healthz says so."""
    use = _use.get()
    if use is None:  # pragma: no cover - providers only fall back inside stale_allowed()
        return
    use.served = True
    key = getattr(account, "pk", None) or getattr(account, "name", "")
    if key not in use.accounts:  # one mark per account and request
        use.accounts.add(key)
        from .breaker import Breaker

        Breaker.for_account(account).mark_stale()
        logger.info("provider %s unavailable: served %s from its stale copy", key, what)
