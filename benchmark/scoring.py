"""Scoring a submission against the gold set (SPEC section 4).

The whole rule, in the order it is applied:

1. **Pairing quotes.**  Attribution track: a prediction is paired with the
   gold quote of its ``quote_id``.  End-to-end track: predictions and gold
   quotes of the same document are paired one-to-one so that the total number
   of shared characters is as large as possible (``scipy.optimize.
   linear_sum_assignment``), among the pairs that pass the match criterion:

   - ``overlap``: shared / max(len(prediction), len(gold)) >= ``min_overlap``;
   - ``exact``: both spans are equal after trimming white space, punctuation
     and quotation marks from both ends of each.

   *Fragments.*  A gold quote with ``fragments`` ("…,” he said, “…") is its
   fragments: shared characters are counted over the fragments only, and its
   length is the sum of their lengths, so the reporting clause between them is
   neither required nor credited.  ``exact`` compares a prediction with the
   gold quote's whole start-end span (a prediction is one span, it cannot
   equal two).  *Ties.*  Among the pairings with the most shared
   characters, the first in text order is taken: each prediction in turn
   (by start, then end) is paired with the earliest gold quote (in the gold
   file's order) with which the most shared characters can still be reached,
   or left unmatched when none allows it.  The order of the file's lines
   never matters.

2. **Resolving the predicted speaker** (``speaker_match``), per prediction
   that does not abstain, within its own document:

   - ``entity``: by *name* (the normalised ``speaker`` equals the normalised
     ``name`` or an alias of an entity of the document, see
     :func:`benchmark.names.normalize_name`) or by *span*
     (``speaker_start``/``speaker_end`` overlaps a mention of an entity; the
     entity sharing the most characters with it, no entity on a tie).  When
     the name resolves to one entity, the name decides, whatever the span
     says: the name is what the model claims.  When the name matches no
     entity ("he", "the spokesman") the span decides.  When the name matches
     several entities ("Smith" for two Smiths) the span picks among them; if
     it does not, the prediction is unresolved.  A pronoun is therefore
     credited through its span, never by its name.
   - ``mention``: by span only: correct when the speaker span overlaps the
     gold quote's ``speaker_mention`` (a gold quote without one cannot be
     credited); otherwise the prediction resolves to the entity whose mention
     its span overlaps most.
   - ``name``: correct when the normalised ``speaker`` equals the normalised
     ``name`` of the gold speaker (aliases do not count); otherwise it
     resolves to the document's entity of that exact name.

   A prediction that resolves to no entity counts as ``<unresolved>``.

3. **Counting.**  For a speaker S (a gold entity id, across documents):

   - ``tp``: gold quotes whose speaker is S, paired with a prediction that is
     credited to S;
   - ``predicted``: predictions that do not abstain and resolve to S, paired
     or not (an unmatched prediction counts against the speaker it names);
   - ``gold``: gold quotes whose speaker is S;
   - precision = tp / predicted, recall = tp / gold, F1 = 2 tp / (predicted +
     gold), each 0.0 when its denominator is 0 (scikit-learn's
     ``zero_division=0``).

   A prediction that abstains (``speaker`` null or empty) is in no count: it
   costs recall, not precision; a gold quote with no prediction costs recall
   the same way.  Gold quotes without a speaker are in no speaker's ``gold``;
   a prediction naming a speaker for one counts in that speaker's
   ``predicted``.
   **Micro** pools the counts: precision's denominator is every prediction
   that does not abstain (unmatched and unresolved included), recall's every
   gold quote with a speaker.  **Macro** is the unweighted mean of the
   per-speaker precision, recall and F1 over gold speakers (speakers with at
   least one gold quote).
   **Detection** (end-to-end only, speakers ignored): precision = paired
   predictions / all prediction rows, recall = paired gold quotes / all gold
   quotes.  **Recall by type**: tp / gold quotes with a speaker, per gold
   quote type (end-to-end also gives detection recall per type).
   **By attribute** (``by``, ``score --by NAME``), per value v of the gold
   quotes' ``attributes[NAME]``: a quote counts under each element of a
   list value, under the value itself otherwise (strings as written, other
   JSON values as JSON text), and under ``(none)`` when it lacks the
   attribute or it is null or an empty list.  ``tp``: gold quotes with v
   credited to their speaker; ``gold``: gold quotes with v that have a
   speaker; ``predicted``: predictions that do not abstain and are paired
   with a gold quote with v; recall = tp / gold, precision = tp /
   predicted, F1 = 2 tp / (predicted + gold).  An unmatched prediction has
   no value and is in no value's precision, so the per-value precisions are
   not the micro precision split up (in the attribution track every
   prediction is paired, and they are).

4. **Uncertainty.**  A 95% percentile bootstrap interval for micro P/R/F1.
   The resampling units are documents when the gold set has several, gold
   quotes otherwise (an unmatched prediction then belongs to the gold quote
   whose midpoint is nearest to its own, the earlier on a tie).  Units are
   drawn with replacement, ``n_bootstrap`` times, from
   ``numpy.random.default_rng(seed)``.  Since the micro figures depend only
   on the summed counts, units with identical (tp, predicted, gold) counts are
   interchangeable, and a resample is drawn as multinomial counts over the
   distinct count triples: the same distribution as drawing units one by one,
   at a cost independent of the number of quotes.
"""

from __future__ import annotations

import json
import operator
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import repeat
from typing import Any, Callable, Sequence, TypedDict

import numpy as np

from benchmark import __version__
from benchmark.contract import MATCH_MODES, SPEAKER_MODES, TRACKS, UNRESOLVED
from benchmark.errors import UsageError
from benchmark.gold import QUOTE_MARKS, QUOTE_TYPES, Document, GoldSet
from benchmark.gold_cache import GoldColumns
from benchmark.names import normalize_name
from benchmark.submission import Predictions

__all__ = ["MATCH_MODES", "SPEAKER_MODES", "UNRESOLVED", "NO_VALUE", "ScoreResult", "score", "signature", "format_result"]

CI_LEVEL = 0.95
NO_VALUE = "(none)"
"""The value under which ``--by`` counts a quote that lacks the attribute."""


# --------------------------------------------------------------------------
# The result, as declared types (what the leaderboard, the report and
# ``compare`` read)


class Figures(TypedDict):
    precision: float
    recall: float
    f1: float


class CountedFigures(Figures):
    tp: int
    predicted: int  # predictions that do not abstain
    gold: int  # gold quotes with a speaker


class SpeakerRow(CountedFigures):
    speaker: str  # gold entity id, or UNRESOLVED
    name: str


class Interval(TypedDict):
    level: float
    n_bootstrap: int
    seed: int
    unit: str  # "document" or "quote"
    precision: list[float] | None  # [low, high]; None when n_bootstrap is 0
    recall: list[float] | None
    f1: list[float] | None


class Detection(Figures):
    matched: int
    predicted: int  # all prediction rows
    gold: int  # all gold quotes


class TypeRecall(TypedDict, total=False):
    recall: float
    tp: int
    gold: int
    detection_recall: float  # end-to-end only, as the next two
    detected: int
    n_quotes: int


class AttributeRow(CountedFigures):
    value: str
    n_quotes: int  # gold quotes with this value, with a speaker or not


class Unit(TypedDict):
    unit: str  # a doc_id, or a quote_id when the gold set has one document
    tp: int
    predicted: int
    gold: int


class Settings(TypedDict):
    match: str | None  # end-to-end only
    min_overlap: float | None  # end-to-end with match "overlap" only
    speaker_match: str
    n_bootstrap: int
    seed: int


class QuoteOutcome(TypedDict, total=False):
    doc_id: str
    quote_id: str
    type: str
    gold_speaker: str | None
    predicted_speaker: str | None
    resolved_speaker: str | None
    matched: bool
    correct: bool
    predicted_start: int | None  # end-to-end only, as predicted_end
    predicted_end: int | None


class UnmatchedPrediction(TypedDict):
    doc_id: str
    start: int
    end: int
    speaker: str | None
    resolved_speaker: str | None
    line: int


class ScoreResult(TypedDict):
    """What :func:`score` returns (and ``score --json`` writes)."""

    model: str
    track: str
    signature: str
    gold_sha256: str
    benchmark_version: str
    settings: Settings
    n_documents: int
    n_gold: int
    n_gold_with_speaker: int
    n_predicted: int
    n_abstained: int
    micro: CountedFigures
    macro: Figures
    per_speaker: list[SpeakerRow]
    ci: Interval
    detection: Detection | None  # end-to-end only
    recall_by_type: dict[str, TypeRecall]
    by_attribute: dict[str, list[AttributeRow]]  # one list per attribute asked for with ``by``
    units: list[Unit]
    quotes: list[QuoteOutcome]
    unmatched_predictions: list[UnmatchedPrediction]  # end-to-end only
    warnings: list[str]


_PAIR_BLOCK = 1 << 17  # spans per block in _overlapping_pairs
_REPORT_BLOCK = 1 << 16  # gold quotes per block in _error_report

# Codes of a name resolution; entity indices are >= 0.
_ABSTAIN = -1
_NO_MATCH = -2
_AMBIGUOUS = -3


# --------------------------------------------------------------------------
# The gold set as arrays


class _GoldIndex:
    """The gold set's columns over one global character axis: document d's
    offsets are shifted by ``base[d]`` (the lengths of the texts before it,
    plus one separator each), so spans of different documents never overlap
    and every overlap test runs once over the whole set."""

    def __init__(self, gold: GoldSet | GoldColumns):
        if not isinstance(gold, GoldColumns):
            gold = GoldColumns.from_gold(gold)
        self.gold = gold
        self.n_documents = len(gold.doc_ids)
        self.doc_ids = gold.doc_ids
        self.doc_index = {doc_id: i for i, doc_id in enumerate(gold.doc_ids)}
        lengths = gold.text_length
        self.base = np.concatenate(([0], np.cumsum(lengths + 1)[:-1])).astype(np.int64)

        # entities: ids are global, names are looked up per document
        self.entity_ids = gold.entity_ids
        self.n_entities = len(gold.entity_ids)
        _, first_row = np.unique(gold.e_entity, return_index=True)  # each entity's first row
        self.entity_names = [gold.e_name[row] for row in first_row.tolist()]
        self._name_tables: dict[bool, tuple] = {}
        self._vocabulary: dict[str, int] | None = None
        self._raw_vocabulary: dict[str, int] = {}
        mention_base = self.base[gold.e_doc[gold.m_row]]
        self.m_start = gold.m_start + mention_base
        self.m_end = gold.m_end + mention_base
        self.m_entity = gold.e_entity[gold.m_row]

        # quotes, in gold order
        self.n_quotes = gold.n_quotes
        self.q_doc = gold.q_doc
        q_base = self.base[gold.q_doc]
        self.quote_ids = gold.q_id
        self.q_start = gold.q_start + q_base
        self.q_end = gold.q_end + q_base
        self.q_speaker = gold.q_speaker
        self.q_type = gold.q_type
        has_mention = gold.q_mention_start >= 0
        self.q_mention = (np.where(has_mention, gold.q_mention_start + q_base, -1), np.where(has_mention, gold.q_mention_end + q_base, -1))

        # the pieces that make up each quote's content: its fragments, or its span
        self.has_fragments = len(gold.f_quote) > 0
        if not self.has_fragments:
            self.p_start, self.p_end = self.q_start, self.q_end
            self.p_quote = np.arange(self.n_quotes, dtype=np.int64)
            self.q_len = self.q_end - self.q_start
        else:
            whole = np.ones(self.n_quotes, dtype=bool)
            whole[gold.f_quote] = False
            self.p_start = np.concatenate((self.q_start[whole], gold.f_start + q_base[gold.f_quote]))
            self.p_end = np.concatenate((self.q_end[whole], gold.f_end + q_base[gold.f_quote]))
            self.p_quote = np.concatenate((np.flatnonzero(whole), gold.f_quote))
            self.q_len = np.bincount(self.p_quote, weights=self.p_end - self.p_start, minlength=self.n_quotes).astype(np.int64)

    @cached_property
    def doc_entity_name(self) -> dict[tuple[int, int], str]:
        """(document, entity) -> the entity's normalised name there."""
        gold = self.gold
        is_name = ~gold.n_is_alias
        rows = gold.n_row[is_name]
        normalized = [gold.words[w] for w in gold.n_word[is_name].tolist()]
        return dict(zip(zip(gold.e_doc[rows].tolist(), gold.e_entity[rows].tolist()), normalized))

    def name_codes(
        self, doc: np.ndarray, speakers: list[str | None], *, aliases: bool
    ) -> tuple[np.ndarray, Callable[[np.ndarray, np.ndarray], np.ndarray]]:
        """Per prediction (document, speaker): the one entity of its document
        whose normalised name (and, with ``aliases``, alias) equals the
        speaker's normalised name, else ``_NO_MATCH``, ``_AMBIGUOUS`` or
        ``_ABSTAIN`` (speaker None); and ``among(k, entity)``, whether each
        ``entity[i]`` is one of the candidates of ambiguous prediction ``k[i]``."""
        table = self._name_tables.get(aliases)
        if table is None:
            table = self._name_tables[aliases] = self._name_table(aliases)
        width, keys, entities = table
        codes = np.full(len(speakers), _ABSTAIN, dtype=np.int64)
        named = np.flatnonzero(_given(speakers))
        first_candidate = np.zeros(len(speakers), dtype=np.int64)
        n_candidates = np.zeros(len(speakers), dtype=np.int64)

        def among(k: np.ndarray, entity: np.ndarray) -> np.ndarray:
            # a prediction's candidates are the rows first_candidate[k] ... + n_candidates[k] of the table
            low, count = first_candidate[k], n_candidates[k]
            found = np.zeros(len(k), dtype=bool)
            for j in range(int(count.max()) if len(k) else 0):
                found |= (j < count) & (entities[np.minimum(low + j, len(entities) - 1)] == entity)
            return found

        if len(named) == 0:
            return codes, among
        word = self._words(speakers)[named]
        # a name in no entity's vocabulary gets key d * width - 1, which no entity row has
        key = doc[named] * width + word
        low = np.searchsorted(keys, key, side="left")
        high = np.searchsorted(keys, key, side="right")
        found = high - low
        codes[named] = np.where(found == 1, entities[np.minimum(low, len(entities) - 1)] if len(entities) else 0,
                                np.where(found == 0, _NO_MATCH, _AMBIGUOUS))
        first_candidate[named], n_candidates[named] = low, found
        return codes, among

    def _words(self, names: list[str | None]) -> np.ndarray:
        """Each name's index in the gold set's normalised names (-1: none
        there, or None); normalize_name runs once per distinct name that is
        not written exactly as a gold name or alias."""
        gold = self.gold
        if self._vocabulary is None:
            self._vocabulary = {word: i for i, word in enumerate(gold.words)}
            self._raw_vocabulary = dict(zip(gold.raw_names, gold.raw_word.tolist()))
        vocabulary, raw = self._vocabulary, self._raw_vocabulary
        distinct = dict.fromkeys(names)
        for name in distinct:
            word = raw.get(name, -2)
            if word == -2:
                word = -1 if name is None else vocabulary.get(normalize_name(name), -1)
            distinct[name] = word
        return np.fromiter(map(distinct.__getitem__, names), np.int64, len(names))

    def _name_table(self, aliases: bool) -> tuple[int, np.ndarray, np.ndarray]:
        """(key width, sorted keys d * width + word, their entities), one row
        per distinct (document, normalised name, entity)."""
        gold = self.gold
        if aliases:  # an alias (or name) that normalises to nothing names nobody
            keep = np.array([bool(word) for word in gold.words], dtype=bool)[gold.n_word]
        else:
            keep = ~gold.n_is_alias
        width = len(gold.words) + 1
        rows = gold.n_row[keep]
        keys, row_entity = gold.e_doc[rows] * width + gold.n_word[keep], gold.e_entity[rows]
        order = np.lexsort((row_entity, keys))
        keys, row_entity = keys[order], row_entity[order]
        distinct = np.ones(len(keys), dtype=bool)
        distinct[1:] = (keys[1:] != keys[:-1]) | (row_entity[1:] != row_entity[:-1])
        return width, keys[distinct], row_entity[distinct]

    @property
    def text(self) -> str:
        """All texts on the global axis (the separators are never inside a span)."""
        return self.gold.joined_text()


# --------------------------------------------------------------------------
# Span arithmetic


def _overlapping_pairs(a_start, a_end, b_start, b_end):
    """Every pair (i, j) whose spans [a_start[i], a_end[i]) and
    [b_start[j], b_end[j]) share characters, with the number shared.

    Spans of ``b`` are sorted by start; the candidates of an ``a`` span are the
    ``b`` spans starting in [a_start - longest b + 1, a_end), found with two
    binary searches, so the cost follows the number of near pairs, not the
    product of the sizes."""
    empty = np.zeros(0, dtype=np.int64)
    if len(a_start) == 0 or len(b_start) == 0:
        return empty, empty, empty
    order = np.argsort(b_start, kind="stable")
    bs, be = b_start[order], b_end[order]
    longest = int((b_end - b_start).max())
    found = []
    # in blocks of ``a``, so that the candidate arrays stay small on a large set
    for first in range(0, len(a_start), _PAIR_BLOCK):
        starts, ends = a_start[first:first + _PAIR_BLOCK], a_end[first:first + _PAIR_BLOCK]
        lo = np.searchsorted(bs, starts - longest + 1, side="left")
        hi = np.searchsorted(bs, ends, side="left")
        counts = np.maximum(hi - lo, 0)
        total = int(counts.sum())
        if total == 0:
            continue
        i = np.repeat(np.arange(len(starts)), counts)
        offsets = np.cumsum(counts) - counts
        j = np.arange(total) - np.repeat(offsets, counts) + np.repeat(lo, counts)
        shared = np.minimum(ends[i], be[j]) - np.maximum(starts[i], bs[j])
        keep = shared > 0
        found.append((i[keep] + first, order[j[keep]], shared[keep]))
    if not found:
        return empty, empty, empty
    return tuple(np.concatenate(parts) for parts in zip(*found))


@lru_cache(maxsize=4096)
def _trimmable(char: str) -> bool:
    return char.isspace() or char in QUOTE_MARKS or unicodedata.category(char).startswith("P")


def _trimmed(text: str, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Spans with white space, punctuation and quotation marks removed from both ends."""
    out_start, out_end = [], []
    for s, e in zip(starts.tolist(), ends.tolist()):
        while s < e and _trimmable(text[s]):
            s += 1
        while e > s and _trimmable(text[e - 1]):
            e -= 1
        out_start.append(s)
        out_end.append(e)
    return np.array(out_start, dtype=np.int64), np.array(out_end, dtype=np.int64)


# --------------------------------------------------------------------------
# Pairing (end-to-end track)


def _pair_quotes(index: _GoldIndex, start: np.ndarray, end: np.ndarray, match: str, min_overlap: float) -> np.ndarray:
    """The gold quote paired with each prediction (-1: unmatched).  Predictions
    must be in canonical order (by global start, then end)."""
    i, piece, shared = _overlapping_pairs(start, end, index.p_start, index.p_end)
    g = index.p_quote[piece]
    if index.has_fragments and len(i):
        # one row per (prediction, gold quote), shared characters summed over fragments
        keys, inverse = np.unique(i * index.n_quotes + g, return_inverse=True)
        shared = np.bincount(inverse, weights=shared).astype(np.int64)
        i, g = keys // index.n_quotes, keys % index.n_quotes
    if match == "overlap":
        longer = np.maximum(end[i] - start[i], index.q_len[g])
        allowed = shared / longer >= min_overlap  # a quotient, as defined (min_overlap * longer can round up)
    else:
        pred_start, pred_end = _trimmed(index.text, start[i], end[i])
        gold_start, gold_end = _trimmed(index.text, index.q_start[g], index.q_end[g])
        allowed = (pred_start == gold_start) & (pred_end == gold_end) & (pred_start < pred_end)
    return _max_weight_matching(i[allowed], g[allowed], shared[allowed], len(start), index.n_quotes)


def _max_weight_matching(i: np.ndarray, g: np.ndarray, weight: np.ndarray, n_pred: int, n_gold: int) -> np.ndarray:
    """The pairing of step 1 among the given pairs: one-to-one, the largest
    total ``weight``, and among those the first in text order
    (:func:`_first_best_pairing`).

    Most pairs are alone in their connected component (one prediction, one
    gold quote) or form a star (one node with several partners, each of
    which has no other); those are solved with array operations.  The rest go
    to ``linear_sum_assignment`` one component at a time."""
    paired = np.full(n_pred, -1, dtype=np.int64)
    if len(i) == 0:
        return paired
    deg_pred = np.bincount(i, minlength=n_pred)
    deg_gold = np.bincount(g, minlength=n_gold)
    single = (deg_pred[i] == 1) & (deg_gold[g] == 1)
    paired[i[single]] = g[single]

    # stars around one gold quote: its predictions pair with nothing else
    max_deg_pred_of_gold = np.zeros(n_gold, dtype=np.int64)
    np.maximum.at(max_deg_pred_of_gold, g, deg_pred[i])
    gold_star = ~single & (max_deg_pred_of_gold[g] == 1)
    max_deg_gold_of_pred = np.zeros(n_pred, dtype=np.int64)
    np.maximum.at(max_deg_gold_of_pred, i, deg_gold[g])
    pred_star = ~single & ~gold_star & (max_deg_gold_of_pred[i] == 1)
    for centre, leaf, star in ((g, i, gold_star), (i, g, pred_star)):
        if star.any():
            c, l, w = centre[star], leaf[star], weight[star]
            order = np.lexsort((l, -w, c))  # per centre: heaviest first, then earliest
            c, l = c[order], l[order]
            first = np.ones(len(c), dtype=bool)
            first[1:] = c[1:] != c[:-1]
            if centre is g:
                paired[l[first]] = c[first]
            else:
                paired[c[first]] = l[first]

    rest = ~(single | gold_star | pred_star)
    if rest.any():
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        ri, rg, rw = i[rest], g[rest], weight[rest]
        preds, local_i = np.unique(ri, return_inverse=True)
        golds, local_g = np.unique(rg, return_inverse=True)
        n_nodes = len(preds) + len(golds)
        graph = coo_matrix((np.ones(len(ri)), (local_i, local_g + len(preds))), shape=(n_nodes, n_nodes))
        _, component = connected_components(graph, directed=False)
        pair_component = component[local_i]
        order = np.argsort(pair_component, kind="stable")
        bounds = np.flatnonzero(np.diff(pair_component[order])) + 1
        for members in np.split(order, bounds):
            rows, row_of = np.unique(local_i[members], return_inverse=True)
            cols, col_of = np.unique(local_g[members], return_inverse=True)
            weights = np.zeros((len(rows), len(cols)))
            weights[row_of, col_of] = rw[members]
            for r, c in _first_best_pairing(weights):
                paired[preds[rows[r]]] = golds[cols[c]]
    return paired


def _first_best_pairing(weights: np.ndarray) -> list[tuple[int, int]]:
    """Among the pairings of largest total (``weights`` > 0 are the allowed
    pairs, rows in text order), the first: each row in turn takes the
    earliest column with which the largest total can still be reached."""
    from scipy.optimize import linear_sum_assignment

    def best(rows: list[int], cols: list[int]) -> tuple[float, dict[int, int]]:
        sub = weights[np.ix_(rows, cols)]
        r, c = linear_sum_assignment(sub, maximize=True)
        return sub[r, c].sum(), {rows[a]: cols[b] for a, b in zip(r, c) if sub[a, b] > 0}

    rows, cols = list(range(weights.shape[0])), list(range(weights.shape[1]))
    target, current = best(rows, cols)  # ``current`` reaches ``target`` and keeps the pairs fixed so far
    pairs = []
    for r in range(weights.shape[0]):
        rows.remove(r)
        for c in cols:
            if weights[r, c] <= 0:
                continue
            if current.get(r) != c:
                total, completion = best(rows, [k for k in cols if k != c])
                if total + weights[r, c] != target:
                    continue
                current = {**completion, r: c}
            pairs.append((r, c))
            target -= weights[r, c]
            cols.remove(c)
            break
    return pairs


# --------------------------------------------------------------------------
# Speakers


def pair_documents(a: list[Document], b: list[Document], match: str, min_overlap: float) -> list[list[tuple[int, int]]]:
    """Per document (``a[k]`` and ``b[k]`` are two annotations of one text),
    the pairs ``(index in a[k].quotes, index in b[k].quotes)`` of the
    scorer's one-to-one pairing (the end-to-end track's), A as the gold side
    and B's quotes as predicted spans: how annotator agreement pairs quotes."""
    index = _GoldIndex(GoldSet(a))
    rows = [(k, j, q.start, q.end) for k, doc in enumerate(b) for j, q in enumerate(doc.quotes)]
    rows.sort(key=lambda r: (int(index.base[r[0]]) + r[2], int(index.base[r[0]]) + r[3]))
    start = np.array([index.base[k] + s for k, _, s, _ in rows], dtype=np.int64)
    end = np.array([index.base[k] + e for k, _, _, e in rows], dtype=np.int64)
    paired = _pair_quotes(index, start, end, match, min_overlap) if rows else np.zeros(0, dtype=np.int64)
    first_quote = np.concatenate(([0], np.cumsum([len(d.quotes) for d in a])))
    pairs: list[list[tuple[int, int]]] = [[] for _ in a]
    for (k, j, _, _), g in zip(rows, paired.tolist()):
        if g >= 0:
            pairs[k].append((g - int(first_quote[k]), j))
    for found in pairs:
        found.sort()
    return pairs


def _span_entities(index: _GoldIndex, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """For each speaker span (start -1: none), the entity whose mention shares
    the most characters with it; -1 when none does or on a tie between
    entities."""
    resolved = np.full(len(start), -1, dtype=np.int64)
    has_span = np.flatnonzero(start >= 0)
    i, m, shared = _overlapping_pairs(start[has_span], end[has_span], index.m_start, index.m_end)
    if len(i) == 0:
        return resolved
    entity = index.m_entity[m]
    order = np.lexsort((-shared, entity, i))
    i, entity, shared = i[order], entity[order], shared[order]
    # an entity counts with its mention that shares the most
    best_mention = np.ones(len(i), dtype=bool)
    best_mention[1:] = (i[1:] != i[:-1]) | (entity[1:] != entity[:-1])
    i, entity, shared = i[best_mention], entity[best_mention], shared[best_mention]
    order = np.lexsort((entity, -shared, i))
    i, entity, shared = i[order], entity[order], shared[order]
    first = np.ones(len(i), dtype=bool)
    first[1:] = i[1:] != i[:-1]
    # a tie: the runner-up of the same span shares as much with another entity
    tied = np.zeros(len(i), dtype=bool)
    tied[:-1] = ~first[1:] & (shared[1:] == shared[:-1]) & (entity[1:] != entity[:-1])
    best = first & ~tied
    resolved[has_span[i[best]]] = entity[best]
    return resolved


def _given(speakers: list[str | None]) -> np.ndarray:
    """Per prediction, whether it names a speaker (does not abstain)."""
    return np.fromiter(map(operator.is_not, speakers, repeat(None)), bool, len(speakers))


def _of_paired(values: np.ndarray, paired: np.ndarray) -> np.ndarray:
    """Per prediction, ``values`` of its gold quote; -1 when it is unmatched."""
    return np.append(values, -1)[paired]


def _resolve(
    index: _GoldIndex,
    speaker_match: str,
    doc: np.ndarray,
    speakers: list[str | None],
    span_entity: np.ndarray,
    paired: np.ndarray,
    speaker_start: np.ndarray,
    speaker_end: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(resolved entity per prediction: -1 abstains, ``n_entities`` is
    <unresolved>; whether it is credited with its paired gold quote's speaker)."""
    n = len(speakers)
    unresolved = index.n_entities
    gold_speaker = _of_paired(index.q_speaker, paired)
    if speaker_match == "mention":
        q_mention_start, q_mention_end = index.q_mention
        gold_mention_start = _of_paired(q_mention_start, paired)
        gold_mention_end = _of_paired(q_mention_end, paired)
        abstains = ~_given(speakers)
        correct = (
            ~abstains
            & (gold_mention_start >= 0)
            & (speaker_start >= 0)
            & (speaker_start < gold_mention_end)
            & (gold_mention_start < speaker_end)
        )
        resolved = np.where(span_entity >= 0, span_entity, unresolved)
        resolved[correct] = gold_speaker[correct]
        resolved[abstains] = _ABSTAIN
        return resolved, correct

    by_name, among = index.name_codes(doc, speakers, aliases=speaker_match == "entity")

    if speaker_match == "name":
        resolved = np.where(by_name >= 0, by_name, np.where(by_name == _ABSTAIN, _ABSTAIN, unresolved))
        # correct: the normalised name is the gold speaker's normalised name in this document
        correct = np.zeros(n, dtype=bool)
        for k in np.flatnonzero((gold_speaker >= 0) & (by_name != _ABSTAIN) & (by_name != gold_speaker)).tolist():
            if normalize_name(speakers[k]) == index.doc_entity_name[(int(doc[k]), int(gold_speaker[k]))]:
                correct[k] = True
        correct |= (gold_speaker >= 0) & (by_name == gold_speaker)
        resolved[correct] = gold_speaker[correct]
        return resolved, correct

    # entity: the name decides when it names one entity, the span otherwise
    resolved = np.where(by_name >= 0, by_name, np.where(span_entity >= 0, span_entity, unresolved))
    resolved[by_name == _ABSTAIN] = _ABSTAIN
    ambiguous = np.flatnonzero(by_name == _AMBIGUOUS)
    resolved[ambiguous] = np.where(among(ambiguous, span_entity[ambiguous]), span_entity[ambiguous], unresolved)
    correct = (gold_speaker >= 0) & (resolved == gold_speaker)
    return resolved, correct


# --------------------------------------------------------------------------
# Figures


def _ratio(numerator: np.ndarray | int, denominator: np.ndarray | int) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    return np.divide(numerator, denominator, out=np.zeros(np.broadcast(numerator, denominator).shape), where=denominator > 0)


def _prf(tp, predicted, gold) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 (= 2 tp / (predicted + gold)), 0.0 where undefined."""
    tp = np.asarray(tp)
    return _ratio(tp, predicted), _ratio(tp, gold), _ratio(2 * tp, np.asarray(predicted) + np.asarray(gold))


def _bootstrap(units: np.ndarray, n_bootstrap: int, seed: int) -> dict[str, list[float] | None]:
    """Percentile intervals of micro P/R/F1 over resampled units (rows of
    ``units`` are (tp, predicted, gold))."""
    if n_bootstrap == 0 or len(units) == 0:
        value = None if n_bootstrap == 0 else [0.0, 0.0]
        return {"precision": value, "recall": value, "f1": value}
    triples, multiplicity = _distinct_rows(units)
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(len(units), multiplicity / len(units), size=n_bootstrap)
    tp, predicted, gold = (draws @ triples).T
    tail = (1 - CI_LEVEL) / 2 * 100
    out = {}
    for name, values in zip(("precision", "recall", "f1"), _prf(tp, predicted, gold)):
        low, high = _percentiles(values, [tail, 100 - tail])
        out[name] = [float(low), float(high)]
    return out


def _distinct_rows(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a (units, 3) array of counts >= 0, in ascending
    order (first column, then second, then third), and how often each occurs:
    ``np.unique(counts, axis=0, return_counts=True)``, computed on one
    integer key per row (a mixed-radix number that sorts as the rows do)."""
    width = counts.max(axis=0).astype(object) + 1  # Python ints: the key's size is checked exactly
    if width[0] * width[1] * width[2] >= 2**63:
        return np.unique(counts, axis=0, return_counts=True)
    width = width.astype(np.int64)
    keys = (counts[:, 0] * width[1] + counts[:, 1]) * width[2] + counts[:, 2]
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    starts = np.flatnonzero(first)
    return counts[order[starts]], np.diff(np.append(starts, len(keys)))


def _percentiles(values: np.ndarray, percents: list[float]) -> np.ndarray:
    """``np.percentile(values, percents)`` with its default (linear) method,
    the same numbers to the bit, for finite values: numpy's own steps
    without the call that imports ``numpy.ma`` (a twentieth of a second
    of a score)."""
    quantiles = np.true_divide(percents, 100)
    n = len(values)
    ordered = np.sort(values)
    virtual = (n - 1) * quantiles
    previous = np.floor(virtual)
    following = previous + 1
    last = virtual >= n - 1
    previous[last] = following[last] = -1
    previous, following = previous.astype(np.intp), following.astype(np.intp)
    gamma = virtual - previous
    below, above = ordered[previous], ordered[following]
    difference = above - below
    return np.where(gamma >= 0.5, above - difference * (1 - gamma), below + difference * gamma)


def signature(gold_sha256: str, track: str, match: str, min_overlap: float, speaker_match: str) -> str:
    """The string that decides which results may be ranked together."""
    parts = [f"gold={gold_sha256[:12]}", f"track={track}"]
    if track == "end-to-end":
        parts.append("match=exact" if match == "exact" else f"match=overlap:{float(min_overlap)!r}")
    parts += [f"speaker={speaker_match}", f"version={__version__}"]
    return "|".join(parts)


def _check_settings(track: str, match: str, min_overlap: float, speaker_match: str, n_bootstrap: int) -> None:
    if track not in TRACKS:
        raise UsageError(f"unknown track {track!r}: use one of {', '.join(TRACKS)}")
    if match not in MATCH_MODES:
        raise UsageError(f"--match must be one of {', '.join(MATCH_MODES)}, got {match!r}")
    if speaker_match not in SPEAKER_MODES:
        raise UsageError(f"--speaker-match must be one of {', '.join(SPEAKER_MODES)}, got {speaker_match!r}")
    if not 0 < min_overlap <= 1:
        raise UsageError(f"--min-overlap must be in (0, 1], got {min_overlap}")
    if n_bootstrap < 0:
        raise UsageError(f"--bootstrap must be 0 or more, got {n_bootstrap}")


@dataclass(slots=True)
class _Outcome:
    """Every prediction, in canonical order (end-to-end: by position; the
    file's order otherwise), with what scoring made of it."""

    doc: np.ndarray  # document index
    speakers: list[str | None]
    lines: list[int]
    local_start: np.ndarray | None  # end-to-end: offsets in the document
    local_end: np.ndarray | None
    start: np.ndarray | None  # end-to-end: offsets on the global axis
    end: np.ndarray | None
    speaker_start: np.ndarray  # on the global axis, -1 when not given
    speaker_end: np.ndarray
    paired: np.ndarray  # gold quote, -1 when unmatched
    resolved: np.ndarray | None = None  # entity, n_entities = <unresolved>, -1 abstains
    correct: np.ndarray | None = None  # credited with its gold quote's speaker


def _pair(index: _GoldIndex, gold: GoldSet | GoldColumns, predictions: Predictions, match: str, min_overlap: float) -> _Outcome:
    """Step 1 of the module docstring: the predictions as arrays, paired."""
    columns = predictions.columns
    doc_ids = columns["doc_id"]
    checked_here = predictions.gold is gold  # then the columns have what validation looked up
    doc = columns.get("doc") if checked_here else None
    if doc is None:
        doc = np.array([index.doc_index[d] for d in doc_ids], dtype=np.int64)
    base = index.base[doc]
    speakers, lines = columns["speaker"], columns["line"]
    has_speaker_span = columns["speaker_start"] >= 0
    speaker_start = np.where(has_speaker_span, columns["speaker_start"] + base, -1)
    speaker_end = np.where(has_speaker_span, columns["speaker_end"] + base, -1)
    if predictions.track == "end-to-end":
        local_start, local_end = columns["start"], columns["end"]
        start, end = local_start + base, local_end + base
        # canonical order, so that the file's line order cannot change the pairing
        order = np.lexsort((end, start))
        ordered = order.tolist()
        speakers = list(map(speakers.__getitem__, ordered))
        lines = list(map(lines.__getitem__, ordered))
        doc, start, end, local_start, local_end = doc[order], start[order], end[order], local_start[order], local_end[order]
        speaker_start, speaker_end = speaker_start[order], speaker_end[order]
        paired = _pair_quotes(index, start, end, match, min_overlap)
    else:
        local_start = local_end = start = end = None
        paired = columns.get("gold_quote") if checked_here else None
        if paired is None:
            positions = index.gold.quote_positions()
            paired = np.array([positions[key] for key in zip(doc_ids, columns["quote_id"])], dtype=np.int64)
    return _Outcome(doc, speakers, lines, local_start, local_end, start, end, speaker_start, speaker_end, paired)


def score(
    gold: GoldSet | GoldColumns,
    predictions: Predictions,
    *,
    model: str,
    match: str = "overlap",
    min_overlap: float = 0.5,
    speaker_match: str = "entity",
    n_bootstrap: int = 1000,
    seed: int = 0,
    by: Sequence[str] = (),
    report: bool = True,
) -> ScoreResult:
    """Score validated predictions against a gold set (the module docstring
    defines every number).

    gold
        The gold set, as loaded by :func:`benchmark.gold.load_gold` or as its
        columns (:func:`benchmark.gold_cache.load_gold_columns`): the same
        result either way.
    predictions
        A validated submission (:func:`benchmark.submission.read_predictions`
        or :meth:`~benchmark.submission.Predictions.from_rows`) checked
        against this gold set; its ``track`` is the result's.
    model
        The name the result carries (not checked here; the leaderboard checks it).
    match
        End-to-end pairing criterion, ``"overlap"`` or ``"exact"``; ignored
        in the attribution track.
    min_overlap
        Under ``"overlap"``: the least shared characters / length of the
        longer span, in (0, 1].
    speaker_match
        ``"entity"``, ``"mention"`` or ``"name"``: how a predicted speaker is
        credited (step 2).
    n_bootstrap
        Resamples of the 95% intervals; 0 for none (``ci`` values are None).
    seed
        Seed of ``numpy.random.default_rng`` for the resampling.
    by
        Quote attributes (keys of the gold quotes' ``attributes``) to report
        precision and recall per value of, in ``by_attribute`` (step 3).
    report
        Whether to build the entries per resampling unit and per gold quote
        (``units``, ``quotes``, ``unmatched_predictions``); without, they are
        None.  Every figure is the same either way; only a result that is
        written needs them (:func:`format_result` shows none of them).

    Raises :class:`~benchmark.errors.UsageError` for a setting out of range.
    Returns a JSON-ready :class:`ScoreResult`; its ``warnings`` say what a
    reader should know (an empty submission)."""
    track = predictions.track
    _check_settings(track, match, min_overlap, speaker_match, n_bootstrap)
    end_to_end = track == "end-to-end"
    index = _GoldIndex(gold)
    out = _pair(index, gold, predictions, match, min_overlap)
    span_entity = _span_entities(index, out.speaker_start, out.speaker_end)
    out.resolved, out.correct = _resolve(
        index, speaker_match, out.doc, out.speakers, span_entity, out.paired, out.speaker_start, out.speaker_end
    )
    n_pred, n_quotes = len(out.doc), index.n_quotes
    active = out.resolved >= 0  # predictions that do not abstain
    pred_of_quote = np.full(n_quotes, -1, dtype=np.int64)
    matched = np.flatnonzero(out.paired >= 0)
    pred_of_quote[out.paired[matched]] = matched
    quote_correct = np.zeros(n_quotes, dtype=bool)
    quote_correct[out.paired[out.correct]] = True
    has_speaker = index.q_speaker >= 0

    per_speaker, micro, macro = _speaker_figures(index, out, quote_correct)
    recall_by_type = {}
    for t, type_name in enumerate(QUOTE_TYPES):
        of_type = index.q_type == t
        type_tp, type_gold = int((quote_correct & of_type).sum()), int((has_speaker & of_type).sum())
        entry: dict[str, Any] = {"recall": float(_ratio(type_tp, type_gold)), "tp": type_tp, "gold": type_gold}
        if end_to_end:
            detected, n_of_type = int(((pred_of_quote >= 0) & of_type).sum()), int(of_type.sum())
            entry.update(detection_recall=float(_ratio(detected, n_of_type)), detected=detected, n_quotes=n_of_type)
        recall_by_type[type_name] = entry
    detection = None
    if end_to_end:
        p, r, f = map(float, _prf(len(matched), n_pred, n_quotes))
        detection = {"precision": p, "recall": r, "f1": f, "matched": len(matched), "predicted": n_pred, "gold": n_quotes}
    by_document = index.n_documents > 1
    unit_counts = _resampling_units(index, out, quote_correct, by_document)
    ci = {
        "level": CI_LEVEL,
        "n_bootstrap": n_bootstrap,
        "seed": seed,
        "unit": "document" if by_document else "quote",
        **_bootstrap(unit_counts, n_bootstrap, seed),
    }
    units = quotes = unmatched_predictions = None
    if report:
        names = index.doc_ids if by_document else index.quote_ids
        units = [{"unit": name, "tp": tp, "predicted": predicted, "gold": gold}
                 for name, (tp, predicted, gold) in zip(names, unit_counts.tolist())]
        quotes, unmatched_predictions = _error_report(index, out, pred_of_quote, quote_correct)
    warnings = []
    if n_pred == 0:
        warnings.append(f"the submission {predictions.path} has no rows: every gold quote counts as missed")
    return {
        "model": model,
        "track": track,
        "signature": signature(gold.sha256, track, match, min_overlap, speaker_match),
        "gold_sha256": gold.sha256,
        "benchmark_version": __version__,
        "settings": {
            "match": match if end_to_end else None,
            "min_overlap": float(min_overlap) if end_to_end and match == "overlap" else None,
            "speaker_match": speaker_match,
            "n_bootstrap": n_bootstrap,
            "seed": seed,
        },
        "n_documents": index.n_documents,
        "n_gold": n_quotes,
        "n_gold_with_speaker": micro["gold"],
        "n_predicted": n_pred,
        "n_abstained": int(n_pred - active.sum()),
        "micro": micro,
        "macro": macro,
        "per_speaker": per_speaker,
        "ci": ci,
        "detection": detection,
        "recall_by_type": recall_by_type,
        "by_attribute": {name: _attribute_figures(index, out, quote_correct, name) for name in dict.fromkeys(by)},
        "units": units,
        "quotes": quotes,
        "unmatched_predictions": unmatched_predictions,
        "warnings": warnings,
    }


def _attribute_values(attributes: dict[str, Any] | None, name: str) -> list[str]:
    """The values under which ``by_attribute`` counts a quote: each element of
    a list, else the value; strings as they are, other JSON values as JSON
    text; NO_VALUE when the quote lacks the attribute, or it is null or an
    empty list."""
    value = None if attributes is None else attributes.get(name)
    values = value if isinstance(value, list) else [value]
    out = [v if isinstance(v, str) else json.dumps(v) for v in values if v is not None]
    return list(dict.fromkeys(out)) or [NO_VALUE]


def _attribute_figures(index: _GoldIndex, out: _Outcome, quote_correct: np.ndarray, name: str) -> list[AttributeRow]:
    """Step 3, per value of one attribute (see the module docstring)."""
    values_of_quote = [_attribute_values(attributes, name) for attributes in index.gold.q_attributes]
    value_index: dict[str, int] = {}
    quote = np.array([k for k, values in enumerate(values_of_quote) for _ in values], dtype=np.int64)
    value = np.array([value_index.setdefault(v, len(value_index)) for values in values_of_quote for v in values], dtype=np.int64)
    n_values = len(value_index)
    counted = (out.resolved >= 0) & (out.paired >= 0)  # paired predictions that do not abstain
    predictions_of_quote = np.bincount(out.paired[counted], minlength=index.n_quotes)

    def per_value(per_quote: np.ndarray) -> np.ndarray:
        return np.bincount(value, weights=per_quote[quote], minlength=n_values).astype(np.int64)

    tp = per_value(quote_correct.astype(np.int64))
    predicted = per_value(predictions_of_quote)
    gold = per_value((index.q_speaker >= 0).astype(np.int64))
    n_quotes = per_value(np.ones(index.n_quotes, dtype=np.int64))
    precision, recall, f1 = _prf(tp, predicted, gold)
    rows = [
        {"value": v, "precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
         "tp": int(tp[i]), "predicted": int(predicted[i]), "gold": int(gold[i]), "n_quotes": int(n_quotes[i])}
        for v, i in value_index.items()
    ]
    return sorted(rows, key=lambda row: (-row["n_quotes"], row["value"]))


def _speaker_figures(index: _GoldIndex, out: _Outcome, quote_correct: np.ndarray) -> tuple[list[dict], dict, dict]:
    """Step 3: the per-speaker rows (gold speakers, speakers only predicted,
    <unresolved>), micro and macro."""
    n_entities = index.n_entities
    has_speaker = index.q_speaker >= 0
    active = out.resolved >= 0
    tp = np.bincount(index.q_speaker[quote_correct], minlength=n_entities + 1)
    predicted = np.bincount(out.resolved[active], minlength=n_entities + 1)
    gold_count = np.bincount(index.q_speaker[has_speaker], minlength=n_entities + 1)
    precision, recall, f1 = _prf(tp, predicted, gold_count)
    ids = index.entity_ids + [UNRESOLVED]
    names = index.entity_names + ["(names matching no entity)"]
    support = gold_count.tolist()
    listed = np.flatnonzero((gold_count > 0) | (predicted > 0))
    # by support (descending), then id: the ids' ranks in sorted order stand for the strings
    id_rank = np.empty(len(ids), dtype=np.int64)
    id_rank[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
    shown = listed[np.lexsort((id_rank[listed], -gold_count[listed]))].tolist()
    per_speaker = [
        {"speaker": ids[e], "name": names[e], "precision": p, "recall": r, "f1": f, "tp": t, "predicted": k, "gold": support[e]}
        for e, p, r, f, t, k in zip(
            shown, *(values[shown].tolist() for values in (precision, recall, f1, tp, predicted))
        )
    ]
    micro_counts = {"tp": int(tp.sum()), "predicted": int(active.sum()), "gold": int(has_speaker.sum())}
    micro = dict(zip(("precision", "recall", "f1"), map(float, _prf(*micro_counts.values()))), **micro_counts)
    gold_speakers = np.flatnonzero(gold_count[:n_entities] > 0)
    macro = {
        name: float(values[gold_speakers].mean()) if len(gold_speakers) else 0.0
        for name, values in (("precision", precision), ("recall", recall), ("f1", f1))
    }
    return per_speaker, micro, macro


def _resampling_units(index: _GoldIndex, out: _Outcome, quote_correct: np.ndarray, by_document: bool) -> np.ndarray:
    """Step 4: the (tp, predicted, gold) counts of each resampling unit (one
    row per document, or per gold quote), as an (units, 3) array."""
    if by_document:
        n_units = index.n_documents
        unit_of_quote = index.q_doc
        unit_of_pred = out.doc
    else:
        n_units = index.n_quotes
        unit_of_quote = np.arange(index.n_quotes)
        unit_of_pred = out.paired.copy()
        unmatched = np.flatnonzero(out.paired < 0)
        if len(unmatched) and index.n_quotes:
            unit_of_pred[unmatched] = _nearest_quote(index, out.start[unmatched] + out.end[unmatched])
    counted = (out.resolved >= 0) & (unit_of_pred >= 0)
    columns = (
        np.bincount(unit_of_quote[quote_correct], minlength=n_units),
        np.bincount(unit_of_pred[counted], minlength=n_units),
        np.bincount(unit_of_quote[index.q_speaker >= 0], minlength=n_units),
    )
    return np.stack(columns, axis=1).astype(np.int64, copy=False).reshape(-1, 3)


def _error_report(index: _GoldIndex, out: _Outcome, pred_of_quote: np.ndarray, quote_correct: np.ndarray) -> tuple[list[dict], list[dict]]:
    """One entry per gold quote, and (end-to-end) the unmatched predictions."""
    # Each field is a table of Python objects indexed by an integer array;
    # index -1 (no prediction, abstention, no gold speaker) picks the None
    # appended at the end.  Entries are built _REPORT_BLOCK quotes at a time,
    # so that only one block's looked-up values exist beside the dicts.
    def table(values: Any) -> np.ndarray:
        out_table = np.empty(len(values) + 1, dtype=object)
        out_table[:-1] = values
        return out_table

    def of_prediction(values: np.ndarray) -> np.ndarray:
        """Per gold quote, ``values`` of its prediction (-1: none)."""
        return np.append(values, -1)[pred_of_quote]

    entity_ids = table([*index.entity_ids, UNRESOLVED])
    fields = {
        "doc_id": (table(index.doc_ids), index.q_doc),
        "quote_id": (table(index.quote_ids), np.arange(index.n_quotes)),
        "type": (table(list(QUOTE_TYPES)), index.q_type),
        "gold_speaker": (entity_ids, index.q_speaker),
        "predicted_speaker": (table(out.speakers), pred_of_quote),
        "resolved_speaker": (entity_ids, of_prediction(out.resolved)),
        "matched": (table([False, True]), (pred_of_quote >= 0).astype(np.int64)),
        "correct": (table([False, True]), quote_correct.astype(np.int64)),
    }
    offsets = None
    if out.local_start is not None:
        # one int object per distinct offset, shared by every entry that has it
        offsets = table(np.arange(int(out.local_end.max()) + 1 if len(out.local_end) else 0).astype(object))
        fields["predicted_start"] = (offsets, of_prediction(out.local_start))
        fields["predicted_end"] = (offsets, of_prediction(out.local_end))
    quotes: list[dict] = []
    for first in range(0, index.n_quotes, _REPORT_BLOCK):
        block = [values[at[first:first + _REPORT_BLOCK]].tolist() for values, at in fields.values()]
        if offsets is None:
            quotes += [
                {"doc_id": d, "quote_id": q, "type": t, "gold_speaker": g, "predicted_speaker": p, "resolved_speaker": r, "matched": m, "correct": c}
                for d, q, t, g, p, r, m, c in zip(*block)
            ]
        else:
            quotes += [
                {
                    "doc_id": d, "quote_id": q, "type": t, "gold_speaker": g, "predicted_speaker": p, "resolved_speaker": r,
                    "matched": m, "correct": c, "predicted_start": ps, "predicted_end": pe,
                }
                for d, q, t, g, p, r, m, c, ps, pe in zip(*block)
            ]
    if offsets is None:
        return quotes, []
    unmatched_k = np.flatnonzero(out.paired < 0)
    resolved = entity_ids[out.resolved[unmatched_k]]
    unmatched = [
        {
            "doc_id": index.doc_ids[d],
            "start": offsets[start],
            "end": offsets[end],
            "speaker": out.speakers[k],
            "resolved_speaker": resolved_speaker,
            "line": out.lines[k],
        }
        for k, d, start, end, resolved_speaker in zip(
            unmatched_k.tolist(), out.doc[unmatched_k].tolist(), out.local_start[unmatched_k], out.local_end[unmatched_k], resolved
        )
    ]
    return quotes, unmatched


def _nearest_quote(index: _GoldIndex, doubled_midpoints: np.ndarray) -> np.ndarray:
    """The gold quote whose midpoint is nearest (the earlier on a tie), for
    spans given by start + end."""
    gold_mid = index.q_start + index.q_end
    order = np.argsort(gold_mid, kind="stable")
    sorted_mid = gold_mid[order]
    right = np.clip(np.searchsorted(sorted_mid, doubled_midpoints, side="left"), 0, len(order) - 1)
    left = np.clip(right - 1, 0, len(order) - 1)
    take_left = np.abs(doubled_midpoints - sorted_mid[left]) <= np.abs(sorted_mid[right] - doubled_midpoints)
    return order[np.where(take_left, left, right)]


# --------------------------------------------------------------------------
# The terminal table

MAX_TABLE_ROWS = 40


def format_result(result: dict[str, Any]) -> str:
    """A readable table: per speaker (by gold support), micro and macro rows,
    the interval, detection and recall by type, the size of the gold set."""

    def f3(x: float) -> str:
        return f"{x:.3f}"

    header = ("speaker", "name", "P", "R", "F1", "TP", "pred", "gold")
    body = [  # the rows shown: a large gold set has tens of thousands
        (s["speaker"], s["name"], f3(s["precision"]), f3(s["recall"]), f3(s["f1"]), str(s["tp"]), str(s["predicted"]), str(s["gold"]))
        for s in result["per_speaker"][:MAX_TABLE_ROWS]
    ]
    hidden = len(result["per_speaker"]) - len(body)
    micro, macro = result["micro"], result["macro"]
    totals = [
        ("micro", "", f3(micro["precision"]), f3(micro["recall"]), f3(micro["f1"]), str(micro["tp"]), str(micro["predicted"]), str(micro["gold"])),
        ("macro", "", f3(macro["precision"]), f3(macro["recall"]), f3(macro["f1"]), "", "", ""),
    ]
    widths = [max(len(row[c]) for row in [header, *body, *totals]) for c in range(len(header))]
    widths[1] = min(widths[1], 30)

    def line(row: tuple[str, ...]) -> str:
        name = row[1] if len(row[1]) <= widths[1] else row[1][: widths[1] - 1] + "…"
        cells = [row[0].ljust(widths[0]), name.ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(row[2:], widths[2:])]
        return "  ".join(cells).rstrip()

    rule = "-" * len(line(tuple("x" * w for w in widths)))
    out = [
        f"model {result['model']}, {result['track']} track",
        f"signature {result['signature']}",
        "",
        line(header),
        rule,
        *map(line, body),
    ]
    if hidden:
        out.append(f"… {hidden} more speakers (see --json)")
    out += [rule, *map(line, totals)]
    ci = result["ci"]
    if ci["f1"] is not None:
        intervals = "  ".join(f"{k} [{f3(ci[name][0])}, {f3(ci[name][1])}]" for k, name in (("P", "precision"), ("R", "recall"), ("F1", "f1")))
        out.append(f"{ci['level']:.0%} CI (bootstrap over {ci['unit']}s, {ci['n_bootstrap']} resamples, seed {ci['seed']}): {intervals}")
    detection = result.get("detection")
    if detection:
        out.append(
            f"quote detection: P {f3(detection['precision'])}  R {f3(detection['recall'])}  F1 {f3(detection['f1'])}"
            f"  ({detection['matched']} matched, {detection['predicted']} predicted, {detection['gold']} gold)"
        )
    by_type = "  ".join(
        f"{name} {f3(v['recall'])} ({v['tp']}/{v['gold']})" for name, v in result["recall_by_type"].items() if v["gold"]
    )
    if by_type:
        out.append(f"recall by type: {by_type}")
    for attribute, rows in result.get("by_attribute", {}).items():
        shown = rows[:MAX_TABLE_ROWS]
        width = max((len(row["value"]) for row in shown), default=5)
        out.append(f"by {attribute}:  {'value'.ljust(width)}      P      R     F1     TP   pred   gold  quotes")
        out += [
            f"{' ' * len(f'by {attribute}:  ')}{row['value'].ljust(width)}  {f3(row['precision'])}  {f3(row['recall'])}  {f3(row['f1'])}"
            f"  {row['tp']:>5}  {row['predicted']:>5}  {row['gold']:>5}  {row['n_quotes']:>6}"
            for row in shown
        ]
        if len(rows) > len(shown):
            out.append(f"  … {len(rows) - len(shown)} more values (see --json)")
    n_docs = result["n_documents"]
    out.append(
        f"n_gold={result['n_gold']} quotes in {n_docs} document{'s' if n_docs != 1 else ''}"
        f" ({result['n_gold_with_speaker']} with a speaker); n_predicted={result['n_predicted']}"
        f" ({result['n_abstained']} abstained)"
    )
    return "\n".join(out)
