"""Encryption at rest for provider credentials (Fernet; several keys for rotation)."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialsUnreadable(Exception):
    pass


def _fernet_for(secret: str) -> Fernet:
    # Any string works as a key: it is stretched to the 32 bytes Fernet needs.
    digest = hashlib.sha256(secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@lru_cache(maxsize=8)
def _multi(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet_for(k) for k in keys])


def _keys() -> tuple[str, ...]:
    keys = tuple(k.strip() for k in settings.CREDENTIALS_KEY if k.strip())
    return keys or ("derived-from-secret-key:" + settings.SECRET_KEY,)


def encrypt(data: dict[str, str]) -> str:
    """Encrypt with the first (newest) key."""
    return _multi(_keys()).encrypt(json.dumps(data, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    """Decrypt with any configured key."""
    if not token:
        return {}
    try:
        return json.loads(_multi(_keys()).decrypt(token.encode()))
    except (InvalidToken, ValueError) as exc:
        raise CredentialsUnreadable("provider credentials cannot be decrypted with CREDENTIALS_KEY") from exc


def rotate(token: str) -> str:
    """Re-encrypt with the newest key (after adding a key in front of CREDENTIALS_KEY)."""
    try:
        return _multi(_keys()).rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialsUnreadable("provider credentials cannot be decrypted with CREDENTIALS_KEY") from exc
