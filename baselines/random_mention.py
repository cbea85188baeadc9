"""``random``: a uniformly random person or organisation mention of the
document, seeded by the document id, so that a run is reproducible and
documents do not depend on each other.  The floor of the leaderboard."""

from __future__ import annotations

import random
from typing import Any

from baselines import register
from baselines.mentions import Speaker, document_mentions
from baselines.quote_finding import quotes_to_attribute, speaker_row
from benchmark.models import ModelInput


@register("random")
class RandomMention:
    needs_spacy = True

    def __init__(self, seed: int = 0):
        self.seed = seed

    def predict(self, item: ModelInput, track: str) -> list[dict[str, Any]]:
        mentions = document_mentions(item.doc)
        # str seeds are hashed with SHA-512 by random.seed: stable across runs
        rng = random.Random(f"{self.seed}:{item.doc_id}")
        rows = []
        for target in quotes_to_attribute(item, track):
            speaker = None
            if mentions.entities:
                m = rng.choice(mentions.entities)
                speaker = Speaker(mentions.name_of(item.doc[m.head]), m.start, m.end)
            rows.append(speaker_row(item.doc_id, target, speaker))
        return rows
