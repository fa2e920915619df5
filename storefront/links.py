"""Shopper links: a storefront user tied to a provider account's own customer record.

Providers that keep their own customers (Capability.SHOPPER_LINKS) get the link on every
CartContext (`Person.external_id`, `Person.approval`); their per-shopper tokens are stored
encrypted on it and never leave the server."""

from __future__ import annotations

from storefront.models import ShopperLink


def shopper_link_get(*, user, account) -> ShopperLink | None:
    if account is None or user is None or not getattr(user, "is_authenticated", False):
        return None
    return ShopperLink.objects.filter(user=user, account=account).first()


def shopper_link_set(
    *,
    user,
    account,
    external_id: str | None = None,
    approval: str | None = None,
    tokens: dict[str, str] | None = None,
) -> ShopperLink:
    """Create or update the link; only the values given change."""
    link, _ = ShopperLink.objects.get_or_create(user=user, account=account)
    if external_id is not None:
        link.external_id = external_id
    if approval is not None:
        link.approval = approval
    if tokens is not None:
        link.set_tokens(tokens)
    link.save()
    return link


def shopper_link_forget_tokens(*, user, account) -> None:
    """At sign-out: the per-shopper tokens go; the link to the customer record stays."""
    ShopperLink.objects.filter(user=user, account=account).exclude(tokens_encrypted="").update(
        tokens_encrypted=""
    )
