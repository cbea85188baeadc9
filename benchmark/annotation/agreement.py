"""Agreement between annotators: how far two or more annotations of the same
texts agree (``quotebench gold agree``), measured as attribution corpora
report it.

Inputs are gold sets (one per annotator).  Documents are matched by
``doc_id``; a document must have the same ``text`` in every annotation that
has it, and a document found in fewer than two annotations is counted and
left out.  Every figure below is computed over the documents an annotator
pair (or, for the overall token alpha, each annotator) shares.

Definitions, for an ordered pair of annotators (A, B):

- **Pairing.**  The scorer's end-to-end pairing
  (:func:`benchmark.scoring.pair_documents`): A's quotes play the gold quotes
  (a fragmented quote is its fragments), B's quotes the predictions (each its
  start-end span); one-to-one, maximising the total number of shared
  characters, among pairs that pass ``match`` (``overlap``: shared /
  longer >= ``min_overlap``; ``exact``: equal after trimming white space,
  punctuation and quotation marks).  The pair is always taken in the order
  the annotations were given (A before B).
- **Quote F1** = 2 * paired / (quotes of A + quotes of B): the F1 of B
  scored against A, which is also that of A against B.  Undefined (``None``)
  when neither has a quote.  **Attribution-wise agreement** ``agr(A||B)`` =
  paired / quotes of A (the share of A's attributions that B also marked,
  Wiebe et al. 2005); the overall figure is the mean over ordered pairs.
- On paired quotes:
  **speaker agreement** = the share of paired quotes whose speakers agree:
  both null, or two entities with a normalised name or alias in common
  (:func:`benchmark.names.normalize_name`; a name that is a pronoun, "he",
  does not count), or with a mention of one overlapping a mention of the
  other (or the quotes' speaker mentions overlapping);
  **cue agreement** = the share whose cues agree: both null, or overlapping;
  **type agreement** = Cohen's kappa of the two annotators' quote types over
  the paired quotes (``None`` when undefined: every paired quote has one and
  the same type in both).
- **Token alpha.**  The text is cut into tokens by :data:`TOKEN` (a run of
  word characters, or one character that is neither a word character nor
  white space).  Each annotator gives each token of a document one of four
  labels: speaker mention (the token shares a character with a quote's
  ``speaker_mention``), else cue (with a quote's ``cue``), else quote
  content (with a quote's span, or one of its fragments), else none.
  Krippendorff's alpha, nominal, over the reliability matrix annotators x
  tokens of every shared document (a document an annotator did not label is
  missing data for that annotator), from the ``krippendorff`` package.
  ``None`` when undefined (a single label throughout).

Overall figures: ``quote_f1``, ``speaker_agreement`` and ``cue_agreement``
are means over the unordered pairs (pairs with no paired quote are left out
of the last two); ``type_agreement`` is the pair's Cohen's kappa with two
annotators, and with more Krippendorff's alpha (nominal) over units that are
the paired quotes of every pair (two values each); ``token_alpha`` as above
over all annotators at once.  Per document, the same figures over the
annotators that have it, sorted so that the documents with the least
agreement come first (token alpha, then quote F1, ascending; undefined
figures last).
"""

from __future__ import annotations

import itertools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from benchmark.annotation.common import PRONOUNS
from benchmark.errors import InputError, UsageError
from benchmark.gold import QUOTE_TYPES, Document, GoldSet, Quote, Span, load_gold
from benchmark.names import normalize_name
from benchmark.scoring import pair_documents

TOKEN = re.compile(r"\w+|[^\w\s]")
"""A token: a run of word characters, or one other character that is not white space."""

LABELS = ("none", "quote content", "cue", "speaker mention")
"""Token labels, by index; a token in several spans takes the highest index."""
NONE, CONTENT, CUE, SPEAKER = range(4)


@dataclass(slots=True)
class Annotation:
    """One annotator's gold set: a display name, the file, its documents by
    id and the line of each."""

    name: str
    path: str
    documents: dict[str, Document]
    lines: dict[str, int]


def load_annotations(paths: Sequence[str | os.PathLike]) -> list[Annotation]:
    """Validate and read each gold file.  An annotation is named by its file
    name without ``.jsonl`` (its path, when two files share a name)."""
    from benchmark.annotation.merge import document_lines

    if len(paths) < 2:
        raise UsageError("gold agree needs at least two annotations (gold files)")
    stems = [Path(p).name.removesuffix(".jsonl") for p in paths]
    annotations = []
    for path, stem in zip(paths, stems):
        gold: GoldSet = load_gold(path)
        name = stem if stems.count(stem) == 1 else os.fspath(path)
        lines = dict(zip((d.doc_id for d in gold.documents), document_lines(path)))
        annotations.append(Annotation(name, os.fspath(path), {d.doc_id: d for d in gold.documents}, lines))
    return annotations


# --------------------------------------------------------------------------
# Tokens


def token_spans(text: str) -> np.ndarray:
    """``(n, 2)`` array of token start and end offsets (see :data:`TOKEN`)."""
    spans = [m.span() for m in TOKEN.finditer(text)]
    return np.array(spans, dtype=np.int64).reshape(-1, 2)


def token_labels(doc: Document, tokens: np.ndarray) -> np.ndarray:
    """The label index (:data:`LABELS`) of each token of ``doc`` under its
    annotation: the highest label of any of its characters."""
    chars = np.zeros(len(doc.text) + 1, dtype=np.int64)  # +1: a sentinel for reduceat
    for label, spans in (
        (CONTENT, [s for q in doc.quotes for s in q.spans]),
        (CUE, [q.cue for q in doc.quotes if q.cue is not None]),
        (SPEAKER, [q.speaker_mention for q in doc.quotes if q.speaker_mention is not None]),
    ):
        for span in spans:
            np.maximum(chars[span.start:span.end], label, out=chars[span.start:span.end])
    if len(tokens) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.maximum.reduceat(chars, tokens.reshape(-1))[::2]


def krippendorff_alpha(reliability: np.ndarray) -> float | None:
    """Krippendorff's alpha, nominal, of a coders x units matrix (NaN:
    missing), from the ``krippendorff`` package; None when undefined (fewer
    than two distinct values, or no unit coded twice)."""
    import krippendorff

    values = reliability[~np.isnan(reliability)]
    if len(np.unique(values)) < 2 or not ((~np.isnan(reliability)).sum(axis=0) >= 2).any():
        return None
    return float(krippendorff.alpha(reliability_data=reliability, level_of_measurement="nominal"))


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two label sequences (scikit-learn's), None when
    undefined (no item, or chance agreement of 1: one label throughout)."""
    if not a or len(set(a) | set(b)) < 2:
        return None
    from sklearn.metrics import cohen_kappa_score

    return float(cohen_kappa_score(a, b))


# --------------------------------------------------------------------------
# Pairing quotes and comparing paired quotes


def _overlap(x: Span, y: Span) -> bool:
    return x.start < y.end and y.start < x.end


def _names(doc: Document, entity_id: str) -> set[str]:
    entity = doc.entity(entity_id)
    if entity is None:
        return set()
    names = {normalize_name(n) for n in (entity.name, *entity.aliases)}
    return {n for n in names if n and n not in PRONOUNS}


def same_speaker(doc_a: Document, qa: Quote, doc_b: Document, qb: Quote) -> bool:
    """Whether two paired quotes have the same speaker (module docstring)."""
    if qa.speaker is None or qb.speaker is None:
        return qa.speaker is None and qb.speaker is None
    if qa.speaker_mention is not None and qb.speaker_mention is not None and _overlap(qa.speaker_mention, qb.speaker_mention):
        return True
    if _names(doc_a, qa.speaker) & _names(doc_b, qb.speaker):
        return True
    ea, eb = doc_a.entity(qa.speaker), doc_b.entity(qb.speaker)
    return bool(ea and eb and any(_overlap(m, n) for m in ea.mentions for n in eb.mentions))


def same_cue(qa: Quote, qb: Quote) -> bool:
    """Both cues null, or both given and overlapping."""
    if qa.cue is None or qb.cue is None:
        return qa.cue is None and qb.cue is None
    return _overlap(qa.cue, qb.cue)


# --------------------------------------------------------------------------
# The figures


@dataclass(slots=True)
class _PairDocument:
    """What one pair of annotators did on one document."""

    n_a: int
    n_b: int
    paired: int
    speaker_agree: int
    cue_agree: int
    types: list[tuple[str, str]]


def _f1(paired: int, n_a: int, n_b: int) -> float | None:
    return 2 * paired / (n_a + n_b) if n_a + n_b else None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _mean(values: list[float | None]) -> float | None:
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def _pair_figures(docs: list[_PairDocument]) -> dict[str, Any]:
    n_a, n_b = sum(d.n_a for d in docs), sum(d.n_b for d in docs)
    paired = sum(d.paired for d in docs)
    types = [t for d in docs for t in d.types]
    return {
        "n_documents": len(docs),
        "quotes_a": n_a,
        "quotes_b": n_b,
        "paired": paired,
        "quote_f1": _f1(paired, n_a, n_b),
        "agr_a_in_b": _share(paired, n_a),
        "agr_b_in_a": _share(paired, n_b),
        "speaker_agreement": _share(sum(d.speaker_agree for d in docs), paired),
        "cue_agreement": _share(sum(d.cue_agree for d in docs), paired),
        "type_kappa": cohen_kappa([a for a, _ in types], [b for _, b in types]),
    }


def _check_texts(annotations: list[Annotation]) -> None:
    first: dict[str, Annotation] = {}
    for ann in annotations:
        for doc_id, doc in ann.documents.items():
            ref = first.setdefault(doc_id, ann)
            if ref is ann:
                continue
            ref_text = ref.documents[doc_id].text
            if doc.text != ref_text:
                where = next((i for i, (x, y) in enumerate(zip(ref_text, doc.text)) if x != y), min(len(ref_text), len(doc.text)))
                raise InputError(
                    ann.path,
                    ann.lines.get(doc_id, 0),
                    "text",
                    f"document {doc_id!r} differs from its text in {ref.path} (line {ref.lines.get(doc_id, 0)}) at character {where}",
                )


def agreement(annotations: list[Annotation], *, match: str = "overlap", min_overlap: float = 0.5) -> dict[str, Any]:
    """Every agreement figure of the module docstring, as a JSON-ready dict
    with ``annotators``, ``n_documents``, ``n_documents_left_out``,
    ``token_alpha``, ``quote_f1``, ``attribution_agreement``,
    ``speaker_agreement``, ``cue_agreement``, ``type_agreement``,
    ``per_pair`` and ``per_document``."""
    from benchmark.contract import MATCH_MODES

    if match not in MATCH_MODES:
        raise UsageError(f"--match must be one of {', '.join(MATCH_MODES)}, got {match!r}")
    if not 0 < min_overlap <= 1:
        raise UsageError(f"--min-overlap must be in (0, 1], got {min_overlap}")
    _check_texts(annotations)
    holders: dict[str, list[int]] = {}
    for i, ann in enumerate(annotations):
        for doc_id in ann.documents:
            holders.setdefault(doc_id, []).append(i)
    shared = sorted(d for d, h in holders.items() if len(h) >= 2)
    left_out = len(holders) - len(shared)

    # per pair and document
    by_pair: dict[tuple[int, int], dict[str, _PairDocument]] = {}
    for i, j in itertools.combinations(range(len(annotations)), 2):
        common = [d for d in shared if i in holders[d] and j in holders[d]]
        a = [annotations[i].documents[d] for d in common]
        b = [annotations[j].documents[d] for d in common]
        pairs = pair_documents(a, b, match, min_overlap)
        found: dict[str, _PairDocument] = {}
        for doc_id, da, db, doc_pairs in zip(common, a, b, pairs):
            qa = [da.quotes[x] for x, _ in doc_pairs]
            qb = [db.quotes[y] for _, y in doc_pairs]
            found[doc_id] = _PairDocument(
                len(da.quotes),
                len(db.quotes),
                len(doc_pairs),
                sum(same_speaker(da, x, db, y) for x, y in zip(qa, qb)),
                sum(same_cue(x, y) for x, y in zip(qa, qb)),
                [(x.type, y.type) for x, y in zip(qa, qb)],
            )
        by_pair[(i, j)] = found

    # tokens
    tokens = {d: token_spans(annotations[holders[d][0]].documents[d].text) for d in shared}
    labels = {
        d: np.full((len(annotations), len(tokens[d])), np.nan) for d in shared
    }
    for d in shared:
        for i in holders[d]:
            labels[d][i] = token_labels(annotations[i].documents[d], tokens[d])

    per_pair = []
    for (i, j), found in by_pair.items():
        figures = _pair_figures(list(found.values()))
        matrix = np.concatenate([labels[d][[i, j]] for d in found], axis=1) if found else np.zeros((2, 0))
        per_pair.append({"a": annotations[i].name, "b": annotations[j].name, **figures, "token_alpha": krippendorff_alpha(matrix)})

    all_types = [t for found in by_pair.values() for d in found.values() for t in d.types]
    if len(annotations) == 2:
        type_agreement = {"measure": "cohen_kappa", "value": per_pair[0]["type_kappa"]}
    else:
        type_agreement = {"measure": "krippendorff_alpha", "value": _pairwise_alpha(all_types)}
    type_agreement["observed"] = _share(sum(a == b for a, b in all_types), len(all_types))

    per_document = []
    for d in shared:
        pair_docs = [(i, j, found[d]) for (i, j), found in by_pair.items() if d in found]
        per_document.append(
            {
                "doc_id": d,
                "annotators": [annotations[i].name for i in holders[d]],
                "quotes": {annotations[i].name: len(annotations[i].documents[d].quotes) for i in holders[d]},
                "token_alpha": krippendorff_alpha(labels[d][holders[d]]),
                "quote_f1": _mean([_f1(p.paired, p.n_a, p.n_b) for _, _, p in pair_docs]),
                "speaker_agreement": _mean([_share(p.speaker_agree, p.paired) for _, _, p in pair_docs]),
                "cue_agreement": _mean([_share(p.cue_agree, p.paired) for _, _, p in pair_docs]),
            }
        )
    per_document.sort(key=_worst_first)

    overall_matrix = np.concatenate([labels[d] for d in shared], axis=1) if shared else np.zeros((len(annotations), 0))
    return {
        "annotators": [{"name": a.name, "path": a.path, "documents": len(a.documents)} for a in annotations],
        "settings": {"match": match, "min_overlap": float(min_overlap) if match == "overlap" else None},
        "n_documents": len(shared),
        "n_documents_left_out": left_out,
        "n_tokens": int(sum(len(tokens[d]) for d in shared)),
        "token_alpha": krippendorff_alpha(overall_matrix),
        "quote_f1": _mean([p["quote_f1"] for p in per_pair]),
        "attribution_agreement": _mean([v for p in per_pair for v in (p["agr_a_in_b"], p["agr_b_in_a"])]),
        "speaker_agreement": _mean([p["speaker_agreement"] for p in per_pair]),
        "cue_agreement": _mean([p["cue_agreement"] for p in per_pair]),
        "type_agreement": type_agreement,
        "per_pair": per_pair,
        "per_document": per_document,
    }


def _pairwise_alpha(types: list[tuple[str, str]]) -> float | None:
    """Krippendorff's alpha (nominal) over units of two values each."""
    if not types:
        return None
    code = {t: float(k) for k, t in enumerate(QUOTE_TYPES)}
    matrix = np.array([[code[a] for a, _ in types], [code[b] for _, b in types]])
    return krippendorff_alpha(matrix)


def _worst_first(row: dict[str, Any]) -> tuple:
    def key(value: float | None) -> tuple[int, float]:
        return (1, 0.0) if value is None else (0, value)

    return (key(row["token_alpha"]), key(row["quote_f1"]), row["doc_id"])


# --------------------------------------------------------------------------
# Text


def _fmt(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def format_agreement(result: dict[str, Any], *, max_documents: int = 20) -> str:
    """The figures as a few plain-text tables."""
    from benchmark.wording import counted

    names = ", ".join(a["name"] for a in result["annotators"])
    t = result["type_agreement"]
    lines = [
        f"{counted(len(result['annotators']), 'annotation')} ({names}); {counted(result['n_documents'], 'shared document')}, "
        f"{counted(result['n_tokens'], 'token')}; {counted(result['n_documents_left_out'], 'document')} "
        "in only one annotation left out",
        "",
    ]
    overall = [
        ("token alpha (Krippendorff, nominal, 4 labels)", result["token_alpha"]),
        ("quote F1 (mean over pairs)", result["quote_f1"]),
        ("attribution agreement agr (mean over ordered pairs)", result["attribution_agreement"]),
        ("speaker agreement on paired quotes", result["speaker_agreement"]),
        ("cue agreement on paired quotes", result["cue_agreement"]),
        (f"type agreement ({t['measure'].replace('_', ' ')})", t["value"]),
    ]
    width = max(len(label) for label, _ in overall)
    lines += [f"{label:<{width}}  {_fmt(value)}" for label, value in overall]
    names_width = max([len(p[k]) for p in result["per_pair"] for k in ("a", "b")] + [1])
    columns = ("quote_f1", "speaker", "cue", "type_k", "token_a")
    lines += ["", "per pair", f"  {'a':<{names_width}} {'b':<{names_width}} {'quotes':>11} {'paired':>6} " + " ".join(f"{c:>8}" for c in columns)]
    for p in result["per_pair"]:
        figures = (p["quote_f1"], p["speaker_agreement"], p["cue_agreement"], p["type_kappa"], p["token_alpha"])
        lines.append(
            f"  {p['a']:<{names_width}} {p['b']:<{names_width}} {p['quotes_a']:>5}/{p['quotes_b']:<5} {p['paired']:>6} "
            + " ".join(f"{_fmt(v):>8}" for v in figures)
        )
    docs = result["per_document"]
    shown = f" (the first {max_documents} of {len(docs)})" if len(docs) > max_documents else ""
    lines += ["", f"per document, least agreement first{shown}", "  " + " ".join(f"{c:>8}" for c in ("token_a", "quote_f1", "speaker", "cue")) + "  doc_id"]
    for row in docs[:max_documents]:
        figures = (row["token_alpha"], row["quote_f1"], row["speaker_agreement"], row["cue_agreement"])
        lines.append("  " + " ".join(f"{_fmt(v):>8}" for v in figures) + f"  {row['doc_id']}")
    return "\n".join(lines)
