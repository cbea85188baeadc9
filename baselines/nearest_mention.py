"""``nearest-mention``: the person or organisation mention nearest to the
quote (in characters, outside the quote), preferring one in a sentence the
quote touches."""

from __future__ import annotations

from bisect import bisect_left
from typing import Any

from baselines import register
from baselines.mentions import DocumentMentions, Mention, Speaker, document_mentions
from baselines.quote_finding import quotes_to_attribute, speaker_row
from benchmark.models import ModelInput


@register("nearest-mention")
class NearestMention:
    needs_spacy = True

    def predict(self, item: ModelInput, track: str) -> list[dict[str, Any]]:
        doc = item.doc
        mentions = document_mentions(doc)
        rows = []
        for target in quotes_to_attribute(item, track):
            m = nearest_mention(mentions, target.start, target.end)
            speaker = Speaker(mentions.name_of(doc[m.head]), m.start, m.end) if m else None
            rows.append(speaker_row(item.doc_id, target, speaker))
        return rows


def nearest_mention(mentions: DocumentMentions, start: int, end: int) -> Mention | None:
    """The entity mention nearest to [start, end) outside it, among those in
    the sentences the span touches if there are any, else in the whole
    document.  Ties go to the mention before the span."""
    doc = mentions.doc
    span = doc.char_span(start, end, alignment_mode="expand")
    entities, starts = mentions.entities, mentions.entity_starts
    if not entities:
        return None

    def gap(m: Mention) -> int:
        return start - m.end if m.end <= start else m.start - end

    if span is not None and len(span):
        lo_char, hi_char = span[0].sent.start_char, span[-1].sent.end_char
        lo, hi = bisect_left(starts, lo_char), bisect_left(starts, hi_char)
        same = [m for m in entities[lo:hi] if m.end <= start or m.start >= end]
        if same:
            return min(same, key=lambda m: (gap(m), m.start))
    before_i = bisect_left(starts, start) - 1
    while before_i >= 0 and entities[before_i].end > start:
        before_i -= 1
    after_i = bisect_left(starts, end)
    near = [entities[i] for i in (before_i, after_i) if 0 <= i < len(entities)]
    return min(near, key=lambda m: (gap(m), m.start)) if near else None
