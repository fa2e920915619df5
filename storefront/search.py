"""What a shopper types, turned into what to look for (issue 9, point 9).

Indian shoppers type plurals ("kurtas"), regional and transliterated spellings ("kurti", "sari",
"daal", "chappals") and mixed case. Each word of a query becomes a `Term`: the word as typed, its
singular, and the catalogue's own spelling when the word is a known variant; a product matches a
term when any of its forms is in its name, brand, category or description (case-insensitive). Every
term must match (AND), as before. Pure functions, no database: the local provider builds its query
from the terms, and tests check the rules here.

Choices (written down as the issue asks):
- singular: "-ies" → "-y" (berries), "-es" after s/x/z/ch/sh → drop "es" (dresses, watches), else a
  final "s" (not "ss", not "us", word longer than 3) is dropped (kurtas, shoes, sarees);
- variants: a small table of the spellings a shopper uses for the words the catalogue spells one way
  (VARIANTS); the canonical spelling and the typed word are both looked for, so a product whose name
  uses the variant is still found;
- at most MAX_TERMS words; punctuation other than - and & is a word break.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

MAX_TERMS = 6
MIN_SUGGESTION_SCORE = 0.75

# canonical (as the catalogue spells it) → spellings shoppers type (singular; plurals follow the
# rules above)
CANONICAL = {
    "kurta": ("kurti", "kurtha", "kurthi", "kurtah"),
    "saree": ("sari", "saaree", "saari"),
    "dupatta": ("dupata", "duppata", "chunni", "chunari", "chunri", "odhni"),
    "jutti": ("juti", "jooti", "joothi", "mojari", "mojri"),
    "chappal": ("chappel", "chapal", "chapple"),
    "dal": ("daal", "dhal", "dhall"),
    "chai": ("chaay", "chaai", "tea"),
    "jaggery": ("gur", "gud", "gudh"),
    "tawa": ("tava", "thava"),
    "diya": ("deeya", "diyaa"),
    "tiffin": ("tifin", "dabba", "lunchbox"),
    "bedsheet": ("bed-sheet", "chadar", "chaddar"),
    "tee": ("tshirt", "t-shirt"),
    "shampoo": ("shampu",),
    "almond": ("badam",),
    "rice": ("chawal",),
    "soap": ("sabun",),
}
VARIANTS = {variant: canonical for canonical, spellings in CANONICAL.items() for variant in spellings}

_WORD = re.compile(r"[\w&-]+", re.UNICODE)
_UNIT = re.compile(r"\b(\d+(?:\.\d+)?)([a-z]+)\b")
_ES_AFTER = ("s", "x", "z", "ch", "sh")


@dataclass(frozen=True, slots=True)
class Term:
    """One word of the query and every form of it to look for (lower case)."""

    typed: str
    forms: tuple[str, ...]

    @property
    def canonical(self) -> str:
        return self.forms[0]


def singular(word: str) -> str:
    """kurtas → kurta, dresses → dress, berries → berry, shoes → shoe; glass, bus, dal unchanged."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("es") and word[:-2].endswith(_ES_AFTER):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    if len(word) > 4 and word.endswith("is") and word[:-1] in VARIANTS | {c: c for c in CANONICAL}:
        return word[:-1]  # kurtis → kurti, juttis → jutti (Hindi plurals borrowed with an s)
    return word


def term(word: str) -> Term:
    typed = word.lower()
    one = singular(typed)
    canonical = VARIANTS.get(one) or VARIANTS.get(typed) or one
    forms = [canonical]
    for form in (one, typed):
        if form not in forms and len(form) >= 2:
            forms.append(form)
    return Term(typed=typed, forms=tuple(forms))


def terms(query: str) -> tuple[Term, ...]:
    """The query's words as terms (at most MAX_TERMS), punctuation dropped, case folded."""
    text = _UNIT.sub(r"\1 \2", (query or "").casefold())  # 5kg → 5 kg, as the catalogue writes it
    words = [w.strip("-&") for w in _WORD.findall(text)]
    return tuple(term(w) for w in words if w)[:MAX_TERMS]


def normalise(query: str) -> str:
    """The query in the catalogue's own words: "Kurtis" → "kurta", "silk saris" → "silk saree"."""
    return " ".join(t.canonical for t in terms(query))


def suggest(query: str, vocabulary: Iterable[str], *, limit: int = 3) -> tuple[str, ...]:
    """Words of the catalogue close to what was typed ("kurtta" → "kurta"), for an empty result."""
    words = sorted(
        {
            w
            for text in vocabulary
            for w in (singular(x) for x in _WORD.findall(text.casefold()))
            if len(w) > 2
        }
    )
    found: list[str] = []
    for t in terms(query):
        for candidate in difflib.get_close_matches(t.canonical, words, n=limit, cutoff=MIN_SUGGESTION_SCORE):
            if candidate != t.canonical and candidate not in found:
                found.append(candidate)
    return tuple(found[:limit])
