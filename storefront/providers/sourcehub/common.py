"""What every part of the SourceHub provider shares: the account, its client, cache keys and
mapping that turns an unreadable answer into ProviderUnavailable."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from storefront import health
from storefront.exceptions import ProviderUnavailable
from storefront.money import MoneyError
from storefront.providers import readers

from .client import SourceHubClient

logger = logging.getLogger("storefront.providers.sourcehub")


class SourceHubBase:
    """The account, its client and the cache namespace; the parts build on it."""

    def __init__(self, account, *, client: SourceHubClient | None = None):
        if account is None:
            raise ValueError("the sourcehub provider needs a provider account")
        self.account = account
        self.client = client or SourceHubClient(account)
        version = int(account.updated_at.timestamp()) if account.updated_at else 0
        self._ns = f"sourcehub:{account.pk}:{version}"

    def __repr__(self) -> str:
        return f"<SourceHubProvider {self.account.name}>"

    def _key(self, *parts: str) -> str:
        return ":".join((self._ns, *parts))

    def _map(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a mapping; a body we cannot read is SourceHub being unavailable, not our crash."""
        try:
            return fn(*args, **kwargs)
        except (readers.MappingError, MoneyError, TypeError, ValueError, KeyError, AttributeError) as exc:
            logger.exception("SourceHub answer could not be mapped by %s", getattr(fn, "__name__", fn))
            raise ProviderUnavailable() from exc

    def ping(self) -> str:
        """`provider test`: one GET products?count=1 proves the token and the host."""
        rows = readers.as_list(self.client.products(count=1))
        health.note_credentials_accepted(self.account)
        return f"token accepted; products answer ({len(rows)} on the first page of 1)"
