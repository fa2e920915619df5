"""KIND → provider class, and the active provider for each role."""

from __future__ import annotations

import threading
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storefront.models import ProviderAccount

    from .base import ShopProvider

PROVIDER_CLASSES = {
    "local": "storefront.providers.local.provider.LocalProvider",
    "fynd": "storefront.providers.fynd.provider.FyndProvider",
}

_lock = threading.Lock()
_instances: dict[tuple[int | None, str], ShopProvider] = {}


class UnknownProviderKind(LookupError):
    pass


def provider_class(kind: str) -> type:
    try:
        dotted = PROVIDER_CLASSES[kind]
    except KeyError as exc:
        raise UnknownProviderKind(f"no provider is built for kind {kind!r} yet") from exc
    module, _, name = dotted.rpartition(".")
    return getattr(import_module(module), name)


def build(account: ProviderAccount | None) -> ShopProvider:
    """One provider instance per account version, reused across requests (pooled sessions)."""
    kind = account.kind if account else "local"
    key = (account.pk if account else None, account.updated_at.isoformat() if account else "")
    with _lock:
        instance = _instances.get(key)
        if instance is None:
            instance = provider_class(kind)(account)
            # an edited account gets a fresh instance; drop the stale one
            for stale in [k for k in _instances if k[0] == key[0]]:
                del _instances[stale]
            _instances[key] = instance
    return instance


def reset() -> None:
    with _lock:
        _instances.clear()
