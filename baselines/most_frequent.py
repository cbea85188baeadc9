"""``most-frequent``: every quote of a document goes to the person mentioned
most often in it (surnames counted with the full name they shorten; ties go
to the person named first).  Without any person, the most frequent
organisation.  The speaker span is that speaker's mention nearest to the
quote."""

from __future__ import annotations

from collections import Counter
from typing import Any

from baselines import register
from baselines.mentions import Mention, Speaker, document_mentions
from baselines.quote_finding import quotes_to_attribute, speaker_row
from benchmark.models import ModelInput


@register("most-frequent")
class MostFrequent:
    needs_spacy = True

    def predict(self, item: ModelInput, track: str) -> list[dict[str, Any]]:
        mentions = document_mentions(item.doc)
        pool = mentions.persons or mentions.entities
        names = [mentions.name_of(item.doc[m.head]) for m in pool]
        counts = Counter(names)
        # Counter.most_common keeps first-seen order among equal counts
        top = counts.most_common(1)[0][0] if counts else None
        theirs: list[Mention] = [m for m, name in zip(pool, names) if name == top]
        rows = []
        for target in quotes_to_attribute(item, track):
            speaker = None
            if theirs:
                nearest = min(theirs, key=lambda m: (_gap(m, target.start, target.end), m.start))
                speaker = Speaker(top, nearest.start, nearest.end)
            rows.append(speaker_row(item.doc_id, target, speaker))
        return rows


def _gap(m: Mention, start: int, end: int) -> int:
    if m.end <= start:
        return start - m.end
    if m.start >= end:
        return m.start - end
    return 0
