"""URLs reversed once per process.

`django.urls.reverse()` walks the resolver's tables and checks the candidate path against its
pattern on every call (20-40 µs each); views that reverse the same names on every request pay
that again and again for the same answer. The answer depends only on the name, the arguments,
the URL conf and the script prefix (set per request from SCRIPT_NAME), so all of them are the
key: a test that overrides ROOT_URLCONF or a server mounted under a prefix gets its own entry."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


@lru_cache(maxsize=1024)
def _reverse(viewname: str, args: tuple, kwargs: tuple, urlconf: str, prefix: str) -> str:
    # `prefix` is only part of the key: reverse() reads the same script prefix itself
    return reverse(viewname, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)


def reverse_once(viewname: str, *args, **kwargs) -> str:
    """`reverse(viewname, args=args, kwargs=kwargs)`, computed once per process for each URL conf
    and script prefix. Arguments must be hashable (ids, slugs, tokens); a NoReverseMatch is
    raised every time, never remembered."""
    return _reverse(
        viewname,
        args,
        tuple(sorted(kwargs.items())) if kwargs else (),
        get_urlconf() or settings.ROOT_URLCONF,
        get_script_prefix(),
    )


reverse_once.cache_clear = _reverse.cache_clear  # type: ignore[attr-defined]
