"""PolNeAR, the Political News Attribution Relations corpus, as its authors
publish it.

``quotebench gold import polnear DIR --split train|dev|test|all --out GOLD
[--annotator first|ID|each]`` reads the repository ``DIR``
(``github.com/networkdynamics/PolNeAR``) unchanged: per split,
``data/<split>/text/<doc>.txt`` and
``data/<split>/attributions/<doc>_<annotator>.ann`` (brat standoff, event
style).  It is a preset of the brat reader, :func:`benchmark.annotation.brat.read_brat`,
over ``data/<split>``: a split reads exactly as ``quotebench gold import brat
DIR/data/<split>`` reads it (the ``corenlp/`` folder beside holds no
``.txt`` and is not read).

- ``--annotator first`` (the default): one annotation per document, the brat
  reader's default rule (the alphabetically first annotator's file that holds
  annotations).
- ``--annotator ID``: that annotator's file where there is one, else the
  default rule (the brat reader's ``--annotator``).
- ``--annotator each``: ``--out`` is a folder; one gold file per annotator,
  ``FOLDER/<annotator>.jsonl``, holding the documents that annotator labelled
  (the split's, or every split's with ``--split all``).  The files are
  validated, then written together or not at all.

``--split all`` reads train, dev and test in that order, one after the other.

A document whose files the brat reader refuses is left out, the reader's
messages in a note, and the rest of the split is read; the brat reader alone
would import nothing of that split.  (At the commit tested every document
imports.)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from benchmark.annotation import AnnotationFormat, Option
from benchmark.annotation.brat import read_brat
from benchmark.annotation.common import ImportedFiles, ImportResult, LabelTypes
from benchmark.errors import InputError, InputErrors, UsageError
from benchmark.gold import Document

SPLITS = ("train", "dev", "test")
ALL_SPLITS = "all"
TEXT_FOLDER = "text"
ATTRIBUTIONS_FOLDER = "attributions"
FIRST, EACH = "first", "each"


def split_folder(root: Path, split: str) -> Path:
    """``DIR/data/<split>``, after checking that it holds ``text/`` and
    ``attributions/``."""
    folder = root / "data" / split
    for sub in (TEXT_FOLDER, ATTRIBUTIONS_FOLDER):
        if not (folder / sub).is_dir():
            raise InputError(
                folder / sub,
                0,
                "path",
                f"missing (expected PolNeAR's repository: data/<split>/{TEXT_FOLDER}/ and data/<split>/{ATTRIBUTIONS_FOLDER}/)",
            )
    return folder


def labelled_by(folder: Path) -> dict[str, list[str]]:
    """``annotator -> documents`` of a split folder, from the names of its
    ``attributions/<doc>_<annotator>.ann`` files (``<doc>`` the longest name
    of a text in ``text/``, as the brat reader pairs them)."""
    texts = {p.name[:-4] for p in (folder / TEXT_FOLDER).iterdir() if p.name.endswith(".txt") and not p.name.startswith(".")}
    found: dict[str, list[str]] = {}
    for ann in sorted((folder / ATTRIBUTIONS_FOLDER).iterdir()):
        if not ann.name.endswith(".ann") or ann.name.startswith("."):
            continue
        stem = ann.name[:-4]
        cuts = [i for i, c in enumerate(stem) if c == "_"]
        for cut in reversed(cuts):
            if stem[:cut] in texts:
                found.setdefault(stem[cut + 1 :], []).append(stem[:cut])
                break
    return {annotator: sorted(docs) for annotator, docs in sorted(found.items())}


def _splits(split: str | None) -> tuple[str, ...]:
    if split is None:
        raise UsageError(f"polnear imports need --split ({'|'.join(SPLITS)}|{ALL_SPLITS})")
    if split == ALL_SPLITS:
        return SPLITS
    if split not in SPLITS:
        raise UsageError(f"--split {split!r}: choose one of {', '.join(SPLITS)}, {ALL_SPLITS}")
    return (split,)


def read_polnear(
    folder: str | os.PathLike,
    *,
    out: str | os.PathLike,
    split: str | None,
    annotator: str | None = None,
    types: LabelTypes = LabelTypes(),
) -> ImportResult:
    """Gold documents from a PolNeAR repository (see the module docstring).
    With ``annotator="each"``, ``out`` is the folder of the per-annotator
    files and an :class:`ImportedFiles` is returned."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(root, 0, "path", "not a folder (polnear import reads PolNeAR's repository)")
    folders = [split_folder(root, s) for s in _splits(split)]
    if annotator == EACH:
        return _read_each(folders, Path(out), types)
    chosen = None if annotator in (None, FIRST) else annotator
    if chosen is not None and not any(chosen in labelled_by(f) for f in folders):
        found = sorted({a for f in folders for a in labelled_by(f)})
        raise UsageError(f"--annotator {chosen!r}: no such annotator in {', '.join(map(str, folders))} (found: {', '.join(found)})")
    documents: list[Document] = []
    notes: list[str] = []
    for f in folders:
        by_annotator = labelled_by(f)
        docs = sorted({d for labelled in by_annotator.values() for d in labelled})
        result = _read_leaving_out_refused(f, docs, None, chosen if chosen in by_annotator else None, Path(out), types)
        documents.extend(result.documents)
        notes.extend(result.notes)
    return ImportResult(documents, notes)


def _read_each(folders: list[Path], out_folder: Path, types: LabelTypes) -> ImportedFiles:
    """One gold file's documents per annotator: the brat reader over the
    documents each annotator labelled, in their files only."""
    per_annotator: dict[str, list[Document]] = {}
    notes: list[str] = []
    for folder in folders:
        for annotator, docs in labelled_by(folder).items():
            result = _read_leaving_out_refused(folder, docs, annotator, None, out_folder / f"{annotator}.jsonl", types)
            per_annotator.setdefault(annotator, []).extend(result.documents)
            notes.extend(result.notes)
    files = {os.fspath(out_folder / f"{annotator}.jsonl"): docs for annotator, docs in sorted(per_annotator.items())}
    counts = ", ".join(f"{annotator} {len(docs)}" for annotator, docs in sorted(per_annotator.items()))
    notes.append(f"polnear: documents per annotator: {counts}")
    return ImportedFiles(notes, files)


def _read_leaving_out_refused(
    folder: Path, docs: list[str], only: str | None, annotator: str | None, out: Path, types: LabelTypes
) -> ImportResult:
    """The brat reader over a split folder's ``docs`` (with ``only``, in that
    annotator's files alone; ``annotator`` is the brat reader's option).  A
    document whose files the brat reader refuses is left out, with a note
    that gives the reader's messages, and the rest is read again."""
    left_out: dict[str, list[InputError]] = {}
    while True:
        kept = [d for d in docs if d not in left_out]
        try:
            result = _read_view(folder, kept, only, annotator, out, types, whole=kept == docs and only is None)
            break
        except InputErrors as exc:
            errors = exc.errors
        except InputError as exc:
            errors = [exc]
        refused = {d for e in errors for d in kept if _names_document(Path(e.path).name, d)}
        if not refused:
            raise InputErrors(errors)
        for doc in refused:
            left_out[doc] = [e for e in errors if _names_document(Path(e.path).name, doc)]
    if left_out:
        whose = f" of annotator {only}" if only else ""
        result.notes.append(
            f"polnear: {len(left_out)} document(s){whose} in {folder} left out, the brat reader refuses them: "
            + "; ".join(str(e) for errors in left_out.values() for e in errors)
        )
    return result


def _names_document(file_name: str, doc: str) -> bool:
    """Whether a file of a split folder belongs to the document ``doc``."""
    return file_name == f"{doc}.txt" or (file_name.startswith(f"{doc}_") and file_name.endswith(".ann"))


def _read_view(
    folder: Path, docs: list[str], only: str | None, annotator: str | None, out: Path, types: LabelTypes, *, whole: bool
) -> ImportResult:
    """The brat reader over ``folder`` itself when ``whole``, else over a view
    of it that holds ``docs`` alone (symbolic links, so that sources name the
    real files; paths in messages and notes are put back)."""
    if whole:
        return read_brat(folder, out=out, types=types, annotator=annotator)
    with tempfile.TemporaryDirectory(prefix="quotebench-polnear-") as tmp:
        view = Path(tmp) / folder.name
        (view / TEXT_FOLDER).mkdir(parents=True)
        (view / ATTRIBUTIONS_FOLDER).mkdir()
        wanted = set(docs)
        for doc in docs:
            os.symlink((folder / TEXT_FOLDER / f"{doc}.txt").resolve(), view / TEXT_FOLDER / f"{doc}.txt")
        for annotator_of, labelled in labelled_by(folder).items():
            if only is not None and annotator_of != only:
                continue
            for doc in labelled:
                if doc in wanted:
                    ann = f"{doc}_{annotator_of}.ann"
                    os.symlink((folder / ATTRIBUTIONS_FOLDER / ann).resolve(), view / ATTRIBUTIONS_FOLDER / ann)

        def real(error: InputError) -> InputError:
            return InputError(
                error.path.replace(str(view), str(folder)), error.line, error.field, error.problem.replace(str(view), str(folder))
            )

        try:
            result = read_brat(view, out=out, types=types, annotator=annotator)
        except InputErrors as exc:
            raise InputErrors([real(e) for e in exc.errors]) from None
        except InputError as exc:
            raise real(exc) from None
        result.notes[:] = [note.replace(str(view), str(folder)) for note in result.notes]
        return result


def _import(
    folder: str | os.PathLike,
    *,
    out: str | os.PathLike,
    types: LabelTypes,
    split: str | None = None,
    annotator: str | None = None,
) -> ImportResult | ImportedFiles:
    return read_polnear(folder, out=out, split=split, annotator=annotator, types=types)


FORMAT = AnnotationFormat(
    name="polnear",
    help="the PolNeAR repository as published (data/<split>/text/*.txt and data/<split>/attributions/*_<annotator>.ann)",
    read=_import,
    import_options=(
        Option("--split", "split", f"polnear: the split to import: {', '.join(SPLITS)} or {ALL_SPLITS}", choices=(*SPLITS, ALL_SPLITS)),
        # The brat reader's flag, with two more values: first (its default
        # rule) and each (one gold file per annotator into the folder --out).
        Option(
            "--annotator",
            "annotator",
            "brat, polnear: use NAME_ANNOTATOR.ann where it exists; polnear also: first (the default rule), each",
        ),
    ),
    writes_folder=lambda options: options.get("annotator") == EACH,
)
