"""The peer system textacy as a baseline: its rule-based extractor of direct
quotations, ``textacy.extract.triples.direct_quotations`` (textacy 0.13).

textacy pairs the quotation-mark tokens of a Doc in order, keeps pairs that
enclose at least two tokens and not only title-case words, and looks in the
adjacent sentences for the nearest reporting verb with a nominal subject: the
subject, with its conjuncts and compounds, is the speaker.  It finds direct
quotes only, never indirect or mixed ones.

What this adapter adds:

- Spans follow the gold convention.  textacy's ``content`` runs from the
  opening quotation-mark token to the closing one inclusive; the quote's span
  is the text strictly between those two tokens, white space trimmed.
- The speaker is the text from the first to the last speaker token
  ("Anna Smith", "Smith and Jones"); ``speaker_start``/``speaker_end`` are
  that span's character offsets.
- textacy raises ValueError on a Doc with an odd number of quotation marks
  (an unclosed quote, often a quote running over several paragraphs or a
  straight apostrophe in "players' union") rather than guess.  Such a
  document is then run paragraph by paragraph (paragraphs end at a line
  break), and paragraphs that are themselves unbalanced are skipped.
- Attribution track: textacy's quotes are paired with the gold quote spans
  (:func:`pair_by_overlap`); a gold quote without a partner is abstained on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from baselines import register
from benchmark.models import ModelInput, QuoteSpan

if TYPE_CHECKING:
    from spacy.tokens import Doc

MIN_OVERLAP = 0.5  # shared characters / longer span, as the scorer's default


@dataclass(frozen=True, slots=True)
class FoundQuote:
    """A direct quote textacy found: content span and speaker, in characters."""

    start: int
    end: int
    speaker: str
    speaker_start: int
    speaker_end: int


def _load_textacy() -> Callable[["Doc"], Any]:
    try:
        from textacy.extract.triples import direct_quotations
    except ImportError as exc:
        raise ImportError("textacy is not installed: pip install 'quotebench[textacy]'") from exc
    return direct_quotations


def _is_balanced(doc: "Doc") -> bool:
    # textacy's own test before it raises "unclosed quotation"
    return sum(token.is_quote for token in doc) % 2 == 0


def _paragraphs(doc: "Doc") -> list[tuple[int, "Doc"]]:
    """The document's paragraphs as Docs of their own (parse kept), each with
    its character offset in ``doc``; paragraphs end at white-space tokens that
    contain a line break."""
    parts, start = [], 0
    for token in doc:
        if token.is_space and "\n" in token.text:
            if token.i > start:
                parts.append(doc[start : token.i])
            start = token.i + 1
    if start < len(doc):
        parts.append(doc[start:])
    return [(span.start_char, span.as_doc()) for span in parts]


def find_direct_quotations(doc: "Doc", direct_quotations: Callable[["Doc"], Any]) -> list[FoundQuote]:
    """textacy's direct quotations of ``doc``, as character spans of ``doc.text``."""
    if _is_balanced(doc):
        parts = [(0, doc)]
    else:
        parts = [(offset, part) for offset, part in _paragraphs(doc) if _is_balanced(part)]
    found = []
    for offset, part in parts:
        for triple in direct_quotations(part):
            opening, closing = triple.content[0], triple.content[-1]
            start, end = opening.idx + len(opening.text), closing.idx
            inner = part.text[start:end]
            start += len(inner) - len(inner.lstrip())
            end -= len(inner) - len(inner.rstrip())
            first, last = triple.speaker[0], triple.speaker[-1]
            speaker_start, speaker_end = first.idx, last.idx + len(last.text)
            found.append(
                FoundQuote(
                    start=offset + start,
                    end=offset + end,
                    speaker=part.text[speaker_start:speaker_end],
                    speaker_start=offset + speaker_start,
                    speaker_end=offset + speaker_end,
                )
            )
    return found


def _shared_characters(start: int, end: int, quote: QuoteSpan) -> tuple[int, int]:
    """Characters of [start, end) inside the gold quote's content, and the
    length of that content (its fragments when it has them)."""
    spans = [(f.start, f.end) for f in quote.fragments] if quote.fragments else [(quote.start, quote.end)]
    shared = sum(max(0, min(end, e) - max(start, s)) for s, e in spans)
    return shared, sum(e - s for s, e in spans)


def pair_by_overlap(
    found: Sequence[FoundQuote], quotes: Sequence[QuoteSpan], min_overlap: float = MIN_OVERLAP
) -> dict[str, FoundQuote]:
    """Pair found quotes with gold quotes one-to-one, greedily, most shared
    characters first.  A pair is allowed when shared characters divided by
    the longer of the two spans is at least ``min_overlap``.  Returns
    {gold quote id: found quote}."""
    candidates = []
    for g, quote in enumerate(quotes):
        for f, candidate in enumerate(found):
            shared, gold_length = _shared_characters(candidate.start, candidate.end, quote)
            longer = max(candidate.end - candidate.start, gold_length)
            if shared and shared / longer >= min_overlap:
                candidates.append((-shared, g, f))
    pairs: dict[str, FoundQuote] = {}
    used: set[int] = set()
    for _, g, f in sorted(candidates):
        if quotes[g].id not in pairs and f not in used:
            pairs[quotes[g].id] = found[f]
            used.add(f)
    return pairs


@register("textacy", requires=("textacy", "pip install 'quotebench[textacy]'"))
class TextacyQuotes:
    """textacy 0.13's ``direct_quotations``, in both tracks."""

    needs_spacy = True

    def __init__(self) -> None:
        self._direct_quotations = _load_textacy()  # fail at construction, not mid-run

    def predict(self, item: ModelInput, track: str) -> list[dict[str, Any]]:
        if item.doc is None:
            raise ValueError("the textacy baseline needs the parsed Doc (ModelInput.doc)")
        found = find_direct_quotations(item.doc, self._direct_quotations)
        if track == "end-to-end":
            return [
                {"doc_id": item.doc_id, "start": q.start, "end": q.end, "speaker": q.speaker,
                 "speaker_start": q.speaker_start, "speaker_end": q.speaker_end, "type": "direct"}
                for q in found
            ]
        if track != "attribution":
            raise ValueError(f"unknown track {track!r}")
        pairs = pair_by_overlap(found, item.quotes or [])
        rows = []
        for quote in item.quotes or []:
            row: dict[str, Any] = {"doc_id": item.doc_id, "quote_id": quote.id, "speaker": None}
            if quote.id in pairs:
                q = pairs[quote.id]
                row.update(speaker=q.speaker, speaker_start=q.speaker_start, speaker_end=q.speaker_end)
            rows.append(row)
        return rows
