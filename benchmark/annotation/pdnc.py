"""The Project Dialogism Novel Corpus (PDNC) as its authors publish it.

``quotebench gold import pdnc DIR --out GOLD [--documents NAME,…|@LIST]``
reads the repository ``DIR`` (``github.com/Priya22/project-dialogism-novel-corpus``)
unchanged: one folder per novel under ``DIR/data``, each holding

- ``novel_text.txt``: the novel (ASCII, so PDNC's byte offsets are character
  offsets);
- ``character_info.csv``: ``Character ID``, ``Main Name``, ``Aliases`` (a
  Python set or list literal, or such a literal inside a string),
  ``Gender``, ``Category``;
- ``quotation_info.csv``: ``quoteID``, ``quoteText``, ``subQuotationList``,
  ``quoteByteSpans`` (a Python list of ``[start, end)`` spans, one per
  sub-quotation), ``speaker`` (a name), ``addressees`` (a list of names),
  ``quoteType`` (Explicit, Anaphoric, Implicit), ``referringExpression``,
  ``mentionTextsList``, ``mentionSpansList``, ``mentionEntitiesList``.

Every cell holding a Python literal is read with :func:`ast.literal_eval`
(never ``eval``).  The rules, each counted in a note when it changes or
leaves out anything:

- **Documents.**  One per novel: ``doc_id`` is the folder name, ``source`` the
  ``novel_text.txt`` path relative to the gold file's folder, ``text`` the
  file's content exactly.
- **Entities.**  One ``person`` per character: id ``NOVEL:NAME`` (``NAME``
  the main name with runs of non-word characters as ``_``; the character id
  is added when two main names give the same id), name the main name,
  aliases the main name then the aliases in sorted order, white space
  trimmed.  ``Gender`` and ``Category`` are not kept (the gold format has no
  entity attributes).
- **Cast.**  PDNC publishes each novel's character list with the novel, and
  quotation attribution on PDNC gives it to the system: the document's
  ``cast`` lists every character of ``character_info.csv`` in the file's
  order (not the entities made for speaker names that name no character),
  so models are shown their names and aliases (never their mentions).
- **Names to characters** (speakers, mentions' entities): the character whose
  main name is the name, else the one character that has it as an alias,
  else the same ignoring case, white space trimmed at each step.  A speaker
  name that names no character (or several) becomes a person entity of its
  own, id ``NOVEL:NAME``.
- **Quotes.**  Every row becomes a ``direct`` quote with id ``quoteID`` (an
  ``indirect`` one, listed in a note, when the text shows it without the
  quotation marks that :mod:`benchmark.typography` requires); its
  sub-quotation spans, white space trimmed from both ends, sorted, become its
  ``fragments`` (an overlap is merged; a span of white space only is left
  out); ``attributes`` holds ``quote_type`` (``quoteType``, null when the
  cell is empty) and ``addressees`` (the names as published, trimmed).
- **Speaker mention.**  The referring expression (PDNC gives its words, with
  punctuation dropped) is looked for in the text: an occurrence is the
  expression's letters and digits in order, case ignored, with only other
  characters between them (``Mrs Dales`` for ``Mrs. Dale's``, ``318`` for
  ``3.18``), starting at the start of a word and ending at the end of one,
  outside every quotation of the novel and within :data:`REFERRING_WINDOW`
  characters of the quote; the one nearest the quote wins (distance 0
  between the quote's fragments, else the characters between it and the
  quote; the earlier one on a tie).  It becomes the quote's
  ``speaker_mention`` and a mention of the speaker; when none is found the
  mention is null.
- **Other mentions.**  PDNC's mentions of characters inside quotations
  (``mentionSpansList`` with ``mentionEntitiesList``) become mentions of
  their character when they name exactly one character; mentions of several
  characters, or of a name that names none, are left out and counted.
"""

from __future__ import annotations

import ast
import bisect
import csv
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from benchmark.annotation import AnnotationFormat
from benchmark.annotation.common import DOCUMENTS_OPTION, ImportResult, LabelTypes, chosen_documents, clip, slug, source_path
from benchmark.errors import InputError
from benchmark.gold import Document, Entity, Quote, Span
from benchmark.typography import direct_quote_problem

DATA_FOLDER = "data"
TEXT_FILE = "novel_text.txt"
CHARACTERS_FILE = "character_info.csv"
QUOTATIONS_FILE = "quotation_info.csv"
CHARACTER_COLUMNS = ("Character ID", "Main Name", "Aliases")
QUOTATION_COLUMNS = ("quoteID", "quoteByteSpans", "speaker", "addressees", "quoteType", "referringExpression")
MENTION_COLUMNS = ("mentionSpansList", "mentionEntitiesList")
# How PDNC's tables (written by pandas) show an empty cell.
EMPTY_CELLS = frozenset({"", "nan", "NaN", "None"})
# How far from its quote, in characters, a referring expression is looked for.
REFERRING_WINDOW = 1000
_NUMBER_LIST = re.compile(r"[\[\]\d,\s-]*")
_WORD = re.compile(r"[^\W_]+")


# --------------------------------------------------------------------------
# Cells


def _empty(cell: str | None) -> bool:
    return cell is None or cell.strip() in EMPTY_CELLS


@lru_cache(maxsize=8192)
def _literal_value(cell: str) -> Any:
    """The Python literal written in ``cell`` (cached: PDNC's cells repeat).
    A list of numbers is read by :func:`json.loads`, which reads it as
    :func:`ast.literal_eval` does, only faster; anything else by
    :func:`ast.literal_eval`.  Callers must not change the value."""
    cell = cell.strip()
    if _NUMBER_LIST.fullmatch(cell):
        try:
            return json.loads(cell)
        except ValueError:
            pass  # "[1,]", say: a literal that JSON does not write
    return ast.literal_eval(cell)


def _parse(cell: str, path: Path, line: int, column: str) -> Any:
    try:
        return _literal_value(cell)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise InputError(path, line, column, f"not a Python literal: {clip(cell)!r}") from None


def _literal(row: dict[str, str], column: str, path: Path, line: int) -> Any:
    """The Python literal in a cell."""
    return _parse(row[column], path, line, column)


def _names(row: dict[str, str], column: str, path: Path, line: int) -> list[str]:
    """The names in a cell: a set, list or tuple of strings, or a string
    holding such a literal."""
    cell = row[column]
    value = _parse(cell, path, line, column)
    if isinstance(value, str):
        value = _parse(value, path, line, column)
    if not isinstance(value, (set, frozenset, list, tuple)) or not all(isinstance(v, str) for v in value):
        raise InputError(path, line, column, f"expected a set or list of names, got {clip(cell)!r}")
    names = [v.strip() for v in value if v.strip()]
    return sorted(names) if isinstance(value, (set, frozenset)) else names


def _spans(value: Any, cell: str, path: Path, line: int, column: str, n: int) -> list[tuple[int, int]]:
    if not isinstance(value, (list, tuple)):
        raise InputError(path, line, column, f"expected a list of [start, end] spans, got {clip(cell)!r}")
    spans: list[tuple[int, int]] = []
    for item in value:
        if (
            not isinstance(item, (list, tuple))
            or len(item) != 2
            or not all(type(x) is int for x in item)
            or not 0 <= item[0] <= item[1] <= n
        ):
            raise InputError(path, line, column, f"{item!r} is not a [start, end] span within the text (0-{n})")
        spans.append((item[0], item[1]))
    return spans


def _rows(path: Path, required: tuple[str, ...]):
    """``(line, row)`` for each record of a CSV file (``line`` where the record
    starts), after checking that its header has the ``required`` columns."""
    if not path.is_file():
        raise InputError(path, 0, "file", "missing")
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise InputError(path, 1, "header", "the file is empty")
        header = [h.strip() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(path, 1, "header", f"missing column(s) {', '.join(missing)} (found: {', '.join(header)})")
        line = reader.line_num + 1
        for record in reader:
            if record:
                yield line, dict(zip(header, record))
            line = reader.line_num + 1


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# --------------------------------------------------------------------------
# Characters


@dataclass
class _Cast:
    """A novel's entities and the ways names lead to them."""

    novel: str
    entities: list[Entity] = field(default_factory=list)
    by_main: dict[str, list[Entity]] = field(default_factory=dict)
    by_alias: dict[str, list[Entity]] = field(default_factory=dict)
    by_folded: dict[str, list[Entity]] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    own: dict[str, Entity] = field(default_factory=dict)  # speaker names that name no character

    def new_id(self, name: str, suffix: str) -> str:
        base = f"{self.novel}:{slug(name) or suffix}"
        entity_id = base if base not in self.ids else f"{base}_{suffix}"
        k = 2
        while entity_id in self.ids:
            entity_id, k = f"{base}_{suffix}_{k}", k + 1
        self.ids.add(entity_id)
        return entity_id

    def add(self, entity: Entity) -> None:
        self.entities.append(entity)
        self.by_main.setdefault(entity.name, []).append(entity)
        for alias in entity.aliases:
            self.by_alias.setdefault(alias, []).append(entity)
            self.by_folded.setdefault(alias.casefold(), [])
            if entity not in self.by_folded[alias.casefold()]:
                self.by_folded[alias.casefold()].append(entity)

    def resolve(self, name: str) -> Entity | None:
        """The one character a name names (see the module docstring), else None."""
        name = name.strip()
        for index, key in ((self.by_main, name), (self.by_alias, name), (self.by_folded, name.casefold())):
            found = index.get(key)
            if found:
                return found[0] if len(found) == 1 else None
        return None


def _read_cast(novel: str, path: Path) -> _Cast:
    cast = _Cast(novel)
    for line, row in _rows(path, CHARACTER_COLUMNS):
        name = row["Main Name"].strip()
        character_id = row["Character ID"].strip()
        if not name:
            raise InputError(path, line, "Main Name", "empty")
        aliases = [] if _empty(row["Aliases"]) else _names(row, "Aliases", path, line)
        entity = Entity(cast.new_id(name, character_id or str(line)), name, "person", list(dict.fromkeys([name, *aliases])), [])
        cast.add(entity)
    return cast


# --------------------------------------------------------------------------
# Referring expressions


def _folded(s: str) -> str:
    """``s`` in lower case, character for character."""
    lowered = s.lower()
    return lowered if len(lowered) == len(s) else "".join(c.lower() if len(c.lower()) == 1 else c for c in s)


class _Words:
    """A novel's letters and digits, lower-cased and run together, with where
    each of its words (maximal runs of letters and digits) starts, in the run
    and in the text: what referring expressions are looked for in."""

    def __init__(self, text: str):
        spans = [m.span() for m in _WORD.finditer(text)]
        self.text_starts = [start for start, _ in spans]
        self.run_starts: list[int] = []
        at = 0
        for start, end in spans:
            self.run_starts.append(at)
            at += end - start
        self.run_ends = self.run_starts[1:] + [at]
        self.run = _folded("".join(text[start:end] for start, end in spans))

    def text_offset(self, k: int, at: int) -> int:
        """The text offset of position ``at`` of the run, inside word ``k``."""
        return self.text_starts[k] + at - self.run_starts[k]

    def occurrences(self, key: str, lo: int, hi: int):
        """``(start, end)`` text spans where ``key`` occurs in the run starting
        at a word's start and ending at a word's end, between text offsets
        ``lo`` and ``hi``."""
        first = bisect.bisect_left(self.text_starts, lo)
        last = bisect.bisect_left(self.text_starts, hi)
        if first >= last:
            return
        run_lo, run_hi = self.run_starts[first], self.run_ends[last - 1]
        at = self.run.find(key, run_lo, run_hi)
        while at != -1:
            k = bisect.bisect_right(self.run_starts, at) - 1
            k_end = bisect.bisect_right(self.run_starts, at + len(key) - 1) - 1
            if self.run_starts[k] == at and self.run_ends[k_end] == at + len(key):
                yield self.text_offset(k, at), self.text_offset(k_end, at + len(key))
            at = self.run.find(key, at + 1, run_hi)


def _locate(words: _Words, quoted: bytearray, expression: str, parts: list[tuple[int, int]]) -> Span | None:
    """Where the referring expression of the quote made of ``parts`` is, by
    the rule of the module docstring; ``quoted`` marks the characters inside
    the novel's quotations."""
    key = _folded("".join(_WORD.findall(expression)))
    if not key:
        return None
    hull_start, hull_end = parts[0][0], parts[-1][1]
    best: tuple[int, int, int] | None = None
    for start, end in words.occurrences(key, hull_start - REFERRING_WINDOW, hull_end + REFERRING_WINDOW):
        if any(quoted[start:end]):
            continue
        distance = 0 if hull_start <= start and end <= hull_end else max(hull_start - end, start - hull_end, 0)
        if best is None or (distance, start) < best[:2]:
            best = (distance, start, end)
    return None if best is None else Span(best[1], best[2])


# --------------------------------------------------------------------------
# A novel


@dataclass
class _Tally:
    """What the import changed or left out, over all novels."""

    counts: Counter = field(default_factory=Counter)
    own_speakers: list[str] = field(default_factory=list)
    unmarked: list[str] = field(default_factory=list)  # NOVEL:quoteID imported as indirect


def _read_novel(novel: str, folder: Path, out: str | os.PathLike, tally: _Tally) -> Document:
    text_path = folder / TEXT_FILE
    if not text_path.is_file():
        raise InputError(text_path, 0, "file", "missing")
    try:
        with open(text_path, encoding="utf-8", newline="") as f:
            text = f.read()
    except UnicodeDecodeError as exc:
        raise InputError(text_path, 0, "file", f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    n = len(text)
    cast = _read_cast(novel, folder / CHARACTERS_FILE)
    quotations_path = folder / QUOTATIONS_FILE
    rows = list(_rows(quotations_path, QUOTATION_COLUMNS))
    counts = tally.counts

    parsed: list[tuple[int, dict[str, str], list[tuple[int, int]]]] = []
    quoted = bytearray(n)
    for line, row in rows:
        raw = _spans(
            _literal(row, "quoteByteSpans", quotations_path, line), row["quoteByteSpans"], quotations_path, line, "quoteByteSpans", n
        )
        if not raw:
            raise InputError(quotations_path, line, "quoteByteSpans", "no span")
        for start, end in raw:
            quoted[start:end] = b"\x01" * (end - start)
        parsed.append((line, row, raw))

    words = _Words(text)
    mentions: dict[str, set[Span]] = {}
    quotes: list[Quote] = []
    seen_ids: set[str] = set()
    for line, row, raw in parsed:
        counts["quotations"] += 1
        parts: list[tuple[int, int]] = []
        for start, end in raw:
            trimmed = _trim(text, start, end)
            if trimmed != (start, end):
                counts["trimmed"] += 1
            if trimmed[0] == trimmed[1]:
                counts["blank spans"] += 1
                continue
            parts.append(trimmed)
        if not parts:
            raise InputError(quotations_path, line, "quoteByteSpans", "every span holds white space only")
        if parts != sorted(parts):
            counts["unsorted"] += 1
            parts.sort()
        merged: list[tuple[int, int]] = []
        for start, end in parts:
            if merged and start < merged[-1][1]:
                counts["overlapping spans"] += 1
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        parts = merged

        quote_id = row["quoteID"].strip()
        if not quote_id:
            counts["missing ids"] += 1
            quote_id = f"row{line}"
        if quote_id in seen_ids:
            counts["duplicate ids"] += 1
            k = 2
            while f"{quote_id}_{k}" in seen_ids:
                k += 1
            quote_id = f"{quote_id}_{k}"
        seen_ids.add(quote_id)

        speaker_id: str | None = None
        name = row["speaker"].strip()
        if _empty(name):
            counts["no speaker"] += 1
        else:
            entity = cast.own.get(name) or cast.resolve(name)
            if entity is None:
                entity = Entity(cast.new_id(name, "speaker"), name, "person", [name], [])
                cast.own[name] = entity
                cast.add(entity)
                tally.own_speakers.append(f"{novel}: {name!r}")
            if cast.own.get(name) is entity:
                counts["quotes of own speakers"] += 1
            elif entity.name != row["speaker"]:
                counts["speakers by alias"] += 1
            speaker_id = entity.id

        mention: Span | None = None
        if speaker_id is not None and not _empty(row["referringExpression"]):
            counts["referring expressions"] += 1
            mention = _locate(words, quoted, row["referringExpression"], parts)
            if mention is None:
                counts["referring expressions not found"] += 1
            else:
                mentions.setdefault(speaker_id, set()).add(mention)

        addressees: list[str] = []
        if not _empty(row["addressees"]):
            addressees = _names(row, "addressees", quotations_path, line)
        quote_type = None if _empty(row["quoteType"]) else row["quoteType"].strip()
        if quote_type is None:
            counts["no quote type"] += 1

        _inner_mentions(row, cast, mentions, text, quotations_path, line, counts)

        quote_type_in_gold = "direct"
        if direct_quote_problem(text, parts) is not None:
            quote_type_in_gold = "indirect"
            tally.unmarked.append(f"{novel}:{quote_id}")

        fragments = [Span(s, e) for s, e in parts] if len(parts) > 1 else None
        quotes.append(
            Quote(
                quote_id,
                parts[0][0],
                parts[-1][1],
                quote_type_in_gold,
                speaker_id,
                mention,
                None,
                fragments,
                {"quote_type": quote_type, "addressees": addressees},
            )
        )
    for entity in cast.entities:
        entity.mentions = sorted(mentions.get(entity.id, ()), key=lambda s: (s.start, s.end))
    counts["characters"] += len(cast.entities) - len(cast.own)
    characters = [e.id for e in cast.entities if e.id not in {own.id for own in cast.own.values()}]
    return Document(novel, source_path(text_path, out), text, cast.entities, quotes, cast=characters)


def _inner_mentions(
    row: dict[str, str], cast: _Cast, mentions: dict[str, set[Span]], text: str, path: Path, line: int, counts: Counter
) -> None:
    """PDNC's mentions of characters inside the quotation, as mentions of the
    one character each names."""
    if any(column not in row or _empty(row[column]) for column in MENTION_COLUMNS):
        return
    spans = _literal(row, "mentionSpansList", path, line)
    names = _literal(row, "mentionEntitiesList", path, line)
    if not isinstance(spans, list) or not isinstance(names, list) or len(spans) != len(names):
        raise InputError(path, line, "mentionEntitiesList", "expected one list of entities per list of mention spans")
    for sub_spans, sub_names in zip(spans, names):
        if not isinstance(sub_names, list) or not isinstance(sub_spans, list):
            raise InputError(path, line, "mentionEntitiesList", "expected one list of entities per mention span")
        if len(sub_spans) != len(sub_names):  # misaligned in the published table: which is whose is unknown
            counts["mentions in quotations"] += len(sub_spans)
            counts["misaligned mentions"] += len(sub_spans)
            continue
        for span, entity_names in zip(_spans(sub_spans, row["mentionSpansList"], path, line, "mentionSpansList", len(text)), sub_names):
            if not isinstance(entity_names, list) or not all(isinstance(x, str) for x in entity_names):
                raise InputError(path, line, "mentionEntitiesList", f"expected a list of names, got {clip(repr(entity_names))}")
            counts["mentions in quotations"] += 1
            start, end = _trim(text, *span)
            if len(entity_names) != 1:
                counts["mentions of several characters"] += 1
                continue
            entity = cast.resolve(entity_names[0])
            if entity is None:
                counts["mentions of unknown names"] += 1
            elif start < end:
                mentions.setdefault(entity.id, set()).add(Span(start, end))


# --------------------------------------------------------------------------
# The corpus


def novels_in(root: Path) -> list[str]:
    """The novels of a PDNC repository: folders of ``data/`` with a text."""
    data = root / DATA_FOLDER
    if not data.is_dir():
        raise InputError(root, 0, "path", f"no {DATA_FOLDER}/ folder (expected PDNC's repository: {DATA_FOLDER}/<Novel>/{TEXT_FILE})")
    return sorted(p.name for p in data.iterdir() if p.is_dir() and not p.name.startswith(".") and (p / TEXT_FILE).exists())




def read_pdnc(folder: str | os.PathLike, *, out: str | os.PathLike, documents: str | None = None) -> ImportResult:
    """Gold documents from a PDNC repository (see the module docstring);
    ``documents`` names the novels to import (``A,B`` or ``@FILE`` with one
    name a line), all of them by default."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(root, 0, "path", "not a folder (pdnc import reads PDNC's repository)")
    names = chosen_documents(novels_in(root), documents, noun="novel")
    tally = _Tally()
    docs = [_read_novel(name, root / DATA_FOLDER / name, out, tally) for name in names]
    return ImportResult(docs, _notes(tally, len(docs)))


def _notes(tally: _Tally, n_documents: int) -> list[str]:
    c = tally.counts
    notes = [
        f"pdnc: {n_documents} novel(s), {c['quotations']} quotation(s), {c['characters']} character(s); "
        f"the characters' Gender and Category are not kept"
    ]
    if c["trimmed"]:
        notes.append(f"pdnc: {c['trimmed']} sub-quotation span(s) had white space at an end, trimmed")
    if c["blank spans"]:
        notes.append(f"pdnc: {c['blank spans']} sub-quotation span(s) held white space only, left out")
    if c["unsorted"]:
        notes.append(f"pdnc: {c['unsorted']} quotation(s) listed their spans out of text order, sorted")
    if c["overlapping spans"]:
        notes.append(f"pdnc: {c['overlapping spans']} overlapping sub-quotation span(s) merged")
    if c["missing ids"]:
        notes.append(f"pdnc: {c['missing ids']} quotation(s) without a quoteID given the id rowLINE")
    if c["duplicate ids"]:
        notes.append(f"pdnc: {c['duplicate ids']} duplicate quoteID(s) given a suffix _2, _3, …")
    if c["speakers by alias"]:
        notes.append(f"pdnc: {c['speakers by alias']} speaker name(s) matched a character by an alias or after trimming")
    if tally.own_speakers:
        notes.append(
            f"pdnc: {len(tally.own_speakers)} speaker name(s) naming no single character became entities of their own "
            f"({c['quotes of own speakers']} quotation(s)): {', '.join(tally.own_speakers)}"
        )
    if tally.unmarked:
        notes.append(
            f"pdnc: {len(tally.unmarked)} quotation(s) that no typographic convention of benchmark/typography.py explains "
            f"as direct speech (no quotation marks in the text) imported as indirect: {', '.join(tally.unmarked)}"
        )
    if c["no speaker"]:
        notes.append(f"pdnc: {c['no speaker']} quotation(s) without a speaker")
    if c["no quote type"]:
        notes.append(f"pdnc: {c['no quote type']} quotation(s) without a quoteType (attribute quote_type null)")
    if c["referring expressions"]:
        notes.append(
            f"pdnc: {c['referring expressions'] - c['referring expressions not found']} of {c['referring expressions']} "
            f"referring expression(s) located as the speaker mention; {c['referring expressions not found']} not found "
            f"within {REFERRING_WINDOW} characters outside quotations (speaker_mention null)"
        )
    left_out = c["mentions of several characters"] + c["mentions of unknown names"] + c["misaligned mentions"]
    if left_out:
        notes.append(
            f"pdnc: {left_out} of {c['mentions in quotations']} mention(s) inside quotations left out "
            f"({c['mentions of several characters']} of several characters, {c['mentions of unknown names']} of a name "
            f"that names no single character, {c['misaligned mentions']} whose lists of spans and of entities differ in length)"
        )
    return notes


def _import(folder: str | os.PathLike, *, out: str | os.PathLike, types: LabelTypes, documents: str | None = None) -> ImportResult:
    return read_pdnc(folder, out=out, documents=documents)


FORMAT = AnnotationFormat(
    name="pdnc",
    help="the Project Dialogism Novel Corpus repository as published (data/<Novel>/novel_text.txt, quotation_info.csv, character_info.csv)",
    read=_import,
    import_options=(DOCUMENTS_OPTION,),
)
