"""The provider serving each role right now: get_shop_provider(), get_voucher_provider().

Views never call these: ShopMiddleware resolves the shop provider once per request
(`request.shop`), and services and selectors take it from there."""

from __future__ import annotations

from storefront.exceptions import CapabilityMissing

from . import registry
from .base import Role, ShopProvider, VoucherProvider


def active_account(role: str = Role.SHOP):
    from storefront.models import ProviderAccount

    return ProviderAccount.objects.active(role)


def get_shop_provider() -> ShopProvider:
    """The active shop account's provider; the embedded `local` provider when none is active."""
    return registry.build(active_account(Role.SHOP), Role.SHOP)


def get_voucher_provider() -> VoucherProvider:
    """The active voucher account's provider (the embedded `local` one when none is active);
    CapabilityMissing when no voucher provider is built for that kind (the voucher pages 404)."""
    account = active_account(Role.VOUCHERS)
    try:
        return registry.build(account, Role.VOUCHERS)
    except registry.UnknownProviderKind as exc:
        raise CapabilityMissing() from exc
