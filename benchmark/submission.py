"""Reading a submission (SPEC section 3) and refusing it, precisely, when it is
malformed.

A submission is JSON Lines (any file name not ending in ``.csv``) or CSV
(``.csv``) with the same field names.  A CSV's cells may be separated by
commas, semicolons or tabs: the header line tells which
(:class:`csv.Sniffer` restricted to those three); a header that mixes them
("doc_id;quote_id,speaker") is refused with "header: the file is not
comma-separated (found ';')".  Everything is checked before anything
is scored or written, and the first problem is raised as
:class:`~benchmark.errors.InputError`, printed as ``FILE:LINE: field: problem``.

Rules that the SPEC leaves open, decided here:

- **Track.** ``--track`` when given; otherwise inferred from the rows: a row
  with ``quote_id`` is attribution, a row with ``start``/``end`` is end-to-end,
  a file mixing both is refused.  An empty file (no rows) without ``--track``
  is scored in the attribution track.  A CSV's track is inferred from its
  header.
- **Fields.** Attribution rows need ``doc_id``, ``quote_id``, ``speaker``;
  end-to-end rows need ``doc_id``, ``start``, ``end``, ``speaker``.  Both may
  carry ``speaker_start``/``speaker_end`` (together or not at all) and
  ``type``.  Any other field is refused, so that a typo ("speeker") cannot
  silently turn every row into an abstention.
- **Abstention.** ``speaker`` null, empty or only white space abstains; a row
  without a ``speaker`` key (in CSV: without a ``speaker`` column) is refused.
- **Keys.** A row is identified by doc_id + quote_id (attribution) or doc_id +
  start + end (end-to-end); the same key twice is refused.
- **Offsets.** Integers with ``0 <= start < end <= len(text)``.  In JSON they
  must be JSON numbers without a fraction (``"12"`` and ``12.0`` are refused);
  in CSV every cell is text, so an integer-looking cell (``12``, `` 12 ``) is
  read as a number, an empty optional cell as absent.
- **Encoding.** UTF-8, with or without a byte-order mark; LF or CRLF line
  ends; blank lines are skipped (line numbers stay those of the file).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from functools import cached_property
from itertools import chain, repeat
from pathlib import Path
from typing import IO, Any, NoReturn

import numpy as np
import orjson

from benchmark.errors import InputError, UsageError
from benchmark.gold import QUOTE_TYPES, GoldSet
from benchmark.gold_cache import GoldColumns
from benchmark.models import TRACKS

OPTIONAL_FIELDS = ("speaker_start", "speaker_end", "type")
REQUIRED_FIELDS = {
    "attribution": ("doc_id", "quote_id", "speaker"),
    "end-to-end": ("doc_id", "start", "end", "speaker"),
}
FIELDS = {track: frozenset(required + OPTIONAL_FIELDS) for track, required in REQUIRED_FIELDS.items()}
_INTEGER_FIELDS = ("start", "end", "speaker_start", "speaker_end")
_CSV_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


class Predictions:
    """A validated submission.

    ``rows`` are dicts with ``doc_id``, ``quote_id`` (attribution) or
    ``start``/``end`` (end-to-end), ``speaker`` (``None`` = abstain),
    ``speaker_start``, ``speaker_end``, ``type`` (``None`` when absent) and
    ``line`` (1-based line of the row in the file).

    ``columns`` is the same data by field, as the scorer reads it:
    ``doc_id``, ``quote_id`` or ``start``/``end``, ``speaker``,
    ``speaker_start``/``speaker_end`` (-1 when absent), ``type`` (None when
    absent) and ``line``; lists of strings, numpy arrays of integers.
    Predictions read by :func:`read_predictions` or :meth:`from_rows` also
    have ``doc``, each row's document index in ``gold``, the gold set they
    were checked against, and (attribution) ``gold_quote``, each row's
    position in :func:`quote_positions` of ``gold``; their doc_id and
    quote_id strings are the gold set's own.

    Predictions read from a file keep only the columns (one copy of each
    distinct string): the rows are built from them when first asked for, so
    that a large submission is not held in memory twice."""

    __slots__ = ("path", "track", "sha256", "gold", "_rows", "_columns")

    def __init__(
        self,
        path: str,
        track: str,
        rows: list[dict[str, Any]] | None,
        sha256: str = "",
        *,
        columns: dict[str, Any] | None = None,
        gold: GoldSet | GoldColumns | None = None,
    ):
        if rows is None and columns is None:
            raise ValueError("Predictions need rows or columns")
        self.path = path
        self.gold = gold
        self.track = track
        self.sha256 = sha256
        self._rows = rows
        self._columns = columns

    @property
    def rows(self) -> list[dict[str, Any]]:
        if self._rows is None:
            self._rows = _rows_of(self._columns, self.track)
        return self._rows

    @property
    def columns(self) -> dict[str, Any]:
        if self._columns is None:
            rows = self.rows
            raw = _raw_columns(rows, FIELDS[self.track])
            self._columns = _final_columns(raw, self.track, [row.get("line", 0) for row in rows])  # no gold set here
        return self._columns

    @classmethod
    def from_rows(cls, rows: list[Any], gold: GoldSet | GoldColumns, track: str | None = None, *, source: str = "<rows>") -> "Predictions":
        """Validate in-memory rows (dicts in the submission format) exactly as
        :func:`read_predictions` validates a JSON Lines file's objects: the
        same checks, the same messages, ``source:N`` naming the N-th row
        (1-based) where the file would name its line.

        Raises :class:`InputError` on the first problem, :class:`UsageError`
        for an unknown ``track``."""
        _check_track(track)
        checker = _RowChecker(source, gold, track)
        lines = list(range(1, len(rows) + 1))
        raw = checker.check_all(list(rows), lines)
        final_track = checker.track or "attribution"
        return cls(source, final_track, None, columns=_final_columns(raw, final_track, lines, memo={}, keys=checker.keys), gold=gold)

    def __len__(self) -> int:
        return len(self._rows) if self._rows is not None else len(self._columns["line"])

    def __repr__(self) -> str:
        return f"Predictions({self.path!r}, {self.track!r}, {len(self)} rows)"


def read_predictions(path: str | os.PathLike, gold: GoldSet | GoldColumns, track: str | None = None) -> Predictions:
    """Read and fully validate a submission against ``gold``.

    Raises :class:`InputError` (``FILE:LINE: field: problem``) on the first
    problem, :class:`UsageError` for an unknown ``track``."""
    _check_track(track)
    path_str = os.fspath(path)
    p = Path(path)
    if not p.exists():
        raise InputError(path_str, 0, "file", "no such file")
    if p.is_dir():
        raise InputError(path_str, 0, "file", "is a folder, not a predictions file (.jsonl or .csv)")
    is_csv = p.suffix.lower() == ".csv"
    checker = _RowChecker(path_str, gold, track)
    if not is_csv:
        digest = hashlib.sha256()
        with open(p, "rb") as fh:  # a chunk at a time: the file is never held whole
            columns = _read_jsonl_in_chunks(fh, checker, digest)
        if columns is not None:
            return Predictions(path_str, checker.track or "attribution", None, digest.hexdigest(), columns=columns, gold=gold)
    # A file that may be malformed is read whole, so that its first problem
    # is found and described exactly as the row-by-row check defines it.
    data = p.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    parsed = None if is_csv else _parse_jsonl_bytes(data)
    if parsed is None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise InputError(path_str, line, "file", f"not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
        parsed = (_read_csv if is_csv else _read_jsonl)(text, checker)
        del text
    del data
    objects, lines = parsed
    raw = checker.check_all(objects, lines)
    final_track = checker.track or "attribution"
    columns = _final_columns(raw, final_track, lines, memo={}, keys=checker.keys)
    return Predictions(path_str, final_track, None, sha256, columns=columns, gold=gold)


def _check_track(track: str | None) -> None:
    if track is not None and track not in TRACKS:
        raise UsageError(f"unknown track {track!r}: use one of {', '.join(TRACKS)}")


# --------------------------------------------------------------------------
# The two file formats


CHUNK_BYTES = 1 << 22
"""Bytes of a JSON Lines submission parsed at a time (about 40,000 rows):
only one chunk's rows are alive as dicts at once, the rest already columns."""


def _read_jsonl_in_chunks(source: bytes | IO[bytes], checker: "_RowChecker", digest: Any = None) -> dict[str, Any] | None:
    """The columns (see :attr:`Predictions.columns`) of a valid JSON Lines
    file (its bytes, or a binary file open at its start; ``digest``, a
    hashlib object, is updated with every byte read), parsed and checked
    :data:`CHUNK_BYTES` at a time (and on to the end of a line) with the column
    tests of :meth:`_RowChecker._valid_columns`, and the keys of all chunks
    checked for repeats at the end.  None, with ``checker`` as it was, when
    any line is not valid JSON, any row may be invalid or there is no row:
    the caller then reads the whole file, whose row-by-row check finds the
    first problem."""
    track, first_line = checker.track, checker.first_line
    memo: dict[Any, Any] = {}
    parts: list[dict[str, Any]] = []
    loads = orjson.loads
    fh = io.BytesIO(source) if isinstance(source, bytes) else source
    line_number = 1  # of the first line of the chunk
    while block := fh.read(CHUNK_BYTES):
        if not block.endswith(b"\n"):
            block += fh.readline()  # chunks end at a line end
        if digest is not None:
            digest.update(block)
        if line_number == 1 and block.startswith(_BOM):
            block = block[len(_BOM):]
        physical = (block[:-1] if block.endswith(b"\n") else block).split(b"\n")
        del block
        text_lines = physical[:-1] if physical[-1] == b"" else physical  # the file's last line end
        try:  # first as if no line were blank, the usual case
            objects = list(map(loads, text_lines)) if all(text_lines) else None
        except orjson.JSONDecodeError:
            objects = None
        if objects is not None:
            lines = list(range(line_number, line_number + len(text_lines)))
        else:
            lines = [n for n, line in enumerate(physical, start=line_number) if line and not line.isspace()]
            try:
                objects = [loads(physical[n - line_number]) for n in lines]
            except orjson.JSONDecodeError:
                objects = None
        del text_lines
        if lines:
            raw = None if objects is None else checker._valid_columns(objects, keys_checked_later=True)
            if raw is None:
                checker.track, checker.first_line = track, first_line
                return None
            del objects  # the dicts: only the columns are kept
            parts.append(_final_columns(raw, checker.track, lines, memo=memo, keys=checker.keys))
        line_number += len(physical)
    if not parts:
        return None
    columns = {
        field: np.concatenate([part[field] for part in parts])
        if isinstance(values, np.ndarray)
        else list(chain.from_iterable(part[field] for part in parts))
        for field, values in parts[0].items()
    }
    if _repeated_keys(columns, checker):
        checker.track, checker.first_line = track, first_line
        return None
    return columns


def _repeated_keys(columns: dict[str, Any], checker: "_RowChecker") -> bool:
    """Whether two rows have the same key (each chunk was checked alone)."""
    if "gold_quote" in columns:
        return bool(len(columns["gold_quote"]) and np.bincount(columns["gold_quote"]).max() > 1)
    return _repeated_spans(columns["doc"], columns["start"], columns["end"])


def _repeated_spans(doc: np.ndarray, start: np.ndarray, end: np.ndarray) -> bool:
    """Whether two rows have the same (document, start, end)."""
    order = np.lexsort((end, start, doc))
    doc, start, end = doc[order], start[order], end[order]
    return bool(((doc[1:] == doc[:-1]) & (start[1:] == start[:-1]) & (end[1:] == end[:-1])).any())


def _parse_jsonl_bytes(data: bytes) -> tuple[list[Any], list[int]] | None:
    """The parsed lines that are not blank, and their line numbers, read from
    the file's bytes (orjson checks that each is UTF-8); None when a line
    needs :func:`_read_jsonl` to be read or described (invalid JSON or
    UTF-8, a line blank only in Unicode's sense).  Reading bytes keeps the
    file in memory once instead of also as text."""
    physical = data.split(b"\n")
    if physical[0].startswith(_BOM):
        physical[0] = physical[0][len(_BOM):]
    lines = [n for n, line in enumerate(physical, start=1) if line and not line.isspace()]
    loads = orjson.loads
    try:
        return [loads(physical[n - 1]) for n in lines], lines
    except orjson.JSONDecodeError:
        return None


_BOM = "\ufeff".encode("utf-8")


def _read_jsonl(text: str, checker: "_RowChecker") -> tuple[list[Any], list[int]]:
    """The parsed lines that are not blank, and their line numbers."""
    physical = text.split("\n")
    lines = [n for n, line in enumerate(physical, start=1) if line and not line.isspace()]
    loads = orjson.loads
    try:
        objects = [loads(physical[n - 1]) for n in lines]
    except orjson.JSONDecodeError:
        for n in lines:  # find the line, to say where
            try:
                loads(physical[n - 1])
            except orjson.JSONDecodeError as exc:
                if physical[n - 1].lstrip().startswith("["):
                    checker.fail(n, "json", "a JSON array; a submission has one JSON object per line (JSON Lines)")
                checker.fail(n, "json", f"not valid JSON ({exc.msg} at column {exc.colno})")
        raise
    return objects, lines


def _read_csv(text: str, checker: "_RowChecker") -> tuple[list[Any], list[int]]:
    """The rows as dicts (integer-looking cells of offset columns as ints,
    blank optional cells left out), and their first line numbers."""
    delimiter = _csv_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
        if header is None:
            return [], []
        found = next((mark for mark in CSV_DELIMITERS for cell in header if mark in cell), None)
        if found is not None:  # "doc_id;quote_id,speaker": not one separator throughout
            checker.fail(reader.line_num, "header", f"the file is not {_DELIMITER_NAMES[delimiter]}-separated (found {found!r})")
        columns = [cell.strip() for cell in header]
        checker.check_csv_header(columns, reader.line_num)
        integer_columns = [i for i, c in enumerate(columns) if c in _INTEGER_FIELDS]
        optional_columns = [i for i, c in enumerate(columns) if c in OPTIONAL_FIELDS]
        objects, lines = [], []
        next_line = reader.line_num + 1
        for cells in reader:
            # a quoted cell may span lines: a row starts where the previous one ended
            line, next_line = next_line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                checker.fail(line, "csv", f"row has {len(cells)} cells but the header has {len(columns)}")
            values: list[Any] = list(cells)
            for i in integer_columns:
                if _CSV_INTEGER.fullmatch(values[i]):
                    values[i] = int(values[i])
            row = dict(zip(columns, values))
            for i in optional_columns:
                if _blank(values[i]):
                    del row[columns[i]]
            objects.append(row)
            lines.append(line)
    except csv.Error as exc:
        raise InputError(checker.path, reader.line_num, "csv", f"not valid CSV ({exc})") from None
    return objects, lines


CSV_DELIMITERS = (",", ";", "\t")
"""The cell separators a CSV submission may use; the header line tells which."""
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def _csv_delimiter(text: str) -> str:
    """The separator of the header (the first line that is not blank), as
    :class:`csv.Sniffer` finds it among :data:`CSV_DELIMITERS`; a comma when
    it finds none (a header of one column)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    try:
        return csv.Sniffer().sniff(header, delimiters="".join(CSV_DELIMITERS)).delimiter
    except csv.Error:
        return ","


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --------------------------------------------------------------------------
# Rows


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object"}.get(
        type(value), type(value).__name__
    )


_ABSENT = object()


class _RowChecker:
    """Checks rows against the gold set and the track.

    :meth:`check_all` first tries a few whole-column tests that accept a
    valid file at a small fraction of the cost of parsing it; when any of them
    fails, :meth:`check` goes through the rows in file order and reports the
    first problem precisely.  The row-by-row check is the definition; the
    column tests only ever accept what it accepts."""

    def __init__(self, path: str, gold: GoldSet | GoldColumns, track: str | None):
        self.path = path
        self.gold = gold
        self.track = track
        self.first_line = 0  # the line whose fields decided the track, when inferred
        self.keys = _GoldKeys(gold)
        self.text_length = dict(zip(self.keys.doc_ids, self.keys.text_length.tolist()))
        self._quote_positions: dict[tuple[str, str], int] | None = None
        self.seen: dict[tuple, int] = {}

    @property
    def quote_positions(self) -> dict[tuple[str, str], int]:
        if self._quote_positions is None:
            gold = self.gold
            self._quote_positions = gold.quote_positions() if isinstance(gold, GoldColumns) else quote_positions(gold)
        return self._quote_positions

    def fail(self, line: int, field: str, problem: str) -> NoReturn:
        raise InputError(self.path, line, field, problem)

    def check_all(self, objects: list[Any], lines: list[int]) -> dict[str, list[Any]]:
        """Check every row; return the raw columns (see :func:`_raw_columns`)."""
        raw = self._valid_columns(objects)
        if raw is None:
            for obj, line in zip(objects, lines):
                if type(obj) is not dict:
                    if type(obj) is list:
                        self.fail(line, "json", "a JSON array; a submission has one JSON object per line (JSON Lines)")
                    self.fail(line, "json", f"each line must be a JSON object, got {_type_name(obj)}")
                self.check(obj, line)
            raw = _raw_columns(objects, FIELDS[self.track or "attribution"])
        return raw

    def _valid_columns(self, objects: list[Any], *, keys_checked_later: bool = False) -> dict[str, list[Any]] | None:
        """The raw columns when every row is valid (tested column by column);
        None when any row may not be, to be found by :meth:`check`.  With
        ``keys_checked_later``, the caller looks for repeated keys itself
        (over the chunks of a file, :func:`_repeated_keys`)."""
        if not objects:
            return _raw_columns(objects, FIELDS[self.track or "attribution"])
        if set(map(type, objects)) != {dict}:
            return None
        track = self.track
        if track is None:
            first = objects[0]
            track = "attribution" if "quote_id" in first else ("end-to-end" if "start" in first else None)
            if track is None:
                return None
        n = len(objects)
        columns = _raw_columns(objects, FIELDS[track])
        n_absent = {field: values.count(_ABSENT) for field, values in columns.items()}
        if sum(map(len, objects)) != sum(n - k for k in n_absent.values()):
            return None  # fields that the track does not have
        if any(n_absent[field] for field in REQUIRED_FIELDS[track]):
            return None
        doc_ids = columns["doc_id"]
        if set(map(type, doc_ids)) != _ID_TYPES:
            return None
        keys = self.keys
        try:
            doc = np.fromiter(map(keys.doc_index.__getitem__, doc_ids), np.int64, n)
        except KeyError:
            return None
        text_length = keys.text_length[doc]
        try:
            if track == "attribution":
                quote_ids = columns["quote_id"]
                if set(map(type, quote_ids)) != _ID_TYPES:
                    return None
                positions = keys.quote_positions(doc, quote_ids)
                if positions.min() < 0 or (not keys_checked_later and np.bincount(positions).max() > 1):
                    return None  # an unknown or repeated quote
                columns["gold_quote"] = positions
            else:
                spans = _spans_valid(columns["start"], columns["end"], text_length, nullable=False)
                if spans is None or (not keys_checked_later and _repeated_spans(doc, *spans)):
                    return None
                columns["start"], columns["end"] = spans
            if not set(map(type, columns["speaker"])) <= _STRING_OR_NULL:
                return None
            spans = _spans_valid(columns["speaker_start"], columns["speaker_end"], text_length, nullable=True)
            if spans is None:
                return None
            columns["speaker_start"], columns["speaker_end"] = spans
            if not set(columns["type"]) <= _TYPE_VALUES:
                return None
        except (TypeError, OverflowError):  # unhashable or huge values: let check() say which
            return None
        self.track = track
        columns["doc"] = doc
        return columns

    # -- track --------------------------------------------------------------

    def _row_track(self, keys, line: int) -> str:
        has_quote_id = "quote_id" in keys
        has_span = "start" in keys or "end" in keys
        if has_quote_id and has_span:
            self.fail(line, "quote_id", "a row has either quote_id (attribution track) or start/end (end-to-end track), not both")
        if has_quote_id:
            return "attribution"
        if has_span:
            return "end-to-end"
        self.fail(line, "quote_id", "missing: an attribution row needs quote_id, an end-to-end row start and end")

    def _settle_track(self, keys, line: int) -> str:
        row_track = self._row_track(keys, line)
        if self.track is None:
            self.track, self.first_line = row_track, line
        elif row_track != self.track:
            field = "quote_id" if row_track == "attribution" else ("start" if "start" in keys else "end")
            if self.first_line:
                self.fail(line, field, f"an {row_track} row in a file whose line {self.first_line} is an {self.track} row")
            self.fail(line, field, f"not a field of the {self.track} track (is this a --track {row_track} submission?)")
        return self.track

    def check_csv_header(self, columns: list[str], line: int) -> None:
        seen = set()
        for column in columns:
            if column in seen:
                self.fail(line, column or "csv", "column given twice in the header")
            seen.add(column)
        track = self._settle_track(seen, line)
        for column in columns:
            if column not in FIELDS[track]:
                self.fail(line, column or "csv", f"unknown column for the {track} track (expected {', '.join(REQUIRED_FIELDS[track])})")
        for column in REQUIRED_FIELDS[track]:
            if column not in seen:
                self.fail(line, column, f"missing column (the {track} track needs {', '.join(REQUIRED_FIELDS[track])})")

    # -- one row ----------------------------------------------------------------

    def check(self, row: dict[str, Any], line: int) -> None:
        """Raise on the first problem of one row."""
        track = self._settle_track(row, line) if self.track is None or self.first_line else self.track
        allowed = FIELDS[track]
        if not row.keys() <= allowed:
            unknown = next(key for key in row if key not in allowed)  # the first, as written
            other = "end-to-end" if track == "attribution" else "attribution"
            if unknown in FIELDS[other]:
                self.fail(line, unknown, f"not a field of the {track} track (is this a --track {other} submission?)")
            self.fail(line, unknown, f"unknown field (an {track} row has {', '.join(REQUIRED_FIELDS[track] + OPTIONAL_FIELDS)})")
        for key in REQUIRED_FIELDS[track]:
            if key not in row:
                self.fail(line, key, "missing (use null to abstain)" if key == "speaker" else "missing")

        doc_id = row["doc_id"]
        if type(doc_id) not in _ID_TYPES:
            self.fail(line, "doc_id", f"must be a string, got {_type_name(doc_id)}")
        text_length = self.text_length.get(doc_id)
        if text_length is None:
            self.fail(line, "doc_id", f"unknown doc_id {doc_id!r} (not in the gold set {self.gold.path})")

        if track == "attribution":
            quote_id = row["quote_id"]
            if type(quote_id) not in _ID_TYPES:
                self.fail(line, "quote_id", f"must be a string, got {_type_name(quote_id)}")
            if (doc_id, quote_id) not in self.quote_positions:
                self.fail(line, "quote_id", f"unknown quote_id {quote_id!r} in document {doc_id!r}")
            key: tuple = (doc_id, quote_id)
            what = f"quote_id {quote_id!r} of document {doc_id!r}"
        else:
            start, end = row["start"], row["end"]
            self._span(line, start, end, "start", "end", text_length)
            key = (doc_id, start, end)
            what = f"quote {start}-{end} of document {doc_id!r}"
        first = self.seen.setdefault(key, line)
        if first != line:
            self.fail(line, "quote_id" if track == "attribution" else "start", f"{what} given twice (first on line {first})")

        speaker = row["speaker"]
        if type(speaker) not in _STRING_OR_NULL:
            self.fail(line, "speaker", f"must be a string or null, got {_type_name(speaker)}")
        speaker_start = row.get("speaker_start")
        speaker_end = row.get("speaker_end")
        if speaker_start is not None or speaker_end is not None:
            if speaker_start is None:
                self.fail(line, "speaker_start", "missing while speaker_end is given")
            if speaker_end is None:
                self.fail(line, "speaker_end", "missing while speaker_start is given")
            self._span(line, speaker_start, speaker_end, "speaker_start", "speaker_end", text_length)
        quote_type = row.get("type")
        if type(quote_type) not in _STRING_OR_NULL or quote_type not in _TYPE_VALUES:
            self.fail(line, "type", f"{quote_type!r} is not one of {', '.join(QUOTE_TYPES)} (or null)")

    def _span(self, line: int, start: Any, end: Any, start_field: str, end_field: str, text_length: int) -> None:
        for field, value in ((start_field, start), (end_field, end)):
            if type(value) not in _OFFSET_TYPES:
                shown = f" {value!r}" if isinstance(value, str) else ""
                self.fail(line, field, f"must be an integer, got {_type_name(value)}{shown}")
        if _in_text(start, end, text_length):
            return
        if start < 0:
            self.fail(line, start_field, f"negative offset {start}")
        if start >= end:
            self.fail(line, end_field, f"{start_field} {start} >= {end_field} {end} (a span must not be empty)")
        self.fail(line, end_field, f"offset {end} is past the end of the text ({text_length} characters)")


# Each rule about a value, stated once: the row checker (which says what is
# wrong) and the column tests (which accept whole files at once) both use these.
_ID_TYPES = frozenset((str,))
"""doc_id and quote_id are strings."""
_STRING_OR_NULL = frozenset((str, type(None)))
"""speaker (and type, when given) is a string or null."""
_OFFSET_TYPES = frozenset((int,))
"""Offsets are JSON integers (``bool`` is not ``int`` for ``type()``)."""
_TYPE_VALUES = frozenset((*QUOTE_TYPES, None, _ABSENT))
"""type is one of QUOTE_TYPES, null or absent."""


def _in_text(start, end, text_length):
    """Whether [start, end) is a non-empty span of a text of ``text_length``
    characters; for numbers or, element-wise, numpy arrays."""
    return (0 <= start) & (start < end) & (end <= text_length)


def quote_positions(gold: GoldSet) -> dict[tuple[str, str], int]:
    """(doc_id, quote_id) -> the quote's position in the gold set (documents
    in file order, quotes in document order)."""
    keys = [(d.doc_id, q.id) for d in gold.documents for q in d.quotes]
    return dict(zip(keys, range(len(keys))))


def _raw_columns(objects: list[dict[str, Any]], fields) -> dict[str, list[Any]]:
    """Each field's values, ``_ABSENT`` where a row lacks it."""
    absent = _ABSENT
    return {field: [obj.get(field, absent) for obj in objects] for field in sorted(fields)}


def _final_columns(
    raw: dict[str, list[Any]], track: str, lines: list[int], *, memo: dict[Any, Any] | None = None, keys: "_GoldKeys | None" = None
) -> dict[str, Any]:
    """Valid raw columns in the form :attr:`Predictions.columns` documents.
    With the ``keys`` of the gold set they were checked against, doc_id and
    quote_id are the gold set's own strings, found by each row's document
    index ``doc`` and (attribution) quote position ``gold_quote``; with a
    ``memo`` (shared by the chunks of one file), equal speakers become one
    object (the same speaker recurs on many lines)."""
    n = len(lines)

    def offsets(values: list[Any] | np.ndarray) -> np.ndarray:
        if isinstance(values, np.ndarray):  # already checked and converted
            return values
        if values.count(_ABSENT) == n:
            return np.full(n, -1, dtype=np.int64)
        return np.array([v if v.__class__ is int else -1 for v in values], dtype=np.int64)

    speakers = raw["speaker"]
    if memo is None:
        speaker = [s if s.__class__ is str and s and not s.isspace() else None for s in speakers]
    else:  # each distinct value is tested once: memo maps it to the speaker it stands for
        for s in dict.fromkeys(speakers).keys() - memo.keys():
            memo[s] = s if s.__class__ is str and s and not s.isspace() else None
        speaker = list(map(memo.__getitem__, speakers))
    types = raw["type"]
    columns: dict[str, Any] = {
        "doc_id": raw["doc_id"],
        "speaker": speaker,
        "speaker_start": offsets(raw["speaker_start"]),
        "speaker_end": offsets(raw["speaker_end"]),
        "type": [None] * n if types.count(_ABSENT) == n else [t if t.__class__ is str else None for t in types],
        "line": lines,
    }
    if keys is not None:
        doc = raw.get("doc")
        if doc is None:
            doc = np.fromiter(map(keys.doc_index.__getitem__, raw["doc_id"]), np.int64, n)
        columns["doc"] = doc
        columns["doc_id"] = keys.doc_id_table[doc].tolist()
    if track == "attribution":
        if keys is not None:
            positions = raw.get("gold_quote")
            if positions is None:
                positions = keys.quote_positions(columns["doc"], raw["quote_id"])
            columns["gold_quote"] = positions
            columns["quote_id"] = keys.quote_id_table[positions].tolist()
        else:
            columns["quote_id"] = raw["quote_id"]
            if "gold_quote" in raw:
                columns["gold_quote"] = raw["gold_quote"]
    else:
        columns["start"] = np.asarray(raw["start"], dtype=np.int64)
        columns["end"] = np.asarray(raw["end"], dtype=np.int64)
    return columns


class _GoldKeys:
    """What rows are looked up in, built once per gold set: each document's
    index by doc_id and its text's length, and (attribution, built when first
    asked for) each quote's position by (document index, quote_id) as sorted
    integer keys, so that a file's rows are looked up as arrays."""

    def __init__(self, gold: GoldSet | GoldColumns):
        self.gold = gold
        if isinstance(gold, GoldColumns):
            self.doc_ids, self.text_length = gold.doc_ids, gold.text_length
        else:
            self.doc_ids = [d.doc_id for d in gold.documents]
            self.text_length = np.array([len(d.text) for d in gold.documents], dtype=np.int64)
        self.doc_index = {doc_id: i for i, doc_id in enumerate(self.doc_ids)}

    @cached_property
    def doc_id_table(self) -> np.ndarray:
        """The doc_ids as an object array, to be indexed by document."""
        return _object_array(self.doc_ids)

    @cached_property
    def _quotes(self) -> tuple[list[str], dict[str, int], np.ndarray, np.ndarray]:
        """(quote ids in gold order, quote_id -> code, sorted keys document *
        number of codes + code, the position of each sorted key)."""
        gold = self.gold
        if isinstance(gold, GoldColumns):
            quote_ids, q_doc = gold.q_id, gold.q_doc
        else:
            quote_ids = [q.id for d in gold.documents for q in d.quotes]
            q_doc = np.repeat(np.arange(len(gold.documents)), [len(d.quotes) for d in gold.documents])
        codes = {quote_id: k for k, quote_id in enumerate(dict.fromkeys(quote_ids))}
        quote_keys = q_doc * len(codes) + np.fromiter(map(codes.__getitem__, quote_ids), np.int64, len(quote_ids))
        order = np.argsort(quote_keys, kind="stable")
        return quote_ids, codes, quote_keys[order], order

    @cached_property
    def quote_id_table(self) -> np.ndarray:
        """The quote ids as an object array, to be indexed by position."""
        return _object_array(self._quotes[0])

    def quote_positions(self, doc: np.ndarray, quote_ids: list[str]) -> np.ndarray:
        """Each row's quote position (documents in file order, quotes in
        document order); -1 for a quote_id that its document does not have."""
        _, codes, sorted_keys, order = self._quotes
        code = np.fromiter(map(codes.get, quote_ids, repeat(-1)), np.int64, len(quote_ids))
        key = doc * len(codes) + code
        if not len(sorted_keys):
            return np.full(len(key), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(sorted_keys, key), len(sorted_keys) - 1)
        return np.where((code >= 0) & (sorted_keys[at] == key), order[at], -1)


def _object_array(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _rows_of(columns: dict[str, Any], track: str) -> list[dict[str, Any]]:
    """The rows, in the form :attr:`Predictions.rows` documents, of valid columns."""

    def given(values: np.ndarray) -> list[int | None]:
        return [v if v >= 0 else None for v in values.tolist()]

    shared = (columns["speaker"], given(columns["speaker_start"]), given(columns["speaker_end"]), columns["type"], columns["line"])
    if track == "attribution":
        return [
            {"doc_id": d, "quote_id": q, "speaker": s, "speaker_start": a, "speaker_end": b, "type": t, "line": n}
            for d, q, s, a, b, t, n in zip(columns["doc_id"], columns["quote_id"], *shared)
        ]
    return [
        {"doc_id": d, "start": i, "end": j, "speaker": s, "speaker_start": a, "speaker_end": b, "type": t, "line": n}
        for d, i, j, s, a, b, t, n in zip(columns["doc_id"], columns["start"].tolist(), columns["end"].tolist(), *shared)
    ]


def _spans_valid(starts: list[Any], ends: list[Any], text_length: np.ndarray, *, nullable: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """The starts and ends as arrays (-1 where not given) when every (start,
    end) is a valid span of its text, or (when nullable) both are null or
    absent; else None."""
    start_types, end_types = set(map(type, starts)), set(map(type, ends))
    absent = {type(None), object}  # null, or _ABSENT
    if start_types == _OFFSET_TYPES and end_types == _OFFSET_TYPES:
        start, end = np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)
        return (start, end) if _in_text(start, end, text_length).all() else None
    if not (nullable and start_types <= _OFFSET_TYPES | absent and end_types <= _OFFSET_TYPES | absent):
        return None
    if _NOT_GIVEN in starts or _NOT_GIVEN in ends:  # the one integer that stands for "not given" below
        return None
    start = np.array([v if v.__class__ is int else _NOT_GIVEN for v in starts], dtype=np.int64)
    end = np.array([v if v.__class__ is int else _NOT_GIVEN for v in ends], dtype=np.int64)
    given = start != _NOT_GIVEN
    if not np.array_equal(given, end != _NOT_GIVEN):
        return None
    if not _in_text(start[given], end[given], text_length[given]).all():
        return None
    start[~given] = end[~given] = -1
    return start, end


_NOT_GIVEN = -(2**63)
"""An offset that no valid span has (and int64 holds): a speaker span that is not given, while columns are tested."""
