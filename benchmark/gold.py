"""The gold set: typed documents, entities and quotes, read from and written to
``gold.jsonl`` (SPEC section 2), validated against their seed files.

Reading uses ``orjson`` (and the standard ``json`` module to describe a line
it refuses), so that scoring never pays for importing ``datasets``;
:func:`to_dataset` and :func:`from_dataset` bring the ``datasets`` library in
when it is wanted.

Validation collects every problem of a file before reporting, as
``FILE:LINE: field: problem``; overlapping quotes are legitimate (nested
attributions) and only produce warnings.  Lines are separated by ``"\n"``
only (JSON Lines; a ``"\r"`` before it is ignored), so that a text holding
U+2028 or U+0085, which JSON leaves unescaped, stays on its line.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import re
import shutil
import warnings
from bisect import bisect_left
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Container, Iterable, Iterator, Sequence

import orjson

from benchmark.contract import DEFAULT_GOLD_PATH
from benchmark.errors import InputError, InputErrors, UsageError
from benchmark.files import atomic_open, fsync_folder

# The marks are typography's; they are named here too for the modules that
# have always imported them from benchmark.gold.
from benchmark.typography import (  # noqa: F401
    CLOSING_MARKS,
    JOINING_PUNCTUATION,
    OPENING_MARKS,
    QUOTE_MARKS,
    direct_quote_problem,
)

QUOTE_TYPES = ("direct", "indirect", "mixed")
ENTITY_KINDS = ("person", "organization", "group", "other")

DEFAULT_GOLD = Path(DEFAULT_GOLD_PATH)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int

    def to_json(self) -> dict[str, int]:
        return {"start": self.start, "end": self.end}


@dataclass(slots=True)
class Entity:
    id: str
    name: str
    kind: str
    aliases: list[str] = field(default_factory=list)
    mentions: list[Span] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "aliases": list(self.aliases),
            "mentions": [m.to_json() for m in self.mentions],
        }


@dataclass(slots=True)
class Quote:
    id: str
    start: int
    end: int
    type: str
    speaker: str | None = None
    speaker_mention: Span | None = None
    cue: Span | None = None
    # Discontinuous content ("…,” he said, “…"); None when the quote is one span.
    fragments: list[Span] | None = None
    # Free per-quote labels ({"quote_type": "Implicit", "addressees": ["Emma"]}):
    # string keys, values JSON scalars or lists of strings; None when absent.
    attributes: dict[str, Any] | None = None

    @property
    def spans(self) -> list[Span]:
        """The character spans that make up the quote's content."""
        return list(self.fragments) if self.fragments else [Span(self.start, self.end)]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "start": self.start,
            "end": self.end,
            "type": self.type,
            "speaker": self.speaker,
            "speaker_mention": self.speaker_mention.to_json() if self.speaker_mention else None,
            "cue": self.cue.to_json() if self.cue else None,
        }
        if self.fragments:
            out["fragments"] = [f.to_json() for f in self.fragments]
        if self.attributes is not None:
            out["attributes"] = dict(self.attributes)
        return out


@dataclass(slots=True)
class Document:
    doc_id: str
    source: str
    text: str
    entities: list[Entity] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    # The ids of the entities published as a character list before the text
    # is read (PDNC's novels), the only entities models are shown; None when
    # the document publishes none (see :func:`cast_problems`).
    cast: list[str] | None = None

    def entity(self, entity_id: str) -> Entity | None:
        for e in self.entities:
            if e.id == entity_id:
                return e
        return None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "doc_id": self.doc_id,
            "source": self.source,
            "text": self.text,
            "entities": [e.to_json() for e in self.entities],
            "quotes": [q.to_json() for q in self.quotes],
        }
        if self.cast is not None:
            out["cast"] = list(self.cast)
        return out


@dataclass(slots=True)
class GoldSet:
    """The documents of one gold file, with the file's path and sha256."""

    documents: list[Document]
    path: str = "<memory>"
    sha256: str = ""

    def document(self, doc_id: str) -> Document | None:
        for d in self.documents:
            if d.doc_id == doc_id:
                return d
        return None

    @property
    def n_quotes(self) -> int:
        return sum(len(d.quotes) for d in self.documents)


class MissingSourceWarning(UserWarning):
    """A gold file names source files that do not exist, so its texts were
    not checked against them (issued by :func:`load_gold`, once per file)."""


@dataclass(slots=True)
class ValidationReport:
    errors: list[InputError]
    warnings: list[InputError]
    gold: GoldSet | None


# --------------------------------------------------------------------------
# Reading


def load_gold(path: str | os.PathLike = DEFAULT_GOLD, *, check_source: bool = True) -> GoldSet:
    """Read and validate a gold file; raise :class:`InputErrors` listing every
    problem when it is not valid.  Warnings are not raised."""
    report = validate_gold(path, check_source=check_source)
    if report.errors:
        raise InputErrors(report.errors)
    assert report.gold is not None
    for warning in report.warnings:
        if warning.field == "source":
            # Whoever scores against this file should know that its texts
            # were not checked: the one warning that is said outside
            # ``gold validate``.
            warnings.warn(str(warning), MissingSourceWarning, stacklevel=2)
    return report.gold


def validate_gold(path: str | os.PathLike = DEFAULT_GOLD, *, check_source: bool = True) -> ValidationReport:
    """Check a gold file line by line; never raises on bad content."""
    path_str = os.fspath(path)
    p = Path(path)
    if not p.exists():
        return ValidationReport([InputError(path_str, 0, "file", "no such file")], [], None)
    if p.is_dir():
        return ValidationReport([InputError(path_str, 0, "file", "is a folder, not a gold .jsonl file")], [], None)

    checker = _Checker(path_str, p.parent, check_source)
    documents: list[Document] = []
    seen_doc_ids: dict[str, int] = {}
    digest = hashlib.sha256()
    # The file is read one line at a time, so that a large gold set is held
    # in memory once, as objects, not also as bytes and as text.
    with open(p, "rb") as fh, _cyclic_gc_paused():
        for line_no, line in enumerate(fh, start=1):
            digest.update(line)
            if line_no == 1 and line.startswith(_BOM):
                line = line[len(_BOM):]
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError:
                obj = doc = None
            else:
                doc = checker.clean_document(obj)
            if doc is not None:
                doc = checker.accept(line_no, obj, doc)
            else:
                # Something is unusual: the careful check says what, on the
                # objects of the json module (orjson refuses NaN and lone
                # surrogates and reads integers past 64 bits as floats).
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError:
                    return _not_utf8(path_str, p)
                text = text.removesuffix("\n").removesuffix("\r")
                if not text.strip():
                    continue
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as exc:
                    checker.error(line_no, "json", f"not valid JSON ({exc.msg} at column {exc.colno})")
                    continue
                doc = checker.document(line_no, obj)
            if doc is None:
                continue
            if doc.doc_id in seen_doc_ids:
                checker.error(line_no, "doc_id", f"duplicate doc_id {doc.doc_id!r} (first on line {seen_doc_ids[doc.doc_id]})")
            else:
                seen_doc_ids[doc.doc_id] = line_no
            documents.append(doc)
    checker.finish()
    gold = GoldSet(documents, path_str, digest.hexdigest())
    return ValidationReport(checker.errors, checker.warnings, None if checker.errors else gold)


_BOM = "\ufeff".encode("utf-8")


def _not_utf8(path_str: str, p: Path) -> ValidationReport:
    """The report on a file that is not UTF-8: that alone, as nothing else can be read."""
    try:
        p.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ValidationReport([InputError(path_str, 0, "file", f"not UTF-8 ({exc.reason} at byte {exc.start})")], [], None)
    raise AssertionError("a line that is not UTF-8 in a file that is")  # pragma: no cover


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Reading builds hundreds of thousands of small objects and no reference
    cycles; the cyclic collector would only rescan them, again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --------------------------------------------------------------------------
# The rules, each stated once.  Both paths of the checker (the field-by-field
# definition and the fast path) ask these functions; only how much they say
# about a failure differs.


def _is_int(value: Any) -> bool:
    """An offset: a JSON integer (``type`` exactly ``int``: no bool, no float)."""
    return type(value) is int


def _is_name(value: Any) -> bool:
    """A non-empty string (ids, names, aliases, doc_id, source, text)."""
    return type(value) is str and value != ""


def span_problem(start: int, end: int, text_len: int) -> str | None:
    """Why integers ``start``-``end`` are not a span of a text of ``text_len``
    characters (end exclusive, not empty), or None when they are."""
    if start < 0 or end > text_len:
        return f"offsets {start}-{end} out of range (text has {text_len} characters)"
    if start > end:
        return f"start {start} is after end {end}"
    if start == end:
        return f"empty span at {start}"
    return None


def fragment_problems(fragments: Sequence[tuple[int, Span]], start: int, end: int) -> list[tuple[str, str]]:
    """What is wrong with a quote's ``fragments`` (``(index, span)`` pairs of
    its valid fragment spans) given its ``start``-``end``: ``(field suffix,
    problem)`` pairs, the suffix being ``"[index]"`` or ``""`` for the list.
    Fragments lie inside the quote, in text order, without overlapping, and
    the quote runs from the first to the last."""
    problems: list[tuple[str, str]] = []
    previous_end = -1
    for index, fragment in fragments:
        if fragment.start < start or fragment.end > end:
            problems.append((f"[{index}]", f"{fragment.start}-{fragment.end} lies outside the quote's span {start}-{end}"))
        if fragment.start < previous_end:
            problems.append((f"[{index}]", "fragments must be in text order and must not overlap"))
        previous_end = fragment.end
    if fragments and (fragments[0][1].start != start or fragments[-1][1].end != end):
        problems.append(("", "the quote's start/end must run from the first fragment to the last"))
    return problems


def lacks_quote_mark(text: str, start: int, end: int) -> bool:
    """A mixed quote holds a verbatim fragment: it should contain a quotation
    mark.  Only a warning: the mark may have been left out of the span."""
    return QUOTE_MARKS.isdisjoint(text[start:end])


def attribute_problems(value: Any) -> list[tuple[str, str]]:
    """What is wrong with a quote's ``attributes``: ``(field suffix, problem)``
    pairs (the suffix ``""``, ``".NAME"`` or ``".NAME[i]"``).  Attributes are
    an object with non-empty string keys whose values are JSON scalars
    (string, finite number, boolean, null) or lists of strings."""
    if type(value) is not dict:
        return [("", f"must be an object of named values, got {type(value).__name__}")]
    problems: list[tuple[str, str]] = []
    for key, item in value.items():
        if type(key) is not str or not key:
            problems.append(("", f"attribute names must be non-empty strings, got {key!r}"))
            continue
        kind = type(item)
        if item is None or kind is str or kind is bool or kind is int:
            continue
        if kind is float:
            if not math.isfinite(item):
                problems.append((f".{key}", f"must be a finite number, got {item!r}"))
        elif kind is list:
            for i, element in enumerate(item):
                if type(element) is not str:
                    problems.append((f".{key}[{i}]", f"must be a string, got {type(element).__name__}"))
        else:
            problems.append((f".{key}", f"must be a string, number, boolean, null or list of strings, got {kind.__name__}"))
    return problems


def cast_problems(value: Any, entity_ids: Container[str]) -> list[str]:
    """What is wrong with a document's ``cast`` (its published character
    list: distinct ids of the document's own entities, in the order
    published); none when nothing is.  ``null`` is no cast."""
    if value is None:
        return []
    if type(value) is not list:
        return [f"must be a list of entity ids, got {type(value).__name__}"]
    problems = []
    seen: set[str] = set()
    for i, entity_id in enumerate(value):
        if not _is_name(entity_id):
            problems.append(f"item {i}: must be an entity id (a non-empty string), got {entity_id!r}")
        elif entity_id in seen:
            problems.append(f"item {i}: {entity_id!r} is listed twice")
        elif entity_id not in entity_ids:
            problems.append(f"item {i}: {entity_id!r} is not an entity of this document")
        else:
            seen.add(entity_id)
    return problems


def _first_overlaps(starts: list[int], index: int, end: int, limit: int) -> tuple[range, int]:
    """Of the spans sorted by start (``starts``), those after ``index`` that
    begin before ``end``: the first ``limit`` of them (their indices) and how
    many more there are.  A bisection, so that a span holding thousands of
    others costs a logarithm, not a scan."""
    stop = bisect_left(starts, end, index + 1)
    named = range(index + 1, min(stop, index + 1 + limit))
    return named, stop - named.stop


# How many overlapping quotes (or mentions) are named, one warning each, per
# quote (mention); the rest are counted in one more warning.
_NAMED_OVERLAPS = 3
_QUOTE_TYPES = {t: t for t in QUOTE_TYPES}
_OFFSET_TABLE_SIZE = 1 << 16  # offsets up to this are shared int objects
# Offsets of longer texts are kept as they come: indexing a range gives the
# value itself, at the speed of a list.
_AS_GIVEN = range(1 << 62)
_ENTITY_KINDS = {k: k for k in ENTITY_KINDS}
_DOCUMENT_FIELDS = frozenset(("doc_id", "source", "text", "entities", "quotes"))
_OPTIONAL_DOCUMENT_FIELDS = frozenset(("cast",))
_SOURCE_CACHE_SIZE = 16
# A source that starts with a URI scheme names no file (RFC 3986: a letter,
# then letters, digits, "+", "-" or "."; two characters at least, so that a
# Windows drive letter stays a path).
_URI_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:")


class SourceFinder:
    """Finds the file a document's ``source`` names, as validation does:
    relative to the current folder, the gold file's folder or its parent (the
    first that has it)."""

    def __init__(self, gold_folder: Path):
        self.bases = (Path.cwd(), gold_folder, gold_folder.parent)
        self._folder_exists: dict[tuple[int, str], bool] = {}

    def find(self, source: str) -> Path | None:
        """The file ``source`` names, or None if no base has it."""
        # Most documents of a large set name files in a few folders, or none
        # that exists: a folder that does not exist is looked up only once.
        folder = os.path.dirname(os.path.normpath(source))
        for b, base in enumerate(self.bases):
            exists = self._folder_exists.get((b, folder))
            if exists is None:
                exists = self._folder_exists[(b, folder)] = (base / folder).is_dir()
            if exists:
                candidate = base / source
                if candidate.is_file():
                    return candidate
        return None


class _Checker:
    """Turns one JSON object per line into a :class:`Document`, collecting
    every problem it finds instead of stopping at the first.

    :meth:`document` is the definition: it checks field by field and says
    precisely what is wrong.  :meth:`clean_document` accepts, at a fraction
    of the cost, a document in which nothing is wrong or unusual, and builds
    it; it returns None for anything else, which :meth:`document` then
    describes.  It only ever accepts what :meth:`document` accepts, builds
    the same objects, and leaves the checks that may warn, and the source
    check, to :meth:`accept`, which both share.  The two paths ask the same
    rule functions (:func:`span_problem`, :func:`fragment_problems`,
    :func:`attribute_problems`, :func:`cast_problems`, :func:`lacks_quote_mark`, typography's
    :func:`~benchmark.typography.direct_quote_problem`); only the definition
    turns their answers into messages.  ``tests/test_gold_paths.py`` checks
    on random corruptions that both give the same documents, errors and
    warnings.  :meth:`finish` adds the warnings about the whole file."""

    def __init__(self, path: str, folder: Path, check_source: bool):
        self.path = path
        self.folder = folder
        self.check_source = check_source
        self.errors: list[InputError] = []
        self.warnings: list[InputError] = []
        self.entity_names: dict[str, tuple[str, int]] = {}
        self.sources = SourceFinder(folder)
        self._source_texts: dict[Path, str | None] = {}
        self._strings: dict[str, str] = {}
        self._offsets: list[int] = []  # offset[i] is i: one int object per value
        self._missing_source: tuple[int, int, str] | None = None  # (warning index, line, source) of the first
        self._n_missing_sources = 0

    def error(self, line: int, fieldname: str, problem: str) -> None:
        self.errors.append(InputError(self.path, line, fieldname, problem))

    def warn(self, line: int, fieldname: str, problem: str) -> None:
        self.warnings.append(InputError(self.path, line, fieldname, problem))

    # -- small typed readers -------------------------------------------------

    def _string(self, line: int, obj: dict, key: str, where: str, *, nullable: bool = False) -> str | None:
        if key not in obj:
            self.error(line, f"{where}{key}", "missing")
            return None
        value = obj[key]
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            self.error(line, f"{where}{key}", f"must be a string{' or null' if nullable else ''}, got {type(value).__name__}")
            return None
        if not value and not nullable:
            self.error(line, f"{where}{key}", "must not be empty")
            return None
        return value

    def _span(self, line: int, value: Any, where: str, text_len: int) -> Span | None:
        if not isinstance(value, dict):
            self.error(line, where, f"must be an object with start and end, got {type(value).__name__}")
            return None
        start, end = value.get("start"), value.get("end")
        ok = True
        for key, v in (("start", start), ("end", end)):
            if key not in value:
                self.error(line, f"{where}.{key}", "missing")
                ok = False
            elif not _is_int(v):
                self.error(line, f"{where}.{key}", f"must be an integer, got {type(v).__name__}")
                ok = False
        if not ok:
            return None
        problem = span_problem(start, end, text_len)
        if problem is not None:
            self.error(line, where, problem)
            return None
        return Span(start, end)

    def _optional_span(self, line: int, obj: dict, key: str, where: str, text_len: int) -> Span | None:
        value = obj.get(key)
        if value is None:
            return None
        return self._span(line, value, f"{where}{key}", text_len)

    # -- the document --------------------------------------------------------

    def document(self, line: int, obj: Any) -> Document | None:
        if not isinstance(obj, dict):
            self.error(line, "json", f"each line must be a JSON object, got {type(obj).__name__}")
            return None
        n_before = len(self.errors)
        doc_id = self._string(line, obj, "doc_id", "")
        source = self._string(line, obj, "source", "")
        text = self._string(line, obj, "text", "")
        if text is None:
            return None
        self._warn_unknown_fields(line, obj)
        if source is not None and self.check_source:
            self._check_source(line, source, text)

        entities = self._entities(line, obj.get("entities"), text)
        quotes = self._quotes(line, obj.get("quotes"), text, entities)
        cast = obj.get("cast")
        raw_entities = obj.get("entities") if isinstance(obj.get("entities"), list) else []
        entity_ids = {raw["id"] for raw in raw_entities if isinstance(raw, dict) and isinstance(raw.get("id"), str)}
        for problem in cast_problems(cast, entity_ids):
            self.error(line, "cast", problem)
        if len(self.errors) > n_before or doc_id is None:
            return None
        return Document(doc_id, source or "", text, entities, quotes, None if cast is None else list(cast))

    def _check_source(self, line: int, source: str, text: str) -> None:
        candidate = self.sources.find(source)
        if candidate is None:
            self._source_not_found(line, source)
            return
        on_disk = self._source_texts.get(candidate, "")
        if on_disk == "":  # not read yet (a source file is never empty: text is not)
            try:
                on_disk = candidate.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                on_disk = None
            if len(self._source_texts) >= _SOURCE_CACHE_SIZE:
                self._source_texts.clear()
            self._source_texts[candidate] = on_disk
        if on_disk is None:
            self.error(line, "source", f"{candidate} is not UTF-8")
            return
        if on_disk != text:
            where = next((i for i, (a, b) in enumerate(zip(on_disk, text)) if a != b), min(len(on_disk), len(text)))
            self.error(
                line,
                "text",
                f"differs from source file {candidate} at character {where} "
                f"(file has {len(on_disk)} characters, text has {len(text)})",
            )

    def _source_not_found(self, line: int, source: str) -> None:
        """Remember a source that names no file: one warning per gold file
        (:meth:`finish`), not one per document, names the first and counts the
        rest.  A URI (``https://…``, ``doi:…``, ``pdnc:Emma``) is not a path,
        and a reference to a part of a file (``export.json#task=101``, as a
        Label Studio import writes it) names no text file: neither is warned
        about."""
        if _URI_SCHEME.match(source) or "#" in source:
            return
        if self._missing_source is None:
            self._missing_source = (len(self.warnings), line, source)
        self._n_missing_sources += 1

    def finish(self) -> None:
        """Add the warnings that sum up the whole file (the missing sources),
        in line order among the others."""
        if self._missing_source is None:
            return
        index, line, source = self._missing_source
        tried = ", ".join(dict.fromkeys(os.path.abspath(base / source) for base in self.sources.bases))
        problem = f"{source!r} not found (tried {tried}); its text was not checked"
        more = self._n_missing_sources - 1
        if more:
            problem += f"; nor were the texts of {more} more {'document' if more == 1 else 'documents'} whose source was not found"
        self.warnings.insert(index, InputError(self.path, line, "source", problem))

    def _entities(self, line: int, value: Any, text: str) -> list[Entity]:
        if value is None:
            self.error(line, "entities", "missing (use [] for none)")
            return []
        if not isinstance(value, list):
            self.error(line, "entities", f"must be a list, got {type(value).__name__}")
            return []
        entities: list[Entity] = []
        seen: set[str] = set()
        for i, raw in enumerate(value):
            where = f"entities[{i}]."
            if not isinstance(raw, dict):
                self.error(line, f"entities[{i}]", "must be an object")
                continue
            eid = self._string(line, raw, "id", where)
            name = self._string(line, raw, "name", where)
            kind = self._string(line, raw, "kind", where)
            if kind is not None and kind not in ENTITY_KINDS:
                self.error(line, f"{where}kind", f"{kind!r} is not one of {', '.join(ENTITY_KINDS)}")
            if eid is not None:
                if eid in seen:
                    self.error(line, f"{where}id", f"duplicate entity id {eid!r}")
                seen.add(eid)
            aliases = raw.get("aliases", [])
            if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
                self.error(line, f"{where}aliases", "must be a list of non-empty strings")
                aliases = []
            mentions_raw = raw.get("mentions", [])
            mentions: list[Span] = []
            if not isinstance(mentions_raw, list):
                self.error(line, f"{where}mentions", "must be a list of spans")
            else:
                for j, m in enumerate(mentions_raw):
                    span = self._span(line, m, f"{where}mentions[{j}]", len(text))
                    if span is not None:
                        mentions.append(span)
            if eid is not None and name is not None:
                entities.append(Entity(eid, name, kind or "other", list(aliases), mentions))
                self._remember_entity_name(line, i, eid, name)
        self._warn_shared_mentions(line, entities, text)
        return entities

    def _remember_entity_name(self, line: int, index: int, eid: str, name: str) -> None:
        """Warn when entity ``eid`` (``entities[index]`` of this line) was
        named differently on an earlier line."""
        known = self.entity_names.get(eid)
        if known is None:
            self.entity_names[eid] = (name, line)
        elif known[0] != name:
            self.warn(line, f"entities[{index}].name", f"entity {eid!r} is named {name!r} here but {known[0]!r} on line {known[1]}")

    def _warn_shared_mentions(self, line: int, entities: list[Entity], text: str) -> None:
        # A predicted speaker span is credited to the entity whose mention it
        # overlaps: mentions shared by two entities make that ambiguous.
        # The cost is the number of overlapping pairs of mentions, which the
        # mentions of one entity rarely make large.
        spans = sorted([(m.start, m.end, e.id) for e in entities for m in e.mentions])
        n_spans = len(spans)
        for i, (start, end, eid) in enumerate(spans):
            named = more = 0
            for j in range(i + 1, n_spans):
                other_start, other_end, other_id = spans[j]
                if other_start >= end:
                    break
                if other_id == eid:
                    continue
                if named == _NAMED_OVERLAPS:
                    more += 1
                    continue
                named += 1
                self.warn(
                    line,
                    f"entities({eid},{other_id}).mentions",
                    f"mentions overlap: {start}-{end} {text[start:end]!r} and {other_start}-{other_end} {text[other_start:other_end]!r}",
                )
            if more:
                self.warn(line, f"entities({eid}).mentions", f"mention {start}-{end} {text[start:end]!r} also overlaps {more} more mentions of other entities")

    def _quotes(self, line: int, value: Any, text: str, entities: list[Entity]) -> list[Quote]:
        if value is None:
            self.error(line, "quotes", "missing (use [] for none)")
            return []
        if not isinstance(value, list):
            self.error(line, "quotes", f"must be a list, got {type(value).__name__}")
            return []
        # entity id -> the offsets of its mentions: a speaker mention is
        # looked up, not searched for (a novel's hero has thousands).
        mention_offsets = {e.id: {(m.start, m.end) for m in e.mentions} for e in entities}
        quotes: list[Quote] = []
        seen: set[str] = set()
        n = len(text)
        for i, raw in enumerate(value):
            where = f"quotes[{i}]."
            if not isinstance(raw, dict):
                self.error(line, f"quotes[{i}]", "must be an object")
                continue
            n_before = len(self.errors)
            qid = self._string(line, raw, "id", where)
            if qid is not None:
                where = f"quotes[{i}]({qid})."
                if qid in seen:
                    self.error(line, f"{where}id", f"duplicate quote id {qid!r}")
                seen.add(qid)
            span = self._span(line, raw, where.rstrip("."), n)
            qtype = self._string(line, raw, "type", where)
            if qtype is not None and qtype not in QUOTE_TYPES:
                self.error(line, f"{where}type", f"{qtype!r} is not one of {', '.join(QUOTE_TYPES)}")
            speaker = self._string(line, raw, "speaker", where, nullable=True) if "speaker" in raw else None
            if "speaker" not in raw:
                self.error(line, f"{where}speaker", "missing (use null when the text names no source)")
            if speaker is not None and speaker not in mention_offsets:
                self.error(line, f"{where}speaker", f"unknown entity id {speaker!r}")
            mention = self._optional_span(line, raw, "speaker_mention", where, n)
            if mention is not None:
                if speaker is None:
                    self.error(line, f"{where}speaker_mention", "given for a quote without a speaker")
                elif speaker in mention_offsets and (mention.start, mention.end) not in mention_offsets[speaker]:
                    self.error(
                        line,
                        f"{where}speaker_mention",
                        f"{mention.start}-{mention.end} ({text[mention.start:mention.end]!r}) is not among the mentions of {speaker!r}",
                    )
            cue = self._optional_span(line, raw, "cue", where, n)
            fragments: list[Span] | None = None
            if raw.get("fragments") is not None:
                frs = raw["fragments"]
                if not isinstance(frs, list) or not frs:
                    self.error(line, f"{where}fragments", "must be a non-empty list of spans (or absent)")
                else:
                    indexed = []
                    for j, fr in enumerate(frs):
                        fs = self._span(line, fr, f"{where}fragments[{j}]", n)
                        if fs is not None:
                            indexed.append((j, fs))
                    if span is not None:
                        for suffix, problem in fragment_problems(indexed, span.start, span.end):
                            self.error(line, f"{where}fragments{suffix}", problem)
                    fragments = [fs for _, fs in indexed]
            if span is not None and qtype == "direct":
                parts = [(f.start, f.end) for f in fragments] if fragments else [(span.start, span.end)]
                problem = direct_quote_problem(text, parts)
                if problem is not None:
                    self.error(line, f"{where}{problem[0]}", problem[1])
            if span is not None and qtype == "mixed" and lacks_quote_mark(text, span.start, span.end):
                self.warn(line, f"{where}type", "mixed quote contains no quotation mark")
            attributes = raw.get("attributes")
            if attributes is not None:
                for suffix, problem in attribute_problems(attributes):
                    self.error(line, f"{where}attributes{suffix}", problem)
            if len(self.errors) == n_before and qid is not None and span is not None and qtype is not None:
                quotes.append(Quote(qid, span.start, span.end, qtype, speaker, mention, cue, fragments or None, attributes))
        self._warn_overlapping_quotes(line, quotes)
        return quotes

    def _warn_overlapping_quotes(self, line: int, quotes: list[Quote]) -> None:
        """One warning per overlapping pair, up to a few per quote; the rest
        counted, so that a quote holding a thousand others (a letter, a
        chapter read aloud) costs a bisection, not a thousand warnings."""
        ordered = sorted(quotes, key=lambda q: (q.start, q.end))
        starts = [q.start for q in ordered]
        for a_index, a in enumerate(ordered):
            named, more = _first_overlaps(starts, a_index, a.end, _NAMED_OVERLAPS)
            for b_index in named:
                b = ordered[b_index]
                self.warn(line, f"quotes({a.id},{b.id})", f"quotes overlap ({a.start}-{a.end} and {b.start}-{b.end})")
            if more:
                self.warn(line, f"quotes({a.id})", f"quote {a.start}-{a.end} also overlaps {more} more quotes that begin inside it")

    # -- the fast path ----------------------------------------------------------

    def _warn_unknown_fields(self, line: int, obj: dict) -> None:
        if len(obj) > len(_DOCUMENT_FIELDS) or obj.keys() != _DOCUMENT_FIELDS:
            for key in obj:
                if key not in _DOCUMENT_FIELDS and key not in _OPTIONAL_DOCUMENT_FIELDS:
                    self.warn(line, key, "unknown field, ignored")

    def accept(self, line: int, obj: dict, doc: Document) -> Document | None:
        """The checks of :meth:`document` that :meth:`clean_document` leaves
        out, on a document it built from ``obj``: the source file, and the
        warnings about unknown fields, entity names, shared mentions and
        overlapping quotes."""
        self._warn_unknown_fields(line, obj)
        n_before = len(self.errors)
        if self.check_source:
            self._check_source(line, doc.source, doc.text)
        known_names = self.entity_names
        for i, entity in enumerate(doc.entities):
            known = known_names.get(entity.id)
            if known is None or known[0] != entity.name:  # else: nothing to remember or say
                self._remember_entity_name(line, i, entity.id, entity.name)
        self._warn_shared_mentions(line, doc.entities, doc.text)
        self._warn_overlapping_quotes(line, doc.quotes)
        return None if len(self.errors) > n_before else doc

    def clean_document(self, obj: Any) -> Document | None:
        """The document, when :meth:`document` would find nothing wrong in it
        and warn about nothing but what :meth:`accept` checks; else None.
        Every rule is asked of the same functions as :meth:`document` asks
        (:func:`span_problem`, :func:`fragment_problems`,
        :func:`~benchmark.typography.direct_quote_problem`, …); this path only
        skips composing the messages.

        Ids, names, kinds and types recur across a gold set (the same person
        in many articles, q01 in every one), and so do offsets (in CPython an
        int above 256 is an object of its own): each distinct value is kept
        once, which saves a third of the memory of the objects of a large set."""
        if type(obj) is not dict or not obj.keys() >= _DOCUMENT_FIELDS:
            return None
        intern = self._strings.setdefault
        doc_id, source, text, entity_list, quote_list = obj["doc_id"], obj["source"], obj["text"], obj["entities"], obj["quotes"]
        if not (_is_name(doc_id) and _is_name(source) and _is_name(text)):
            return None
        if type(entity_list) is not list or type(quote_list) is not list:
            return None
        n = len(text)
        offset = self._offsets
        if len(offset) <= n:
            if n < _OFFSET_TABLE_SIZE:
                offset.extend(range(len(offset), n + 1))
            else:
                offset = _AS_GIVEN
        entities: list[Entity] = []
        mentions_of: dict[str, dict[tuple[int, int], Span]] = {}  # entity id -> its mentions by offsets
        for raw in entity_list:
            if type(raw) is not dict:
                return None
            eid, name, kind = raw.get("id"), raw.get("name"), raw.get("kind")
            if not (_is_name(eid) and _is_name(name) and type(kind) is str) or eid in mentions_of:
                return None
            kind = _ENTITY_KINDS.get(kind)  # the one copy of the string, or None
            aliases = raw["aliases"] if "aliases" in raw else []
            if kind is None or type(aliases) is not list:
                return None
            for alias in aliases:
                if not _is_name(alias):
                    return None
            if aliases:
                aliases = [intern(alias, alias) for alias in aliases]
            mention_list = raw["mentions"] if "mentions" in raw else []
            if type(mention_list) is not list:
                return None
            mentions: list[Span] = []
            by_offsets: dict[tuple[int, int], Span] = {}
            for m in mention_list:
                if type(m) is not dict:
                    return None
                start, end = m.get("start"), m.get("end")
                if not (_is_int(start) and _is_int(end)) or span_problem(start, end, n) is not None:
                    return None
                span = by_offsets.get((start, end))
                if span is None:
                    span = by_offsets[(start, end)] = Span(offset[start], offset[end])
                mentions.append(span)
            eid = intern(eid, eid)
            mentions_of[eid] = by_offsets
            entities.append(Entity(eid, intern(name, name), kind, aliases, mentions))

        quotes: list[Quote] = []
        seen: set[str] = set()
        for raw in quote_list:
            if type(raw) is not dict:
                return None
            qid, start, end, qtype = raw.get("id"), raw.get("start"), raw.get("end"), raw.get("type")
            if not (_is_name(qid) and qid not in seen and type(qtype) is str):
                return None
            qtype = _QUOTE_TYPES.get(qtype)
            if qtype is None or "speaker" not in raw:
                return None
            if not (_is_int(start) and _is_int(end)) or span_problem(start, end, n) is not None:
                return None
            seen.add(qid)
            speaker = raw["speaker"]
            mention = raw.get("speaker_mention")
            if speaker is None:
                if mention is not None:
                    return None
            else:
                if type(speaker) is not str:
                    return None
                by_offsets = mentions_of.get(speaker)
                if by_offsets is None:
                    return None
                speaker = intern(speaker, speaker)  # the entity's own id, kept above
                if mention is not None:
                    if type(mention) is not dict:
                        return None
                    m_start, m_end = mention.get("start"), mention.get("end")
                    # exact types first: True and 1.0 would find the mention (1, ...)
                    if not (_is_int(m_start) and _is_int(m_end)):
                        return None
                    mention = by_offsets.get((m_start, m_end))  # the Span object itself
                    if mention is None:
                        return None
            cue = raw.get("cue")
            if cue is not None:
                if type(cue) is not dict:
                    return None
                cue_start, cue_end = cue.get("start"), cue.get("end")
                if not (_is_int(cue_start) and _is_int(cue_end)) or span_problem(cue_start, cue_end, n) is not None:
                    return None
                cue = Span(offset[cue_start], offset[cue_end])
            fragments: list[Span] | None = None
            fragment_list = raw.get("fragments")
            if fragment_list is not None:
                if type(fragment_list) is not list or not fragment_list:
                    return None
                fragments = []
                for fragment in fragment_list:
                    if type(fragment) is not dict:
                        return None
                    f_start, f_end = fragment.get("start"), fragment.get("end")
                    if not (_is_int(f_start) and _is_int(f_end)) or span_problem(f_start, f_end, n) is not None:
                        return None
                    fragments.append(Span(offset[f_start], offset[f_end]))
                if fragment_problems(list(enumerate(fragments)), start, end):
                    return None
            if qtype == "direct":
                parts = [(f.start, f.end) for f in fragments] if fragments else ((start, end),)
                if direct_quote_problem(text, parts) is not None:
                    return None
            elif qtype == "mixed" and lacks_quote_mark(text, start, end):
                return None  # a warning: document() gives it
            attributes = raw.get("attributes")
            if attributes is not None and attribute_problems(attributes):
                return None
            quotes.append(Quote(intern(qid, qid), offset[start], offset[end], qtype, speaker, mention, cue, fragments, attributes))
        cast = obj.get("cast")
        if cast is not None:
            if cast_problems(cast, mentions_of):
                return None
            cast = [intern(entity_id, entity_id) for entity_id in cast]
        return Document(doc_id, source, text, entities, quotes, cast)


# --------------------------------------------------------------------------
# Writing


def document_line(doc: Document) -> str:
    """The canonical one-line JSON form of a document (no trailing newline)."""
    return json.dumps(doc.to_json(), ensure_ascii=False)


def write_gold(documents: Iterable[Document], path: str | os.PathLike) -> None:
    """Write documents as canonical JSON Lines, atomically (a replaced file
    keeps its mode; see :mod:`benchmark.files`)."""
    with atomic_open(path, "w", newline="\n") as fh:
        for doc in documents:
            fh.write(document_line(doc))
            fh.write("\n")


def write_valid_gold(documents: list[Document], out: str | os.PathLike) -> ValidationReport:
    """Write a gold file only if it passes :func:`validate_gold` (with the
    source check, from the file's final folder); otherwise leave ``out``
    untouched and raise :class:`InputErrors`."""
    target = Path(out)
    if target.is_dir():
        raise UsageError(f"--out {out} is a folder; give a .jsonl file name")
    seen: dict[str, int] = {}
    for i, doc in enumerate(documents):
        if doc.doc_id in seen:
            raise InputError(out, 0, "doc_id", f"two documents would have the id {doc.doc_id!r}")
        seen[doc.doc_id] = i
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.check")
    try:
        write_gold(documents, staging)
        report = validate_gold(staging)
        if report.errors:
            raise InputErrors(
                [InputError(os.fspath(out), e.line, e.field, f"(generated) {e.problem}") for e in report.errors]
            )
        if target.exists():  # an annotator's gold file keeps its mode
            shutil.copymode(target, staging)
        os.replace(staging, target)
        fsync_folder(target.parent)
    finally:
        if staging.exists():
            staging.unlink()
    report.gold.path = os.fspath(out)
    return report


def document_from_json(obj: dict[str, Any]) -> Document:
    """Build a Document from an already-valid JSON object (no checks)."""

    def span(v: Any) -> Span | None:
        return None if v is None else Span(int(v["start"]), int(v["end"]))

    return Document(
        doc_id=obj["doc_id"],
        source=obj.get("source", ""),
        text=obj["text"],
        entities=[
            Entity(e["id"], e["name"], e["kind"], list(e.get("aliases") or []),
                   [Span(int(m["start"]), int(m["end"])) for m in e.get("mentions") or []])
            for e in obj.get("entities") or []
        ],
        quotes=[
            Quote(
                q["id"],
                int(q["start"]),
                int(q["end"]),
                q["type"],
                q.get("speaker"),
                span(q.get("speaker_mention")),
                span(q.get("cue")),
                [span(f) for f in q["fragments"]] if q.get("fragments") else None,
                q.get("attributes"),
            )
            for q in obj.get("quotes") or []
        ],
        cast=None if obj.get("cast") is None else list(obj["cast"]),
    )


# --------------------------------------------------------------------------
# Hugging Face datasets


def dataset_features():
    """The declared ``datasets.Features`` of the gold set."""
    from datasets import Features, Value

    span = {"start": Value("int32"), "end": Value("int32")}
    return Features(
        {
            "doc_id": Value("string"),
            "source": Value("string"),
            "text": Value("string"),
            "entities": [
                {
                    "id": Value("string"),
                    "name": Value("string"),
                    "kind": Value("string"),
                    "aliases": [Value("string")],
                    "mentions": [span],
                }
            ],
            "quotes": [
                {
                    "id": Value("string"),
                    "start": Value("int32"),
                    "end": Value("int32"),
                    "type": Value("string"),
                    "speaker": Value("string"),
                    "speaker_mention": dict(span),
                    "cue": dict(span),
                    "fragments": [span],
                    # JSON text of the quote's attributes, null when it has
                    # none: their names and value types vary from corpus to
                    # corpus, which a fixed structure could not hold exactly.
                    "attributes": Value("string"),
                }
            ],
            # null when the document publishes no cast
            "cast": [Value("string")],
        }
    )


def to_dataset(gold: GoldSet | Iterable[Document]):
    """The gold set as a ``datasets.Dataset`` with declared features, built in
    memory from local data (nothing is fetched from a hub)."""
    from datasets import Dataset

    documents = gold.documents if isinstance(gold, GoldSet) else list(gold)
    rows = []
    for doc in documents:
        row = doc.to_json()
        row.setdefault("cast", None)
        for q in row["quotes"]:
            q.setdefault("fragments", [])
            attributes = q.get("attributes")
            q["attributes"] = None if attributes is None else json.dumps(attributes, ensure_ascii=False)
        rows.append(row)
    return Dataset.from_list(rows, features=dataset_features())


def _null_span(value: Any) -> Any:
    # Arrow may give a struct of nulls for a null struct.
    if value is None or value.get("start") is None:
        return None
    return value


def from_dataset(dataset) -> list[Document]:
    """Documents back from a dataset made by :func:`to_dataset`."""
    documents = []
    for row in dataset:
        for q in row["quotes"]:
            q["speaker_mention"] = _null_span(q.get("speaker_mention"))
            q["cue"] = _null_span(q.get("cue"))
            attributes = q.get("attributes")
            q["attributes"] = None if attributes is None else json.loads(attributes)
        documents.append(document_from_json(row))
    return documents


def load_dataset(path: str | os.PathLike = DEFAULT_GOLD):
    """Validate a gold file and return it as a ``datasets.Dataset``."""
    return to_dataset(load_gold(path))


# --------------------------------------------------------------------------
# Counts


def gold_stats(gold: GoldSet) -> dict[str, Any]:
    """Counts of the gold set: documents, characters, entities, quotes by
    type, by speaker (``null`` speakers counted as ``<none>``) and by
    attribute: for each attribute name, the quotes per value (a string as
    it is, another scalar as JSON, a list as ``<list>``), most frequent first."""
    by_type = {t: 0 for t in QUOTE_TYPES}
    by_speaker: dict[str, int] = {}
    by_attribute: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    for doc in gold.documents:
        for e in doc.entities:
            names.setdefault(e.id, e.name)
        for q in doc.quotes:
            by_type[q.type] += 1
            key = q.speaker or "<none>"
            by_speaker[key] = by_speaker.get(key, 0) + 1
            for attribute, value in (q.attributes or {}).items():
                shown = value if type(value) is str else "<list>" if type(value) is list else json.dumps(value)
                counts = by_attribute.setdefault(attribute, {})
                counts[shown] = counts.get(shown, 0) + 1
    return {
        "path": gold.path,
        "sha256": gold.sha256,
        "documents": len(gold.documents),
        "characters": sum(len(d.text) for d in gold.documents),
        "entities": len(names),
        "quotes": gold.n_quotes,
        "by_type": by_type,
        "by_speaker": dict(sorted(by_speaker.items(), key=lambda kv: (-kv[1], kv[0]))),
        "speaker_names": {k: names.get(k, k) for k in by_speaker},
        "by_attribute": {
            attribute: dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
            for attribute, counts in sorted(by_attribute.items())
        },
    }


_SHOWN_VALUES = 10  # values of an attribute printed by format_stats


def format_stats(gold: GoldSet) -> str:
    stats = gold_stats(gold)
    lines = [
        f"{stats['path']}  sha256 {stats['sha256'][:12]}",
        f"documents {stats['documents']}   characters {stats['characters']}   entities {stats['entities']}   quotes {stats['quotes']}",
        "",
        "by type",
    ]
    lines += [f"  {t:<10}{n:>5}" for t, n in stats["by_type"].items()]
    for attribute, counts in stats["by_attribute"].items():
        lines += ["", f"by attribute {attribute} ({sum(counts.values())} quotes)"]
        lines += [f"  {value:<10}{n:>5}" for value, n in list(counts.items())[:_SHOWN_VALUES]]
        if len(counts) > _SHOWN_VALUES:
            lines.append(f"  … {len(counts) - _SHOWN_VALUES} more values")
    lines += ["", "by speaker"]
    width = max((len(s) for s in stats["by_speaker"]), default=0)
    lines += [
        f"  {s:<{width}}  {n:>4}  {stats['speaker_names'][s] if s != '<none>' else ''}"
        for s, n in stats["by_speaker"].items()
    ]
    return "\n".join(lines)
