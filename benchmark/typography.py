"""Typographic conventions of direct speech: which spans a direct quote may have.

One rule, used by both of the gold validator's paths (the fast path and the
field-by-field checker) and by the corpus importers, so that what counts as
"quoted" is stated once.  Standard library only.

The rule
--------
A direct quote is made of parts (its ``fragments``, or its one span).  The
quote is valid when **every part** is explained by one of four conventions,
tried in this order:

1. **Enclosed.**  The character just before the part is an opening mark and,
   after skipping the punctuation that joins a quote to its attribution
   (``, . ; : ! ? …``), the character just after it is a closing mark.  A
   straight mark (``"`` or ``'``), which serves both ways, must have the
   opening shape before the part (the text starts, or white space, an opening
   bracket, a dash or another mark comes before it) and the closing shape
   after it (the text ends, or anything but a letter or digit follows it).
   This is the common case, checked without looking further.
2. **Holds quoted words.**  At least one character of the part other than
   white space stands inside quotation marks, as found by reading the paragraph's marks in order
   (see :func:`quoted_regions`).  This covers a quotation continued over
   paragraphs, speech interrupted by a stage direction in parentheses or
   dashes, a quotation nested in another one and annotated as its own quote,
   one pair of marks holding two sub-quotations, and a sub-quotation that
   starts or ends inside the marks next to a dash, an ellipsis, a footnote
   mark such as ``[1]`` or white space.
3. **Set off.**  Verse, songs and letters set off by indentation, without
   marks: the part starts at the first non-blank character of a line indented
   by two spaces or more, or by a tab.
4. **Opened by a dash.**  Dialogue set with a dash instead of marks (Joyce,
   and the usage of many languages): the part starts a line that opens with
   a dash (``— ― –``, or ``--`` as plain-text editions write one, after
   optional indentation and white space).  Only the
   dash at the start of a line counts: a dash inside a line is punctuation.

A part that none of them explains, such as narration between two quotations
(``"Yes," he said, "I do."`` with a quote on ``he said``), is an error.

How marks are read (:func:`quoted_regions`)
-------------------------------------------
Paragraphs are separated by a blank line (a line break, optional spaces or
tabs, a line break); each paragraph starts outside any quotation, which is
what lets a quotation run on over paragraphs with an opening mark at each.
Within a paragraph, a stack of open quotations is kept, double and single
marks apart:

- ``“ « „`` open a double quotation, ``” »`` close one; ``‘ ‚ ‹`` open a
  single one, ``› ’`` close one (``’`` only when no letter or digit follows
  it: between letters it is an apostrophe).
- A straight ``"`` opens when it has the opening shape (the text starts, or
  white space, an opening bracket, a dash or another mark comes before it)
  and no white space follows it; it closes when a character other than white
  space comes before it; with white space on both sides it closes an open
  double quotation, or else opens one.
- A straight ``'`` counts only at a word boundary (never between two letters
  or digits): it opens with the opening shape when a letter or digit follows,
  and closes a single quotation that is open, when something other than
  white space comes before it; otherwise it is an apostrophe.
- Two or more spaces after a comma, colon or semicolon and before a word
  open a quotation of unknown kind: some corpora's texts (PDNC's) render a
  lost quotation mark or a dash as spaces.
- A closing mark closes the innermost open quotation of its kind or of
  unknown kind, and every quotation opened inside it; with none open it is
  ignored, except that a double closing mark with no quotation open at all
  closes one whose opening mark was left out: the quotation that an earlier
  paragraph left open, when only paragraphs without any mark (verse, a letter)
  stand between them, or else one from the start of the paragraph or the end
  of its last quotation.

A character is quoted when it lies between an opening mark and the mark that
closes it (the marks themselves excluded).
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import Sequence

# Marks that may open or close a direct quotation.  Straight quotes and the
# apostrophe-like single quotes appear on both sides.
OPENING_MARKS = frozenset("“\"‘'«„‚‹「『")
CLOSING_MARKS = frozenset("”\"’'»“‘›」』")
QUOTE_MARKS = OPENING_MARKS | CLOSING_MARKS
# The comma that joins a quote to its attribution ("…,” she said) may stand
# outside the span but inside the marks.
JOINING_PUNCTUATION = frozenset(",.;:!?…")

# Marks that serve both ways; their direction comes from their neighbours.
STRAIGHT_MARKS = frozenset("\"'")
# What may stand before an opening straight mark besides white space.
_OPENING_CONTEXT = frozenset("([{—–-_") | QUOTE_MARKS

_DOUBLE, _SINGLE, _LOST = "double", "single", "lost"
_OPENS = {"“": _DOUBLE, "«": _DOUBLE, "„": _DOUBLE, "「": _DOUBLE, "『": _DOUBLE, "‘": _SINGLE, "‚": _SINGLE, "‹": _SINGLE}
_CLOSES = {"”": _DOUBLE, "»": _DOUBLE, "」": _DOUBLE, "』": _DOUBLE, "›": _SINGLE, "’": _SINGLE}
# A mark, a blank line, or two or more spaces after a comma, colon or
# semicolon and before a word: some corpora's texts (PDNC's) render a
# quotation mark or a dash as spaces.
_MARK_OR_BREAK = re.compile("[\"'“”«»„‚‹›‘’「」『』]|\\n[ \\t]*\\n|(?<=[,:;])  +(?=\\w)")


def _opening_shape(text: str, i: int) -> bool:
    """Whether the straight mark at ``i`` stands where an opening mark would."""
    return i == 0 or text[i - 1].isspace() or text[i - 1] in _OPENING_CONTEXT


def _closing_shape(text: str, i: int) -> bool:
    """Whether the straight mark at ``i`` stands where a closing mark would."""
    return i + 1 >= len(text) or not text[i + 1].isalnum()


class _Reader:
    """The state of :func:`quoted_regions`: the regions found so far, the
    paragraph's stack of open quotations, and the quotation that a paragraph
    left open when no mark has been read since."""

    __slots__ = ("regions", "stack", "paragraph_start", "left_open")

    def __init__(self) -> None:
        self.regions: list[tuple[int, int]] = []
        self.stack: list[tuple[str, int]] = []  # (kind, first quoted character)
        self.paragraph_start = 0
        # Index in ``regions`` of the quotation that the last paragraph with a
        # mark left open, while only paragraphs without marks have followed.
        self.left_open: int | None = None

    def open(self, kind: str, first: int) -> None:
        self.left_open = None
        self.stack.append((kind, first))

    def can_close(self, kind: str) -> bool:
        return any(k == kind or k == _LOST for k, _ in self.stack)

    def close(self, kind: str, at: int) -> None:
        """Close the innermost open quotation of ``kind`` or opened by a lost
        mark (and those opened inside it).  With nothing open at all, a double
        closing mark closes a quotation whose opening mark was left out: the
        one left open by an earlier paragraph when only paragraphs without
        marks (verse, a letter) stand between, else one from the paragraph's
        start or the end of its last quotation."""
        stack = self.stack
        if not stack:
            if kind == _DOUBLE:
                if self.left_open is not None:
                    start = self.regions[self.left_open][0]
                    del self.regions[self.left_open :]
                else:
                    last_end = self.regions[-1][1] if self.regions else 0
                    start = max(self.paragraph_start, last_end)
                self.regions.append((start, at))
            self.left_open = None
            return
        self.left_open = None
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == kind or stack[depth][0] == _LOST:
                if depth == 0:
                    self.regions.append((stack[0][1], at))
                del stack[depth:]
                return

    def end_paragraph(self, at: int, next_start: int) -> None:
        if self.stack:
            self.regions.append((self.stack[0][1], at))
            self.left_open = len(self.regions) - 1
            self.stack.clear()
        self.paragraph_start = next_start


@lru_cache(maxsize=8)
def quoted_regions(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The quoted regions of ``text`` as two sorted tuples (starts, ends), each
    region ``[start, end)`` running from just after an outermost opening mark
    to the mark that closes it (or to the paragraph's end when none does).
    Read as the module docstring says; cached for the last few texts, since
    the validator asks once per quote."""
    reader = _Reader()
    n = len(text)
    for match in _MARK_OR_BREAK.finditer(text):
        i = match.start()
        mark = match.group()
        if mark[0] == "\n":  # a blank line: the paragraph ends, quotations with it
            reader.end_paragraph(i, match.end())
            continue
        if mark[0] == " ":  # spaces standing for a lost mark
            reader.open(_LOST, match.end())
            continue
        before = text[i - 1] if i > 0 else ""
        after = text[i + 1] if i + 1 < n else ""
        if mark in _OPENS:
            reader.open(_OPENS[mark], i + 1)
        elif mark in _CLOSES:
            if mark == "’" and after.isalnum():
                continue  # an apostrophe inside a word
            reader.close(_CLOSES[mark], i)
        elif mark == '"':
            space_before = not before or before.isspace()
            space_after = not after or after.isspace()
            if space_before and space_after:
                if reader.can_close(_DOUBLE):
                    reader.close(_DOUBLE, i)
                else:
                    reader.open(_DOUBLE, i + 1)
            elif _opening_shape(text, i) and not space_after:
                reader.open(_DOUBLE, i + 1)
            else:
                reader.close(_DOUBLE, i)
        else:  # a straight single mark
            if before.isalnum() and after.isalnum():
                continue  # an apostrophe inside a word
            if _opening_shape(text, i) and after.isalnum():
                reader.open(_SINGLE, i + 1)
            elif before and not before.isspace() and reader.can_close(_SINGLE):
                reader.close(_SINGLE, i)
    reader.end_paragraph(n, n)
    regions = reader.regions
    return tuple(start for start, _ in regions), tuple(end for _, end in regions)


def holds_quoted_words(text: str, start: int, end: int) -> bool:
    """Whether a character of ``text[start:end]`` other than white space is
    quoted (convention 2)."""
    starts, ends = quoted_regions(text)
    # Regions are disjoint and sorted; the first that may overlap the part is
    # the last one starting before its end, going back while they overlap.
    k = bisect.bisect_left(starts, end) - 1
    while k >= 0 and ends[k] > start:
        lo, hi = max(start, starts[k]), min(end, ends[k])
        if text[lo:hi].strip():
            return True
        k -= 1
    return False


def enclosed(text: str, start: int, end: int) -> bool:
    """Whether quotation marks enclose ``text[start:end]`` (convention 1)."""
    n = len(text)
    if start == 0:
        return False
    before = text[start - 1]
    if before not in OPENING_MARKS or (before in STRAIGHT_MARKS and not _opening_shape(text, start - 1)):
        return False
    close = end
    while close < n and text[close] in JOINING_PUNCTUATION:
        close += 1
    if close >= n:
        return False
    after = text[close]
    return after in CLOSING_MARKS and (after not in STRAIGHT_MARKS or _closing_shape(text, close))


def set_off(text: str, start: int) -> bool:
    """Whether a part starting at ``start`` begins an indented line (convention 3)."""
    line_start = text.rfind("\n", 0, start) + 1
    indent = text[line_start:start]
    return not indent.strip() and (len(indent) >= 2 or "\t" in indent)


# A dialogue dash opening a line, then the white space before the speech.
_DIALOGUE_DASH = re.compile("[ \t]*(?:[—―–]|--)[ \t]*")


def opened_by_dash(text: str, start: int) -> bool:
    """Whether a part starting at ``start`` follows a dash that opens its line (convention 4)."""
    line_start = text.rfind("\n", 0, start) + 1
    return _DIALOGUE_DASH.fullmatch(text, line_start, start) is not None


def direct_quote_problem(text: str, parts: Sequence[tuple[int, int]]) -> tuple[str, str] | None:
    """Why a direct quote made of ``parts`` (``(start, end)`` pairs in text
    order: its fragments, or its one span) breaks the typographic rule of the
    module docstring, or ``None`` when it does not.

    The answer is ``(field, problem)``: ``field`` is ``"start"`` or ``"end"``,
    the quote field to blame, and ``problem`` the sentence for the message.
    """
    for start, end in parts:
        if enclosed(text, start, end) or holds_quoted_words(text, start, end) or set_off(text, start) or opened_by_dash(text, start):
            continue
        before = text[start - 1] if start > 0 else ""
        after = text[end] if end < len(text) else ""
        return (
            "start",
            f"direct quote {start}-{end} is not enclosed by quotation marks and holds no quoted words "
            f"(found {before!r} before and {after!r} after; see benchmark/typography.py)",
        )
    return None
