"""The validated gold set as compact columns, and a cache of them on disk.

Scoring needs from the gold set only a few columns per document, entity,
mention, quote and fragment (integers in numpy arrays, strings in lists):
:class:`GoldColumns`.  Validating a large gold file and building its objects
costs several times the scoring itself, so :func:`load_gold_columns` keeps
the columns of a validated file in one ``.npz`` file per gold file, named by
the file's sha256 and quotebench's version, in a cache folder
(:class:`GoldCache`; ``quotebench score`` uses ``.quotebench-cache/`` next to
the gold file, to be ignored by git, unless ``--no-cache``, and writes an
entry only once the submission has been scored, so that a rejected
submission changes nothing on disk).

An entry is used only when all of these hold; otherwise the gold file is
validated again and the entry rewritten:

- its name: the sha256 of the gold file's bytes as they are now (so a
  changed file misses) and quotebench's version (so a change of the rules
  misses);
- its content reads back whole, with the format number, sha256 and version
  it was written under, and columns of consistent lengths (a truncated or
  damaged file misses);
- every source file that validation compared with a text is still where it
  was found, with the same size and modification time, and every source that
  was not found is still not found (seed files are part of validation).

The warnings that validation gave (a source file not found) are stored and
given again, so a cached load says what an uncached one says.  A cache never
changes a result: scores are equal with and without it (tested).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable

import numpy as np
import orjson

from benchmark import __version__
from benchmark.errors import InputError
from benchmark.gold import QUOTE_TYPES, Document, GoldSet, MissingSourceWarning, SourceFinder, load_gold
from benchmark.names import normalize_name

CACHE_FORMAT = 3
CACHE_FOLDER_NAME = ".quotebench-cache"
"""The cache folder's name, next to the gold file (see :func:`default_cache_folder`)."""


def default_cache_folder(gold_path: str | os.PathLike) -> Path:
    """``.quotebench-cache/`` in the gold file's folder: the entries follow the
    gold file, whichever results folder a run records into."""
    return Path(gold_path).parent / CACHE_FOLDER_NAME


@dataclass(slots=True)
class GoldColumns:
    """A validated gold set by column.  Offsets are each document's own;
    integers are numpy int64 arrays, strings are lists.  Rows of entities
    are (document, entity) entries in file order; ``e_entity`` maps them to
    the distinct ``entity_ids``."""

    path: str
    sha256: str
    doc_ids: list[str]
    text_length: np.ndarray  # per document, in characters
    entity_ids: list[str]  # distinct, in order of first appearance
    e_doc: np.ndarray  # per entity row: its document
    e_entity: np.ndarray  # per entity row: index into entity_ids
    e_name: list[str]  # per entity row: the entity's name there
    n_row: np.ndarray  # per name or alias entry: its entity row (the name first, then the aliases)
    n_is_alias: np.ndarray  # bool
    n_word: np.ndarray  # per entry: index into words of its normalize_name
    words: list[str]  # the distinct normalised names and aliases
    raw_names: list[str]  # the distinct names and aliases as written ...
    raw_word: np.ndarray  # ... and the index into words of each one's normalize_name
    m_row: np.ndarray  # per mention: its entity row
    m_start: np.ndarray
    m_end: np.ndarray
    q_doc: np.ndarray
    q_id: list[str]
    q_start: np.ndarray
    q_end: np.ndarray
    q_type: np.ndarray  # index into QUOTE_TYPES
    q_speaker: np.ndarray  # index into entity_ids, -1 for none
    q_mention_start: np.ndarray  # -1 for none
    q_mention_end: np.ndarray
    q_attributes: list[dict[str, Any] | None]
    f_quote: np.ndarray  # per fragment: its quote (quotes without fragments have none)
    f_start: np.ndarray
    f_end: np.ndarray
    text: str | Callable[[], str]  # the texts joined by "\n", or what reads them when first asked for

    def joined_text(self) -> str:
        """The documents' texts, in order, joined by "\n" (only exact
        matching needs them: a cache entry's are read on first use)."""
        if not isinstance(self.text, str):
            self.text = self.text()
        return self.text

    @property
    def n_quotes(self) -> int:
        return len(self.q_id)

    @classmethod
    def from_gold(cls, gold: GoldSet) -> "GoldColumns":
        """The columns of a validated gold set.  Each column is filled from a
        generator over the objects, without lists of rows in between (on a
        large set those would cost as much memory as the objects), and the
        columns do not keep the objects alive: only the texts, until they
        are joined.  The short strings they keep are copies, made while the
        objects still fill the allocator's arenas, so that the arenas are
        given back whole once the objects go (an original string would keep
        its arena, and on a large set every arena has one)."""
        documents = gold.documents

        def entities():
            return (e for doc in documents for e in doc.entities)

        def quotes():
            return (q for doc in documents for q in doc.quotes)

        def ints(values, n: int) -> np.ndarray:
            return np.fromiter(values, np.int64, n)

        def per(counts: list[int]) -> np.ndarray:
            """Row k repeated counts[k] times: the owner of each item."""
            return np.repeat(np.arange(len(counts), dtype=np.int64), np.asarray(counts, dtype=np.int64))

        entity_index: dict[str, int] = {}
        for e in entities():
            entity_index.setdefault(e.id, len(entity_index))
        e_name, e_name_code = _coded([e.name for e in entities()])
        n_rows = sum(len(doc.entities) for doc in documents)
        names_per_row = [1 + len(e.aliases) for e in entities()]
        n_names = sum(names_per_row)
        n_is_alias = np.ones(n_names, dtype=bool)
        n_is_alias[np.cumsum(names_per_row, dtype=np.int64) - np.asarray(names_per_row, dtype=np.int64)] = False  # each row's name comes first
        raw_names = list(map(_fresh, dict.fromkeys(name for e in entities() for name in (e.name, *e.aliases))))
        word_index: dict[str, int] = {}
        raw_word = [word_index.setdefault(normalize_name(name), len(word_index)) for name in raw_names]
        word_of_raw = dict(zip(raw_names, raw_word))
        mentions_per_row = [len(e.mentions) for e in entities()]
        n_mentions = sum(mentions_per_row)
        quotes_per_doc = [len(doc.quotes) for doc in documents]
        n_quotes = sum(quotes_per_doc)
        fragments_per_quote = [len(q.fragments) if q.fragments else 0 for q in quotes()]
        n_fragments = sum(fragments_per_quote)
        type_index = {t: i for i, t in enumerate(QUOTE_TYPES)}
        texts = [doc.text for doc in documents]
        q_id, q_id_code = _coded([q.id for q in quotes()])
        return cls(
            path=gold.path,
            sha256=gold.sha256,
            doc_ids=[_fresh(doc.doc_id) for doc in documents],
            text_length=ints(map(len, texts), len(texts)),
            entity_ids=list(map(_fresh, entity_index)),
            e_doc=per([len(doc.entities) for doc in documents]),
            e_entity=ints((entity_index[e.id] for e in entities()), n_rows),
            e_name=_decoded(list(map(_fresh, e_name)), e_name_code),
            n_row=per(names_per_row),
            n_is_alias=n_is_alias,
            n_word=ints((word_of_raw[name] for e in entities() for name in (e.name, *e.aliases)), n_names),
            words=list(word_index),
            raw_names=raw_names,
            raw_word=ints(raw_word, len(raw_word)),
            m_row=per(mentions_per_row),
            m_start=ints((m.start for e in entities() for m in e.mentions), n_mentions),
            m_end=ints((m.end for e in entities() for m in e.mentions), n_mentions),
            q_doc=per(quotes_per_doc),
            q_id=_decoded(list(map(_fresh, q_id)), q_id_code),
            q_start=ints((q.start for q in quotes()), n_quotes),
            q_end=ints((q.end for q in quotes()), n_quotes),
            q_type=ints((type_index[q.type] for q in quotes()), n_quotes),
            q_speaker=ints((entity_index[q.speaker] if q.speaker is not None else -1 for q in quotes()), n_quotes),
            q_mention_start=ints((q.speaker_mention.start if q.speaker_mention else -1 for q in quotes()), n_quotes),
            q_mention_end=ints((q.speaker_mention.end if q.speaker_mention else -1 for q in quotes()), n_quotes),
            q_attributes=[q.attributes for q in quotes()],
            f_quote=per(fragments_per_quote),
            f_start=ints((f.start for q in quotes() if q.fragments for f in q.fragments), n_fragments),
            f_end=ints((f.end for q in quotes() if q.fragments for f in q.fragments), n_fragments),
            text=lambda: "\n".join(texts),
        )

    def quote_positions(self) -> dict[tuple[str, str], int]:
        """(doc_id, quote_id) -> the quote's position (documents in file order,
        quotes in document order)."""
        doc_ids = self.doc_ids
        keys = zip([doc_ids[d] for d in self.q_doc.tolist()], self.q_id)
        return dict(zip(keys, range(self.n_quotes)))


_ARRAYS = tuple(f.name for f in fields(GoldColumns) if f.type == "np.ndarray")
_STRINGS = tuple(f.name for f in fields(GoldColumns) if f.name not in _ARRAYS and f.name not in ("path", "sha256", "text"))
_ROW_COUNTS = {  # columns that have one entry per row of the same table
    "doc_ids": ("text_length",),
    "e_doc": ("e_entity", "e_name"),
    "n_row": ("n_is_alias", "n_word"),
    "raw_names": ("raw_word",),
    "m_row": ("m_start", "m_end"),
    "q_doc": ("q_id", "q_start", "q_end", "q_type", "q_speaker", "q_mention_start", "q_mention_end", "q_attributes"),
    "f_quote": ("f_start", "f_end"),
}


_CODED = ("q_id", "e_name")
"""String columns with few distinct values ("q01" recurs in every document):
an entry stores each one's distinct values and an integer code per row, and
a read gives one string object per distinct value."""


def _coded(values: list[str]) -> tuple[list[str], np.ndarray]:
    """(distinct values in order of first appearance, each row's index into them)."""
    distinct = {value: k for k, value in enumerate(dict.fromkeys(values))}
    return list(distinct), np.fromiter(map(distinct.__getitem__, values), np.int64, len(values))


def _decoded(distinct: list[str], codes: np.ndarray) -> list[str]:
    table = np.empty(len(distinct), dtype=object)
    table[:] = distinct
    return table[codes].tolist()


def _fresh(value: str) -> str:
    """A new string object equal to ``value`` (see :meth:`GoldColumns.from_gold`)."""
    return (value + " ")[:-1]


def _sparse(values: list[Any]) -> list[list[Any]]:
    """[row, value] of the values that are not None (most quotes have no attributes)."""
    return [[k, value] for k, value in enumerate(values) if value is not None]


def _dense(pairs: list[list[Any]], n: int) -> list[Any]:
    values: list[Any] = [None] * n
    for k, value in pairs:
        values[k] = value
    return values


def file_sha256(path: str | os.PathLike) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _validated(path: str | os.PathLike) -> tuple[GoldSet, list[str]]:
    """The gold file validated by :func:`benchmark.gold.load_gold`, and the
    MissingSourceWarning messages it gave (an entry keeps them, to say them
    again); every warning is still said here, as if it had not been caught."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MissingSourceWarning)
        gold = load_gold(path)
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return gold, [str(w.message) for w in caught if issubclass(w.category, MissingSourceWarning)]


class GoldCache:
    """A folder of gold-column entries.  :meth:`load` reads an entry or
    validates the gold file; :meth:`save` then writes what :meth:`load` had
    to build, so that a caller can write nothing at all when what follows
    fails (a rejected submission changes nothing on disk)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self._pending: tuple[Path, GoldColumns, list[str], list[str]] | None = None

    def load(self, path: str | os.PathLike) -> GoldColumns:
        """The columns of the validated gold file at ``path``, from an entry
        when a usable one exists (see the module docstring), else from
        :func:`benchmark.gold.load_gold`, which raises
        :class:`~benchmark.errors.InputErrors` on an invalid file."""
        path_str = os.fspath(path)
        if not Path(path).is_file():
            return GoldColumns.from_gold(load_gold(path))  # load_gold says what is wrong
        sha256 = file_sha256(path)
        entry = self.folder / f"{sha256}-{__version__}.npz"
        columns = _read_entry(entry, path_str, sha256)
        if columns is not None:
            return columns
        gold, said = _validated(path)
        columns = GoldColumns.from_gold(gold)
        if gold.sha256 == sha256:  # the file did not change while it was read
            sources = list(map(_fresh, dict.fromkeys(doc.source for doc in gold.documents)))  # copies: see from_gold
            self._pending = (entry, columns, said, sources)
        return columns

    def save(self) -> None:
        """Write the entry that the last :meth:`load` missed, if any; a cache
        that cannot be written is no error."""
        if self._pending is not None:
            _write_entry(*self._pending)
            self._pending = None


# --------------------------------------------------------------------------
# The whole gold set (quotebench baselines: the runner and the site need the
# documents, texts included, not only the columns)

SET_FORMAT = 1


def set_entry_path(folder: str | os.PathLike, sha256: str) -> Path:
    """Where the entry of the gold file with this sha256 is kept: a small
    JSON file (the file's lines are the documents; the entry says they were
    validated)."""
    return Path(folder) / f"{sha256}-{__version__}.set.json"


def load_gold_set(path: str | os.PathLike, folder: str | os.PathLike) -> tuple[GoldSet, Callable[[], None]]:
    """The validated gold set of the file at ``path`` (what
    :func:`benchmark.gold.load_gold` returns, equal field by field), and a
    function that writes its entry in ``folder`` (a no-op when there is
    nothing to write), to be called once the caller has accepted the rest
    of its input.

    An entry names the gold file's sha256 and quotebench's version, and
    holds only what validation said (its MissingSourceWarning, said again
    here) and where it found the source files (:func:`_sources`): with a
    usable entry (same format, version and sha256, sources unchanged: as
    for the columns, see the module docstring) the documents are built
    straight from the file's lines by :func:`benchmark.gold.document_from_json`,
    the bytes read being checked against the sha256 as they are read; else
    the file is validated.  An entry is written only for a file whose lines
    built that way give exactly the validated documents (checked when it is
    written), so that a cached load never differs from a validated one."""
    path_str = os.fspath(path)
    if not Path(path).is_file():
        return load_gold(path), lambda: None  # load_gold says what is wrong
    sha256 = file_sha256(path)
    entry = set_entry_path(folder, sha256)
    gold = _read_set_entry(entry, path_str, sha256)
    if gold is not None:
        return gold, lambda: None
    gold, said = _validated(path)
    if gold.sha256 != sha256:  # the file changed while it was read
        return gold, lambda: None

    def save() -> None:
        _write_set_entry(entry, gold, said)

    return gold, save


def _documents_from_lines(path: str, sha256: str) -> list[Document] | None:
    """The documents of the gold file's lines, built without checks, or None
    when its bytes are no longer those of ``sha256`` or a line cannot be
    read so (then it is validated)."""
    from benchmark.gold import _cyclic_gc_paused, document_from_json

    digest = hashlib.sha256()
    documents = []
    try:
        with open(path, "rb") as fh, _cyclic_gc_paused():
            for line_no, line in enumerate(fh, start=1):
                digest.update(line)
                if line_no == 1 and line.startswith(_BOM):
                    line = line[len(_BOM):]
                if not line.strip():
                    continue
                documents.append(document_from_json(orjson.loads(line)))
    except (OSError, ValueError, TypeError, KeyError):
        return None
    return documents if digest.hexdigest() == sha256 else None


_BOM = "\ufeff".encode("utf-8")


def _write_set_entry(entry: Path, gold: GoldSet, said: list[str]) -> None:
    """Write the entry of a validated gold set, if its lines rebuild it
    exactly; a cache that cannot be written is no error."""
    from benchmark.files import write_bytes_atomic

    rebuilt = _documents_from_lines(gold.path, gold.sha256)
    # equal objects, and equal JSON, where a type shows (an integer past 64
    # bits, which orjson reads as a float, equals that float)
    if rebuilt != gold.documents or _as_json(rebuilt) != _as_json(gold.documents):
        return
    try:
        found_sources, missing_sources = _sources(gold.path, [doc.source for doc in gold.documents])
        meta = {"format": SET_FORMAT, "version": __version__, "sha256": gold.sha256, "warnings": said,
                "sources": found_sources, "missing_sources": missing_sources}
        write_bytes_atomic(entry, orjson.dumps(meta))
    except OSError:
        pass


def _as_json(documents: list[Document]) -> str:
    import json

    return json.dumps([doc.to_json() for doc in documents], ensure_ascii=False)


def _read_set_entry(entry: Path, path: str, sha256: str) -> GoldSet | None:
    """The gold set of a usable entry, else None."""
    try:
        meta = orjson.loads(entry.read_bytes())
        if (meta["format"], meta["version"], meta["sha256"]) != (SET_FORMAT, __version__, sha256):
            return None
        if not _sources_unchanged(path, meta["sources"], meta["missing_sources"]):
            return None
        said = [str(message) for message in meta["warnings"]]
    except Exception:  # noqa: BLE001  missing or damaged, of any kind: validate again
        return None
    documents = _documents_from_lines(path, sha256)
    if documents is None:
        return None
    for message in said:
        warnings.warn(message, MissingSourceWarning, stacklevel=3)
    return GoldSet(documents, path, sha256)


def load_gold_columns(path: str | os.PathLike, *, cache: GoldCache | None = None) -> GoldColumns:
    """The columns of a validated gold file, through ``cache`` when given
    (whose :meth:`GoldCache.save` the caller calls when it is done)."""
    if cache is None:
        return GoldColumns.from_gold(load_gold(path))
    return cache.load(path)


def _sources(path: str, document_sources: list[str]) -> tuple[list[list[Any]], dict[str, list[str]]]:
    """The distinct sources as validation resolves them: [source, the file
    it names, size, mtime_ns] of each one found, and the ones not found by
    their folder (``os.path.dirname``): a folder that is in no base holds
    none of its files, so that reading the entry checks one folder where a
    large set has thousands of documents whose sources are not files."""
    sources = SourceFinder(Path(path).parent)
    found_sources, missing = [], {}
    for source in dict.fromkeys(document_sources):
        found = sources.find(source)
        if found is None:
            missing.setdefault(os.path.dirname(source), []).append(source)
        else:
            stat = found.stat()
            found_sources.append([source, str(found), stat.st_size, stat.st_mtime_ns])
    return found_sources, missing


def _sources_unchanged(path: str, found_sources: list[list[Any]], missing: dict[str, list[str]]) -> bool:
    """Whether every source is still resolved as :func:`_sources` recorded."""
    sources = SourceFinder(Path(path).parent)
    for source, found, size, mtime_ns in found_sources:
        now = sources.find(source)
        if now is None or str(now) != found:
            return False
        try:
            stat = now.stat()
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
            return False
    for folder, members in missing.items():
        if any((base / folder).is_dir() for base in sources.bases):
            if any(sources.find(source) is not None for source in members):
                return False
    return True


def _write_entry(entry: Path, columns: GoldColumns, said: list[str], document_sources: list[str]) -> None:
    """Write the cache entry; a cache that cannot be written is no error."""
    from benchmark.files import atomic_open

    try:
        found_sources, missing_sources = _sources(columns.path, document_sources)
        strings = {name: getattr(columns, name) for name in _STRINGS}
        codes = {}
        for name in _CODED:
            strings[name], codes[f"{name}_code"] = _coded(strings[name])
        strings["q_attributes"] = _sparse(strings["q_attributes"])
        meta = {"format": CACHE_FORMAT, "version": __version__, "sha256": columns.sha256, "warnings": said,
                "sources": found_sources, "missing_sources": missing_sources}
        with atomic_open(entry, "wb", encoding=None, newline=None) as fh:  # written as it is built, not held whole
            np.savez(fh, meta=np.frombuffer(orjson.dumps(meta), dtype=np.uint8),
                     strings=np.frombuffer(orjson.dumps(strings), dtype=np.uint8),
                     text=np.frombuffer(columns.joined_text().encode("utf-8"), dtype=np.uint8),
                     **{name: getattr(columns, name) for name in _ARRAYS}, **codes)
    except OSError:
        pass


def _entry_text(entry: Path, path: str) -> str:
    """The joined texts of a cache entry (read, CRC checked, when exact
    matching first needs them); from the validated gold file itself when the
    entry's texts are damaged or gone, so that a damaged entry never changes
    a result."""
    try:
        with np.load(entry, allow_pickle=False) as stored:
            return stored["text"].tobytes().decode("utf-8")
    except Exception:  # noqa: BLE001  any damage, of any kind: read the gold file
        gold = load_gold(path)
        if gold.sha256 != entry.name.split("-")[0]:
            raise InputError(path, 0, "file", "changed while it was being scored") from None
        return "\n".join(doc.text for doc in gold.documents)


def _read_entry(entry: Path, path: str, sha256: str) -> GoldColumns | None:
    """The columns of a usable cache entry, else None (missing, damaged,
    written under other rules, or its source files changed)."""
    try:
        with np.load(entry, allow_pickle=False) as stored:
            meta = orjson.loads(stored["meta"].tobytes())
            if (meta["format"], meta["version"], meta["sha256"]) != (CACHE_FORMAT, __version__, sha256):
                return None
            strings = orjson.loads(stored["strings"].tobytes())
            for name in _CODED:
                strings[name] = _decoded(strings[name], stored[f"{name}_code"])
            strings["q_attributes"] = _dense(strings["q_attributes"], len(strings["q_id"]))
            # every member but the texts is read whole now, so that zipfile
            # checks its CRC: a damaged entry is found here, not while scoring
            columns = GoldColumns(path=path, sha256=sha256, **{name: stored[name] for name in _ARRAYS}, **strings,
                                  text=lambda: _entry_text(entry, path))
    except Exception:  # noqa: BLE001  any damage, of any kind, means: validate again
        return None
    for first, others in _ROW_COUNTS.items():
        if any(len(getattr(columns, name)) != len(getattr(columns, first)) for name in others):
            return None
    try:
        if not _sources_unchanged(path, meta["sources"], meta["missing_sources"]):
            return None
    except (KeyError, TypeError, ValueError):  # a damaged record of the sources
        return None
    for message in meta["warnings"]:
        warnings.warn(message, MissingSourceWarning, stacklevel=3)
    return columns
