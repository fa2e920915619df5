"""Provider text shown as HTML: an allow-list sanitiser (nh3, the Rust `ammonia` crate), never
`|safe` on what a provider sent.

EnKash's `description`, `termsAndCondition` and `howToRedeem` are free text that often carries
HTML (lists, paragraphs, links). `provider_html(text)` keeps a small set of formatting tags,
drops everything else (scripts, styles, event handlers, images, iframes, forms) and gives links
`rel="noopener noreferrer nofollow"`; plain text (no tag at all) is escaped and its lines become
paragraphs and line breaks. The result is memoised per text: a catalogue page shows the same
few texts again and again.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape

import nh3
from markupsafe import Markup

TAGS = frozenset(
    {"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "u", "a", "h3", "h4", "h5", "span", "div"}
)
ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"https", "http", "mailto", "tel"})
MAX_CHARS = 20_000  # a provider text longer than this is cut (a catalogue page is not a document)


@lru_cache(maxsize=1024)
def provider_html(text: str | None) -> Markup:
    """Provider text as HTML that is safe to put on a page."""
    if not text:
        return Markup("")
    text = str(text)[:MAX_CHARS]
    if "<" not in text:
        paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
        return Markup(  # noqa: S704 - every line is escaped
            "".join(f"<p>{'<br>'.join(escape(ln) for ln in p.split(chr(10)))}</p>" for p in paragraphs)
        )
    cleaned = nh3.clean(
        text,
        tags=set(TAGS),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(cleaned)  # noqa: S704 - nh3's allow-list output
