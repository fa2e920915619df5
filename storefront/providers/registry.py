"""(kind, role) → provider class, one instance per account version, checked against the contract."""

from __future__ import annotations

import threading
from importlib import import_module
from typing import TYPE_CHECKING, Any

from .base import Role, conformance_problems

if TYPE_CHECKING:
    from storefront.models import ProviderAccount

# What is built. A kind that serves a role without a class here cannot be activated for it.
PROVIDER_CLASSES: dict[tuple[str, str], str] = {
    ("local", Role.SHOP): "storefront.providers.local.provider.LocalProvider",
    ("fynd", Role.SHOP): "storefront.providers.fynd.provider.FyndProvider",
    ("commerce_engine", Role.SHOP): "storefront.providers.commerce_engine.provider.CommerceEngineProvider",
    ("sourcehub", Role.SHOP): "storefront.providers.sourcehub.provider.SourceHubProvider",
    ("local", Role.VOUCHERS): "storefront.providers.local.vouchers.LocalVoucherProvider",
    ("enkash", Role.VOUCHERS): "storefront.providers.enkash.provider.EnKashProvider",
}

_lock = threading.Lock()
_instances: dict[tuple[int | None, str, str], Any] = {}


class UnknownProviderKind(LookupError):
    pass


class ProviderNotConforming(TypeError):
    """A provider declares a capability it does not implement (a programming error)."""


def is_built(kind: str, role: str = Role.SHOP) -> bool:
    return (kind, role) in PROVIDER_CLASSES


def serves(role: str) -> bool:
    """Whether any kind has a provider built for `role` (no account is looked up)."""
    return any(built_role == role for _kind, built_role in PROVIDER_CLASSES)


def provider_class(kind: str, role: str = Role.SHOP) -> type:
    try:
        dotted = PROVIDER_CLASSES[(kind, role)]
    except KeyError as exc:
        raise UnknownProviderKind(f"no {role} provider is built for kind {kind!r} yet") from exc
    module, _, name = dotted.rpartition(".")
    return getattr(import_module(module), name)


def build(account: ProviderAccount | None, role: str = Role.SHOP) -> Any:
    """One provider instance per (account version, role), reused across requests (pooled
    sessions). No account: the embedded `local` provider."""
    kind = account.kind if account else "local"
    version = account.updated_at.isoformat() if account else ""
    key = (account.pk if account else None, role, version)
    with _lock:
        instance = _instances.get(key)
        if instance is None:
            instance = provider_class(kind, role)(account)
            problems = conformance_problems(instance, role)
            if problems:
                raise ProviderNotConforming(f"{type(instance).__name__}: {'; '.join(problems)}")
            # an edited account gets a fresh instance; drop the stale one
            for stale in [k for k in _instances if k[:2] == key[:2]]:
                del _instances[stale]
            _instances[key] = instance
    return instance


def activate(account: ProviderAccount) -> list[str]:
    """Make `account` active for every role its kind serves (the contract: `enkash` vouchers,
    `local` both, the rest the shop). A kind with no built provider cannot be activated (it would
    take the shop down). Returns the roles."""
    if not any(is_built(account.kind, role) for role in account.roles()):
        raise UnknownProviderKind(
            f"the {account.get_kind_display()} provider is not available in this version; "
            "the account is saved but stays inactive"
        )
    return account.activate()


def reset() -> None:
    with _lock:
        _instances.clear()
