"""Text a shopper sends, made safe before it reaches the database or a provider.

PostgreSQL refuses a NUL byte in any text value (`DataError: … cannot contain NUL`), and other
control characters (the C0 set but tab, line feed and carriage return; DEL; the C1 set) have no
place in a search, a name, an address or an id. One rule for the whole shop:

- form fields (every `SafeForm`): a value with such a character is refused with `MSG_CONTROL`
  on that field; the shopper sees the form again;
- query parameters a view reads itself (`query_text`): the characters are stripped and the value
  is cut to its length, so a search with a stray control character still searches;
- forms a view reads field by field (vouchers): `has_hostile_values` refuses the whole request
  with `MSG_CONTROL`;
- ids in a URL path (the `text_id` converter, storefront.urls): such a path does not match, a 404.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.urls import register_converter

MSG_CONTROL = "Remove the special (control) characters from this field and try again."
MSG_EMAIL_TOO_LONG = "Use an email address of at most 150 characters."

# A customer's email is also their username (django.contrib.auth's User.username, max_length 150).
ACCOUNT_EMAIL_MAX_LENGTH = 150

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control_chars(value: str) -> bool:
    return bool(CONTROL_CHARS.search(value))


def strip_control_chars(value: str) -> str:
    return CONTROL_CHARS.sub("", value)


def query_text(params, name: str, max_length: int) -> str:
    """A query parameter as text a view can pass on: control characters stripped, surrounding
    space removed, at most `max_length` characters."""
    return strip_control_chars(params.get(name) or "").strip()[:max_length]


def has_hostile_values(data) -> bool:
    """Whether any value of a QueryDict (a form a view reads field by field) has a control
    character."""
    return any(has_control_chars(v) for _key, values in data.lists() for v in values if isinstance(v, str))


def validate_no_control_chars(value) -> None:
    if isinstance(value, str) and has_control_chars(value):
        raise ValidationError(MSG_CONTROL, code="control_characters")


class SafeForm(forms.Form):
    """A form whose text fields refuse control characters (NUL included) with `MSG_CONTROL`, in
    place of Django's own refusal of NUL alone."""

    def __init__(self, *args, **kwargs):
        # labels read "Email", like every hand-written label on the site, not Django's "Email:"
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                others = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]
                field.validators = [validate_no_control_chars, *others]


class TextIdConverter:
    """A path segment like `<str:…>` but without control characters: `/orders/%00/` is a 404."""

    regex = r"[^/\x00-\x1f\x7f-\x9f]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(TextIdConverter, "text_id")
