"""``learned``: a scikit-learn ``LogisticRegression`` that ranks the candidate
mentions around a quote and picks the most probable source.

Candidates are the noun phrases (names, pronouns including relative "who",
descriptions) of the quote's sentences, the two sentences before and the one
after.  Each (quote, candidate) pair is described by :data:`FEATURES`; a
candidate is a positive example when it overlaps the gold quote's speaker
mention (or, for a quote without one, any mention of its gold speaker).  The
model is trained on gold quotes only, and the runner cross-validates it
(:mod:`benchmark.runner`): it never predicts a quote it was trained on.
In the end-to-end track it ranks the candidates of the quotes found by
:func:`baselines.quote_finding.find_quotes`.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from typing import TYPE_CHECKING, Any

from baselines import register
from baselines.cues import cue_source, doc_text, is_cue
from baselines.mentions import DocumentMentions, Mention, document_mentions
from baselines.quote_finding import Target, is_in_quotation_marks, quotes_to_attribute, speaker_row
from baselines.speech_verb import rule_source
from benchmark.gold import Document
from benchmark.models import ModelInput
from benchmark.names import normalize_name

if TYPE_CHECKING:
    from spacy.tokens import Doc

FEATURES = (
    "chosen by the speech-verb rules",
    "source of some reporting verb",
    "subject of some verb",
    "inside the quote",
    "in a sentence of the quote",
    "before the quote",
    "log(1 + tokens between candidate and quote)",
    "log(1 + candidates between candidate and quote)",
    "person name",
    "organisation name",
    "place or nationality",
    "pronoun",
    "description (no name)",
    "log(1 + mentions of the same name in the document)",
    "in the quote's paragraph",
    "quote in quotation marks and candidate after it",
    "quote in quotation marks and candidate before it",
    "source of some reporting verb, in a sentence of the quote",
)
SENTENCES_BEFORE = 2
SENTENCES_AFTER = 1


class _DocumentFeatures:
    """What every quote of a document shares: its candidates and the facts
    about them that do not depend on the quote."""

    def __init__(self, doc: "Doc"):
        self.doc = doc
        self.mentions: DocumentMentions = document_mentions(doc)
        self.candidates: list[Mention] = self.mentions.candidates()
        self.heads = [m.head for m in self.candidates]
        self.cue_sources = {s.i for s in (cue_source(t) for t in doc if is_cue(t)) if s is not None}
        self.names = [normalize_name(self.mentions.name_of(doc[m.head])) for m in self.candidates]
        self.name_counts = Counter(self.names)
        text = doc_text(doc)
        self.paragraph_breaks = [i for i, ch in enumerate(text) if ch == "\n"]

    def paragraph(self, char: int) -> int:
        return bisect_left(self.paragraph_breaks, char)

    def window(self, target: Target) -> tuple[list[int], int, int, int, int]:
        """Indices of the candidates near the quote, the quote's token range
        and its first and last sentence index."""
        doc, mentions = self.doc, self.mentions
        span = doc.char_span(target.start, target.end, alignment_mode="expand")
        first, last = (span.start, span.end) if span is not None and len(span) else (0, 0)
        s_first = mentions.sentence_index(first)
        s_last = mentions.sentence_index(max(first, last - 1))
        starts = mentions.sentence_starts
        lo_tok = starts[max(0, s_first - SENTENCES_BEFORE)]
        hi_sent = s_last + SENTENCES_AFTER + 1
        hi_tok = starts[hi_sent] if hi_sent < len(starts) else len(doc)
        lo, hi = bisect_left(self.heads, lo_tok), bisect_left(self.heads, hi_tok)
        return list(range(lo, hi)), first, last, s_first, s_last

    def rows(self, target: Target) -> tuple[list[int], list[list[float]]]:
        """The window's candidates and one feature vector each."""
        indices, first, last, s_first, s_last = self.window(target)
        rule = rule_source(self.doc, target)
        quoted = is_in_quotation_marks(doc_text(self.doc), target.start, target.end)
        quote_paragraph = self.paragraph(target.start)
        befores = [i for i in indices if self.heads[i] < first]
        afters = [i for i in indices if self.heads[i] >= last]
        rank = {i: len(befores) - 1 - k for k, i in enumerate(befores)}
        rank.update({i: k for k, i in enumerate(afters)})
        vectors = []
        for i in indices:
            m, head = self.candidates[i], self.heads[i]
            token = self.doc[head]
            inside = first <= head < last
            before = head < first
            distance = 0 if inside else (first - head if before else head - last + 1)
            sentence = self.mentions.sentence_index(head)
            in_sentence = s_first <= sentence <= s_last
            is_source = head in self.cue_sources
            label = m.label
            vectors.append(
                [
                    float(rule is not None and (rule.i == head or m.start <= rule.idx < m.end)),
                    float(is_source),
                    float(token.dep_ in ("nsubj", "nsubjpass")),
                    float(inside),
                    float(in_sentence),
                    float(before),
                    math.log1p(distance),
                    math.log1p(rank.get(i, 0)),
                    float(label == "PERSON"),
                    float(label == "ORG"),
                    float(label in ("GPE", "NORP")),
                    float(label == "PRON"),
                    float(label not in ("PERSON", "ORG", "GPE", "NORP", "PRON")),
                    math.log1p(self.name_counts[self.names[i]]),
                    float(self.paragraph(m.start) == quote_paragraph),
                    float(quoted and not before and not inside),
                    float(quoted and before),
                    float(is_source and in_sentence),
                ]
            )
        return indices, vectors


def _features(doc: "Doc") -> _DocumentFeatures:
    cached = doc.user_data.get("quotebench.learned_features")
    if cached is None:
        cached = _DocumentFeatures(doc)
        doc.user_data["quotebench.learned_features"] = cached
    return cached


@register("learned")
class LearnedRanker:
    needs_spacy = True

    def __init__(self, C: float = 1.0, seed: int = 0):
        self.C = C
        self.seed = seed
        self.classifier = None

    def fit(self, items: list[ModelInput], documents: list[Document]) -> "LearnedRanker":
        """Train on the gold quotes of ``documents`` (parsed in ``items``)."""
        from sklearn.linear_model import LogisticRegression

        X: list[list[float]] = []
        y: list[int] = []
        for item, document in zip(items, documents):
            features = _features(item.doc)
            entity_mentions = {e.id: e.mentions for e in document.entities}
            for quote in document.quotes:
                if quote.speaker is None:
                    continue
                gold_spans = [quote.speaker_mention] if quote.speaker_mention else entity_mentions.get(quote.speaker, [])
                target = Target(quote.start, quote.end, {}, [(f.start, f.end) for f in quote.fragments] if quote.fragments else None)
                indices, vectors = features.rows(target)
                labels = [
                    int(any(features.candidates[i].start < g.end and g.start < features.candidates[i].end for g in gold_spans))
                    for i in indices
                ]
                if not any(labels):
                    continue  # the source is outside the window: nothing to rank
                X.extend(vectors)
                y.extend(labels)
        self.classifier = None
        if len(set(y)) == 2:
            self.classifier = LogisticRegression(C=self.C, max_iter=1000, random_state=self.seed).fit(X, y)
        return self

    def predict(self, item: ModelInput, track: str) -> list[dict[str, Any]]:
        features = _features(item.doc)
        rows = []
        for target in quotes_to_attribute(item, track):
            speaker = None
            if self.classifier is not None:
                indices, vectors = features.rows(target)
                if vectors:
                    scores = self.classifier.predict_proba(vectors)[:, 1]
                    best = max(range(len(indices)), key=lambda k: (scores[k], -k))
                    speaker = features.mentions.speaker(item.doc[features.heads[indices[best]]])
            rows.append(speaker_row(item.doc_id, target, speaker))
        return rows
