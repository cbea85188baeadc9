"""Normalising speaker names so that "President Vladimir Putin’s" and
"vladimir putin" compare equal (SPEC section 4, ``--speaker-match``)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Titles that precede a name in news copy and are not part of the name.
HONORIFICS = frozenset(
    """
    mr mrs ms miss mx dr prof professor sir dame lord lady rev reverend fr father
    president vice prime minister premier chancellor secretary senator sen rep
    representative congressman congresswoman governor gov mayor judge justice
    gen general col colonel lt lieutenant capt captain sgt sergeant adm admiral
    king queen prince princess sheikh ambassador commissioner chairman chairwoman
    chair ceo director spokesman spokeswoman spokesperson deputy former late
    opposition leader activist lawyer attorney
    """.split()
)

_QUOTE_FOLDS = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
})
_POSSESSIVE = re.compile(r"'s?\b|'$")
_PUNCTUATION = re.compile(r"[^\w\s]")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=65536)
def normalize_name(name: str) -> str:
    """NFKC, case-folded, curly quotes made straight, possessive 's removed,
    punctuation dropped, white space collapsed, leading titles stripped
    ("President Vladimir Putin’s" -> "vladimir putin").  A name made only of
    titles keeps them ("the President" -> "president")."""
    text = unicodedata.normalize("NFKC", name).casefold().translate(_QUOTE_FOLDS)
    text = _POSSESSIVE.sub("", text)
    text = _SPACES.sub(" ", _PUNCTUATION.sub(" ", text)).strip()
    words = text.split(" ")
    if words and words[0] == "the":
        words = words[1:]
    i = 0
    while i < len(words) - 1 and words[i] in HONORIFICS:
        i += 1
    return " ".join(words[i:])
