"""A learned quote detector for the end-to-end track: token tagging with a
linear-chain CRF (``sklearn-crfsuite``), trained from a gold set's quote
spans, CPU only.

Each paragraph is a sequence; each token gets an ``O``, ``B`` (first token
of a quote) or ``I`` tag.  A token is described by :func:`token_features`:
its word, part of speech and dependency, whether it stands between
quotation marks, whether it is a reporting cue or hangs from one, and the
tag the rule-based finder (:func:`baselines.quote_finding.find_quotes`)
gives it, so that the CRF learns where a corpus's conventions move the
rules' boundaries (PolNeAR's event-style spans, for instance).

:func:`train_detector` decides on the training documents only whether the
CRF is worth using: it is trained on the first part of the documents and
compared with the rule-based finder on the rest (detection F1 at overlap
0.5, as the scorer counts it); the CRF is kept, retrained on every
document, only when it wins.  The trained detector is saved as
``results/models/detector-<sha256>.pkl`` (the folder is git-ignored by a
``.gitignore`` written into it), the sha256 being that of the training gold
documents (:func:`training_sha256`), and loaded from there when the same
training documents come again.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from baselines.cues import doc_text, is_cue
from baselines.dialogue import paragraph_starts
from baselines.quote_finding import find_quotes, quotation_spans

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from benchmark.gold import Document

MODELS_DIR = Path("results") / "models"
# At most this many tokens of one document train the CRF: paragraphs with a
# quote first, then others, in text order (a novel would otherwise give a
# million tokens).
MAX_TOKENS_PER_DOCUMENT = 6000
# Share of the training documents the CRF is trained on when deciding
# whether it beats the rules (the rest is where they are compared).
DECISION_SPLIT = 0.75
CRF_ITERATIONS = 100
# L1 and L2 penalties, chosen on held-out PolNeAR *train* documents (600
# trained on, 237 compared; detection F1 0.645 with 0.05/0.01, 0.668 with 0.2/0.01).
CRF_C1, CRF_C2 = 0.2, 0.01
# How far up its head chain a token's reporting cue is looked for.
_CUE_STEPS = 6
MIN_OVERLAP = 0.5


@dataclass(slots=True)
class Sequence_:
    """One paragraph as the CRF sees it: token features, token character
    spans, and (for training) the tags."""

    features: list[list[str]]
    spans: list[tuple[int, int]]
    tags: list[str] | None


def _rule_tags(doc: "Doc") -> list[str]:
    tags = ["O"] * len(doc)
    for quote in find_quotes(doc):
        span = doc.char_span(quote.start, quote.end, alignment_mode="expand")
        if span is None or not len(span):
            continue
        tags[span.start] = "B"
        for i in range(span.start + 1, span.end):
            tags[i] = "I"
    return tags


def _quoted_tokens(doc: "Doc") -> list[bool]:
    inside = [False] * len(doc)
    for q in quotation_spans(doc_text(doc)):
        span = doc.char_span(q.start, q.end, alignment_mode="expand")
        if span is not None:
            for i in range(span.start, span.end):
                inside[i] = True
    return inside


def token_features(doc: "Doc", i: int, rule: list[str], quoted: list[bool]) -> list[str]:
    """The features of token ``i`` (strings: crfsuite's binary features)."""
    t = doc[i]
    features = [
        "w=" + t.lower_,
        "pos=" + t.pos_,
        "dep=" + t.dep_,
        "rule=" + rule[i],
        "quoted=" + str(quoted[i]),
        "cue=" + str(is_cue(t)),
        "headcue=" + str(is_cue(t.head)),
        "headdep=" + t.head.dep_,
        "sentstart=" + str(t.is_sent_start),
        "punct=" + str(t.is_punct),
        "title=" + str(t.is_title),
    ]
    # the reporting cue above the token, as its content hangs from it
    node, steps = t, 0
    while steps < _CUE_STEPS and node.head.i != node.i:
        if is_cue(node.head):
            features += [f"upcue={steps}", "upcuedep=" + node.dep_, "upcueside=" + str(node.head.i < i)]
            break
        node, steps = node.head, steps + 1
    for offset in (-2, -1, 1, 2):
        j = i + offset
        if 0 <= j < len(doc):
            n = doc[j]
            features += [f"{offset}:w={n.lower_}", f"{offset}:pos={n.pos_}", f"{offset}:rule={rule[j]}",
                         f"{offset}:quoted={quoted[j]}"]
        else:
            features.append(f"{offset}:edge")
    return features


def sequences(doc: "Doc", quotes: Sequence[tuple[int, int]] | None = None, *,
              max_tokens: int | None = None) -> list[Sequence_]:
    """The paragraphs of ``doc`` as CRF sequences; with ``quotes`` (gold
    spans) tagged, and at most ``max_tokens`` tokens, paragraphs that hold a
    quote first."""
    text = doc_text(doc)
    starts = paragraph_starts(text) + [len(text)]
    rule, quoted = _rule_tags(doc), _quoted_tokens(doc)
    gold_tags = None
    if quotes is not None:
        gold_tags = ["O"] * len(doc)
        for a, b in quotes:
            span = doc.char_span(a, b, alignment_mode="expand")
            if span is None or not len(span):
                continue
            gold_tags[span.start] = "B"
            for i in range(span.start + 1, span.end):
                gold_tags[i] = "I"
    token_starts = [t.idx for t in doc]
    paragraphs = []
    for a, b in zip(starts, starts[1:]):
        lo, hi = bisect_left(token_starts, a), bisect_left(token_starts, b)
        words = [i for i in range(lo, hi) if not doc[i].is_space]
        if words:
            paragraphs.append(words)
    if max_tokens is not None and gold_tags is not None:
        with_quote = [p for p in paragraphs if any(gold_tags[i] != "O" for i in p)]
        others = [p for p in paragraphs if all(gold_tags[i] == "O" for i in p)]
        chosen, n = [], 0
        for p in with_quote + others:
            if n + len(p) > max_tokens:
                continue
            chosen.append(p)
            n += len(p)
        paragraphs = sorted(chosen, key=lambda p: p[0])
    out = []
    for words in paragraphs:
        out.append(
            Sequence_(
                [token_features(doc, i, rule, quoted) for i in words],
                [(doc[i].idx, doc[i].idx + len(doc[i])) for i in words],
                [gold_tags[i] for i in words] if gold_tags is not None else None,
            )
        )
    return out


def spans_of(tags: Sequence[str], token_spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Character spans of the B/I runs of a tagged sequence."""
    found, start, end = [], None, None
    for tag, (a, b) in zip(tags, token_spans):
        if tag == "B" or (tag == "I" and start is None):
            if start is not None:
                found.append((start, end))
            start, end = a, b
        elif tag == "I":
            end = b
        else:
            if start is not None:
                found.append((start, end))
            start = None
    if start is not None:
        found.append((start, end))
    return found


def detection_counts(predicted: list[tuple[int, int]], gold: list[tuple[int, int]]) -> tuple[int, int, int]:
    """(matched, predicted, gold): predicted spans paired greedily, each with
    the gold span it shares most characters with, when shared / longer span
    >= 0.5 (the scorer's overlap rule, paired greedily rather than
    optimally: good enough to compare two finders)."""
    used: set[int] = set()
    matched = 0
    for a, b in predicted:
        best, best_share = None, 0.0
        for k, (c, d) in enumerate(gold):
            if k in used:
                continue
            shared = min(b, d) - max(a, c)
            if shared <= 0:
                continue
            share = shared / max(b - a, d - c)
            if share > best_share:
                best, best_share = k, share
        if best is not None and best_share >= MIN_OVERLAP:
            used.add(best)
            matched += 1
    return matched, len(predicted), len(gold)


def _f1(counts: list[tuple[int, int, int]]) -> float:
    tp = sum(c[0] for c in counts)
    denominator = sum(c[1] for c in counts) + sum(c[2] for c in counts)
    return 2 * tp / denominator if denominator else 0.0


def training_sha256(documents: Sequence["Document"]) -> str:
    """The sha256 of the training gold documents: their ids, texts and quote
    spans, as JSON Lines in their order."""
    digest = hashlib.sha256()
    for d in documents:
        spans = [[q.start, q.end] for q in d.quotes]
        digest.update(json.dumps([d.doc_id, hashlib.sha256(d.text.encode()).hexdigest(), spans]).encode() + b"\n")
    return digest.hexdigest()


@dataclass(slots=True)
class TrainingDocument:
    """What the detector keeps of one training document (no spaCy
    objects): its tagged sequences, its gold spans and the rule-based
    finder's spans."""

    sequences: list[Sequence_]
    gold: list[tuple[int, int]]
    rules: list[tuple[int, int]]


def training_document(doc: "Doc", quotes: Sequence[tuple[int, int]]) -> TrainingDocument:
    return TrainingDocument(
        sequences(doc, quotes, max_tokens=MAX_TOKENS_PER_DOCUMENT),
        list(quotes),
        [(q.start, q.end) for q in find_quotes(doc)],
    )


class QuoteDetector:
    """A trained CRF tagger: :meth:`find` gives the quote spans of a Doc."""

    def __init__(self, crf: Any):
        self.crf = crf

    def find(self, doc: "Doc") -> list[tuple[int, int]]:
        found = []
        paragraphs = sequences(doc)
        tagged = self.crf.predict([p.features for p in paragraphs]) if paragraphs else []
        for paragraph, tags in zip(paragraphs, tagged):
            found.extend(spans_of(tags, paragraph.spans))
        return found


def _fit_crf(documents: Sequence[TrainingDocument], seed: int):
    import sklearn_crfsuite

    X = [s.features for d in documents for s in d.sequences]
    y = [s.tags for d in documents for s in d.sequences]
    crf = sklearn_crfsuite.CRF(algorithm="lbfgs", c1=CRF_C1, c2=CRF_C2, max_iterations=CRF_ITERATIONS,
                               all_possible_transitions=True)
    crf.fit(X, y)
    return crf


def _within(tagged_spans: list[tuple[int, int]], sequences_: list[Sequence_]) -> list[tuple[int, int]]:
    """The spans that fall in the kept paragraphs (the CRF only tagged
    those)."""
    kept = [(s.spans[0][0], s.spans[-1][1]) for s in sequences_ if s.spans]
    return [(a, b) for a, b in tagged_spans if any(lo <= a < hi for lo, hi in kept)]


def train_detector(documents: Sequence[TrainingDocument], sha256: str, *, seed: int = 0,
                   models_dir: Path = MODELS_DIR) -> tuple[QuoteDetector | None, dict[str, Any]]:
    """The CRF detector when it beats the rule-based finder on held-out
    training documents, else None; and what was measured.  A detector
    saved for the same training sha256 is loaded instead of trained."""
    path = Path(models_dir) / f"detector-{sha256}.pkl"
    if path.exists():
        try:
            with open(path, "rb") as fh:
                saved = pickle.load(fh)
            return (QuoteDetector(saved["crf"]) if saved["crf"] is not None else None), saved["report"]
        except (OSError, pickle.UnpicklingError, KeyError, EOFError, AttributeError):
            pass  # a damaged file is trained again
    report: dict[str, Any] = {"training_sha256": sha256, "documents": len(documents)}
    usable = [d for d in documents if d.sequences]
    n_fit = int(len(usable) * DECISION_SPLIT)
    if n_fit < 1 or n_fit >= len(usable):
        report["decision"] = "rules (too few training documents to compare)"
        return None, report
    crf = _fit_crf(usable[:n_fit], seed)
    crf_counts, rule_counts = [], []
    for d in usable[n_fit:]:
        tagged = crf.predict([s.features for s in d.sequences])
        predicted = [span for s, tags in zip(d.sequences, tagged) for span in spans_of(tags, s.spans)]
        gold = _within(d.gold, d.sequences)
        crf_counts.append(detection_counts(predicted, gold))
        rule_counts.append(detection_counts(_within(d.rules, d.sequences), gold))
    report["held_out_f1"] = {"crf": round(_f1(crf_counts), 4), "rules": round(_f1(rule_counts), 4)}
    chosen = None
    if _f1(crf_counts) > _f1(rule_counts):
        chosen = QuoteDetector(_fit_crf(usable, seed))
        report["decision"] = "crf"
    else:
        report["decision"] = "rules"
    _save(path, chosen, report)
    return chosen, report


def _save(path: Path, detector: QuoteDetector | None, report: dict[str, Any]) -> None:
    from benchmark.files import write_bytes_atomic, write_text_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        write_text_atomic(ignore, "# trained models: never committed\n*\n")
    write_bytes_atomic(path, pickle.dumps({"crf": detector.crf if detector else None, "report": report}))
