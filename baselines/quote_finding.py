"""Finding quotes for the end-to-end track, shared by the baselines that do not
bring their own finder.

- **Direct** quotes come from pairing quotation marks in the raw text
  (:func:`quotation_spans`): curly “ ” and ‘ ’, straight " and ', « » and
  „ “, and two apostrophes ('') as news archives type a double mark; nested
  quotes stay inside the outer one; apostrophes ("don’t", "the
  ’90s", "Navalny’s", "voters’ rights") are told apart from single quotes by
  the characters around them; a quote left open at the end of a paragraph
  continues when the next paragraph opens with a quotation mark.
- **Indirect** quotes are the content of a reporting expression
  (:mod:`baselines.cues`): the clause after "said", "believes", "according
  to", the infinitive after "plans", the finding after "the poll shows",
  what follows "called for", "critical of" or "his warning that".
- **Mixed** quotes are indirect content that contains a quoted fragment.

Spans follow the gold conventions (gold/GUIDELINES.md): a direct quote
without its quotation marks and without the comma that joins it to its
attribution; indirect content without the complementizer "that", the cue, the
source or the final full stop; a mixed quote up to and including the closing
mark of its fragment.  One attribution is one quote: an attribution reported
inside another quote's content is not found separately, and a direct quote
interrupted by its attribution (“…,” she said. “…”) is found once, from its
first fragment to its last.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from baselines.cues import cue_content, cue_of_span, cue_source, doc_index, doc_text, is_cue
from benchmark.gold import CLOSING_MARKS, OPENING_MARKS

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from baselines.mentions import Speaker
    from benchmark.models import ModelInput

DOUBLE_OPEN = frozenset("“„«")
DOUBLE_CLOSE = frozenset("”»")
SINGLE_OPEN = frozenset("‘‚‹")
SINGLE_CLOSE = frozenset("’›")
# Punctuation after which a straight quote mark opens a quotation.
_OPENING_CONTEXT = frozenset("([{—–-/:;,")
# A quoted stretch without a cue must be at least this many words to count as
# a quote (a continued quotation); shorter ones are titles, slogans, scare
# quotes ("the ‘Against Putin at noon’ campaign", “Fox and Friends”).
MIN_WORDS_WITHOUT_CUE = 6
# At most this many words between two parts of one interrupted quotation.
MAX_ATTRIBUTION_WORDS = 30
CACHE_KEY = "quotebench.found_quotes"


@dataclass(frozen=True, slots=True)
class QuotationSpan:
    """Text between a pair of quotation marks: ``start``/``end`` exclude the
    marks; ``open``/``close`` are the marks' offsets (``close`` is None for a
    quotation left open at the end of its paragraph)."""

    start: int
    end: int
    open: int
    close: int | None


@dataclass(slots=True)
class FoundQuote:
    """A quote found in a document: character span, type, and the cue token
    that introduces it (None for a direct quote with no reporting verb
    near it, which continues the previous speaker's words)."""

    start: int
    end: int
    type: str
    cue: "Token | None" = None
    fragments: list[tuple[int, int]] = field(default_factory=list)


# --------------------------------------------------------------------------
# Quotation marks


def _kind(text: str, i: int, single_open: bool) -> str | None:
    """What the mark at ``text[i]`` does: "open-double", "close-double",
    "open-single", "close-single", "toggle-double" or None (an apostrophe or
    not a mark)."""
    c = text[i]
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + 1] if i + 1 < len(text) else " "
    if c in DOUBLE_OPEN:
        return "open-double"
    if c in DOUBLE_CLOSE:
        return "close-double"
    if c == '"':
        if prev.isspace() or prev in _OPENING_CONTEXT or prev in DOUBLE_OPEN | SINGLE_OPEN:
            return "open-double" if not nxt.isspace() else "toggle-double"
        return "close-double" if not prev.isspace() else "toggle-double"
    if c in SINGLE_OPEN:
        if nxt.isdigit():  # ‘90s typed with the wrong mark
            return None
        return "open-single"
    if c in SINGLE_CLOSE or c == "'":
        if prev.isalnum() and nxt.isalpha():
            return None  # don’t, Navalny’s, rock’n’roll
        if nxt.isdigit() and not prev.isalnum():
            return None  # the ’90s
        opening_side = prev.isspace() or prev in _OPENING_CONTEXT or prev in DOUBLE_OPEN
        if c == "'" and opening_side and (nxt.isalnum() or nxt in "“\"."):
            return "open-single"
        if c in SINGLE_CLOSE and opening_side and nxt.isalpha():
            return None  # ’tis, ’em: an elision at the start of a word
        if not prev.isspace():
            # voters’ choice: a closing mark only when a single quote is open
            return "close-single" if single_open else None
    return None


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: text between line breaks, without
    the surrounding white space; empty paragraphs are left out."""
    spans = []
    start = 0
    n = len(text)
    while start < n:
        end = text.find("\n", start)
        if end < 0:
            end = n
        a, b = start, end
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if a < b:
            spans.append((a, b))
        start = end + 1
    return spans


def _content(text: str, start: int, end: int) -> tuple[int, int]:
    """The content between two marks without surrounding white space and
    without the comma that joins a quote to its attribution ("…Putin,” he
    said")."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1
    return start, end


# Any character that may be a quotation mark (:func:`_mark`).
_ANY_MARK = re.compile("[“”„«»‘’‚‹›\"']")


def quotation_spans(text: str) -> list[QuotationSpan]:
    """Outermost quotations of ``text``, in order.

    Marks are read left to right with a stack, paragraph by paragraph.  A
    closing mark closes the innermost open quotation of its kind (double or
    single); stray closing marks are ignored.  A quotation still open at the
    end of a paragraph continues into the next paragraph when that one
    starts with an opening mark of the same kind (the convention for a
    quotation over several paragraphs); otherwise it ends with its
    paragraph.  Straight double quotes that could open or close toggle; two
    apostrophes ('') are one double quotation mark (:func:`_mark`).
    """
    found: list[QuotationSpan] = []
    stack: list[tuple[str, int, int]] = []  # (kind, offset of the opening mark, its width)
    paragraphs = _paragraphs(text)
    for index, (p_start, p_end) in enumerate(paragraphs):
        continuing = bool(stack)  # only the paragraph's first character can be the continued quotation's opening mark
        # from mark to mark: no other character changes anything
        mark_at = _ANY_MARK.search(text, p_start, p_end)
        while mark_at is not None:
            i = mark_at.start()
            kind, width = _mark(text, i, any(k == "single" for k, _, _ in stack))
            if continuing and i == p_start and kind and kind.startswith(("open", "toggle")):
                # the opening mark of a continued quotation: already open
                mark_at = _ANY_MARK.search(text, i + width, p_end)
                continue
            if kind == "toggle-double":
                kind = "close-double" if any(k == "double" for k, _, _ in stack) else "open-double"
            if kind and kind.startswith("open"):
                stack.append((kind.split("-")[1], i, width))
            elif kind and kind.startswith("close"):
                mark = kind.split("-")[1]
                depth = next((d for d in range(len(stack) - 1, -1, -1) if stack[d][0] == mark), None)
                if depth is not None:
                    _, opened, opened_width = stack[depth]
                    del stack[depth:]
                    if not stack:
                        a, b = _content(text, opened + opened_width, i)
                        if a < b:
                            # ``close`` is the closing mark's last character
                            found.append(QuotationSpan(a, b, opened, i + width - 1))
            continuing = False
            mark_at = _ANY_MARK.search(text, i + width, p_end)
        if stack:
            nxt = paragraphs[index + 1] if index + 1 < len(paragraphs) else None
            outer_kind, opened, opened_width = stack[0]
            continues = False
            if nxt is not None:
                first_kind, _ = _mark(text, nxt[0], outer_kind == "single")
                continues = first_kind is not None and first_kind.startswith(("open", "toggle")) and (
                    first_kind.endswith(outer_kind)
                )
            if not continues:
                a, b = _content(text, opened + opened_width, p_end)
                while text[b - 1 : b] in "”’\"'" and b - 1 > a:
                    b -= 1  # a closing mark the pairing did not accept
                a, b = _content(text, a, b)
                if a < b:
                    found.append(QuotationSpan(a, b, opened, None))
                stack.clear()
    return found


def _mark(text: str, i: int, single_open: bool) -> tuple[str | None, int]:
    """What the mark at ``text[i]`` does (as :func:`_kind`) and how many
    characters it takes.  Two apostrophes are one double quotation mark, as
    in newspaper archives that have no curly quotes (''We will win,'' he
    said); of three after an open single quotation, the first closes it."""
    if text[i] == "'" and text[i + 1 : i + 2] == "'" and not (single_open and text[i + 2 : i + 3] == "'"):
        prev = text[i - 1] if i > 0 else " "
        nxt = text[i + 2] if i + 2 < len(text) else " "
        if prev.isspace() or prev in _OPENING_CONTEXT or prev in DOUBLE_OPEN | SINGLE_OPEN:
            return ("open-double" if not nxt.isspace() else "toggle-double"), 2
        return "close-double", 2
    return _kind(text, i, single_open), 1


# --------------------------------------------------------------------------
# Quotes in a parsed document


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


# A run of characters other than white space with a letter or a digit in it
# ([^\W_] is what str.isalnum accepts; \S what str.split does not split on).
_WORD = re.compile(r"\S*?[^\W_]\S*")


def _word_count(text: str) -> int:
    """How many of ``text.split()`` hold a letter or a digit."""
    return len(_WORD.findall(text))


def find_quotes(doc: "Doc") -> list[FoundQuote]:
    """Direct, indirect and mixed quotes of a parsed document, in text order.

    The result is cached on the Doc, so that every baseline of a run shares
    one search.
    """
    cached = doc.user_data.get(CACHE_KEY)
    if cached is not None:
        return cached
    text = doc_text(doc)
    quotations = quotation_spans(text)
    quotation_starts = [q.start for q in quotations]
    # Marks included: a cue between them is someone's quoted words.
    quoted = [(q.open, q.close + 1 if q.close is not None else q.end) for q in quotations]

    def quotation_at(char: int) -> int | None:
        i = bisect_right(quotation_starts, char) - 1
        for j in (i, i + 1):
            if 0 <= j < len(quoted) and quoted[j][0] <= char < quoted[j][1]:
                return j
        return None

    def quotations_in(start: int, end: int) -> list[int]:
        i = max(0, bisect_right(quotation_starts, start) - 1)
        out = []
        while i < len(quotations) and quotations[i].start < end:
            if _overlap((start, end), (quotations[i].start, quotations[i].end)) > 0:
                out.append(i)
            i += 1
        return out

    # 1. the content of every cue outside quotation marks
    candidates: list[tuple[int, int, "Token"]] = []
    for i in doc_index(doc).cue_list:
        token = doc[i]
        if quotation_at(token.idx) is not None:
            continue
        if cue_source(token) is None:
            continue
        content = cue_content(token)
        if content is None:
            continue
        # one attribution, one quote: coordinated clauses ("said that A and
        # that B") are one content
        start, end = doc[content[0]].idx, doc[content[1] - 1].idx + len(doc[content[1] - 1])
        if _word_count(text[start:end]) >= 2:
            candidates.append((start, end, token))
    candidates = _outermost(candidates)

    # 2. quotations: the content of a cue, a fragment of one, or on their own
    used = [False] * len(quotations)
    quotes: list[FoundQuote] = []
    for start, end, cue in candidates:
        inside = quotations_in(start, end)
        already = bool(inside) and all(used[i] for i in inside)
        for i in inside:
            used[i] = True
        if not inside:
            quotes.append(FoundQuote(start, end, "indirect", cue))
            continue
        covered = sum(_overlap((start, end), (quotations[i].start, quotations[i].end)) for i in inside)
        first, last = quotations[inside[0]], quotations[inside[-1]]
        if covered >= 0.8 * (end - start):
            if already:
                continue  # two parts of one cue's content in one quotation
            # the cue's content is the quotation itself: a direct quote
            parts = [(quotations[i].start, quotations[i].end) for i in inside] if len(inside) > 1 else []
            quotes.append(FoundQuote(first.start, last.end, "direct", cue, parts))
            continue
        if last.close is not None and last.close >= end - 1:
            end = last.close + 1  # a mixed quote ends with its fragment's closing mark
        quotes.append(FoundQuote(start, end, "mixed", cue))

    short: set[int] = set()
    for i, q in enumerate(quotations):
        if used[i] or _is_name_or_scare_quote(doc, q) or _names_something(doc, q):
            continue
        is_short = _word_count(text[q.start : q.end]) < MIN_WORDS_WITHOUT_CUE
        # a short quotation counts only as the complement of a cue, never
        # for merely sharing a sentence with one (scare quotes, titles)
        cue = cue_of_span(doc, q.start, q.end, sentence_window=not is_short)
        if cue is not None and quotation_at(cue.idx) is not None:
            cue = None
        found = FoundQuote(q.start, q.end, "direct", cue)
        if is_short and cue is None:
            short.add(id(found))
        quotes.append(found)

    quotes.sort(key=lambda q: q.start)
    quotes = [q for q in _join_interrupted(doc, quotes) if id(q) not in short]
    doc.user_data[CACHE_KEY] = quotes
    return quotes


# What stands before a quotation that is a name, a title or a scare quote:
# "on “Fox and Friends”", "the “reform”", "Fox News’s “Hannity”".
_NAME_CONTEXT_POS = frozenset(("ADP", "DET", "ADJ", "PART", "NUM"))


def _is_name_or_scare_quote(doc: "Doc", quotation: QuotationSpan) -> bool:
    """A quotation right after a preposition, a determiner, an adjective or
    a possessive is part of a noun phrase (a title, a name, a scare quote),
    not somebody's words."""
    span = doc.char_span(quotation.open, quotation.open + 1, alignment_mode="expand")
    if span is None or span.start == 0:
        return False
    before = doc[span.start - 1]
    while before.is_space and before.i > 0:
        before = doc[before.i - 1]
    if before.is_space or "\n" in before.whitespace_:
        return False
    return before.pos_ in _NAME_CONTEXT_POS or before.tag_ == "POS"


def _outermost(candidates: list[tuple[int, int, "Token"]]) -> list[tuple[int, int, "Token"]]:
    """One attribution, one quote: drop a candidate whose cue lies inside
    the content of a longer candidate ("Flynn said Trump was right when he
    said that ..." is Flynn's quote only).  Contents lie in their cue's
    sentence (or next to it), so only candidates of nearby sentences are
    compared."""
    candidates = sorted(candidates, key=lambda c: c[2].i)
    kept = []
    for index, (start, end, cue) in enumerate(candidates):
        nested = False
        for other in candidates[max(0, index - 6) : index + 7]:
            o_start, o_end, o_cue = other
            if o_cue.i != cue.i and o_start <= cue.idx < o_end and (o_end - o_start) >= (end - start):
                nested = True
                break
        if not nested:
            kept.append((start, end, cue))
    return kept


def _join_interrupted(doc: "Doc", quotes: list[FoundQuote]) -> list[FoundQuote]:
    """Join a direct quote interrupted by its attribution (“…,” Flynn said.
    “…”) into one quote with two fragments: the second part has no cue of
    its own, and only the attribution (no other words) stands between the two
    parts in the same paragraph."""
    text = doc_text(doc)
    joined: list[FoundQuote] = []
    for quote in quotes:
        prev = joined[-1] if joined else None
        if (
            prev is not None
            and prev.type == "direct"
            and quote.type == "direct"
            and prev.cue is not None
            and (quote.cue is None or quote.cue.i == prev.cue.i)
            and prev.end <= prev.cue.idx < quote.start
            and "\n" not in text[prev.end : quote.start]
            and _only_attribution_between(doc, prev, quote)
            and not _names_something(doc, quote)
        ):
            prev.fragments = prev.fragments or [(prev.start, prev.end)]
            prev.fragments.append((quote.start, quote.end))
            prev.end = quote.end
            continue
        joined.append(quote)
    return joined


# How a quoted noun phrase hangs from the clause around it when it is a name
# or a title rather than someone's words (told “Fox and Friends”, appeared on
# “Meet the Press”).
_NAMING_DEPS = frozenset(("dobj", "pobj", "attr", "appos", "compound", "nsubj", "nsubjpass", "npadvmod"))
# Reporting verbs whose direct object is the person addressed.
_ADDRESSEE_VERBS = frozenset(("tell", "ask", "inform", "advise", "assure", "remind", "urge", "warn"))


def _names_something(doc: "Doc", quote: "FoundQuote | QuotationSpan") -> bool:
    """Whether a short quotation is a noun phrase of the sentence around it
    (a programme, a book, a slogan): neither someone's words nor a
    continuation of the quote before."""
    span = doc.char_span(quote.start, quote.end, alignment_mode="expand")
    if span is None or len(span) == 0 or _word_count(doc_text(doc)[quote.start : quote.end]) >= MIN_WORDS_WITHOUT_CUE:
        return False
    root = span.root
    governor = root.head
    if governor.i == root.i or span.start <= governor.i < span.end or root.dep_ not in _NAMING_DEPS:
        return False
    if governor.pos_ in ("NOUN", "PROPN") and governor.dep_ in ("dobj", "oprd"):
        governor = governor.head  # called the senator “the next Lincoln”
    if not is_cue(governor):
        return True  # on “Meet the Press”, watched “The Apprentice”
    # the object of "told" or "asked" is whom they spoke to; of "shouted" or
    # "called him", what was said
    return root.dep_ == "dobj" and governor.lemma_.lower() in _ADDRESSEE_VERBS


def _only_attribution_between(doc: "Doc", first: FoundQuote, second: FoundQuote) -> bool:
    """True when the words between two quotations are only the first one's
    attribution: not many words, and no verb outside the cue's own phrase
    ("said Jamal Reed, a driver who helped organize the march" is one;
    "he said. The mayor disagreed." is not)."""
    cue = first.cue
    assert cue is not None
    between = doc.char_span(first.end, second.start, alignment_mode="expand")
    if between is None:
        return True
    words = [t for t in between if not (t.is_punct or t.is_space or t.is_quote)]
    if any(t.i != cue.i and is_cue(t) for t in words):
        return False  # "…,” Trump said before adding: “…”: two attributions
    lo, hi = cue.left_edge.i, cue.right_edge.i
    return len(words) <= MAX_ATTRIBUTION_WORDS and not any(t.pos_ == "VERB" and not lo <= t.i <= hi for t in words)


# --------------------------------------------------------------------------
# What a model attributes, in either track


@dataclass(slots=True)
class Target:
    """A quote a model names the speaker of: in the attribution track a gold
    quote span (``fields`` = its quote_id), in the end-to-end track a quote
    found by :func:`find_quotes` (``fields`` = its start, end and type; its
    cue is known)."""

    start: int
    end: int
    fields: dict[str, Any]
    fragments: list[tuple[int, int]] | None = None
    found: FoundQuote | None = None


def quotes_to_attribute(item: "ModelInput", track: str) -> list[Target]:
    """The quotes of a document to attribute, in text order."""
    if track == "attribution":
        targets = [
            Target(
                q.start,
                q.end,
                {"quote_id": q.id},
                [(f.start, f.end) for f in q.fragments] if q.fragments else None,
            )
            for q in item.quotes or ()
        ]
        return sorted(targets, key=lambda t: (t.start, t.end))
    if item.doc is None:
        raise ValueError("finding quotes needs the parsed Doc (the model's needs_spacy must be true)")
    return found_targets(find_quotes(item.doc))


def found_targets(found: Iterable[FoundQuote]) -> list[Target]:
    """End-to-end targets of found quotes (this module's, or a learned
    detector's that carry a cue), their cue kept for the attribution."""
    return [Target(q.start, q.end, {"start": q.start, "end": q.end, "type": q.type}, q.fragments or None, q) for q in found]


def speaker_row(doc_id: str, target: Target, speaker: "Speaker | None") -> dict[str, Any]:
    """A submission row (SPEC section 3); ``speaker`` None abstains."""
    row: dict[str, Any] = {"doc_id": doc_id, **target.fields}
    if speaker is None:
        row["speaker"] = None
    else:
        row.update(speaker=speaker.name, speaker_start=speaker.start, speaker_end=speaker.end)
    return row


def is_in_quotation_marks(text: str, start: int, end: int) -> bool:
    """Whether the span is enclosed by quotation marks, as a direct quote is
    (a comma or full stop may stand before the closing mark); marks at the
    span's own edges count too, as annotation tools often include them."""
    # offsets as Python slices read them (negative ones, past the end)
    start, end, _ = slice(start, end).indices(len(text))
    inner = text[start:end].strip()
    # the marks around the span found by looking beside it, not by copying
    # the text before and after it (once per quote, that was quadratic in a novel)
    if inner[:1] in OPENING_MARKS:
        before = inner[:1]
    else:  # the last character before the span that is not white space
        i = start - 1
        while i >= 0 and text[i].isspace():
            i -= 1
        before = text[i] if i >= 0 else ""
    if inner.rstrip(_TRAILING_PUNCTUATION)[-1:] in CLOSING_MARKS:
        after = inner.rstrip(_TRAILING_PUNCTUATION)[-1:]
    else:  # the first character after the span and its punctuation
        j = end
        while j < len(text) and text[j] in _TRAILING_PUNCTUATION:
            j += 1
        after = text[j : j + 1]
    return bool(before) and before in OPENING_MARKS and bool(after) and after in CLOSING_MARKS


# What may stand between a quotation and its closing mark.
_TRAILING_PUNCTUATION = ",.;:!?…"
