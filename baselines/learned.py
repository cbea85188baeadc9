"""``learned``: a scikit-learn ``HistGradientBoostingClassifier`` (a
``LogisticRegression`` when it has fewer than ``BOOSTING_FROM_QUOTES``
training quotes) that scores the candidate speakers of a quote and picks the
most probable one, or abstains when a second classifier (the abstainer:
one row per quote, trained on out-of-fold ranker scores) gives that answer
a probability of being right below ``abstain_below`` (without boosting, when
the top score itself is below it).

Candidates are the noun phrases (names, pronouns including relative "who",
descriptions) of the quote's sentences, the two sentences before and the one
after, and the speakers the dialogue rules of :mod:`baselines.dialogue`
propose without a mention near the quote (the speaker they chose, the
speakers of the last turns, the character the previous quotation addressed).
Each (quote, candidate) pair is described by :data:`FEATURES`: where the
mention stands and what it is (the news features), how it is tied in the
parse to the quote's anchor, the cue or the token that governs the quote
(the path features: its subject, possessor or agent, the subject of a
predicate the anchor depends on, steps up and down the tree), and where the candidate
stands in the conversation (the dialogue features: the rule that chose it,
its turn, the last two speakers, vocatives, the distance in paragraphs since
it last spoke or was named, the type of the mention), the subject the
anchor inherits, the anchor's and the candidate's kind as categories, and
what the quote's other candidates are (each candidate is scored on its own
row).  A candidate that resolves to no name is reported by its mention as
written: an empty name would abstain.  A candidate is a
positive example when the scorer would credit it for the gold speaker: it
overlaps the gold speaker mention, or its name or its span resolves to the
gold speaker's entity; every candidate of a quote whose gold speaker is null
is a negative one, so that the scores of such quotes stay low and the model
abstains there.

Trained on a train split when ``quotebench baselines --train`` gives one,
else cross-validated by the runner (:mod:`benchmark.runner`): it never
predicts a quote it was trained on.  ``featurize`` keeps only the candidates
and their vectors, so that streaming runs drop the Docs.  In the end-to-end
track it ranks the candidates of the quotes found by :mod:`baselines.detector`
(the learned quote detector when one is trained and beats the rules, else
:func:`baselines.quote_finding.find_quotes`).
"""

from __future__ import annotations

import math
import zlib
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from baselines import register
from baselines.cues import cue_of_span, cue_source, doc_text, is_cue
from baselines.detector import MODELS_DIR, QuoteDetector, TrainingDocument, train_detector, training_document, training_sha256
from baselines.dialogue import RULES, Attribution, Conversation
from baselines.mentions import NOMINAL_SUBJECT_DEPS, DocumentMentions, Mention, Speaker, document_mentions
from baselines.quote_finding import Target, found_targets, is_in_quotation_marks, quotes_to_attribute, speaker_row
from baselines.speech_verb import conversation_of, rule_source
from benchmark.gold import Document
from benchmark.models import ModelInput, QuoteSpan
from benchmark.names import normalize_name

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

NEWS_FEATURES = (
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
# Where the candidate stands in the parse relative to the quote's anchor: the
# cue the rules find for the quote, else the token outside the quote that
# governs it (``_anchor``).  PolNeAR-style attribution attaches sources
# through possessors ("his promise to X"), shared subjects ("Biden ...,
# trashing X") and agents, which a path in the tree says and a distance does
# not.
PATH_FEATURES = (
    "the quote has an anchor (cue or governing token)",
    "the anchor is a cue of the reporting lexicon",
    "the anchor is a verb",
    "the anchor is a noun",
    "the anchor stands before the quote",
    "candidate in the anchor's sentence",
    "steps up from the candidate to the common ancestor with the anchor",
    "steps up from the anchor to the common ancestor",
    "candidate is the subject of the anchor",
    "candidate is the possessor of the anchor",
    "candidate is the agent (by ...) of the anchor",
    "candidate is an object of the anchor",
    "candidate is the subject of a predicate the anchor depends on (conj, xcomp, advcl, ...)",
    "the anchor reaches the common ancestor through a conjunction",
    "the anchor reaches the common ancestor through a clause (xcomp, advcl, ccomp, acl, relcl)",
    "the anchor reaches the common ancestor through a preposition",
    "candidate is a subject",
    "candidate is a possessor",
    "candidate is an object of a preposition",
    "candidate is an apposition or compound",
    "candidate is the subject of its sentence's root",
    "log(1 + tokens between candidate and anchor)",
    "log(1 + tokens in the candidate's mention)",
    "candidate inside another quote of the document",
    "quote in quotation marks",
    "the rules found a source for the quote",
    "log(1 + tokens in the quote)",
    "log(1 + candidates of the quote)",
    "rank by distance among the person, organisation and pronoun candidates",
    "the mention is a neuter pronoun (it, its, this, that, which)",
    "the candidate resolves to no name",
    "the candidate reports the speaker the rules answer (same name or span as speech-verb's)",
)
_NO_NAME = len(NEWS_FEATURES) + len(PATH_FEATURES) - 2
_RULES_ANSWER = len(NEWS_FEATURES) + len(PATH_FEATURES) - 1
NEUTER_PRONOUNS = frozenset(("it", "its", "this", "that", "which"))
DIALOGUE_FEATURES = (
    *(f"the dialogue rules chose it by rule {rule!r}" for rule in RULES),
    "no mention near the quote (proposed by the dialogue rules)",
    "speaker of the previous turn",
    "speaker of two turns before",
    "speaker of three turns before",
    "addressed in the vocative by this quotation",
    "addressed in the vocative by the previous quotation",
    "log(1 + paragraphs since it last spoke), 0 if never",
    "has spoken before",
    "log(1 + paragraphs since it was last named in the narration), 0 if never",
    "the quotation is in a conversation (the paragraph before holds one)",
    "log(1 + the quotation's turn in its conversation)",
    "the text reads as fiction",
)
# The subject a quote's anchor inherits: climbing from the anchor through
# clauses, conjunctions and prepositions to the first predicate with a
# subject (or a noun with a possessor) outside the quote ("Sanders himself
# ... has toned down his criticism, shifting his focus to defeating X":
# Sanders, not "his").
CLIMB_FEATURES = (
    "candidate is the subject the anchor inherits (first subject, agent or possessor climbing up from it)",
    "log(1 + steps climbed from the anchor to that subject), 9 if none",
)
# What kind of anchor and candidate these are, as categories the boosted trees
# split on (``categorical_features``): the anchor's lemma and relation, the
# candidate's relation, each hashed (``_category``) into CATEGORIES - 1
# buckets, 0 meaning none.  Which cue a quote hangs from says much of whether
# it has a source at all ("asked about X", "calls to boycott X": none).
CATEGORY_FEATURES = (
    "the anchor's lemma (category)",
    "the anchor's dependency relation (category)",
    "the candidate's dependency relation (category)",
    "the anchor is passive without an agent",
)
CATEGORIES = 64
# A candidate is scored on its own row: these say what the quote's other
# candidates are, so that a weak reason counts less when another candidate
# has a strong one.
RELATIVE_OF = (
    "chosen by the speech-verb rules",
    "source of some reporting verb, in a sentence of the quote",
    "candidate is the subject of the anchor",
    "candidate is the possessor of the anchor",
    "candidate is the agent (by ...) of the anchor",
    "candidate is the subject of a predicate the anchor depends on (conj, xcomp, advcl, ...)",
    "the candidate reports the speaker the rules answer (same name or span as speech-verb's)",
    CLIMB_FEATURES[0],
)
RELATIVE_FEATURES = (
    *(f"another candidate of the quote: {name}" for name in RELATIVE_OF),
    "log(1 + rank by tokens from the anchor among the quote's candidates in its sentence), 9 if not there",
)
FEATURES = NEWS_FEATURES + PATH_FEATURES + DIALOGUE_FEATURES + CLIMB_FEATURES + CATEGORY_FEATURES + RELATIVE_FEATURES
CATEGORICAL = tuple(FEATURES.index(name) for name in CATEGORY_FEATURES[:3])
# the columns of a candidate that no mention stands for (proposed by the
# dialogue rules): climbed to no subject, no categories, not ranked
_VIRTUAL_TAIL = [0.0, 9.0, 0.0, 0.0, 0.0, 0.0]
# Boosting rounds of the ranker, and the score under which it abstains: an
# answer right with probability p raises micro F1 only when p > F1 / 2, and F1
# is near 0.9 on PolNeAR (held-out part of train: 0.876 answering every quote,
# 0.889 abstaining below 0.45).
ITERATIONS = 250
ABSTAIN_BELOW = 0.45
# Whether to answer a quote at all is a second classifier's call (the
# "abstainer", boosted trees on one row per quote, ``ANSWER_FEATURES``): it
# estimates the probability that the ranker's top candidate is right from
# the top score, the margin over the second, the number of candidates and
# the top candidate's own row (which holds the quote's facts: its anchor and
# the anchor's lemma, quotation marks, length, whether the rules found a
# source).  It learns from out-of-fold ranker scores (``INNER_FOLDS`` folds
# of the training documents, document k in fold k mod INNER_FOLDS), so that
# the scores it sees look like those at test time; predict answers where
# that probability is at least ``abstain_below``.  Only with boosting and
# abstention both on; else the ranker's top score is compared with
# ``abstain_below``.
INNER_FOLDS = 3
ANSWER_ITERATIONS = 100
ANSWER_FEATURES = (
    "the top candidate's score (out-of-fold when training)",
    "the second candidate's score, 0 if none",
    "the margin between the first and the second score",
    "log(1 + candidates of the quote)",
    *(f"top candidate: {name}" for name in FEATURES),
)
_ANSWER_HEAD = 4
# Trees need data: below this many training quotes the ranker is a logistic
# regression (the 19 articles of tests/data/dev_news.jsonl, cross-validated:
# micro F1 0.97 against 0.94 with boosting).
BOOSTING_FROM_QUOTES = 1000
# The share of training quotes with a null speaker from which it abstains at
# all (PolNeAR train: 7%; PDNC: none).
NULL_SPEAKERS_TO_ABSTAIN = 0.01
SENTENCES_BEFORE = 2
SENTENCES_AFTER = 1
# Turns of the conversation a candidate is proposed from.
TURNS_PROPOSED = 3


@dataclass(slots=True)
class QuoteCandidates:
    """One quote's candidates as the model keeps them (no spaCy objects):
    the speaker each would report, the key the dialogue rules know it by,
    and one feature vector each."""

    start: int
    end: int
    speakers: list[Speaker]
    keys: list[str | None]
    vectors: "np.ndarray"  # one row per candidate


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

    def set_quotes(self, targets: Sequence[Target]) -> None:
        """The token ranges of every quote of the document (a candidate inside
        another quote is a nested source or a quoted name)."""
        self.quote_ranges = []
        for t in targets:
            span = self.doc.char_span(t.start, t.end, alignment_mode="expand")
            if span is not None and len(span):
                self.quote_ranges.append((span.start, span.end))

    def _in_other_quote(self, head: int, first: int, last: int) -> bool:
        return any(a <= head < b and (a, b) != (first, last) for a, b in self.quote_ranges)

    def news_rows(self, target: Target) -> tuple[list[int], list[list[float]], list[list[float]]]:
        """The window's candidates, the news and path features of each, and
        the climb and anchor-rank facts of each (:func:`_climb_rows`)."""
        indices, first, last, s_first, s_last = self.window(target)
        rule = rule_source(self.doc, target)
        anchor = _anchor(self.doc, target, first, last)
        anchor_chain = _chain(anchor) if anchor is not None else {}
        anchor_is_cue = anchor is not None and is_cue(anchor)
        source_like = sorted(
            (i for i in indices if self.candidates[i].label in ("PERSON", "ORG", "PRON")),
            key=lambda i: (abs(self.heads[i] - first) if self.heads[i] < first else abs(self.heads[i] - last + 1), self.heads[i]),
        )
        source_rank = {i: k for k, i in enumerate(source_like)}
        quote_rows = [
            float(quoted := is_in_quotation_marks(doc_text(self.doc), target.start, target.end)),
            float(rule is not None),
            math.log1p(max(0, last - first)),
            math.log1p(len(indices)),
        ]
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
                    *_path_vector(token, anchor, anchor_chain, anchor_is_cue, first),
                    math.log1p(len(self.doc.char_span(m.start, m.end, alignment_mode="expand") or ())),
                    float(self._in_other_quote(head, first, last)),
                    *quote_rows,
                    math.log1p(source_rank.get(i, len(source_like))),
                    float(token.lower_ in NEUTER_PRONOUNS),
                    0.0,  # no name: set by candidates_of from the speaker it reports
                    0.0,  # the rules' answer: set by candidates_of
                ]
            )
        return indices, vectors, _climb_rows(self.doc, anchor, [self.heads[i] for i in indices], first, last)


_CLAUSE_DEPS = frozenset(("xcomp", "advcl", "ccomp", "acl", "relcl", "parataxis"))
_PREPOSITION_DEPS = frozenset(("prep", "pcomp", "pobj", "agent"))
_OBJECT_DEPS = frozenset(("dobj", "dative", "iobj", "attr", "oprd"))


def _anchor(doc: "Doc", target: Target, first: int, last: int) -> "Token | None":
    """The token a quote hangs from: its cue by the rules, else the token
    outside the quote that governs the quote's highest token, else a verb
    outside it that hangs from the quote ("…, he said" parsed as parataxis)."""
    cue = target.found.cue if target.found is not None else None
    if cue is None:
        cue = cue_of_span(doc, target.start, target.end, fragments=target.fragments, sentence_window=False)
    if cue is not None:
        return cue
    best: tuple[int, int] | None = None
    for t in doc[first:last]:
        h = t.head
        if h.i != t.i and not first <= h.i < last:
            depth = sum(1 for _ in t.ancestors)
            if best is None or depth < best[0]:
                best = (depth, h.i)
    if best is not None:
        return doc[best[1]]
    outside = [c for t in doc[first:last] for c in t.children if not first <= c.i < last and c.pos_ in ("VERB", "AUX")]
    return min(outside, key=lambda c: min(abs(c.i - first), abs(c.i - last))) if outside else None


_CLIMB_DEPS = _CLAUSE_DEPS | _PREPOSITION_DEPS | {"conj"}
_CLIMB_STEPS = 6


def _inherited_subject(anchor: "Token", first: int, last: int) -> tuple[int | None, int]:
    """The token index of the subject the anchor inherits and the steps
    climbed to it: the anchor's own subject (or agent, or for a noun its
    possessor) outside the quote, else its head's when the anchor hangs from
    it by a clause, conjunction or preposition, up to ``_CLIMB_STEPS``."""
    node, steps = anchor, 0
    while True:
        for child in node.children:
            if first <= child.i < last:
                continue
            if child.dep_ in NOMINAL_SUBJECT_DEPS or (child.dep_ == "poss" and node.pos_ in ("NOUN", "PROPN")):
                return child.i, steps
            if child.dep_ == "agent":
                objects = [g.i for g in child.children if g.dep_ == "pobj"]
                if objects:
                    return objects[0], steps
        if node.dep_ not in _CLIMB_DEPS or node.head.i == node.i or steps >= _CLIMB_STEPS:
            return None, steps
        node, steps = node.head, steps + 1


def _category(value: str) -> float:
    """A stable bucket in 1 .. CATEGORIES - 1 of a string (0: none)."""
    return float(1 + zlib.crc32(value.encode("utf-8")) % (CATEGORIES - 1))


def _climb_rows(doc: "Doc", anchor: "Token | None", heads: list[int], first: int, last: int) -> list[list[float]]:
    """Per candidate head: :data:`CLIMB_FEATURES`, :data:`CATEGORY_FEATURES`,
    then its rank by tokens from the anchor among the candidates of the
    anchor's sentence (the last column of :data:`RELATIVE_FEATURES`)."""
    if anchor is None:
        return [[0.0, 9.0, 0.0, 0.0, _category(doc[h].dep_), 0.0, 9.0] for h in heads]
    subject, steps = _inherited_subject(anchor, first, last)
    children = {c.dep_ for c in anchor.children}
    passive = float(bool(children & {"auxpass", "nsubjpass"}) and "agent" not in children)
    anchor_lemma, anchor_dep = _category(anchor.lemma_.lower()), _category(anchor.dep_)
    sentence = anchor.sent
    near = sorted((abs(h - anchor.i), h) for h in heads if sentence.start <= h < sentence.end and h != anchor.i)
    rank = {h: k for k, (_, h) in enumerate(near)}
    return [
        [float(subject is not None and h == subject), math.log1p(steps) if subject is not None else 9.0,
         anchor_lemma, anchor_dep, _category(doc[h].dep_), passive,
         math.log1p(rank[h]) if h in rank else 9.0]
        for h in heads
    ]


def _relative_columns(rows: list[list[float]]) -> list[list[float]]:
    """:data:`RELATIVE_FEATURES` but the last, per candidate: whether another
    candidate of the same quote has each feature of :data:`RELATIVE_OF`."""
    columns = [FEATURES.index(name) for name in RELATIVE_OF]
    totals = [sum(row[c] > 0 for row in rows) for c in columns]
    return [[float(total - (row[c] > 0) > 0) for c, total in zip(columns, totals)] for row in rows]


def _chain(token: "Token") -> dict[int, int]:
    """Each ancestor of ``token`` (itself included) and its steps up."""
    chain = {token.i: 0}
    for k, a in enumerate(token.ancestors, start=1):
        chain[a.i] = k
    return chain


def _path_vector(token: "Token", anchor: "Token | None", anchor_chain: dict[int, int], anchor_is_cue: bool, first: int) -> list[float]:
    """The path features (:data:`PATH_FEATURES` up to the mention length) of
    the candidate headed by ``token``."""
    dep = token.dep_
    own = [
        float(dep in NOMINAL_SUBJECT_DEPS),
        float(dep == "poss"),
        float(dep == "pobj"),
        float(dep in ("appos", "compound")),
        float(dep in NOMINAL_SUBJECT_DEPS and token.head.dep_ == "ROOT"),
    ]
    if anchor is None:
        return [0.0] * 6 + [9.0, 9.0] + [0.0] * 8 + own + [math.log1p(len(token.doc))]
    up, lca = 9, None
    if token.sent.start == anchor.sent.start:
        node, k = token, 0
        while node.i not in anchor_chain and node.head.i != node.i:
            node, k = node.head, k + 1
        if node.i in anchor_chain:
            up, lca = k, node
    down = anchor_chain[lca.i] if lca is not None else 9
    via = []
    if lca is not None:
        node = anchor
        while node.i != lca.i:
            via.append(node.dep_)
            node = node.head
    head = token.head
    agent = dep == "pobj" and head.dep_ == "agent" and head.head.i == anchor.i
    inherited = (
        lca is not None and dep in NOMINAL_SUBJECT_DEPS and up == 1 and down > 0
        and all(d in _CLAUSE_DEPS or d in _PREPOSITION_DEPS or d == "conj" for d in via)
    )
    return [
        1.0,
        float(anchor_is_cue),
        float(anchor.pos_ in ("VERB", "AUX")),
        float(anchor.pos_ in ("NOUN", "PROPN")),
        float(anchor.i < first),
        float(token.sent.start == anchor.sent.start),
        float(min(up, 9)),
        float(min(down, 9)),
        float(dep in NOMINAL_SUBJECT_DEPS and head.i == anchor.i),
        float(dep == "poss" and head.i == anchor.i),
        float(agent),
        float(dep in _OBJECT_DEPS and head.i == anchor.i),
        float(inherited),
        float("conj" in via),
        float(any(d in _CLAUSE_DEPS for d in via)),
        float(any(d in _PREPOSITION_DEPS for d in via)),
        *own,
        math.log1p(abs(token.i - anchor.i)),
    ]


def _features(doc: "Doc") -> _DocumentFeatures:
    cached = doc.user_data.get("quotebench.learned_features")
    if cached is None:
        cached = _DocumentFeatures(doc)
        doc.user_data["quotebench.learned_features"] = cached
    return cached


class _Dialogue:
    """Where each speaker stands in the conversation at each quotation: the
    dialogue rules' results over the document's targets, walked once."""

    def __init__(self, conversation: Conversation, attributions: list[Attribution]):
        self.conversation = conversation
        self.attributions = attributions
        self.fiction = conversation.fiction
        paragraphs = conversation.quote_paragraph
        # per quotation: the speakers of the last turns (paragraphs) before its own, latest first
        self.previous_turns: list[list[str | None]] = []
        self.last_spoke: list[dict[str, int]] = []
        self.turn_index: list[int] = []
        self.previous_addressees: list[frozenset[str]] = []
        turns: list[tuple[int, str | None]] = []
        spoke: dict[str, int] = {}
        run = 0
        for k, (p, a) in enumerate(zip(paragraphs, attributions)):
            earlier = [t for t in turns if t[0] < p]
            if earlier and earlier[-1][0] == p - 1:
                run_at = run
            else:
                run_at = 0
            self.previous_turns.append([s for _, s in reversed(earlier[-TURNS_PROPOSED:])])
            self.last_spoke.append(dict(spoke))
            self.turn_index.append(run_at)
            self.previous_addressees.append(attributions[k - 1].addressees if k > 0 and paragraphs[k - 1] < p else frozenset())
            if not turns or turns[-1][0] != p:
                run = run_at + 1
                turns.append((p, a.key))
            elif a.key is not None and turns[-1][1] is None:
                turns[-1] = (p, a.key)
            if a.key is not None:
                spoke[a.key] = p

    def proposed(self, k: int) -> list[str]:
        """Speakers the dialogue rules put forward for quotation ``k``."""
        keys = [self.attributions[k].key, *self.previous_turns[k], *sorted(self.previous_addressees[k])]
        return [key for key in dict.fromkeys(keys) if key is not None]

    def vector(self, k: int, key: str | None, virtual: bool) -> list[float]:
        a = self.attributions[k]
        p = self.conversation.quote_paragraph[k]
        turns = self.previous_turns[k] + [None] * TURNS_PROPOSED
        spoke = self.last_spoke[k].get(key) if key is not None else None
        named = None
        if key is not None and key in self.conversation.cast.characters:
            span = self.conversation.cast.last_mention(key, self.conversation.quotes[k][0])
            if span is not None and span[0] < self.conversation.quotes[k][0]:
                named = p - self.conversation.paragraph_of(span[0])
        return [
            *(float(key is not None and a.key == key and a.rule == rule) for rule in RULES),
            float(virtual),
            float(key is not None and turns[0] == key),
            float(key is not None and turns[1] == key),
            float(key is not None and turns[2] == key),
            float(key is not None and key in a.addressees),
            float(key is not None and key in self.previous_addressees[k]),
            math.log1p(p - spoke) if spoke is not None else 0.0,
            float(spoke is not None),
            math.log1p(named) if named is not None else 0.0,
            float(self.turn_index[k] > 0),
            math.log1p(self.turn_index[k]),
            float(self.fiction),
        ]


def candidates_of(item: ModelInput, targets: list[Target]) -> list[QuoteCandidates]:
    """Every target's candidates, in the targets' order."""
    doc = item.doc
    features = _features(doc)
    features.set_quotes(targets)
    conversation = conversation_of(item, targets)
    dialogue = _Dialogue(conversation, conversation.attribute())
    out = []
    for k, target in enumerate(targets):
        indices, vectors, climbs = features.news_rows(target)
        speakers, keys, rows, ranks = [], [], [], []
        seen: set[str] = set()
        answer = dialogue.attributions[k].speaker
        answer_name = normalize_name(answer.name) if answer is not None else None
        answered = False
        for i, news, climb in zip(indices, vectors, climbs):
            key, speaker = conversation.speaker_of(doc[features.heads[i]], dialogue.proposed(k))
            key = key or None
            news[_NO_NAME] = float(not speaker.name.strip())
            speakers.append(_named(speaker, doc))
            keys.append(key)
            is_answer = answer is not None and (
                (speaker.start, speaker.end) == (answer.start, answer.end) or (bool(answer_name) and normalize_name(speaker.name) == answer_name)
            )
            answered = answered or is_answer
            news[_RULES_ANSWER] = float(is_answer)
            rows.append(news + dialogue.vector(k, key, virtual=False) + climb[:-1])
            ranks.append(climb[-1])
            if key is not None:
                seen.add(key)
        if answer is not None and not answered:
            # the rules' own answer is always a candidate, also where no
            # mention of it stands near the quote
            key = dialogue.attributions[k].key
            speakers.append(_named(answer, doc))
            keys.append(key)
            row = [0.0] * (len(NEWS_FEATURES) + len(PATH_FEATURES))
            row[_RULES_ANSWER] = 1.0
            rows.append(row + dialogue.vector(k, key, virtual=True) + _VIRTUAL_TAIL)
            ranks.append(9.0)
            if key is not None:
                seen.add(key)
        for key in dialogue.proposed(k):
            if key in seen:
                continue
            speaker = conversation._reported(key, target.start, {}) if key in conversation.cast.characters else None
            if speaker is None:
                continue
            speakers.append(speaker)
            keys.append(key)
            rows.append([0.0] * (len(NEWS_FEATURES) + len(PATH_FEATURES)) + dialogue.vector(k, key, virtual=True) + _VIRTUAL_TAIL)
            ranks.append(9.0)
        rows = [row + relative + [rank] for row, relative, rank in zip(rows, _relative_columns(rows), ranks)]
        # float32 rows: a novel's quotes keep hundreds of thousands of them
        out.append(QuoteCandidates(target.start, target.end, speakers, keys, np.asarray(rows, dtype=np.float32).reshape(len(rows), len(FEATURES))))
    return out


def _best(scores: "np.ndarray") -> int:
    """The candidate answered: the highest score, the first one on a tie."""
    return max(range(len(scores)), key=lambda k: (scores[k], -k))


def answer_rows(scores: Sequence["np.ndarray"], vectors: Sequence["np.ndarray"]) -> "np.ndarray":
    """One row of ``ANSWER_FEATURES`` per quote, from its candidates' scores
    and feature rows."""
    rows = np.zeros((len(scores), len(ANSWER_FEATURES)), dtype=np.float32)
    for q, (s, v) in enumerate(zip(scores, vectors)):
        best = _best(s)
        top = float(s[best])
        second = float(np.max(np.delete(s, best))) if len(s) > 1 else 0.0
        rows[q, :_ANSWER_HEAD] = (top, second, top - second, math.log1p(len(s)))
        rows[q, _ANSWER_HEAD:] = v[best]
    return rows


def _named(speaker: Speaker, doc: "Doc") -> Speaker:
    """``speaker``, named by its mention as written when it resolves to no
    name: an empty name abstains (SPEC section 3), and a mention that
    resolves to no character of a closed cast (PDNC's "the stranger") has
    none, so that a ranker trained never to abstain abstained on it (604
    quotations of PDNC's test novels)."""
    if speaker.name.strip():
        return speaker
    return Speaker(doc_text(doc)[speaker.start : speaker.end], speaker.start, speaker.end)


def _targets_of_spans(quotes: Sequence[QuoteSpan]) -> list[Target]:
    return sorted(
        (Target(q.start, q.end, {"quote_id": q.id}, [(f.start, f.end) for f in q.fragments] if q.fragments else None)
         for q in quotes),
        key=lambda t: (t.start, t.end),
    )


class _Credit:
    """Which candidates the scorer would credit to a gold speaker (entity
    mode): a name that resolves to one entity of the document through its
    aliases, else a span overlapping that entity's mentions or the gold
    speaker mention."""

    def __init__(self, document: Document):
        self.owners: dict[str, set[str]] = {}
        for e in document.entities:
            for name in (e.name, *e.aliases):
                self.owners.setdefault(normalize_name(name), set()).add(e.id)
        self.mentions = {e.id: [(m.start, m.end) for m in e.mentions] for e in document.entities}

    def credited(self, speaker: Speaker, gold_speaker: str, gold_mention) -> bool:
        if gold_mention is not None and speaker.start < gold_mention.end and gold_mention.start < speaker.end:
            return True
        owners = self.owners.get(normalize_name(speaker.name), set())
        if len(owners) == 1:
            return gold_speaker in owners
        return any(speaker.start < b and a < speaker.end for a, b in self.mentions.get(gold_speaker, ()))


@register("learned")
class LearnedRanker:
    needs_spacy = True

    def __init__(self, seed: int = 0, models_dir: str | Path = MODELS_DIR, iterations: int = ITERATIONS,
                 abstain_below: float = ABSTAIN_BELOW):
        self.iterations = iterations
        self.abstain_below = abstain_below
        # the score under which predict abstains: abstain_below, or 0 when the
        # training quotes never had a null speaker to learn it from
        self.threshold = abstain_below
        self.seed = seed
        self.models_dir = Path(models_dir)
        self.classifier = None
        # P(the top candidate is right) from ``answer_rows``, or None
        self.abstainer = None
        self.detector: QuoteDetector | None = None
        self.detector_report: dict[str, Any] | None = None
        self._detector_documents: list[TrainingDocument] = []
        self._training_sha256 = ""

    def featurize(self, item: ModelInput, quotes: list[QuoteSpan]) -> dict[str, Any]:
        """What the model keeps of a document instead of its Doc: the
        candidates of its gold quotes (to learn from) and of the quotes it
        would attribute in ``item``'s track (to predict)."""
        gold = candidates_of(item, _targets_of_spans(quotes))
        if item.quotes is not None:
            return {"gold": gold, "targets": None, "detector": _detector_data(item, quotes)}
        targets = quotes_to_attribute(item, "end-to-end")
        return {"gold": gold, "targets": (targets_fields(targets), candidates_of(item, targets))}

    def _targets(self, item: ModelInput, track: str) -> list[Target]:
        """The quotes to attribute: in the end-to-end track those of the
        learned detector when it beat the rule-based finder on the training
        documents (trained on first use, then saved), else the rules'."""
        if track == "end-to-end" and self._detector_documents and self.classifier is not None:
            if self.detector_report is None:
                self.detector, self.detector_report = train_detector(
                    self._detector_documents, self._training_sha256, seed=self.seed, models_dir=self.models_dir
                )
            if self.detector is not None:
                # with the cue of the rule quote each shares most with, so that the rules' source finding applies
                return found_targets(self.detector.find_quotes(item.doc))
        return quotes_to_attribute(item, track)

    def fit(self, items: list[ModelInput], documents: list[Document]) -> "LearnedRanker":
        """Train on the gold quotes of ``documents`` (parsed in ``items``, or
        featurized by :meth:`featurize`)."""
        from sklearn.linear_model import LogisticRegression
        from threadpoolctl import threadpool_limits

        X: list[Any] = []
        y: list[int] = []
        # every quote with candidates, for the abstainer: (document index,
        # vectors, which candidates are right), and which X blocks are whose
        quotes: list[tuple[int, "np.ndarray", "np.ndarray"]] = []
        block_document: list[int] = []
        n_quotes = n_null = 0
        self._detector_documents = []
        self._training_sha256 = training_sha256(documents)
        self.detector, self.detector_report = None, None
        for index, (item, document) in enumerate(zip(items, documents)):
            if item.features is not None and item.features.get("detector") is not None:
                self._detector_documents.append(item.features["detector"])
            elif item.doc is not None:
                self._detector_documents.append(_detector_data(item, [QuoteSpan(q.id, q.start, q.end) for q in document.quotes]))
            if item.features is not None:
                kept = {(c.start, c.end): c for c in item.features["gold"]}
                spans = [QuoteSpan(q.id, q.start, q.end) for q in document.quotes]
                candidates = [kept.get((q.start, q.end)) for q in document.quotes]
            else:
                spans = [QuoteSpan(q.id, q.start, q.end, tuple(q.fragments) if q.fragments else None) for q in document.quotes]
                targets = _targets_of_spans(spans)
                by_span = {(c.start, c.end): c for c in candidates_of(item, targets)}
                candidates = [by_span.get((q.start, q.end)) for q in document.quotes]
            credit = _Credit(document)
            for quote, found in zip(document.quotes, candidates):
                if found is None or not len(found.vectors):
                    continue
                n_quotes += 1
                if quote.speaker is None:
                    n_null += 1
                    # the text names no source ("appeared", "is widely viewed
                    # as"): every candidate is wrong, which teaches the
                    # scores to stay below ``abstain_below`` there
                    X.append(found.vectors)
                    block_document.append(index)
                    y.extend([0] * len(found.vectors))
                    quotes.append((index, found.vectors, np.zeros(len(found.vectors), dtype=bool)))
                    continue
                labels = [int(credit.credited(s, quote.speaker, quote.speaker_mention)) for s in found.speakers]
                # answering where no candidate is the speaker is wrong: the
                # abstainer learns from these quotes too
                quotes.append((index, found.vectors, np.asarray(labels, dtype=bool)))
                if not any(labels):
                    continue  # no candidate is the speaker: nothing to rank
                X.append(found.vectors)
                block_document.append(index)
                y.extend(labels)
        self.classifier = None
        self.abstainer = None
        # A corpus whose every quote has a speaker (PDNC) teaches no
        # abstention: its scores are low where the answer is hard, not where
        # there is none (held-out PDNC novels: recall 0.62 abstaining below 0.45).
        self.threshold = self.abstain_below if n_null >= NULL_SPEAKERS_TO_ABSTAIN * max(1, n_quotes) else 0.0
        if len(set(y)) == 2:
            if len(X) >= BOOSTING_FROM_QUOTES:
                # one thread: on a shared machine OpenMP's threads wait on
                # each other (200 rounds took 8 minutes with all cores, 2 with one)
                with threadpool_limits(1):
                    self.classifier = self._ranker().fit(np.vstack(X), y)
                    if self.threshold > 0:
                        self.abstainer = self._fit_abstainer(X, y, block_document, quotes)
            else:
                self.classifier = LogisticRegression(max_iter=3000, random_state=self.seed).fit(np.vstack(X), y)
        return self

    def _ranker(self):
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(max_iter=self.iterations, random_state=self.seed, categorical_features=list(CATEGORICAL))

    def _fit_abstainer(self, X: list[Any], y: list[int], block_document: list[int], quotes: list[tuple[int, Any, Any]]):
        """The abstainer, trained on the scores that rankers fitted without
        each quote's document give its candidates (``INNER_FOLDS`` folds by
        document); None when a fold or its labels are too thin to learn
        from."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        block_fold = np.asarray(block_document) % INNER_FOLDS
        bounds = np.cumsum([0] + [len(b) for b in X])
        labels = np.asarray(y)
        scores: list[Any] = [None] * len(quotes)
        for fold in range(INNER_FOLDS):
            train = np.flatnonzero(block_fold != fold)
            held = [k for k, (index, _, _) in enumerate(quotes) if index % INNER_FOLDS == fold]
            rows = np.concatenate([np.arange(bounds[b], bounds[b + 1]) for b in train]) if len(train) else np.zeros(0, int)
            if not held or len(set(labels[rows].tolist())) < 2:
                return None
            ranker = self._ranker().fit(np.vstack([X[b] for b in train]), labels[rows])
            held_scores = ranker.predict_proba(np.vstack([quotes[k][1] for k in held]))[:, 1]
            offset = 0
            for k in held:
                n = len(quotes[k][1])
                scores[k] = held_scores[offset : offset + n]
                offset += n
        right = [bool(ok[_best(s)]) for s, (_, _, ok) in zip(scores, quotes)]
        if len(set(right)) < 2:
            return None
        categorical = [_ANSWER_HEAD + c for c in CATEGORICAL]
        return HistGradientBoostingClassifier(max_iter=ANSWER_ITERATIONS, random_state=self.seed, categorical_features=categorical).fit(
            answer_rows(scores, [v for _, v, _ in quotes]), right
        )

    def predict(self, item: ModelInput, track: str) -> list[dict[str, Any]]:
        if item.features is not None:
            if track == "attribution":
                targets = quotes_to_attribute(item, track)
                kept = {(c.start, c.end): c for c in item.features["gold"]}
                found = [kept.get((t.start, t.end)) for t in targets]
            else:
                fields, found = item.features["targets"]
                targets = [Target(f["start"], f["end"], f) for f in fields]
        else:
            targets = self._targets(item, track)
            found = candidates_of(item, targets)
        scored = [c for c in found if c is not None and len(c.vectors)]
        all_scores = None
        if self.classifier is not None and scored:
            from threadpoolctl import threadpool_limits

            # one call for the whole document: a call per quote costs more
            # than the trees
            with threadpool_limits(1):
                all_scores = self.classifier.predict_proba(np.vstack([c.vectors for c in scored]))[:, 1]
        per_quote, offset = [], 0
        for candidates in found:
            if all_scores is not None and candidates is not None and len(candidates.vectors):
                per_quote.append(all_scores[offset : offset + len(candidates.vectors)])
                offset += len(candidates.vectors)
            else:
                per_quote.append(None)
        # the score each quote's answer is held to the threshold by: the
        # abstainer's probability that the top candidate is right, else the
        # top candidate's own score
        confidence = [float(s[_best(s)]) if s is not None else 0.0 for s in per_quote]
        answered = [q for q, s in enumerate(per_quote) if s is not None]
        if self.abstainer is not None and self.threshold > 0 and answered:
            from threadpoolctl import threadpool_limits

            with threadpool_limits(1):
                p = self.abstainer.predict_proba(answer_rows([per_quote[q] for q in answered], [found[q].vectors for q in answered]))[:, 1]
            for q, value in zip(answered, p):
                confidence[q] = float(value)
        rows = []
        for target, candidates, scores, value in zip(targets, found, per_quote, confidence):
            speaker = None
            if scores is not None and value >= self.threshold:
                speaker = candidates.speakers[_best(scores)]
            rows.append(speaker_row(item.doc_id, target, speaker))
        return rows


def _detector_data(item: ModelInput, quotes: Sequence[QuoteSpan]) -> TrainingDocument:
    return training_document(item.doc, [(q.start, q.end) for q in quotes])


def targets_fields(targets: list[Target]) -> list[dict[str, Any]]:
    return [dict(t.fields) for t in targets]
