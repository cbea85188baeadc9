"""brat standoff annotations in and out of the gold set.

A brat folder holds ``NAME.txt`` files with ``NAME.ann`` beside them (or one
``NAME_ANNOTATOR.ann`` per annotator).  Offsets are 0-based, end-exclusive
code-point indices into the ``.txt`` as brat reads it: the file's characters
exactly, a Windows line end counting as two.  Two annotation styles are read:

- relation style: ``T`` spans typed Quote, Speaker and Cue, tied by ``R``
  relations (``SpokenBy Arg1:T1 Arg2:T2``), an optional ``A`` attribute
  giving the quote type (this is also what :func:`write_brat` exports);
- event style (attribution corpora): ``T`` spans typed Content, Source and
  Cue, tied by ``E`` events (``E3 Attribution:T11 Source:T5 Cue:T9
  Content:T10``).

:func:`read_brat` turns them into tool-neutral regions and attributions; the
rules that make gold documents out of those live in
:mod:`benchmark.annotation.common`.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator

from benchmark.annotation import AnnotationFormat, Option
from benchmark.annotation.common import (
    CUE,
    ENTITY_DB,
    QUOTE,
    SPEAKER,
    AnnotatedText,
    Attribution,
    ImportResult,
    LabelTypes,
    Region,
    attributions_from_links,
    build_documents,
    carried_cast,
    carried_entity,
    carried_of,
    carried_quote,
    check_export_folder,
    choose_source,
    clip,
    quote_record,
    same_surface,
    source_path,
    speaker_anchor,
)
from benchmark.errors import InputError, InputErrors, UsageError
from benchmark.gold import ENTITY_KINDS, QUOTE_TYPES, Document, Span

# --------------------------------------------------------------------------
# Reading one .ann file


@dataclass(slots=True)
class _TextBound:
    key: str
    type: str
    fragments: list[tuple[int, int]]  # as written, in the annotation's order
    text: str | None
    line: int


@dataclass(slots=True)
class _Event:
    key: str
    type: str
    trigger: str | None
    args: list[tuple[str, str]]  # (role, id)
    line: int


@dataclass(slots=True)
class _Relation:
    key: str
    type: str
    args: list[tuple[str, str]]
    line: int


@dataclass(slots=True)
class _Attribute:
    key: str
    name: str
    target: str
    value: str | None
    line: int


@dataclass(slots=True)
class _Normalization:
    key: str
    target: str
    database: str
    entry: str
    text: str
    line: int


@dataclass(slots=True)
class _Note:
    """An ``AnnotatorNotes`` line that this project's exports write:
    ``#N<TAB>AnnotatorNotes T<TAB>quotebench {JSON}``."""

    key: str
    target: str
    record: object  # the JSON value
    line: int

    @property
    def order(self) -> int:
        return int(self.key[1:]) if self.key[1:].isdigit() else 0


@dataclass(slots=True)
class AnnFile:
    """The parsed content of one ``.ann`` file; this project's own
    ``AnnotatorNotes`` are kept in ``notes``; other ``#`` notes, ``*``
    equivalences and unknown lines are counted in ``skipped``."""

    path: Path
    textbounds: dict[str, _TextBound] = field(default_factory=dict)
    events: list[_Event] = field(default_factory=list)
    relations: list[_Relation] = field(default_factory=list)
    attributes: list[_Attribute] = field(default_factory=list)
    normalizations: list[_Normalization] = field(default_factory=list)
    notes: list[_Note] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)


_OFFSETS = re.compile(r"(\S+)\s+(\d+\s+\d+(?:\s*;\s*\d+\s+\d+)*)(?:\t(.*)|\s(.*))?$", re.S)
_ID = re.compile(r"[A-Za-z*#]\S*")


def _read_utf8(path: Path, *, strip_bom: bool) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig" if strip_bom else "utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, 0, "file", f"not UTF-8 ({exc.reason} at byte {exc.start})") from None


# What starts an annotation line: an id (a letter of brat's kinds and a
# number; "#" and "*" lines may have none), then a tab (or a space).
_ANNOTATION_LINE = re.compile(r"(?:[TERAMN]\d+|#\d*|\*)[\t ]")


def _logical_lines(content: str) -> Iterator[tuple[int, str]]:
    """The annotation lines of a ``.ann`` file, ``(line number, line)``,
    blank lines left out.  A text-bound's text that holds line breaks (a span
    across paragraphs, as PolNeAR has) runs on over the following lines,
    blank ones included, up to the next line that starts an annotation: those
    lines are joined back to it with the line breaks they had."""
    # Split on "\n" only: a span's text may hold characters that
    # str.splitlines() would also break on (U+2028, form feed).
    pending: list[str] = []  # the text-bound being read, and its run-on lines
    pending_no = 0
    blanks: list[str] = []
    for line_no, raw in enumerate(content.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            blanks.append(line)
            continue
        if pending and not _ANNOTATION_LINE.match(line):
            pending += [*blanks, line]
            blanks = []
            continue
        if pending:
            yield pending_no, "\n".join(pending)
            pending = []
        blanks = []
        if line.startswith("T"):
            pending, pending_no = [line], line_no
        else:
            yield line_no, line
    if pending:
        yield pending_no, "\n".join(pending)


def parse_ann(path: str | os.PathLike) -> AnnFile:
    """Parse a brat ``.ann`` file; raise :class:`InputErrors` for lines that
    cannot be read, ids defined twice and references to undefined ids."""
    path = Path(path)
    ann = AnnFile(path)
    errors: list[InputError] = []
    defined: dict[str, int] = {}

    def error(line: int, key: str, problem: str) -> None:
        errors.append(InputError(path, line, key, problem))

    for line_no, line in _logical_lines(_read_utf8(path, strip_bom=True)):
        key, _, rest = line.partition("\t")
        if not rest and " " in key:  # tolerate spaces where brat writes a tab
            key, _, rest = line.partition(" ")
        key = key.strip()
        kind = key[:1]
        if kind == "#" and _ID.fullmatch(key):
            note_type, _, note_text = rest.partition("\t")
            note_type, target = (note_type.split() + ["", ""])[:2]
            if note_type == "AnnotatorNotes" and note_text.startswith(NOTE_PREFIX):
                try:
                    record = json.loads(note_text[len(NOTE_PREFIX):])
                except json.JSONDecodeError as exc:
                    error(line_no, key, f"cannot read the quotebench note ({exc.msg} at column {exc.colno + len(NOTE_PREFIX)})")
                    continue
                ann.notes.append(_Note(key, target, record, line_no))
                continue
        if kind in "#*" or not _ID.fullmatch(key) or kind not in "TERAMN":
            ann.skipped["note" if kind == "#" else "equivalence" if kind == "*" else "unknown line"] += 1
            continue
        if key in defined:
            error(line_no, key, f"id defined twice (first on line {defined[key]})")
            continue
        defined[key] = line_no
        if kind == "T":
            m = _OFFSETS.match(rest)
            if not m:
                error(line_no, key, f"cannot read 'TYPE START END[;START END]' from {clip(rest)!r}")
                continue
            fragments = []
            for part in m.group(2).split(";"):
                start, end = (int(x) for x in part.split())
                if start > end:
                    error(line_no, key, f"start {start} is after end {end}")
                fragments.append((start, end))
            text = m.group(3) if m.group(3) is not None else m.group(4)
            ann.textbounds[key] = _TextBound(key, m.group(1), fragments, text, line_no)
        elif kind == "E":
            tokens = rest.split()
            if not tokens:
                error(line_no, key, "empty event")
                continue
            etype, _, trigger = tokens[0].partition(":")
            args = []
            for token in tokens[1:]:
                role, sep, ref = token.partition(":")
                if not sep or not ref:
                    error(line_no, key, f"cannot read argument {token!r} (expected ROLE:ID)")
                    continue
                args.append((role, ref))
            ann.events.append(_Event(key, etype, trigger or None, args, line_no))
        elif kind == "R":
            tokens = rest.split()
            args = [tuple(t.split(":", 1)) for t in tokens[1:] if ":" in t]
            if not tokens or len(args) != 2:
                error(line_no, key, f"cannot read 'TYPE Arg1:ID Arg2:ID' from {clip(rest)!r}")
                continue
            ann.relations.append(_Relation(key, tokens[0], args, line_no))
        elif kind in "AM":
            tokens = rest.split()
            if len(tokens) < 2:
                error(line_no, key, f"cannot read 'NAME ID [VALUE]' from {clip(rest)!r}")
                continue
            ann.attributes.append(_Attribute(key, tokens[0], tokens[1], " ".join(tokens[2:]) or None, line_no))
        else:  # N
            head, _, text = rest.partition("\t")
            tokens = head.split()
            if len(tokens) < 3 or ":" not in tokens[2]:
                error(line_no, key, f"cannot read 'TYPE ID DB:ENTRY' from {clip(rest)!r}")
                continue
            database, _, entry = tokens[2].partition(":")
            ann.normalizations.append(_Normalization(key, tokens[1], database, entry, text, line_no))

    def check(line: int, key: str, role: str, ref: str) -> None:
        if ref not in defined:
            error(line, key, f"{role} refers to {ref}, which is not defined in this file")

    for ev in ann.events:
        if ev.trigger:
            check(ev.line, ev.key, "trigger", ev.trigger)
        for role, ref in ev.args:
            check(ev.line, ev.key, role, ref)
    for rel in ann.relations:
        for role, ref in rel.args:
            check(rel.line, rel.key, role, ref)
    for att in ann.attributes:
        check(att.line, att.key, "target", att.target)
    for norm in ann.normalizations:
        check(norm.line, norm.key, "target", norm.target)
    for note in ann.notes:
        check(note.line, note.key, "target", note.target)
    if errors:
        raise InputErrors(errors)
    return ann


# --------------------------------------------------------------------------
# Offsets: as brat counts them, with a fallback for exports that did not


@dataclass(slots=True)
class _View:
    """The text as some tool may have counted it, and the way back to the
    file's own characters."""

    description: str | None  # None for the file as it is
    text: str
    positions: list[int] | None  # view index -> file index; None = identity

    def to_file(self, start: int, end: int) -> Span:
        if self.positions is None:
            return Span(start, end)
        return Span(self.positions[start], self.positions[end - 1] + 1)


def _views(text: str) -> list[_View]:
    views = [_View(None, text, None)]
    has_bom, has_crlf = text.startswith("\ufeff"), "\r\n" in text
    variants = []
    if has_bom:
        variants.append((True, False, "not counting the byte-order mark"))
    if has_crlf:
        variants.append((False, True, "counting each Windows line end (\\r\\n) as one character"))
    if has_bom and has_crlf:
        variants.append((True, True, "counting \\r\\n as one character and not counting the byte-order mark"))
    for skip_bom, fold_crlf, description in variants:
        positions = [
            i
            for i, c in enumerate(text)
            if not (skip_bom and i == 0) and not (fold_crlf and c == "\r" and text[i + 1:i + 2] == "\n")
        ]
        views.append(_View(description, "".join(text[i] for i in positions), positions))
    return views


def _check_offsets(ann: AnnFile, txt: Path, view: _View) -> list[InputError]:
    errors = []
    n = len(view.text)
    for tb in ann.textbounds.values():
        if any(end > n for _, end in tb.fragments):
            start, end = min(s for s, _ in tb.fragments), max(e for _, e in tb.fragments)
            errors.append(InputError(ann.path, tb.line, tb.key, f"offsets {start}-{end} run past the end of {txt} ({n} characters)"))
            continue
        if tb.text is None:
            continue
        pieces = [view.text[s:e] for s, e in tb.fragments]
        if same_surface(" ".join(pieces), tb.text) or same_surface(" ".join(view.text[s:e] for s, e in sorted(tb.fragments)), tb.text):
            continue
        where = ";".join(f"{s}-{e}" for s, e in tb.fragments)
        errors.append(
            InputError(
                ann.path,
                tb.line,
                tb.key,
                f"the .ann says {clip(tb.text)!r} but {txt} has {clip(' '.join(pieces))!r} at {where}",
            )
        )
    return errors


def _align(ann: AnnFile, txt: Path, text: str, notes: list[str]) -> _View:
    """The first reading of the text under which every span's stored text
    matches: the file as it is, else without a byte-order mark or with
    ``\\r\\n`` counted once (some exporters normalise line ends)."""
    views = _views(text)
    first_errors: list[InputError] | None = None
    for view in views:
        errors = _check_offsets(ann, txt, view)
        if not errors:
            if view.description:
                notes.append(f"{ann.path}: offsets fit {txt} only {view.description}; mapped to the file's characters")
            return view
        if first_errors is None:
            first_errors = errors
    assert first_errors is not None
    raise InputErrors(first_errors[:20] + ([InputError(ann.path, 0, "file", f"... and {len(first_errors) - 20} more mismatches")] if len(first_errors) > 20 else []))


# --------------------------------------------------------------------------
# From an .ann file to regions and attributions


_ROLE_NUMBER = re.compile(r"\d+$")


def _quote_type_of(ann: AnnFile, targets: set[str]) -> str | None:
    """A quote type given by an attribute on the quote span or its event:
    its value, or for a binary attribute its name, is direct/indirect/mixed."""
    for att in ann.attributes:
        if att.target in targets:
            for candidate in (att.value, att.name if att.value is None else None):
                if candidate and candidate.casefold() in QUOTE_TYPES:
                    return candidate.casefold()
    return None


def _annotated_text(
    doc_id: str, source: str, text: str, ann: AnnFile, view: _View, types: LabelTypes, notes: list[str]
) -> AnnotatedText:
    regions: dict[str, Region] = {}
    entity_ids = {n.target: n for n in ann.normalizations if n.database.casefold() == ENTITY_DB}
    kinds = {
        a.target: a.value.casefold()
        for a in ann.attributes
        if a.name.casefold() == "kind" and a.value and a.value.casefold() in ENTITY_KINDS
    }
    carried: dict[str, tuple[dict, int]] = {}
    errors: list[InputError] = []
    for note in ann.notes:
        role = types.role_of(ann.textbounds[note.target].type) if note.target in ann.textbounds else None
        reader = carried_quote if role == QUOTE else carried_entity if role == SPEAKER else None
        if reader is None:
            continue
        try:
            carried[note.target] = (reader(note.record), note.order)
        except ValueError as exc:
            errors.append(InputError(ann.path, note.line, note.key, f"quotebench note: {exc}"))
    if errors:
        raise InputErrors(errors)
    empty: set[str] = set()

    def region(tkey: str, role: str) -> str | None:
        """The region of a text-bound annotation in a role (None when its
        spans are all empty)."""
        key = tkey if role == types.role_of(ann.textbounds[tkey].type) else f"{tkey}:{role}"
        if key not in regions:
            tb = ann.textbounds[tkey]
            spans = [view.to_file(s, e) for s, e in tb.fragments if e > s]
            if not spans:
                empty.add(tkey)
                return None
            norm = entity_ids.get(tkey)
            record, order = carried.get(tkey, (None, None)) if role == types.role_of(tb.type) else (None, None)
            regions[key] = Region(
                key,
                role,
                spans,
                f"{ann.path}:{tb.line}",
                quote_type=_quote_type_of(ann, {tkey}) if role == QUOTE else None,
                entity_id=norm.entry if norm and role == SPEAKER else None,
                entity_name=(norm.text.strip() or None) if norm and role == SPEAKER else None,
                entity_kind=kinds.get(tkey) if role == SPEAKER else None,
                carried=record,
                order=order,
            )
        return key

    for tkey, tb in ann.textbounds.items():
        role = types.role_of(tb.type)
        if role:
            region(tkey, role)
    links = []
    for rel in ann.relations:
        (_, a), (_, b) = rel.args
        if a in ann.textbounds and b in ann.textbounds:
            ka, kb = types.role_of(ann.textbounds[a].type), types.role_of(ann.textbounds[b].type)
            if ka and kb and a in regions and b in regions:
                links.append((a, b, f"{ann.path}:{rel.line}"))

    if not ann.events:
        attributions = attributions_from_links(regions, links, notes)
        keep_unlinked = True
    else:
        attributions = _event_attributions(ann, types, region, regions, links, notes)
        keep_unlinked = False
    if empty:
        notes.append(f"{ann.path}: empty span(s) ignored: {', '.join(sorted(empty))}")
    return AnnotatedText(doc_id, source, text, regions, attributions, keep_unlinked)


def _event_attributions(
    ann: AnnFile,
    types: LabelTypes,
    region: Callable[[str, str], str | None],
    regions: dict[str, Region],
    links: list[tuple[str, str, str]],
    notes: list[str],
) -> list[Attribution]:
    """One attribution per attribution event.  An argument's role name
    (``Content2`` counts as ``Content``) says what it is; when the role name is
    not a configured type, the type of the span it points to does.  A missing
    source or cue is taken from an ``R`` relation of the content, if any."""
    neighbours: dict[str, list[str]] = {}
    for a, b, _ in links:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    ignored: Counter = Counter()
    odd_arguments = 0
    attributions = []
    for ev in ann.events:
        as_cue = types.role_of(ev.type) == CUE
        if not (types.is_attribution(ev.type) or as_cue):
            ignored[ev.type] += 1
            continue
        found: dict[str, list[str]] = {QUOTE: [], SPEAKER: [], CUE: []}
        args = list(ev.args)
        if as_cue and ev.trigger:  # the trigger is the cue
            args.insert(0, ("Cue", ev.trigger))
        for role_name, ref in args:
            if ref not in ann.textbounds:  # an event as argument (nested attribution)
                odd_arguments += 1
                continue
            role = types.role_of(_ROLE_NUMBER.sub("", role_name)) or types.role_of(ann.textbounds[ref].type)
            if role is None:
                odd_arguments += 1
                continue
            key = region(ref, role)
            if key and key not in found[role]:
                found[role].append(key)
        origin = f"{ann.path}:{ev.line}"
        if not found[QUOTE]:
            notes.append(f"{origin}: {ev.key} has no content; ignored")
            continue
        if len(found[SPEAKER]) > 1:
            notes.append(f"{origin}: {ev.key} has {len(found[SPEAKER])} sources; kept the first")
        nearby = [k for q in found[QUOTE] for k in neighbours.get(q, [])]
        speaker = (found[SPEAKER] or [k for k in nearby if regions[k].role == SPEAKER] or [None])[0]
        cue = (found[CUE] or [k for k in nearby if regions[k].role == CUE] or [None])[0]
        quote_type = _quote_type_of(ann, {ev.key}) or next(
            (regions[k].quote_type for k in found[QUOTE] if regions[k].quote_type), None
        )
        attributions.append(Attribution(found[QUOTE], speaker, cue, origin, quote_type, *carried_of(regions, found[QUOTE])))
    if ignored:
        notes.append(f"{ann.path}: ignored events: " + ", ".join(f"{n} {t}" for t, n in sorted(ignored.items())))
    if odd_arguments:
        notes.append(f"{ann.path}: {odd_arguments} event argument(s) that are neither content, source nor cue ignored")
    return attributions


# --------------------------------------------------------------------------
# Finding the documents of a folder


@dataclass(slots=True)
class _DocumentFiles:
    doc_id: str
    txt: Path
    anns: dict[str | None, Path] = field(default_factory=dict)  # annotator (None: plain NAME.ann) -> file


def _common_depth(a: Path, b: Path) -> int:
    depth = 0
    for x, y in zip(a.parts, b.parts):
        if x != y:
            break
        depth += 1
    return depth


def _find_documents(root: Path) -> tuple[list[_DocumentFiles], list[InputError], list[str]]:
    """Every ``.txt`` under ``root`` (recursively; hidden folders and files
    skipped) with its ``.ann`` files.

    ``NAME.ann`` and ``NAME_ANNOTATOR.ann`` (the longest ``NAME`` that names a
    text) belong to ``NAME.txt`` in the same folder or, failing that, in the
    nearest folder (corpora such as PolNeAR keep ``text/`` and
    ``attributions/`` side by side).  A document's id is its file name
    without ``.txt``, or its path from ``root`` when two texts share a name."""
    texts: dict[str, list[Path]] = {}
    anns: list[Path] = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        for f in sorted(files):
            if f.startswith("."):
                continue
            if f.endswith(".txt"):
                texts.setdefault(f[:-4], []).append(Path(folder) / f)
            elif f.endswith(".ann"):
                anns.append(Path(folder) / f)
    documents: dict[Path, _DocumentFiles] = {}
    for stem, paths in texts.items():
        for txt in paths:
            doc_id = stem if len(paths) == 1 else txt.relative_to(root).with_suffix("").as_posix()
            documents[txt] = _DocumentFiles(doc_id, txt)
    errors: list[InputError] = []
    for ann in anns:
        stem = ann.name[:-4]
        parts = stem.split("_")
        owners = [(stem, None)] + [("_".join(parts[:i]), "_".join(parts[i:])) for i in range(len(parts) - 1, 0, -1)]
        owner = next(((name, annotator) for name, annotator in owners if name in texts), None)
        if owner is None:
            errors.append(InputError(ann, 0, "file", f"no text file for it ({stem}.txt, or NAME.txt for NAME_ANNOTATOR.ann)"))
            continue
        name, annotator = owner
        candidates = texts[name]
        ranked = sorted(candidates, key=lambda t: (t.parent != ann.parent, -_common_depth(t.parent, ann.parent)))
        if len(ranked) > 1 and ranked[0].parent != ann.parent and _common_depth(ranked[0].parent, ann.parent) == _common_depth(ranked[1].parent, ann.parent):
            errors.append(InputError(ann, 0, "file", f"several texts could be its {name}.txt: {', '.join(str(t) for t in ranked)}"))
            continue
        documents[ranked[0]].anns[annotator] = ann
    unannotated = sorted(d.doc_id for d in documents.values() if not d.anns)
    notes = [f"{len(unannotated)} .txt file(s) without .ann skipped: {', '.join(unannotated)}"] if unannotated else []
    return sorted((d for d in documents.values() if d.anns), key=lambda d: d.doc_id), errors, notes


def _has_spans(path: Path) -> bool:
    return any(line.startswith("T") for line in _read_utf8(path, strip_bom=True).split("\n"))


def _choose_ann(doc: _DocumentFiles, annotator: str | None, notes: list[str]) -> Path:
    """With ``annotator``, that annotator's file when there is one.
    Otherwise the plain ``NAME.ann``, then the annotators' files in
    alphabetical order: the first one holding any span, else the first."""
    if annotator is not None and annotator in doc.anns:
        chosen = doc.anns[annotator]
    else:
        order = sorted(doc.anns, key=lambda a: (a is not None, a or ""))
        chosen = next((doc.anns[a] for a in order if _has_spans(doc.anns[a])), doc.anns[order[0]])
        if annotator is not None:
            notes.append(f"{doc.doc_id}: no file of annotator {annotator!r}; using {chosen.name}")
    if len(doc.anns) > 1:
        others = sorted(p.name for p in doc.anns.values() if p != chosen)
        notes.append(f"{doc.doc_id}: using {chosen.name} (also there: {', '.join(others)})")
    return chosen


def read_brat(
    folder: str | os.PathLike,
    *,
    out: str | os.PathLike,
    types: LabelTypes = LabelTypes(),
    annotator: str | None = None,
) -> ImportResult:
    """Gold documents from a brat folder (searched recursively).  Each
    document's ``doc_id`` is its ``.txt`` path relative to ``folder`` without
    the suffix; its ``source`` is that file's path relative to the folder of
    ``out``, unless the folder is an export of this project, whose
    :data:`SOURCES_FILE` gives the gold's own ``source`` (kept unless it names
    a file with another text).  Every problem in every file is collected
    before :class:`InputErrors` is raised; nothing is written here."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(root, 0, "path", "not a folder (brat import reads a folder of .txt and .ann files)")
    files, errors, notes = _find_documents(root)
    sources = _carried_sources(root / SOURCES_FILE)
    casts = _carried_casts(root / CAST_FILE)
    if annotator is not None and not any(annotator in d.anns for d in files):
        found = sorted({a for d in files for a in d.anns if a is not None})
        raise UsageError(f"--annotator {annotator!r}: no such annotator in {root} (found: {', '.join(found) or 'none'})")
    items: list[AnnotatedText] = []
    empty: list[str] = []
    for doc in files:
        chosen = _choose_ann(doc, annotator, notes)
        try:
            ann = parse_ann(chosen)
            text = _read_utf8(doc.txt, strip_bom=False)
            view = _align(ann, doc.txt, text, notes)
            source = choose_source(sources.get(doc.doc_id), doc.txt, text, out, source_path(doc.txt, out), notes)
            item = _annotated_text(doc.doc_id, source, text, ann, view, types, notes)
            item.cast = casts.get(doc.doc_id)
        except InputErrors as exc:
            errors.extend(exc.errors)
            continue
        except InputError as exc:
            errors.append(exc)
            continue
        if ann.skipped:
            notes.append(f"{chosen}: skipped " + ", ".join(f"{n} {kind}(s)" for kind, n in sorted(ann.skipped.items())))
        if not ann.textbounds:
            empty.append(doc.doc_id)
        items.append(item)
    if errors:
        raise InputErrors(errors)
    if empty:
        notes.append(f"{len(empty)} document(s) with an empty .ann imported with no quotes: {', '.join(empty)}")
    first_with_text: dict[str, str] = {}
    for item in items:
        other = first_with_text.setdefault(item.text, item.doc_id)
        if other != item.doc_id:
            notes.append(f"{item.doc_id} has the same text as {other} (the same article annotated twice?)")
    return ImportResult(build_documents(items, notes), notes)


def _carried_json(path: Path) -> object | None:
    """The JSON of a file an export wrote beside the brat files, None when
    there is none."""
    if not path.is_file():
        return None
    try:
        return json.loads(_read_utf8(path, strip_bom=True))
    except json.JSONDecodeError as exc:
        raise InputError(path, exc.lineno, "json", f"not valid JSON ({exc.msg} at column {exc.colno})") from None


def _carried_sources(path: Path) -> dict[str, str]:
    """``doc_id -> source`` from an export's :data:`SOURCES_FILE` (empty
    when there is none)."""
    data = _carried_json(path)
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise InputError(path, 1, "json", "expected an object mapping each doc_id to its source")
    return data


def _carried_casts(path: Path) -> dict[str, list[str]]:
    """``doc_id -> cast`` from an export's :data:`CAST_FILE` (empty when
    there is none)."""
    data = _carried_json(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(path, 1, "json", "expected an object mapping doc_ids to their cast")
    casts = {}
    for doc_id, value in data.items():
        try:
            casts[doc_id] = carried_cast(value)
        except ValueError as exc:
            raise InputError(path, 1, f"{doc_id}", f"cast {exc}") from None
    return casts


# --------------------------------------------------------------------------
# Export

# Written beside the exported files: each document's ``source`` in the gold,
# which brat has no place for.
SOURCES_FILE = "quotebench-sources.json"
# Written beside them when a document has a cast (the entity ids of its
# published character list, in order): ``doc_id -> cast``.
CAST_FILE = "quotebench-cast.json"
# The text of the AnnotatorNotes that carry what brat's labels cannot: a
# quote's id and attributes, an entity's aliases.
NOTE_PREFIX = "quotebench "

ANNOTATION_CONF = """\
# quotebench gold set in brat: quotes, their speakers and cues.
# Speaker spans carry their gold entity as a normalisation quotebench:ENTITY_ID
# and its kind as the Kind attribute; Mention spans are mentions of entities
# that are nobody's speaker.  Notes "quotebench {...}" carry a quote's id and
# attributes and an entity's aliases: keep them.
[entities]
Quote
Speaker
Mention
Cue

[relations]
SpokenBy\tArg1:Quote, Arg2:Speaker
HasCue\tArg1:Quote, Arg2:Cue
Continues\tArg1:Quote, Arg2:Quote
<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>

[events]

[attributes]
QuoteType\tArg:Quote, Value:direct|indirect|mixed
Kind\tArg:Speaker|Mention, Value:person|organization|group|other
"""

VISUAL_CONF = """\
[labels]
Quote | Quote | Q
Speaker | Speaker | S
Mention | Mention | M
Cue | Cue | C
SpokenBy | spoken by
HasCue | cue
Continues | continues

[drawing]
Quote\tbgColor:#ffe082
Speaker\tbgColor:#90caf9
Mention\tbgColor:#e0e0e0
Cue\tbgColor:#a5d6a7
SpokenBy\tcolor:#1565c0
HasCue\tcolor:#2e7d32
Continues\tcolor:#6d4c41
"""

# Characters that end a line for some reader of .ann files.
_LINE_BREAKS = re.compile(r"[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def document_path(doc_id: str) -> Path:
    """The relative path (without suffix) under which a document is
    exported; doc ids that are not plain relative paths are refused."""
    parts = doc_id.split("/")
    if not doc_id or "\\" in doc_id or any(p in ("", ".", "..") or p.startswith(".") for p in parts) or Path(doc_id).is_absolute():
        raise UsageError(f"doc_id {doc_id!r} cannot be used as a file name; rename it in the gold file")
    return Path(*parts)


def _brat_fragments(text: str, spans: list[Span]) -> list[Span]:
    """Spans cut at line breaks, as brat itself does for a span that crosses one."""
    out = []
    for span in spans:
        start = span.start
        for m in _LINE_BREAKS.finditer(text, span.start, span.end):
            if text[start:m.start()].strip():
                out.append(Span(start, m.start()))
            start = m.end()
        if text[start:span.end].strip():
            out.append(Span(start, span.end))
    return out or list(spans)


def _note_json(record: dict) -> str:
    """One line of JSON: the line breaks that json.dumps leaves as they are escaped."""
    return _LINE_BREAKS.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(record, ensure_ascii=False))


def ann_lines(doc: Document, notes: list[str]) -> list[str]:
    """The ``.ann`` content of one document (relation style).  Mentions of
    an entity that is some quote's speaker are labelled ``Speaker``, the
    others ``Mention``; each carries its entity as an ``N`` line and its
    kind as an ``A`` line, and the first one the entity's aliases as a
    ``quotebench`` note; each quote carries its id (and attributes) the
    same way.  The notes' numbers keep the order of entities and quotes."""
    text = doc.text
    lines: list[str] = []
    extra: list[str] = []
    counters = Counter()

    def new_id(prefix: str) -> str:
        counters[prefix] += 1
        return f"{prefix}{counters[prefix]}"

    def textbound(label: str, spans: list[Span]) -> str:
        key = new_id("T")
        fragments = _brat_fragments(text, spans)
        offsets = ";".join(f"{s.start} {s.end}" for s in fragments)
        surface = _LINE_BREAKS.sub(" ", " ".join(text[s.start:s.end] for s in fragments))
        lines.append(f"{key}\t{label} {offsets}\t{surface}")
        return key

    def note(target: str, record: dict) -> None:
        extra.append(f"{new_id('#')}\tAnnotatorNotes {target}\t{NOTE_PREFIX}{_note_json(record)}")

    speaking = {q.speaker for q in doc.quotes}
    speaker_ids: dict[tuple[str, Span], str] = {}
    for entity in doc.entities:
        if not entity.mentions:
            notes.append(f"{doc.doc_id}: entity {entity.id!r} has no mention; brat cannot carry it")
        for n, mention in enumerate(entity.mentions):
            key = textbound("Speaker" if entity.id in speaking else "Mention", [mention])
            speaker_ids[(entity.id, mention)] = key
            extra.append(f"{new_id('N')}\tReference {key} {ENTITY_DB}:{entity.id}\t{_LINE_BREAKS.sub(' ', entity.name)}")
            extra.append(f"{new_id('A')}\tKind {key} {entity.kind}")
            if n == 0:
                note(key, {"aliases": entity.aliases})
    cue_ids: dict[Span, str] = {}
    for quote in doc.quotes:
        qkey = textbound("Quote", quote.spans)
        extra.append(f"{new_id('A')}\tQuoteType {qkey} {quote.type}")
        note(qkey, quote_record(doc, quote))
        mention = speaker_anchor(doc, quote, notes)
        if mention is not None:
            extra.append(f"{new_id('R')}\tSpokenBy Arg1:{qkey} Arg2:{speaker_ids[(quote.speaker, mention)]}")
        if quote.cue is not None:
            if quote.cue not in cue_ids:
                cue_ids[quote.cue] = textbound("Cue", [quote.cue])
            extra.append(f"{new_id('R')}\tHasCue Arg1:{qkey} Arg2:{cue_ids[quote.cue]}")
    return lines + extra


def write_brat(documents: list[Document], out_dir: str | os.PathLike, *, force: bool = False) -> list[str]:
    """Write ``DIR/DOC_ID.txt`` (the text, byte for byte) and ``DIR/DOC_ID.ann``
    for every document, plus ``annotation.conf``, ``visual.conf`` and
    :data:`SOURCES_FILE`; return notes about what could not be expressed.  A
    folder that is not empty is refused (:func:`check_export_folder`) unless
    ``force``."""
    from benchmark.files import write_json_atomic, write_text_atomic

    out = check_export_folder(out_dir, force=force)
    paths = [document_path(doc.doc_id) for doc in documents]  # refuse bad ids before writing anything
    notes: list[str] = []
    contents = [(path, doc.text, "\n".join(ann_lines(doc, notes)) + "\n") for path, doc in zip(paths, documents)]
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "annotation.conf", ANNOTATION_CONF)
    write_text_atomic(out / "visual.conf", VISUAL_CONF)
    write_json_atomic(out / SOURCES_FILE, {doc.doc_id: doc.source for doc in documents})
    casts = {doc.doc_id: doc.cast for doc in documents if doc.cast is not None}
    if casts or (out / CAST_FILE).exists():  # an earlier export's casts must not come back
        write_json_atomic(out / CAST_FILE, casts)
    for path, text, ann in contents:
        target = out / path
        write_text_atomic(target.with_name(target.name + ".txt"), text)
        write_text_atomic(target.with_name(target.name + ".ann"), ann)
    return notes


def _import(
    folder: str | os.PathLike, *, out: str | os.PathLike, types: LabelTypes, annotator: str | None = None, event_type: str | None = None
) -> ImportResult:
    if event_type is not None:
        types = replace(types, event=LabelTypes.from_options(event=event_type).event)
    return read_brat(folder, out=out, types=types, annotator=annotator)


FORMAT = AnnotationFormat(
    name="brat",
    help="brat standoff: a folder of DOC.txt and DOC.ann (searched recursively)",
    read=_import,
    write=write_brat,
    import_options=(
        Option(
            "--annotator", "annotator",
            "brat: use NAME_ANNOTATOR.ann where it exists (default: NAME.ann, else the alphabetically first "
            "annotator's file that has annotations)",
        ),
        Option("--event-type", "event_type", "brat: event type(s) that are attributions, comma-separated, * allowed (default: Attribution*)"),
    ),
)
