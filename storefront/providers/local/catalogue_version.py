"""The catalogue version: one token in the shared cache that every catalogue write replaces, so each
process knows when the catalogue it holds in memory (catalogue_cache.py) is out of date.

A write calls `catalogue_changed()`; the token is replaced once the write's transaction commits
(at once outside a transaction). Before the commit no other process can see the write, so a new
token then would only have them load the old rows again. The writing thread itself sees its own
uncommitted rows: `uncommitted_changes()` tells the catalogue cache to read the database for it
and keep nothing until the commit, so a rolled-back write never stays in memory.
"""

from __future__ import annotations

import logging
import secrets
import threading
import weakref

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "localshop:catalogue-version"

_thread = threading.local()  # Django's connections are per thread, and so are their transactions


class _BumpOnCommit:
    """Registered with `transaction.on_commit`. Django drops its callbacks when the transaction
    (or the savepoint they were registered in) rolls back, and nothing else holds this object
    strongly: while the weak reference in `_thread.pending` is alive and the callback has not
    run, this thread's transaction holds catalogue writes not yet committed."""

    __slots__ = ("done", "__weakref__")

    def __init__(self) -> None:
        self.done = False

    def __call__(self) -> None:
        self.done = True
        bump()


def _pending() -> _BumpOnCommit | None:
    ref = getattr(_thread, "pending", None)
    marker = ref() if ref is not None else None
    return marker if marker is not None and not marker.done else None


def catalogue_changed() -> None:
    """A product, size, brand or category row changed: replace the version when that commits
    (once per transaction however many rows change)."""
    if _pending() is not None:
        return
    marker = _BumpOnCommit()
    _thread.pending = weakref.ref(marker)
    transaction.on_commit(marker)  # outside a transaction this runs now


def uncommitted_changes() -> bool:
    """Whether this thread's open transaction has changed the catalogue (not committed yet)."""
    return _pending() is not None


def bump() -> None:
    """A new token: every process reloads the catalogue rows it needs on its next cart read."""
    try:
        cache.set(VERSION_KEY, secrets.token_hex(8), timeout=None)
    except Exception:  # the write is committed; a cache outage must not fail it
        # processes then notice at the latest after settings.CATALOGUE_CACHE_SECONDS
        logger.exception("could not bump the local catalogue version")


def current_version(found: str | None) -> str:
    """The version `found` in the shared cache, or a new one when there is none (first start,
    a cache flush or eviction: nothing held in memory can be trusted then)."""
    if found is not None:
        return found
    token = secrets.token_hex(8)
    if cache.add(VERSION_KEY, token, timeout=None):
        return token
    return cache.get(VERSION_KEY) or token
