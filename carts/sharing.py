"""Share links for every shopper: ours on top of the provider's share (issue 13, part 5).

The provider keeps a copy of the items behind its own token (the local store a frozen cart, Fynd
its share-cart API); a `ShareLink` of ours wraps it with what the provider does not give:
- an unguessable token in the URL (`secrets.token_urlsafe(32)`: 256 random bits), stored only as
  its SHA-256, so neither the database nor the provider's (shorter, longer-lived) token gives a
  link away;
- an expiry (`settings.SHARE_LINK_DAYS`, default 7) and an owner who can withdraw it (the signed-in
  customer, or a guest's browser through a random key in their session);
- what each item cost when it was shared, so the shared page shows the items at today's prices and
  availability and marks what changed.

Nothing about the sharer is kept or shown: no name, email, address, GSTIN, gift message, coupon or
redemptions; the shared page renders only the items.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from storefront.exceptions import NotFound, ProviderRejected
from storefront.money import format_inr
from storefront.providers.base import require
from storefront.providers.types import Capability, Cart, CartLine
from storefront.text import count_noun, format_day

from . import assist
from .models import ShareLink
from .session import CartSession

TOKEN_BYTES = 32  # 256 bits of randomness, 43 URL-safe characters
OWNER_KEY = "share:owner"  # a guest owner's browser: a random key in their session

MSG_SHARE_EMPTY = "Add something to your cart before sharing it."
MSG_SHARE_UNKNOWN = "This share link doesn't exist. Check that you copied all of it."
MSG_SHARE_EXPIRED = "This share link has expired. Ask the person who shared it for a new one."
MSG_SHARE_REVOKED = "This share link was withdrawn by the person who shared it."
MSG_SHARE_LINK_REVOKED = "That share link no longer works."
MSG_LINK_NOT_YOURS = "That share link isn't one of yours."
MSG_PRICE_DOWN = "Price dropped from {old}"
MSG_PRICE_UP = "Price went up from {old}"
MSG_NOW_UNAVAILABLE = "Not available now"
MSG_QUANTITY_NOW = "{now} instead of {was}"


class ShareLinkGone(NotFound):
    """An unknown, expired or withdrawn share link: a 404 page that says which."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _owner_q(cs: CartSession) -> Q | None:
    """Which links this shopper owns: a customer's by user, a guest's by their browser's key."""
    if cs.user is not None and getattr(cs.user, "is_authenticated", False):
        return Q(owner=cs.user)
    key = cs.session.get(OWNER_KEY)
    return Q(owner__isnull=True, owner_key=key) if key else None


def _snapshot(cart: Cart) -> list[dict]:
    return [
        {
            "product": ln.product.id,
            "variant": ln.variant.id,
            "name": ln.product.name,
            "size": ln.variant.label if ln.product.has_sizes else "",
            "quantity": ln.quantity,
            "unit_price": f"{ln.unit_price:.2f}",
        }
        for ln in cart.lines
    ]


# ---------------------------------------------------------------------------- writes


def share_link_create(*, cs: CartSession) -> tuple[ShareLink, str]:
    """Share the cart as it is now; returns the link and its token (shown to the owner once)."""
    provider = require(cs.provider, Capability.SHARE_CART)
    ctx = cs.context()
    cart = provider.get_cart(ctx)
    if cart.is_empty:
        raise ProviderRejected(MSG_SHARE_EMPTY)
    provider_token = provider.share_cart(ctx)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    owner = cs.user if cs.user is not None and getattr(cs.user, "is_authenticated", False) else None
    owner_key = ""
    if owner is None:
        owner_key = cs.session.get(OWNER_KEY) or secrets.token_hex(16)
        cs.session[OWNER_KEY] = owner_key
    link = ShareLink.objects.create(
        token_hash=token_hash(token),
        provider=assist.provider_key(provider),
        provider_token=provider_token,
        owner=owner,
        owner_key=owner_key,
        created_by=cs.acting_user,
        expires_at=timezone.now() + timedelta(days=settings.SHARE_LINK_DAYS),
        item_count=cart.count,
        snapshot=_snapshot(cart),
    )
    if cs.assist is not None:
        assist.record(
            cs.assist,
            action="share-cart",
            summary=(
                f"Share link made for {count_noun(cart.count, 'item')},"
                f" works until {format_day(link.expires_at)}"
            ),
            cart_id=cart.id,
            provider=link.provider,
            details={"link": link.pk, "items": cart.count},
        )
    return link, token


def share_link_revoke(*, cs: CartSession, link_id: int) -> ShareLink:
    """The owner withdraws a link: from now on it answers with the "withdrawn" 404 page."""
    owned = _owner_q(cs)
    link = ShareLink.objects.filter(owned, pk=link_id).first() if owned is not None else None
    if link is None:
        raise NotFound(MSG_LINK_NOT_YOURS)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        if cs.assist is not None:
            assist.record(
                cs.assist,
                action="revoke-share-link",
                summary="Share link withdrawn",
                provider=link.provider,
                details={"link": link.pk},
            )
    return link


# ---------------------------------------------------------------------------- reads


def share_link_get(*, cs: CartSession, token: str) -> ShareLink:
    """The link behind a token, if it still works on the active provider account."""
    link = ShareLink.objects.filter(token_hash=token_hash(token)).first()
    if link is None or link.provider != assist.provider_key(cs.provider):
        raise ShareLinkGone(MSG_SHARE_UNKNOWN)
    if link.revoked_at is not None:
        raise ShareLinkGone(MSG_SHARE_REVOKED)
    if link.expires_at <= timezone.now():
        raise ShareLinkGone(MSG_SHARE_EXPIRED)
    return link


def may_have_links(*, cs: CartSession) -> bool:
    """Whether to offer the list of share links, without a query: a customer may have made some
    on any device; a guest only in a browser that has made one."""
    return _owner_q(cs) is not None


def share_links_owned(*, cs: CartSession) -> tuple[ShareLink, ...]:
    """The shopper's links that still work, newest first."""
    owned = _owner_q(cs)
    if owned is None:
        return ()
    return tuple(ShareLink.objects.filter(owned, revoked_at__isnull=True, expires_at__gt=timezone.now())[:50])


@dataclass(frozen=True, slots=True)
class SharedLine:
    """One shared item as it is now, and what changed since it was shared (`change`: "" or
    price-down, price-up, unavailable, quantity)."""

    line: CartLine
    change: str = ""
    note: str = ""
    was_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class SharedCart:
    link: ShareLink
    lines: tuple[SharedLine, ...]
    gone: tuple[str, ...]  # shared items the store no longer has
    items_total: Decimal

    @property
    def available(self) -> tuple[SharedLine, ...]:
        return tuple(s for s in self.lines if s.line.available)


def shared_cart_get(*, cs: CartSession, token: str) -> SharedCart:
    """The shared items at today's prices and availability, each marked with what changed."""
    link = share_link_get(cs=cs, token=token)
    cart = require(cs.provider, Capability.SHARE_CART).get_shared_cart(link.provider_token)
    was = {(str(s["product"]), str(s["variant"])): s for s in link.snapshot}
    lines = []
    for line in cart.lines:
        before = was.pop((line.product.id, line.variant.id), None)
        old_price = Decimal(before["unit_price"]) if before else None
        if not line.available:
            text = line.messages[0].text if line.messages else MSG_NOW_UNAVAILABLE
            lines.append(SharedLine(line, "unavailable", text, old_price))
        elif old_price is not None and line.unit_price < old_price:
            lines.append(
                SharedLine(line, "price-down", MSG_PRICE_DOWN.format(old=format_inr(old_price)), old_price)
            )
        elif old_price is not None and line.unit_price > old_price:
            lines.append(
                SharedLine(line, "price-up", MSG_PRICE_UP.format(old=format_inr(old_price)), old_price)
            )
        elif before is not None and before["quantity"] != line.quantity:
            note = MSG_QUANTITY_NOW.format(now=line.quantity, was=before["quantity"])
            lines.append(SharedLine(line, "quantity", note, old_price))
        else:
            lines.append(SharedLine(line, was_price=old_price))
    gone = tuple(f"{s['name']} ({s['size']})" if s["size"] else s["name"] for s in was.values())
    total = sum((s.line.line_total for s in lines if s.line.available), Decimal("0.00"))
    return SharedCart(link=link, lines=tuple(lines), gone=gone, items_total=total)
