"""Where a Commerce Engine shopper's tokens live, and who that shopper is upstream.

Every shopper is a Commerce Engine user: a guest gets an anonymous user (`POST /auth/anonymous`)
the first time something needs one (never for reading an empty cart). Its token pair and user id
are kept **server-side only**, encrypted (storefront.crypto, Fernet with CREDENTIALS_KEY), never
rendered or logged:

- a guest: in the Django session's data (`SessionTokens`), which survives the session key
  rotation at sign-in (django.contrib.auth.login cycles the key and keeps the data);
- a signed-in customer: on their shopper link (`LinkTokens`, storefront.models.ShopperLink,
  `external_id` = the Commerce Engine user id), so the same Commerce Engine user, cart, addresses,
  points and credit follow them to every browser, and a refresh one process makes (the refresh
  token rotates) is what every other process reads next;
- the storefront's own catalogue reader: in the cache (`CacheTokens`), one anonymous user per
  account.

The blob holds `access_token`, `refresh_token`, (`expires_at`), `user_id`, `customer_id` (only for
a logged-in Commerce Engine customer) and `logged_in` ("1" after an OTP sign-in).
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from storefront import crypto
from storefront.http import TokenPair
from storefront.links import shopper_link_get, shopper_link_set
from storefront.models import ShopperLink
from storefront.providers import readers

IDENTITY_KEYS = ("user_id", "customer_id", "logged_in")


def pair_blob(answer: dict[str, Any], *, previous: dict[str, str] | None = None) -> dict[str, str]:
    """The blob to keep from an auth answer (`user`, `access_token`, `refresh_token`)."""
    user = readers.as_dict(answer.get("user"))
    blob = dict(previous or {})
    blob["access_token"] = readers.as_str(answer.get("access_token"))
    blob["refresh_token"] = readers.as_str(answer.get("refresh_token")) or blob.get("refresh_token", "")
    blob.pop("expires_at", None)
    if user:
        blob["user_id"] = readers.as_str(user.get("id"))
        blob["customer_id"] = readers.as_str(user.get("customer_id"))
        blob["logged_in"] = "1" if user.get("is_logged_in") is True else ""
    return {k: v for k, v in blob.items() if isinstance(v, str)}


class BlobStore:
    """A TokenStore (storefront.http) over an encrypted blob that also names the user."""

    def read(self) -> dict[str, str]:
        raise NotImplementedError

    def write(self, blob: dict[str, str]) -> None:
        raise NotImplementedError

    def load(self) -> TokenPair | None:
        return TokenPair.from_dict(self.read())

    def save(self, pair: TokenPair) -> None:
        blob = self.read()
        self.write({**{k: blob[k] for k in IDENTITY_KEYS if k in blob}, **pair.to_dict()})

    def identity(self) -> dict[str, str]:
        return {k: v for k, v in self.read().items() if k in IDENTITY_KEYS}

    def clear(self) -> None:
        self.write({})


class SessionTokens(BlobStore):
    """A guest's tokens in the Django session data (encrypted)."""

    def __init__(self, session, key: str):
        self.session = session
        self.key = key

    def __repr__(self) -> str:
        return f"<SessionTokens {self.key}>"

    def read(self) -> dict[str, str]:
        sealed = self.session.get(self.key) if self.session is not None else None
        if not sealed:
            return {}
        try:
            return crypto.decrypt(sealed)
        except crypto.CredentialsUnreadable:
            return {}

    def write(self, blob: dict[str, str]) -> None:
        if self.session is None:
            return
        if blob:
            self.session[self.key] = crypto.encrypt(blob)
        else:
            self.session.pop(self.key, None)


class LinkTokens(BlobStore):
    """A signed-in customer's tokens on their shopper link (encrypted in the database)."""

    def __init__(self, user_id: str, account):
        self.user_id = user_id
        self.account = account

    def __repr__(self) -> str:
        return f"<LinkTokens user={self.user_id}>"

    def _user(self):
        from django.contrib.auth import get_user_model

        return get_user_model().objects.filter(pk=self.user_id).first()

    def read(self) -> dict[str, str]:
        link = ShopperLink.objects.filter(user_id=self.user_id, account=self.account).first()
        if link is None:
            return {}
        try:
            return link.tokens
        except crypto.CredentialsUnreadable:
            return {}

    def write(self, blob: dict[str, str]) -> None:
        user = self._user()
        if user is None:
            return
        external_id = blob.get("user_id") if blob else None
        shopper_link_set(user=user, account=self.account, external_id=external_id, tokens=blob)

    def link(self):
        return shopper_link_get(user=self._user(), account=self.account)


class CacheTokens(BlobStore):
    """The catalogue reader's tokens in the shared cache (encrypted)."""

    def __init__(self, key: str, timeout: int = 7 * 24 * 3600):
        self.key = key
        self.timeout = timeout

    def read(self) -> dict[str, str]:
        sealed = cache.get(self.key)
        try:
            return crypto.decrypt(sealed) if sealed else {}
        except crypto.CredentialsUnreadable:
            return {}

    def write(self, blob: dict[str, str]) -> None:
        if blob:
            cache.set(self.key, crypto.encrypt(blob), self.timeout)
        else:
            cache.delete(self.key)


class AttemptTokens(BlobStore):
    """A guest's tokens kept on their order attempt (storefront.models.OrderAttempt), encrypted
    like every other copy (Fernet, CREDENTIALS_KEY) under the record's `ce_tokens`, so a lost
    answer can be reconciled without the guest's browser (`manage.py reconcile_orders`, the
    admin action) and their order's payment read back from any browser holding its link.

    A refresh made through this copy, or through the guest's session, is handed to the other by
    storefront.http.BearerTokens (the rotated pair is published, encrypted, under the old
    refresh token's fingerprint), so the two copies never spend each other's refresh token."""

    KEY = "ce_tokens"

    def __init__(self, attempt):
        self.attempt = attempt

    def __repr__(self) -> str:
        return f"<AttemptTokens {self.attempt.reference}>"

    @classmethod
    def sealed(cls, blob: dict[str, str]) -> str:
        return crypto.encrypt(blob) if blob.get("access_token") else ""

    def read(self) -> dict[str, str]:
        from storefront.models import OrderAttempt

        record = OrderAttempt.objects.filter(pk=self.attempt.pk).values_list("record", flat=True).first()
        sealed = (record or {}).get(self.KEY) if isinstance(record, dict) else None
        if not sealed:
            return {}
        try:
            return crypto.decrypt(sealed)
        except crypto.CredentialsUnreadable:
            return {}

    def write(self, blob: dict[str, str]) -> None:
        from django.db import transaction

        from storefront.models import OrderAttempt

        with transaction.atomic():
            row = OrderAttempt.objects.select_for_update().filter(pk=self.attempt.pk).first()
            if row is None:
                return
            record = dict(row.record or {})
            if blob:
                record[self.KEY] = crypto.encrypt(blob)
            else:
                record.pop(self.KEY, None)
            OrderAttempt.objects.filter(pk=row.pk).update(record=record)
        self.attempt.record = record
