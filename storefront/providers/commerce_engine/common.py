"""What every part of the Commerce Engine provider shares: the account and its client, which
Commerce Engine user a call is made for (and with which tokens), and turning an unreadable
answer into ProviderUnavailable."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from storefront.exceptions import ProviderAuthError, ProviderSessionExpired, ProviderUnavailable
from storefront.http import BearerTokens, StaticHeaders
from storefront.money import MoneyError
from storefront.providers import readers
from storefront.providers.base import CartContext

from .client import CommerceEngineClient
from .tokens import BlobStore, CacheTokens, LinkTokens, SessionTokens, pair_blob

logger = logging.getLogger("storefront.providers.commerce_engine")

T = TypeVar("T")

MSG_SESSION_RENEWED = "Your session with the store had ended, so we started a new one."
MSG_SIGN_IN_AGAIN = "Your sign-in with the store has expired. Please sign in again."

# how long before the access token's expiry it is refreshed (the SDK uses 30 s)
REFRESH_SKEW = 30


def key_part(*parts: Any) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode(), usedforsecurity=False).hexdigest()


@dataclass
class Shopper:
    """The Commerce Engine user a call is made for: its token store, the Bearer auth over it,
    and its ids. `renewed`: a new anonymous user replaced one whose session had ended."""

    store: BlobStore
    auth: BearerTokens
    user_id: str
    customer_id: str = ""
    logged_in: bool = False
    renewed: bool = False
    fresh: bool = False  # created just now: it has no cart yet


class CommerceEngineBase:
    """The account, its client and the shopper's identity; the parts build on it."""

    def __init__(self, account, *, client: CommerceEngineClient | None = None):
        if account is None:
            raise ValueError("the commerce_engine provider needs a provider account")
        self.account = account
        self.client = client or CommerceEngineClient(account)
        creds = account.credentials
        self.gift_cards_on = (creds.get("gift_cards") or "").lower() in ("1", "true", "yes", "on")
        self.point_value = readers.as_money(creds.get("loyalty_point_value") or "1")
        version = int(account.updated_at.timestamp()) if getattr(account, "updated_at", None) else 0
        self._ns = f"ce:{account.pk}"
        self._catalogue_ns = f"ce:{account.pk}:{version}"
        self.session_key = f"ce:{account.pk}:tokens"  # a guest's tokens in the session data
        self.signed_in_key = f"ce:{account.pk}:signed-in"  # an OTP sign-in's tokens until linked
        self.otp_key = f"ce:{account.pk}:otp"

    def __repr__(self) -> str:
        return f"<CommerceEngineProvider {self.account.name}>"

    def _map(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a mapping; a body we cannot read is Commerce Engine being unavailable."""
        try:
            return fn(*args, **kwargs)
        except (readers.MappingError, MoneyError, TypeError, ValueError, KeyError, AttributeError) as exc:
            logger.exception("Commerce Engine answer could not be mapped by %s", getattr(fn, "__name__", fn))
            raise ProviderUnavailable() from exc

    # ------------------------------------------------------------------ token stores
    def _store(self, ctx: CartContext) -> BlobStore:
        """A customer's tokens are on their shopper link; a guest's in the session data (a caller
        without a session, e.g. a management command, falls back to the cache by session key)."""
        if ctx.customer is not None:
            return LinkTokens(ctx.customer.id, self.account)
        if ctx.session is not None:
            return SessionTokens(ctx.session, self.session_key)
        return CacheTokens(
            f"{self._ns}:sk:{key_part(ctx.session_key or 'none')}", settings.SESSION_COOKIE_AGE
        )

    def _auth(self, store: BlobStore, user_id: str) -> BearerTokens:
        return BearerTokens(store, lock_key=f"{self._ns}:{user_id or 'anonymous'}", skew=REFRESH_SKEW)

    def _as_shopper(self, store: BlobStore, *, renewed: bool = False) -> Shopper | None:
        blob = store.read()
        if not blob.get("access_token"):
            return None
        user_id = blob.get("user_id", "")
        return Shopper(
            store=store,
            auth=self._auth(store, user_id),
            user_id=user_id,
            customer_id=blob.get("customer_id", ""),
            logged_in=blob.get("logged_in") == "1",
            renewed=renewed,
        )

    def _new_anonymous(self, store: BlobStore, *, renewed: bool = False) -> Shopper:
        """POST /auth/anonymous: a new anonymous Commerce Engine user for this shopper."""
        answer = self.client.anonymous()
        blob = pair_blob(answer)
        if not blob.get("access_token") or not blob.get("user_id"):
            logger.warning("Commerce Engine's anonymous sign-in answered without a token or user id")
            raise ProviderUnavailable()
        store.write(blob)
        shopper = self._as_shopper(store, renewed=renewed)
        assert shopper is not None
        shopper.fresh = True
        return shopper

    def _shopper(self, ctx: CartContext, *, create: bool) -> Shopper | None:
        """The shopper's Commerce Engine user; a new anonymous one when `create` (else None when
        they have none yet: nothing of theirs exists upstream)."""
        store = self._store(ctx)
        shopper = self._as_shopper(store)
        if shopper is None and create:
            shopper = self._new_anonymous(store)
        return shopper

    def _as(self, ctx: CartContext, fn: Callable[[Shopper], T], *, create: bool = True) -> T | None:
        """`fn(shopper)`; when the shopper's session with Commerce Engine is over (refresh refused,
        401 after a refresh: nothing was done upstream), a guest or a customer on an anonymous
        Commerce Engine user gets a new anonymous user and `fn` runs once more; a customer signed
        in by OTP is asked to sign in again."""
        shopper = self._shopper(ctx, create=create)
        if shopper is None:
            return None
        try:
            return fn(shopper)
        except ProviderSessionExpired:
            shopper.store.clear()
            if shopper.logged_in:
                logger.info("a Commerce Engine customer's session ended; they must sign in again")
                raise ProviderSessionExpired(MSG_SIGN_IN_AGAIN) from None
            logger.info("a Commerce Engine anonymous session ended; starting a new one")
            return fn(self._new_anonymous(shopper.store, renewed=True))

    def _catalogue_auth(self) -> BearerTokens:
        """The storefront's own anonymous user for catalogue reads (one per account)."""
        store = CacheTokens(f"{self._catalogue_ns}:reader")
        shopper = self._as_shopper(store) or self._new_anonymous(store)
        return shopper.auth

    def _catalogue_call(self, fn: Callable[[Any], T]) -> T:
        """A catalogue read with the API key alone, as the SDK's public catalogue client sends
        it; a store that wants a token (401/403) is read with the storefront's own anonymous
        user from then on (remembered for the account)."""
        wants_token = f"{self._catalogue_ns}:wants-token"
        if not cache.get(wants_token):
            try:
                return fn(StaticHeaders())
            except ProviderAuthError:
                logger.info("Commerce Engine catalogue reads need a token for this store")
                cache.set(wants_token, True, 24 * 3600)
        try:
            return fn(self._catalogue_auth())
        except ProviderSessionExpired:
            CacheTokens(f"{self._catalogue_ns}:reader").clear()
            return fn(self._catalogue_auth())

    def ping(self) -> str:
        body = self._catalogue_call(lambda auth: self.client.products(auth, page=1, limit=1))
        total = readers.as_int(
            readers.as_dict(body.get("pagination")).get("total_records"),
            len(readers.as_list(body.get("products"))),
        )
        return f"{total} products in Commerce Engine store {self.client.store_id}"
