"""Running a model over a gold set: the one path by which baselines and users'
models (``quotebench baselines``, ``quotebench submit``) produce submission
rows (SPEC section 3).

A model sees, per document, a :class:`~benchmark.models.ModelInput`: the text,
the parsed spaCy ``Doc`` when its ``needs_spacy`` is true (documents are
parsed once, with ``nlp.pipe``, and the Docs can be shared by several models)
and, in the attribution track, the gold quote spans with their ids, never
their speakers.

A model that learns (:class:`~benchmark.models.TrainableModel`, it has
``fit``) is cross-validated, so that it never predicts a quote it was trained
on: the gold set is split into ``n_folds`` folds (at most 5; fewer when there
are fewer units) with ``sklearn.model_selection.KFold(shuffle=True,
random_state=0)``; the units are documents when the gold set has several,
else the gold quotes of its one document.  For each fold, the model is
fitted on the gold quotes of the other folds and its predictions are kept
for the units of this fold only: in the attribution track a row belongs to
the unit of its ``quote_id``; in the end-to-end track a predicted quote
belongs to the gold quote it overlaps most, or else to the one whose
midpoint is nearest (as the scorer assigns unmatched predictions to
resampling units).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from benchmark.errors import UsageError
from benchmark.gold import Document, GoldSet, Quote
from benchmark.models import TRACKS, ModelInput, QuoteSpan

if TYPE_CHECKING:
    from spacy.tokens import Doc

N_FOLDS = 5
FOLD_SEED = 0
# Field order of a written row: identification first, as in SPEC section 3.
ROW_FIELDS = ("doc_id", "quote_id", "start", "end", "speaker", "speaker_start", "speaker_end", "type")


# Below this many documents, more processes cost more to start and to ship
# Docs back than they save (measured: 60 news articles parse in 5.4 s with
# two processes against 6.3 s with one, on 2 cores).
PARALLEL_FROM_DOCUMENTS = 40


def parse_documents(nlp, texts: list[str], *, progress: bool = True) -> list["Doc"]:
    """Parse every text once with ``nlp.pipe`` (a tqdm bar on stderr), in
    one process per core when there are enough documents to pay for it."""
    from tqdm import tqdm

    n_process = (os.cpu_count() or 1) if len(texts) >= PARALLEL_FROM_DOCUMENTS else 1
    return list(
        tqdm(nlp.pipe(texts, n_process=n_process), total=len(texts), desc="parsing", unit="doc", file=sys.stderr,
             disable=not progress, leave=False)
    )


def model_inputs(gold: GoldSet | Iterable[Document], track: str, docs: list["Doc"] | None = None) -> list[ModelInput]:
    """What a model sees of each document: never the gold speakers."""
    documents = gold.documents if isinstance(gold, GoldSet) else list(gold)
    items = []
    for i, document in enumerate(documents):
        quotes = None
        if track == "attribution":
            quotes = [
                QuoteSpan(q.id, q.start, q.end, tuple(q.fragments) if q.fragments else None) for q in document.quotes
            ]
        items.append(ModelInput(document.doc_id, document.text, docs[i] if docs is not None else None, quotes))
    return items


def is_trainable(model: Any) -> bool:
    return callable(getattr(model, "fit", None))


def run_model(model: Any, gold: GoldSet, track: str, *, nlp=None, docs: list["Doc"] | None = None) -> list[dict[str, Any]]:
    """Submission rows of ``model`` on every document of ``gold``.

    When the model needs spaCy, the documents are parsed once with
    ``nlp.pipe`` (``nlp`` defaults to :func:`benchmark.models.load_pipeline`)
    unless ``docs`` (one parsed Doc per gold document, in order) are given.
    Trainable models are cross-validated (see the module's docstring).
    """
    if track not in TRACKS:
        raise UsageError(f"unknown track {track!r}: use one of {', '.join(TRACKS)}")
    name = getattr(model, "name", type(model).__name__)
    if docs is not None and len(docs) != len(gold.documents):
        raise ValueError(f"{len(docs)} parsed Docs for {len(gold.documents)} documents")
    if getattr(model, "needs_spacy", False) and docs is None:
        if nlp is None:
            from benchmark.models import load_pipeline

            nlp = load_pipeline()
        docs = parse_documents(nlp, [d.text for d in gold.documents])
    if not getattr(model, "needs_spacy", False):
        docs = None
    items = model_inputs(gold, track, docs)
    if is_trainable(model):
        return _cross_validated(model, name, gold, items, track)
    rows: list[dict[str, Any]] = []
    for item in items:
        rows.extend(_checked(model.predict(item, track), name, item))
    return rows


def _checked(rows: Any, name: str, item: ModelInput) -> list[dict[str, Any]]:
    """The model's rows, refused with a clear message when they are not a
    list of objects (the fields are checked by the submission reader)."""
    if not isinstance(rows, (list, tuple)):
        raise UsageError(f"model {name!r}: predict() returned {type(rows).__name__} for document {item.doc_id!r}, not a list of rows")
    for row in rows:
        if not isinstance(row, dict):
            raise UsageError(f"model {name!r}: predict() returned a {type(row).__name__} row for document {item.doc_id!r}, not a dict")
    return list(rows)


# --------------------------------------------------------------------------
# Cross-validation of trainable models


def fold_units(gold: GoldSet) -> tuple[str, list[tuple[str, str | None]]]:
    """The cross-validation units: ("document", [(doc_id, None), ...]) when
    the gold set has several documents, else ("quote", [(doc_id, quote_id),
    ...]) for the quotes of its one document."""
    if len(gold.documents) > 1:
        return "document", [(d.doc_id, None) for d in gold.documents]
    return "quote", [(d.doc_id, q.id) for d in gold.documents for q in d.quotes]


def assign_folds(n_units: int, n_folds: int = N_FOLDS, seed: int = FOLD_SEED) -> list[int]:
    """The fold of each unit: ``KFold(min(n_folds, n_units), shuffle=True,
    random_state=seed)``."""
    from sklearn.model_selection import KFold

    folds = [0] * n_units
    if n_units < 2:
        return folds
    splitter = KFold(n_splits=min(n_folds, n_units), shuffle=True, random_state=seed)
    for fold, (_, test) in enumerate(splitter.split(list(range(n_units)))):
        for i in test:
            folds[i] = fold
    return folds


def _cross_validated(model: Any, name: str, gold: GoldSet, items: list[ModelInput], track: str) -> list[dict[str, Any]]:
    scheme, units = fold_units(gold)
    folds = assign_folds(len(units))
    unit_fold = dict(zip(units, folds))
    n_folds = max(folds) + 1 if folds else 0
    rows_by_fold: dict[int, list[dict[str, Any]]] = {}
    if len(units) < 2:
        # nothing to learn from without predicting what was learned: abstain
        return [_abstention(row) for item in items for row in _checked(model.predict(item, track), name, item)]
    for fold in range(n_folds):
        train_items, train_docs = [], []
        for item, document in zip(items, gold.documents):
            if scheme == "document":
                if unit_fold[(document.doc_id, None)] == fold:
                    continue
                train_items.append(item)
                train_docs.append(document)
            else:
                kept = [q for q in document.quotes if unit_fold[(document.doc_id, q.id)] != fold]
                train_items.append(item)
                train_docs.append(_with_quotes(document, kept))
        model.fit(train_items, train_docs)
        for item, document in zip(items, gold.documents):
            if scheme == "document" and unit_fold[(document.doc_id, None)] != fold:
                continue
            for row in _checked(model.predict(item, track), name, item):
                if scheme == "document" or unit_fold.get((document.doc_id, _quote_of_row(row, document, track))) == fold:
                    rows_by_fold.setdefault(fold, []).append(row)
    # rows back in document order, and within a document in gold quote
    # order (attribution) or text order (end-to-end); the sort is stable
    order = {d.doc_id: i for i, d in enumerate(gold.documents)}
    quote_order = {(d.doc_id, q.id): i for d in gold.documents for i, q in enumerate(d.quotes)}

    def position(row: dict[str, Any]) -> tuple[int, int]:
        doc_rank = order.get(row.get("doc_id"), len(order))
        if track == "attribution":
            return doc_rank, quote_order.get((row.get("doc_id"), row.get("quote_id")), -1)
        start = row.get("start")
        return doc_rank, start if isinstance(start, int) else -1

    rows = [row for fold in range(n_folds) for row in rows_by_fold.get(fold, [])]
    return sorted(rows, key=position)


def _abstention(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k not in ("speaker_start", "speaker_end")}
    out["speaker"] = None
    return out


def _with_quotes(document: Document, quotes: list[Quote]) -> Document:
    return Document(document.doc_id, document.source, document.text, document.entities, quotes)


def _quote_of_row(row: dict[str, Any], document: Document, track: str) -> str | None:
    """The gold quote a row belongs to: its quote_id, or for a found quote
    the gold quote sharing most characters with it, else the gold quote whose
    midpoint is nearest (the earlier on a tie)."""
    if track == "attribution":
        return row.get("quote_id")
    start, end = row.get("start"), row.get("end")
    if not document.quotes or not isinstance(start, int) or not isinstance(end, int):
        return None
    best_id, best_overlap = None, 0
    for quote in document.quotes:
        shared = sum(max(0, min(end, s.end) - max(start, s.start)) for s in quote.spans)
        if shared > best_overlap:
            best_id, best_overlap = quote.id, shared
    if best_id is not None:
        return best_id
    middle = start + end
    nearest = min(document.quotes, key=lambda q: (abs((q.start + q.end) - middle), q.start))
    return nearest.id


# --------------------------------------------------------------------------
# Writing


def write_predictions(rows: Iterable[dict[str, Any]], path: str | os.PathLike) -> Path:
    """Write rows as JSON Lines (SPEC section 3), atomically; fields in the
    order of :data:`ROW_FIELDS`, then any others."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for number, row in enumerate(rows, start=1):
        ordered = {k: row[k] for k in ROW_FIELDS if k in row}
        ordered.update((k, v) for k, v in row.items() if k not in ordered)
        try:
            lines.append(json.dumps(ordered, ensure_ascii=False, default=_json_scalar))
        except (TypeError, ValueError) as exc:
            raise UsageError(f"prediction row {number} (document {row.get('doc_id')!r}) cannot be written as JSON: {exc}") from None
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("".join(line + "\n" for line in lines))
    os.replace(tmp, target)
    return target


def _json_scalar(value: Any) -> Any:
    # numpy integers and floats, as a model built on numpy returns them
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not a JSON value")
