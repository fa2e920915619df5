"""get_shop_provider(): the provider serving the shop role right now."""

from __future__ import annotations

from django.core.cache import cache

from . import registry
from .base import ShopProvider

_ACTIVE_CACHE_KEY = "storefront:active-shop-account"
_ACTIVE_CACHE_SECONDS = 30


def active_shop_account():
    from storefront.models import ProviderAccount

    account = cache.get(_ACTIVE_CACHE_KEY)
    if account is None:
        account = ProviderAccount.objects.filter(active_for_shop=True).first() or False
        cache.set(_ACTIVE_CACHE_KEY, account, _ACTIVE_CACHE_SECONDS)
    return account or None


def forget_active_account() -> None:
    cache.delete(_ACTIVE_CACHE_KEY)


def get_shop_provider() -> ShopProvider:
    """The active shop account's provider; the embedded `local` provider when none is active."""
    return registry.build(active_shop_account())
