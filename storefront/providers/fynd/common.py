"""What every part of the Fynd provider shares: the account's client, mapping that turns an
unreadable answer into ProviderUnavailable, and the user-facing texts."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from storefront.exceptions import (
    ProviderUnavailable,
)
from storefront.money import MoneyError
from storefront.providers import readers
from storefront.providers.base import CartContext
from storefront.providers.messages import (  # noqa: F401 - the Fynd parts import them from here
    LABEL_CASH_ON_DELIVERY,
    MSG_BAD_PAYMENT,
    MSG_CART_GONE,
    MSG_CHOOSE_SIZE,
    MSG_EMPTY_CART,
    MSG_NEED_ADDRESS,
    MSG_NEED_PICKUP_CONTACT,
    MSG_NO_POINTS,
    MSG_ORDER_NOT_FOUND,
    MSG_PINCODE_FORMAT,
    MSG_PINCODE_OK,
    MSG_PINCODE_UNSERVICEABLE,
    MSG_PRODUCT_OUT_OF_STOCK,
    MSG_SHARE_MODE_SHORT,
    MSG_SHARED_CART_EMPTY,
    MSG_SIGN_IN_ADDRESSES,
    MSG_SIGN_IN_POINTS,
    MSG_SIZE_NOT_FOR_PRODUCT,
    MSG_UNKNOWN_ADDRESS,
    MSG_UNKNOWN_LINE,
    MSG_UNKNOWN_PRODUCT,
    SHARE_MODES,
    clean_pincode,
)

from .client import FyndClient

logger = logging.getLogger("storefront.providers.fynd")

CART_CACHE_SECONDS = 15 * 60

MSG_NOT_ADDED = "We couldn't add that item to your cart."
MSG_NOT_UPDATED = "We couldn't update that item."
MSG_PINCODE_DELIVERS = "We deliver to {pincode}. You'll see the delivery dates in your cart."
MSG_PINCODE_SAVED = "We'll show delivery dates for {pincode} with the items in your cart."
MSG_POINTS_ALL_ONLY = "This store applies all {n} usable points at once. Leave the number empty to use them."
MSG_POINTS_NOT_APPLIED = "We couldn't apply your loyalty points."

PAYMENT_COD = "COD"
PAYMENT_LABELS = {PAYMENT_COD: LABEL_CASH_ON_DELIVERY}


def key_part(*parts: Any) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode(), usedforsecurity=False).hexdigest()


def user_id_of(ctx: CartContext) -> int | None:
    if ctx.customer is None:
        return None
    try:
        return int(ctx.customer.id)
    except (TypeError, ValueError):
        return None


class FyndBase:
    """The account, its client and the cache namespaces; the parts below build on it."""

    def __init__(self, account, *, client: FyndClient | None = None):
        if account is None:
            raise ValueError("the fynd provider needs a provider account")
        self.account = account
        self.client = client or FyndClient(account)
        version = int(account.updated_at.timestamp()) if getattr(account, "updated_at", None) else 0
        self._ns = f"fynd:{account.pk}"
        self._catalogue_ns = f"fynd:{account.pk}:{version}"

    def __repr__(self) -> str:
        return f"<FyndProvider {self.account.name}>"

    def _map(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a mapping; a body we cannot read is Fynd being unavailable, not our crash."""
        try:
            return fn(*args, **kwargs)
        except (readers.MappingError, MoneyError, TypeError, ValueError, KeyError, AttributeError) as exc:
            logger.exception("Fynd answer could not be mapped by %s", getattr(fn, "__name__", fn))
            raise ProviderUnavailable() from exc

    def ping(self) -> str:
        body = self.client.products(page=1, page_size=1)
        total = readers.as_int(
            readers.as_dict(body.get("page")).get("item_total"), len(readers.as_list(body.get("items")))
        )
        return f"{total} products in Fynd application {self.client.application_id}"
