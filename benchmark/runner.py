"""Running models over a gold set: the one path by which baselines and users'
models (``quotebench baselines``, ``quotebench submit``) produce submission
rows (SPEC section 3).

A model sees, per document, a :class:`~benchmark.models.ModelInput`: the text,
the parsed spaCy ``Doc`` when its ``needs_spacy`` is true (documents are
parsed once and the Docs are shared by every model and both tracks) and, in
the attribution track, the gold quote spans with their ids, never their
speakers.

**Streaming.** A corpus of novels does not fit in memory as Docs, so runs
stream (:func:`run_models`): documents are parsed in pieces
(:func:`paragraph_pieces`), the pieces of a document are joined back into
one Doc with exact character offsets (:func:`join_pieces`), every model
predicts on that Doc as soon as it is complete, and the Doc is dropped.
Only a model that must see the whole set before it predicts keeps
something per document: a trainable model under cross-validation keeps
what its ``featurize`` hook returns
(:class:`~benchmark.models.FeaturizingModel`), or, without that hook, the
Doc itself.

**Pieces.** A document is cut into consecutive pieces of about
:data:`PIECE_CHARS` characters, each ending at a paragraph break (a blank
line; a line break or a space only where a paragraph runs longer than
:data:`PIECE_MAX_CHARS`), so that no piece ever reaches spaCy's
``max_length``, and the parser works on texts of a size it handles fastest.
The pieces go through one ``nlp.pipe`` stream, in batches of
:data:`PIECES_PER_BATCH`; spaCy hands batches to its processes in turn, so
with pieces of even size the work is split by characters, not by
documents.  A second process starts from :data:`PARALLEL_FROM_CHARS`
characters to parse.  The joined Doc has the document's text exactly, so a
quotation that runs over a piece boundary (over paragraphs) is one span of
one Doc for every model; a piece boundary is a paragraph break, where the
pipeline starts a sentence anyway
(:func:`benchmark.models.mark_paragraph_starts`), so no sentence and no
dependency is cut by it.

**Parse cache.** With a :class:`~benchmark.parse_cache.ParseCache`, a
document whose parse is cached is read, not parsed, and every parse is
written to it.

**Valid output.** Every model's rows go through :func:`valid_rows`, once,
here: spans clipped to the text, rows that give the same quote twice
merged; so what a model writes always passes the submission validator.

**Learning.** A model that learns (:class:`~benchmark.models.TrainableModel`,
it has ``fit``) is trained on a separate gold set when one is given
(``train``), once, before the test documents stream; else it is
cross-validated, so that it never predicts a quote it was trained on: the
gold set is split into ``n_folds`` folds (at most 5; fewer when there are
fewer units) with ``sklearn.model_selection.KFold(shuffle=True,
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

import dataclasses
import gc
import json
import numbers
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from benchmark.errors import UsageError
from benchmark.gold import Document, GoldSet, Quote
from benchmark.models import TRACKS, ModelInput, QuoteSpan, cast_of

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from benchmark.parse_cache import ParseCache

N_FOLDS = 5
FOLD_SEED = 0
# Field order of a written row: identification first, as in SPEC section 3.
ROW_FIELDS = ("doc_id", "quote_id", "start", "end", "speaker", "speaker_start", "speaker_end", "type")

# Pieces: about 10,000 characters each and 8 to a batch (80,000 characters
# sent to a process at a time).  Measured on 200,000 characters of a novel,
# one process: 12.1 s in pieces of 10,000-20,000 characters, against 14.5 s
# paragraph by paragraph and 16.7 s in pieces of 50,000 (longer texts pad
# the parser's batches more); a batch of everything took 21.8 s.
PIECE_CHARS = 10_000
PIECE_MAX_CHARS = 100_000  # a tenth of spaCy's default max_length
PIECES_PER_BATCH = 8
# From about this many characters to parse, a second process saves more than
# it costs to start and to ship Docs back: 60 news articles (216,000
# characters) parse in 5.4 s with two processes against 6.3 s with one; the
# gold set's one article (3,600) gains nothing.
PARALLEL_FROM_CHARS = 200_000

_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")


# --------------------------------------------------------------------------
# Parsing in pieces


def paragraph_pieces(text: str, size: int = PIECE_CHARS, max_size: int = PIECE_MAX_CHARS) -> list[tuple[int, int]]:
    """Consecutive ``(start, end)`` pieces covering ``text`` exactly.

    Each piece but the last ends just after a paragraph break (a blank line
    and the white space after it): the last break within ``size``
    characters, else the first one after, up to ``max_size``.  A paragraph
    longer than that is cut after its last line break, else its last white
    space, else (one "word" of ``max_size`` characters) at ``max_size``.
    """
    if size < 1 or max_size < size:
        raise ValueError("need 1 <= size <= max_size")
    pieces: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while n - start > size:
        cut = None
        for match in _BLANK_LINE.finditer(text, start + 1, start + max_size):
            if match.end() > start + size and cut is not None:
                break
            cut = match.end()
            if cut > start + size:
                break
        if cut is None or cut >= n:
            limit = min(n, start + max_size)
            if limit == n:
                break
            line = text.rfind("\n", start + 1, limit)
            space = line if line > start else max(text.rfind(" ", start + 1, limit), text.rfind("\t", start + 1, limit))
            cut = space + 1 if space > start else limit
        pieces.append((start, cut))
        start = cut
    if start < n or not pieces:
        pieces.append((start, n))
    return pieces


def join_pieces(nlp: "Language", docs: list["Doc"], text: str) -> "Doc":
    """One Doc of ``text`` from the Docs of its consecutive pieces, with the
    same characters at the same offsets (tensors and user data dropped: no
    baseline reads them, and they would double the Doc's memory)."""
    import numpy
    from spacy.tokens import Doc

    if len(docs) == 1:
        doc = docs[0]
        doc.tensor = numpy.zeros((0,), dtype="float32")
    else:
        doc = Doc.from_docs(docs, ensure_whitespace=False, exclude=["tensor", "user_data"])
    if doc.text != text:  # never expected: from_docs keeps every token's text and trailing space
        raise RuntimeError("joining the parsed pieces did not give back the document's text")
    return doc


def parsed_documents(
    nlp: "Language",
    texts: Sequence[str],
    *,
    cache: "ParseCache | None" = None,
    n_process: int | None = None,
    piece_chars: int = PIECE_CHARS,
    progress: bool = True,
) -> Iterator[tuple[int, "Doc"]]:
    """``(index, Doc)`` for every text, each as soon as it is ready: first
    the texts whose parse is cached (an entry that cannot be trusted is
    parsed again), then the others in order, parsed in pieces through one
    ``nlp.pipe`` stream (see the module's docstring) and written to the
    cache.  ``n_process`` defaults to :func:`processes_for` the characters
    to parse; ``piece_chars`` is the pieces' size (:func:`paragraph_pieces`).
    A tqdm bar on stderr counts characters."""
    from tqdm import tqdm

    bar = tqdm(total=sum(len(t) for t in texts), desc="parsing", unit="char", unit_scale=True, file=sys.stderr,
               disable=not progress, leave=False)
    try:
        to_parse = []
        if cache is not None:
            for index, text in enumerate(texts):
                if not cache.path(text).exists():
                    to_parse.append(index)
                    continue
                doc = cache.get(text)
                if doc is None:
                    to_parse.append(index)
                    continue
                bar.update(len(text))
                yield index, doc
            cache_misses = to_parse
        else:
            cache_misses = list(range(len(texts)))
        yield from _parse_in_pieces(nlp, texts, cache_misses, cache=cache, n_process=n_process, piece_chars=piece_chars, bar=bar)
    finally:
        bar.close()


def _parse_in_pieces(nlp, texts, indices, *, cache, n_process, piece_chars, bar) -> Iterator[tuple[int, "Doc"]]:
    if not indices:
        return
    if n_process is None:
        n_process = processes_for(sum(len(texts[i]) for i in indices))

    # never a piece as long as max_length, even when it is set below ours
    max_size = max(1, min(PIECE_MAX_CHARS, nlp.max_length - 1))

    def pieces() -> Iterator[tuple[str, tuple[int, int]]]:
        for index in indices:
            text = texts[index]
            spans = paragraph_pieces(text, min(piece_chars, max_size), max_size)
            for start, end in spans:
                yield text[start:end], (index, len(spans))

    pending: list["Doc"] = []
    for piece, (index, n_pieces) in nlp.pipe(pieces(), as_tuples=True, n_process=n_process, batch_size=PIECES_PER_BATCH):
        pending.append(piece)
        bar.update(len(piece.text))
        if len(pending) < n_pieces:
            continue
        doc = join_pieces(nlp, pending, texts[index])
        pending = []
        if cache is not None:
            cache.put(texts[index], doc)
        yield index, doc


def processes_for(n_chars: int) -> int:
    """How many processes parse ``n_chars`` characters: one per core from
    :data:`PARALLEL_FROM_CHARS` on, else one."""
    return (os.cpu_count() or 1) if n_chars >= PARALLEL_FROM_CHARS else 1


def parse_documents(nlp, texts: list[str], *, cache: "ParseCache | None" = None, n_process: int | None = None,
                    piece_chars: int = PIECE_CHARS, progress: bool = True) -> list["Doc"]:
    """Every text parsed (:func:`parsed_documents`), as a list in the texts'
    order: all the Docs at once, for small sets and tests."""
    docs: list[Any] = [None] * len(texts)
    for index, doc in parsed_documents(nlp, texts, cache=cache, n_process=n_process, piece_chars=piece_chars, progress=progress):
        docs[index] = doc
    return docs


# --------------------------------------------------------------------------
# What a model sees, and what it may write


def model_input(document: Document, track: str, doc: "Doc | None" = None) -> ModelInput:
    """What a model sees of one document: never the gold speakers."""
    quotes = gold_spans(document) if track == "attribution" else None
    return ModelInput(document.doc_id, document.text, doc, quotes, cast=cast_of(document))


def gold_spans(document: Document) -> list[QuoteSpan]:
    return [QuoteSpan(q.id, q.start, q.end, tuple(q.fragments) if q.fragments else None) for q in document.quotes]


def model_inputs(gold: GoldSet | Iterable[Document], track: str, docs: list["Doc"] | None = None) -> list[ModelInput]:
    """:func:`model_input` of every document."""
    documents = gold.documents if isinstance(gold, GoldSet) else list(gold)
    return [model_input(d, track, docs[i] if docs is not None else None) for i, d in enumerate(documents)]


def is_trainable(model: Any) -> bool:
    return callable(getattr(model, "fit", None))


def _has_spans(row: dict[str, Any], start_key: str, end_key: str) -> bool:
    return isinstance(row.get(start_key), numbers.Integral) and isinstance(row.get(end_key), numbers.Integral)


def valid_rows(rows: list[dict[str, Any]], document: Document, track: str) -> list[dict[str, Any]]:
    """``rows`` as the submission validator accepts them, in their order.

    - Spans are clipped to the text: an end-to-end ``start``/``end`` to
      ``[0, len(text)]``, a row whose span is then empty dropped; a
      ``speaker_start``/``speaker_end`` likewise, both removed when empty.
    - Rows that give the same quote twice (same ``quote_id``; same
      ``start``/``end`` end-to-end) are merged into the first of them that
      names a speaker, else the first of them.

    Anything else (a wrong doc_id, an unknown quote_id or field) is the
    model's to fix and is left for the validator to refuse.
    """
    length = len(document.text)
    kept: dict[Any, int] = {}
    out: list[dict[str, Any]] = []
    for row in rows:
        row = dict(row)
        if track == "end-to-end" and _has_spans(row, "start", "end"):
            row["start"], row["end"] = max(0, int(row["start"])), min(length, int(row["end"]))
            if row["start"] >= row["end"]:
                continue
        if _has_spans(row, "speaker_start", "speaker_end"):
            start, end = max(0, int(row["speaker_start"])), min(length, int(row["speaker_end"]))
            if start < end:
                row["speaker_start"], row["speaker_end"] = start, end
            else:
                del row["speaker_start"], row["speaker_end"]
        key = (row.get("doc_id"), row.get("quote_id")) if track == "attribution" else (row.get("doc_id"), row.get("start"), row.get("end"))
        try:
            first = kept.get(key)
        except TypeError:  # an unhashable value: the validator will say what is wrong
            out.append(row)
            continue
        if first is None:
            kept[key] = len(out)
            out.append(row)
        elif not _names_speaker(out[first]) and _names_speaker(row):
            out[first] = row
    return out


def _names_speaker(row: dict[str, Any]) -> bool:
    speaker = row.get("speaker")
    return isinstance(speaker, str) and bool(speaker.strip())


def _checked(rows: Any, name: str, item: ModelInput) -> list[dict[str, Any]]:
    """The model's rows, refused with a clear message when they are not a
    list of objects (the fields are checked by the submission reader)."""
    if not isinstance(rows, (list, tuple)):
        raise UsageError(f"model {name!r}: predict() returned {type(rows).__name__} for document {item.doc_id!r}, not a list of rows")
    for row in rows:
        if not isinstance(row, dict):
            raise UsageError(f"model {name!r}: predict() returned a {type(row).__name__} row for document {item.doc_id!r}, not a dict")
    return list(rows)


def _predict(model: Any, item: ModelInput, document: Document, track: str) -> list[dict[str, Any]]:
    """The one place where a model predicts: its rows checked and made valid."""
    return valid_rows(_checked(model.predict(item, track), _name(model), item), document, track)


def _name(model: Any) -> str:
    return getattr(model, "name", type(model).__name__)


# --------------------------------------------------------------------------
# Running


def run_model(model: Any, gold: GoldSet, track: str, *, nlp=None, docs: list["Doc"] | None = None,
              train: GoldSet | None = None, cache: "ParseCache | None" = None, progress: bool = True) -> list[dict[str, Any]]:
    """Submission rows of ``model`` on every document of ``gold``: one model
    and one track of :func:`run_models`."""
    return run_models([model], gold, [track], nlp=nlp, docs=docs, train=train, cache=cache, progress=progress)[(_name(model), track)]


def run_models(
    models: Sequence[Any],
    gold: GoldSet,
    tracks: Sequence[str],
    *,
    nlp=None,
    docs: list["Doc"] | None = None,
    train: GoldSet | None = None,
    cache: "ParseCache | None" = None,
    n_process: int | None = None,
    progress: bool = True,
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Rows of every model in every track on ``gold``, keyed by ``(model
    name, track)``, in document order, streamed (see the module's
    docstring).

    When a model needs spaCy, the documents are parsed once (``nlp``
    defaults to :func:`benchmark.models.load_pipeline`, ``cache`` is used
    when given) unless ``docs`` (one parsed Doc per gold document, in order)
    are given.  Trainable models are trained on ``train`` when it is given,
    else cross-validated on ``gold``.
    """
    for track in tracks:
        if track not in TRACKS:
            raise UsageError(f"unknown track {track!r}: use one of {', '.join(TRACKS)}")
    names = [_name(m) for m in models]
    if len(set(names)) != len(names):
        raise ValueError(f"two models share a name: {names}")
    if docs is not None and len(docs) != len(gold.documents):
        raise ValueError(f"{len(docs)} parsed Docs for {len(gold.documents)} documents")
    needs_spacy = any(getattr(m, "needs_spacy", False) for m in models)
    if needs_spacy and docs is None and nlp is None:
        from benchmark.models import load_pipeline

        nlp = load_pipeline()

    if train is not None:
        for model in models:
            if is_trainable(model):
                _fit_on(model, train, nlp=nlp, cache=cache, n_process=n_process, progress=progress)
    cross_validated = [m for m in models if is_trainable(m) and train is None]
    streamed = [m for m in models if m not in cross_validated]

    by_document: dict[tuple[str, str], list[list[dict[str, Any]] | None]] = {
        (_name(m), t): [None] * len(gold.documents) for m in streamed for t in tracks
    }
    kept: dict[tuple[str, str], list[ModelInput | None]] = {
        (_name(m), t): [None] * len(gold.documents) for m in cross_validated for t in tracks
    }

    def keep(index: int, rows: dict, inputs: dict) -> None:
        for key, value in rows.items():
            by_document[key][index] = value
        for key, value in inputs.items():
            kept[key][index] = value

    remaining = list(range(len(gold.documents)))
    if needs_spacy and docs is None and cache is not None and all(
        callable(getattr(m, "featurize", None)) for m in cross_validated if getattr(m, "needs_spacy", False)
    ):
        done = _predict_cached_in_processes(gold.documents, tracks, streamed, cross_validated, cache, n_process, progress, keep)
        remaining = [i for i in remaining if i not in done]
    for index, doc in _documents(gold.documents, needs_spacy, nlp=nlp, docs=docs, cache=cache, n_process=n_process,
                                 progress=progress, indices=remaining):
        keep(index, *_on_document(gold.documents[index], doc, tracks, streamed, cross_validated))
        del doc  # the Doc goes now: nothing above keeps it, unless a model without featurize must

    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for key, rows in by_document.items():
        results[key] = [row for document_rows in rows for row in document_rows or ()]
    for model in cross_validated:
        for track in tracks:
            results[(_name(model), track)] = _cross_validated(model, _name(model), gold, kept.pop((_name(model), track)), track)
    return {(_name(m), t): results[(_name(m), t)] for m in models for t in tracks}


def _on_document(document: Document, doc: "Doc | None", tracks, streamed, cross_validated) -> tuple[dict, dict]:
    """Every streamed model's rows on one document, and what each
    cross-validated model keeps of it, keyed by (model name, track)."""
    items = {t: model_input(document, t, doc) for t in tracks}
    rows, inputs = {}, {}
    for model in streamed:
        for track in tracks:
            item = items[track] if getattr(model, "needs_spacy", False) else _without_doc(items[track])
            rows[(_name(model), track)] = _predict(model, item, document, track)
    for model in cross_validated:
        for track in tracks:
            inputs[(_name(model), track)] = _kept_input(model, items[track], document)
    return rows, inputs


def _documents(documents: Sequence[Document], needs_spacy: bool, *, nlp, docs, cache, n_process, progress,
               indices: Sequence[int] | None = None) -> Iterator[tuple[int, Any]]:
    """``(index, Doc or None)`` for the documents of ``indices`` (default
    all), Docs parsed or given."""
    indices = list(range(len(documents))) if indices is None else list(indices)
    if not needs_spacy:
        return ((i, None) for i in indices)
    if docs is not None:
        return ((i, docs[i]) for i in indices)
    parsed = parsed_documents(nlp, [documents[i].text for i in indices], cache=cache, n_process=n_process, progress=progress)
    return ((indices[k], doc) for k, doc in parsed)


# What the processes that read the cache and predict inherit (by fork).
_WORKER_STATE: dict[str, Any] = {}


def _predict_cached_in_processes(documents, tracks, streamed, cross_validated, cache, n_process, progress, keep) -> set[int]:
    """Read the cached documents and run the models on them in one process
    per core, the largest documents first (each process takes the next
    document when it is done: the work is shared by characters); return the
    indices done.  Only where ``fork`` exists, and only when there are at
    least :data:`PARALLEL_FROM_CHARS` cached characters: else the documents
    are read in this process, as they stream."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return set()
    cached = [i for i, d in enumerate(documents) if cache.path(d.text).exists()]
    n_chars = sum(len(documents[i].text) for i in cached)
    processes = min(n_process or processes_for(n_chars), len(cached))
    if processes < 2:
        return set()
    from tqdm import tqdm

    _WORKER_STATE.update(documents=documents, tracks=tracks, streamed=streamed, cross_validated=cross_validated, cache=cache)
    done: set[int] = set()
    order = sorted(cached, key=lambda i: -len(documents[i].text))
    # The objects alive now (the gold set, the pipeline) are left out of the
    # collector's passes: the processes only read them, and a pass over them
    # in a forked process would cost time and copy their memory pages.
    gc.freeze()
    sys.stdout.flush()  # or the processes would write what is still buffered again
    sys.stderr.flush()
    try:
        with tqdm(total=n_chars, desc="cached parses", unit="char", unit_scale=True, file=sys.stderr, disable=not progress,
                  leave=False) as bar, multiprocessing.get_context("fork").Pool(processes) as pool:
            for index, rows, inputs in pool.imap_unordered(_predict_cached, order, chunksize=1):
                bar.update(len(documents[index].text))
                if rows is None:
                    continue  # not trusted: looked up again, and parsed, with the rest
                cache.hits += 1
                keep(index, rows, inputs)
                done.add(index)
    finally:
        gc.unfreeze()
        _WORKER_STATE.clear()
    return done


def _predict_cached(index: int) -> tuple[int, dict | None, dict | None]:
    state = _WORKER_STATE
    document = state["documents"][index]
    doc = state["cache"].get(document.text)
    if doc is None:
        return index, None, None
    return (index, *_on_document(document, doc, state["tracks"], state["streamed"], state["cross_validated"]))


def _without_doc(item: ModelInput) -> ModelInput:
    return ModelInput(item.doc_id, item.text, None, item.quotes, cast=item.cast)


def _kept_input(model: Any, item: ModelInput, document: Document) -> ModelInput:
    """What a model that must see the whole set keeps of one document: what
    its ``featurize(item, quotes)`` hook returns (the gold quote spans given,
    never the speakers), the Doc dropped; without the hook, the Doc."""
    if not getattr(model, "needs_spacy", False):
        return _without_doc(item)
    featurize = getattr(model, "featurize", None)
    if not callable(featurize):
        return item
    features = featurize(item, gold_spans(document))
    return ModelInput(item.doc_id, item.text, None, item.quotes, features=features, cast=item.cast)


def _fit_on(model: Any, train: GoldSet, *, nlp, cache, n_process, progress) -> None:
    """Train ``model`` once on every document of ``train``, shown as in the
    attribution track (gold quote spans with their ids)."""
    needs_spacy = getattr(model, "needs_spacy", False)
    items: list[Any] = [None] * len(train.documents)
    for index, doc in _documents(train.documents, needs_spacy, nlp=nlp, docs=None, cache=cache, n_process=n_process, progress=progress):
        items[index] = _kept_input(model, model_input(train.documents[index], "attribution", doc), train.documents[index])
    model.fit(items, list(train.documents))


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
        return [_abstention(row) for item, document in zip(items, gold.documents) for row in _predict(model, item, document, track)]
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
            for row in _predict(model, item, document, track):
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
    return dataclasses.replace(document, quotes=quotes)


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
    """Write rows as JSON Lines (SPEC section 3), atomically (a replaced
    file keeps its mode); fields in the
    order of :data:`ROW_FIELDS`, then any others."""
    from benchmark.files import atomic_open

    target = Path(path)
    # one encoder for every row: json.dumps with options builds a new one a call
    encoder = json.JSONEncoder(ensure_ascii=False, default=_json_scalar)
    lines = []
    for number, row in enumerate(rows, start=1):
        ordered = {k: row[k] for k in ROW_FIELDS if k in row}
        ordered.update((k, v) for k, v in row.items() if k not in ordered)
        try:
            lines.append(encoder.encode(ordered))
        except (TypeError, ValueError) as exc:
            raise UsageError(f"prediction row {number} (document {row.get('doc_id')!r}) cannot be written as JSON: {exc}") from None
    with atomic_open(target, "w", newline="\n") as fh:
        fh.write("".join(line + "\n" for line in lines))
    return target


def _json_scalar(value: Any) -> Any:
    # numpy integers and floats, as a model built on numpy returns them
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not a JSON value")
