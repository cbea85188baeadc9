"""A learned quote detector for the end-to-end track: token tagging with a
linear-chain CRF (``sklearn-crfsuite``), trained from a gold set's quote
spans, CPU only.

Each paragraph is a sequence; each token gets an ``O``, ``B`` (first token
of a quote) or ``I`` tag.  A token is described by :func:`token_features`
(from the facts of :class:`DocumentFacts`, worked out once per Doc): its
word, lemma, part of speech and dependency, whether it stands between
quotation marks, whether it is a reporting cue or hangs from one (how far,
by which relations, which cue), the verb that governs it, the nearest cue
of its sentence, its place in sentence and paragraph, and the tag and quote
type the rule-based finder (:func:`baselines.quote_finding.find_quotes`)
gives it, so that the CRF learns where a corpus's conventions move the
rules' boundaries (PolNeAR's event-style spans, for instance).  The tagged
spans are post-processed (:func:`post_process`), and
:meth:`QuoteDetector.find_quotes` gives each the cue it attaches to
(:func:`with_cues`), so that baselines attribute them as the rules' quotes.

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
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from baselines.cues import cue_of_span, doc_text, is_cue
from baselines.dialogue import paragraph_starts
from baselines.quote_finding import FoundQuote, find_quotes, is_in_quotation_marks, quotation_spans
from benchmark.gold import QUOTE_MARKS

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
# L1 and L2 penalties, chosen on PolNeAR *train* only: 600 documents split
# 450 trained on / 150 compared (detection F1 before post-processing: 0.649
# at 0.2/0.01, 0.652 at 0.1/0.05, 0.652 at 0.05/0.1, 0.655 at 0.1/0.2).
CRF_C1, CRF_C2 = 0.1, 0.2
# How far up its head chain a token's reporting cue is looked for.
_CUE_STEPS = 6
MIN_OVERLAP = 0.5
# Bumped whenever the features or the post-processing change: a model saved
# by another version is trained again.
MODEL_VERSION = 4


@dataclass(slots=True)
class Sequence_:
    """One paragraph as the CRF sees it: token features, token character
    spans, and (for training) the tags."""

    features: list[list[str]]
    spans: list[tuple[int, int]]
    tags: list[str] | None


class DocumentFacts:
    """What the features of a Doc's tokens are computed from, worked out
    once per Doc: the rule-based finder's tag and quote type per token,
    whether a token stands between quotation marks, which tokens are
    reporting cues, and where sentences and paragraphs start."""

    def __init__(self, doc: "Doc"):
        n = len(doc)
        self.doc = doc
        text = doc_text(doc)
        self.rule = ["O"] * n
        self.rule_type = ["O"] * n
        self.rule_cue = [False] * n
        for quote in find_quotes(doc):
            span = doc.char_span(quote.start, quote.end, alignment_mode="expand")
            if span is None or not len(span):
                continue
            for i in range(span.start, span.end):
                self.rule[i] = "B" if i == span.start else "I"
                self.rule_type[i] = quote.type
                self.rule_cue[i] = quote.cue is not None
        self.quoted = [False] * n
        for q in quotation_spans(text):
            span = doc.char_span(q.start, q.end, alignment_mode="expand")
            if span is not None:
                for i in range(span.start, span.end):
                    self.quoted[i] = True
        self.cue = [is_cue(t) for t in doc]
        self.cues = [i for i in range(n) if self.cue[i]]
        self.sentence_start = [0] * n
        self.sentence_end = [0] * n
        self.sentence_rank = [0] * n  # sentence index within the paragraph
        starts = paragraph_starts(text)
        self.paragraph = [bisect_right(starts, t.idx) - 1 for t in doc]
        previous_paragraph, rank = -1, 0
        for sent in doc.sents:
            paragraph = self.paragraph[sent.start]
            rank = rank + 1 if paragraph == previous_paragraph else 0
            previous_paragraph = paragraph
            for i in range(sent.start, sent.end):
                self.sentence_start[i], self.sentence_end[i], self.sentence_rank[i] = sent.start, sent.end, rank


def _bucket(distance: int) -> str:
    if distance <= 2:
        return str(distance)
    if distance <= 5:
        return "3-5"
    return "6-10" if distance <= 10 else "11+"


def token_features(facts: DocumentFacts, i: int) -> list[str]:
    """The features of token ``i`` (strings: crfsuite's binary features)."""
    doc = facts.doc
    t = doc[i]
    features = [
        "w=" + t.lower_,
        "lemma=" + t.lemma_.lower(),
        "pos=" + t.pos_,
        "tag=" + t.tag_,
        "dep=" + t.dep_,
        "rule=" + facts.rule[i],
        "ruletype=" + facts.rule[i] + facts.rule_type[i],
        "rulecue=" + str(facts.rule_cue[i]),
        "quoted=" + str(facts.quoted[i]),
        "rulequoted=" + facts.rule[i] + str(facts.quoted[i]),
        "mark=" + str(t.is_quote),
        "cue=" + str(facts.cue[i]),
        "headcue=" + str(facts.cue[t.head.i]),
        "headdep=" + t.head.dep_,
        "headpos=" + t.head.pos_,
        "punct=" + str(t.is_punct),
        "title=" + str(t.is_title),
        "sentrank=" + str(min(facts.sentence_rank[i], 2)),
        "paragraph=" + str(min(facts.paragraph[i], 2)),
        "sentpos=" + _bucket(i - facts.sentence_start[i]),
        "sentleft=" + _bucket(facts.sentence_end[i] - 1 - i),
    ]
    if facts.cue[i]:
        features.append("cuelemma=" + t.lemma_.lower())
    # the reporting cue above the token, as its content hangs from it: how
    # far, by which relations, which verb
    node, steps, path = t, 0, []
    while steps < _CUE_STEPS and node.head.i != node.i:
        path.append(node.dep_)
        if facts.cue[node.head.i]:
            lemma = node.head.lemma_.lower()
            features += [f"upcue={steps}", "upcuedep=" + node.dep_, "upcuepath=" + "/".join(path[:2]),
                         "upcuelemma=" + lemma, "upcueside=" + str(node.head.i < i), f"upcue={lemma}|{node.dep_}"]
            break
        node, steps = node.head, steps + 1
    # the verb that governs the token ("ripped Comey", "praised Kerry")
    node = t
    for _ in range(_CUE_STEPS):
        if node.head.i == node.i:
            break
        if node.head.pos_ in ("VERB", "AUX"):
            lemma = node.head.lemma_.lower()
            features += ["govlemma=" + lemma, "govdep=" + node.dep_, f"gov={lemma}|{node.dep_}"]
            break
        node = node.head
    # the nearest cue of the sentence on either side
    k = bisect_left(facts.cues, i)
    lo, hi = facts.sentence_start[i], facts.sentence_end[i]
    if k > 0 and facts.cues[k - 1] >= lo and facts.cues[k - 1] != i:
        features.append("cueleft=" + _bucket(i - facts.cues[k - 1]))
    after = k + 1 if k < len(facts.cues) and facts.cues[k] == i else k
    if after < len(facts.cues) and facts.cues[after] < hi:
        features.append("cueright=" + _bucket(facts.cues[after] - i))
    for offset in (-2, -1, 1, 2):
        j = i + offset
        if 0 <= j < len(doc):
            n = doc[j]
            features += [f"{offset}:w={n.lower_}", f"{offset}:pos={n.pos_}", f"{offset}:rule={facts.rule[j]}",
                         f"{offset}:quoted={facts.quoted[j]}", f"{offset}:cue={facts.cue[j]}"]
            if abs(offset) == 1:
                features += [f"{offset}:dep={n.dep_}", f"{offset}:w={n.lower_}|w={t.lower_}"]
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
    facts = DocumentFacts(doc)
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
                [token_features(facts, i) for i in words],
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
class Layout:
    """What post-processing needs of a document (no spaCy objects): where
    each sentence starts, with the end of the previous sentence's last word
    (``(start, cut)``); the quotations, marks included; and the spans of the
    rule-based finder's quotes that have a reporting cue."""

    sentence_breaks: list[tuple[int, int]]
    quotations: list[tuple[int, int]]
    cued_rules: list[tuple[int, int]]


def layout_of(doc: "Doc") -> Layout:
    breaks = []
    for sent in doc.sents:
        if sent.start == 0:
            continue
        last = sent.start - 1
        while last > 0 and (doc[last].is_space or doc[last].is_punct):
            last -= 1
        breaks.append((sent.start_char, doc[last].idx + len(doc[last])))
    quotations = [(q.open, q.close + 1 if q.close is not None else q.end) for q in quotation_spans(doc_text(doc))]
    cued = [(q.start, q.end) for q in find_quotes(doc) if q.cue is not None]
    return Layout(breaks, quotations, cued)


def post_process(spans: Sequence[tuple[int, int]], layout: Layout) -> list[tuple[int, int]]:
    """The CRF's spans made final, in text order.

    - A span that runs over the start of a sentence outside quotation marks
      ends with the sentence before (the CRF tends to run on into the next
      sentence; a quote over several sentences is between quotation marks).
    - Quotes the rule-based finder found with a reporting cue are added
      where the CRF found nothing that overlaps them.

    Measured on PolNeAR *train* (600 documents trained on, 240 held out;
    README): the cut adds 0.002 to detection F1, the added quotes 0.004."""
    out = []
    starts = [b[0] for b in layout.sentence_breaks]
    for a, b in spans:
        k = bisect_right(starts, a)
        while k < len(starts) and starts[k] < b:
            start, cut = layout.sentence_breaks[k]
            if cut > a and not any(qa <= start < qb for qa, qb in layout.quotations):
                b = cut
                break
            k += 1
        out.append((a, b))
    for a, b in layout.cued_rules:
        if not any(min(b, e) > max(a, s) for s, e in out):
            out.append((a, b))
    return sorted(out)


@dataclass(slots=True)
class TrainingDocument:
    """What the detector keeps of one training document (no spaCy
    objects): its tagged sequences, its gold spans, the rule-based
    finder's spans, and its :class:`Layout`."""

    sequences: list[Sequence_]
    gold: list[tuple[int, int]]
    rules: list[tuple[int, int]]
    layout: Layout


def training_document(doc: "Doc", quotes: Sequence[tuple[int, int]]) -> TrainingDocument:
    return TrainingDocument(
        sequences(doc, quotes, max_tokens=MAX_TOKENS_PER_DOCUMENT),
        list(quotes),
        [(q.start, q.end) for q in find_quotes(doc)],
        layout_of(doc),
    )


class QuoteDetector:
    """A trained CRF tagger: :meth:`find` gives the quote spans of a Doc,
    :meth:`find_quotes` the same quotes with the cue each attaches to."""

    def __init__(self, crf: Any):
        self.crf = crf

    def find(self, doc: "Doc") -> list[tuple[int, int]]:
        found = []
        paragraphs = sequences(doc)
        tagged = self.crf.predict([p.features for p in paragraphs]) if paragraphs else []
        for paragraph, tags in zip(paragraphs, tagged):
            found.extend(spans_of(tags, paragraph.spans))
        return post_process(found, layout_of(doc))

    def find_quotes(self, doc: "Doc") -> list[FoundQuote]:
        """The quotes of :meth:`find`, each with its cue (:func:`with_cues`)."""
        return with_cues(doc, self.find(doc))


def with_cues(doc: "Doc", spans: Sequence[tuple[int, int]]) -> list[FoundQuote]:
    """The detector's spans as found quotes (``FoundQuote``), so that a baseline attributes them as it does the rule-based finder's:
    a span that overlaps quotes of the rule-based finder takes the cue and
    the type of the one it shares most characters with (and its fragments
    when the two are the same span); any other span takes the cue that
    :func:`baselines.cues.cue_of_span` finds for it (its complement-taking
    verb, or the cue nearest to it in its sentences) and the type its
    quotation marks give it."""
    rules = find_quotes(doc)
    text = doc_text(doc)
    out = []
    for a, b in spans:
        best, best_shared = None, 0
        for rule in rules:
            shared = min(b, rule.end) - max(a, rule.start)
            if shared > best_shared:
                best, best_shared = rule, shared
        if best is not None:
            fragments = list(best.fragments) if (best.start, best.end) == (a, b) else []
            out.append(FoundQuote(a, b, best.type, best.cue, fragments))
            continue
        cue = cue_of_span(doc, a, b)
        if is_in_quotation_marks(text, a, b):
            kind = "direct"
        else:
            kind = "mixed" if any(ch in QUOTE_MARKS for ch in text[a:b]) else "indirect"
        out.append(FoundQuote(a, b, kind, cue))
    return out


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
            if saved.get("version") == MODEL_VERSION:
                return (QuoteDetector(saved["crf"]) if saved["crf"] is not None else None), saved["report"]
        except (OSError, pickle.UnpicklingError, KeyError, EOFError, AttributeError):
            pass  # a damaged file (or one saved by an older detector) is trained again
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
        predicted = _within(post_process([span for s, tags in zip(d.sequences, tagged) for span in spans_of(tags, s.spans)],
                                         d.layout), d.sequences)
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
    write_bytes_atomic(path, pickle.dumps({"version": MODEL_VERSION, "crf": detector.crf if detector else None, "report": report}))
