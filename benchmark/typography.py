"""Typographic conventions of direct speech: which spans a direct quote may have.

One rule, used by both of the gold validator's paths (the fast path and the
field-by-field checker) and by the corpus importers, so that what counts as
"enclosed by quotation marks" is stated once.  Standard library only.
"""

from __future__ import annotations

from typing import Sequence

# Marks that may open or close a direct quotation.  Straight quotes and the
# apostrophe-like single quotes appear on both sides.
OPENING_MARKS = frozenset("“\"‘'«„‚‹「『")
CLOSING_MARKS = frozenset("”\"’'»“‘›」』")
QUOTE_MARKS = OPENING_MARKS | CLOSING_MARKS
# The comma that joins a quote to its attribution ("…,” she said) may stand
# outside the span but inside the marks.
JOINING_PUNCTUATION = frozenset(",.;:!?…")


def direct_quote_problem(text: str, parts: Sequence[tuple[int, int]]) -> tuple[str, str] | None:
    """Why a direct quote made of ``parts`` (``(start, end)`` pairs in text
    order: its fragments, or its one span) breaks the typographic rule, or
    ``None`` when it does not.

    The answer is ``(field, problem)``: ``field`` is ``"start"`` or ``"end"``,
    the quote field to blame, and ``problem`` the sentence for the message.
    """
    n = len(text)
    for start, end in parts:
        before = text[start - 1] if start > 0 else ""
        close = end
        while close < n and text[close] in JOINING_PUNCTUATION:
            close += 1
        after = text[close] if close < n else ""
        if before not in OPENING_MARKS or after not in CLOSING_MARKS:
            return (
                "start" if before not in OPENING_MARKS else "end",
                f"direct quote {start}-{end} is not enclosed by quotation marks (found {before!r} before and {after!r} after)",
            )
    return None
