"""Indian formats the storefront checks before anything reaches a provider."""

from __future__ import annotations

import re

GSTIN_RE = re.compile(r"^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$")
MOBILE_RE = re.compile(r"^(?:\+?91[\s-]?|0)?([6-9][0-9]{9})$")
PINCODE_RE = re.compile(r"^[1-9][0-9]{5}$")
_GSTIN_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def gstin_check_digit(first14: str) -> str:
    """The 15th character of a GSTIN: a base-36 Luhn-style checksum of the first 14."""
    total = 0
    for index, char in enumerate(first14):
        product = _GSTIN_CHARS.index(char) * (2 if index % 2 else 1)
        total += product // 36 + product % 36
    return _GSTIN_CHARS[(36 - total % 36) % 36]


def is_valid_gstin(value: str) -> bool:
    value = value.strip().upper()
    return bool(GSTIN_RE.match(value)) and gstin_check_digit(value[:14]) == value[14]


def normalise_mobile(value: str) -> str | None:
    """A 10-digit Indian mobile number, or None. Accepts +91 / 0 prefixes, spaces and dashes."""
    compact = re.sub(r"[\s-]", "", value or "")
    match = MOBILE_RE.match(compact)
    return match.group(1) if match else None
