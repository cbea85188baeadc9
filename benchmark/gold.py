"""The gold set: typed documents, entities and quotes, read from and written to
``gold.jsonl`` (SPEC section 2), validated against their seed files.

Reading uses the standard ``json`` module only, so that scoring never pays
for importing ``datasets``; :func:`to_dataset` and :func:`from_dataset` bring
the ``datasets`` library in when it is wanted.

Validation collects every problem of a file before reporting, as
``FILE:LINE: field: problem``; overlapping quotes are legitimate (nested
attributions) and only produce warnings.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from benchmark.errors import InputError, InputErrors

QUOTE_TYPES = ("direct", "indirect", "mixed")
ENTITY_KINDS = ("person", "organization", "group", "other")
# Marks that may open or close a direct quotation.  Straight quotes and the
# apostrophe-like single quotes appear on both sides.
OPENING_MARKS = frozenset("“\"‘'«„‚‹「『")
CLOSING_MARKS = frozenset("”\"’'»“‘›」』")
QUOTE_MARKS = OPENING_MARKS | CLOSING_MARKS
JOINING_PUNCTUATION = frozenset(",.;:!?…")

DEFAULT_GOLD = Path("gold") / "gold.jsonl"


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
        return out


@dataclass(slots=True)
class Document:
    doc_id: str
    source: str
    text: str
    entities: list[Entity] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)

    def entity(self, entity_id: str) -> Entity | None:
        for e in self.entities:
            if e.id == entity_id:
                return e
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "text": self.text,
            "entities": [e.to_json() for e in self.entities],
            "quotes": [q.to_json() for q in self.quotes],
        }


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
    return report.gold


def validate_gold(path: str | os.PathLike = DEFAULT_GOLD, *, check_source: bool = True) -> ValidationReport:
    """Check a gold file line by line; never raises on bad content."""
    path_str = os.fspath(path)
    p = Path(path)
    if not p.exists():
        return ValidationReport([InputError(path_str, 0, "file", "no such file")], [], None)
    if p.is_dir():
        return ValidationReport([InputError(path_str, 0, "file", "is a folder, not a gold .jsonl file")], [], None)
    raw = p.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ValidationReport([InputError(path_str, 0, "file", f"not UTF-8 ({exc.reason} at byte {exc.start})")], [], None)

    checker = _Checker(path_str, p.parent, check_source)
    documents: list[Document] = []
    seen_doc_ids: dict[str, int] = {}
    for line_no, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
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
    gold = GoldSet(documents, path_str, hashlib.sha256(raw).hexdigest())
    return ValidationReport(checker.errors, checker.warnings, None if checker.errors else gold)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    """Turns one JSON object per line into a :class:`Document`, collecting
    every problem it finds instead of stopping at the first."""

    def __init__(self, path: str, folder: Path, check_source: bool):
        self.path = path
        self.folder = folder
        self.check_source = check_source
        self.errors: list[InputError] = []
        self.warnings: list[InputError] = []
        self.entity_names: dict[str, tuple[str, int]] = {}

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
        if start < 0 or end > text_len:
            self.error(line, where, f"offsets {start}-{end} out of range (text has {text_len} characters)")
            return None
        if start > end:
            self.error(line, where, f"start {start} is after end {end}")
            return None
        if start == end:
            self.error(line, where, f"empty span at {start}")
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
        for key in obj:
            if key not in ("doc_id", "source", "text", "entities", "quotes"):
                self.warn(line, key, "unknown field, ignored")
        if source is not None and self.check_source:
            self._check_source(line, source, text)

        entities = self._entities(line, obj.get("entities"), text)
        quotes = self._quotes(line, obj.get("quotes"), text, entities)
        if len(self.errors) > n_before or doc_id is None:
            return None
        return Document(doc_id, source or "", text, entities, quotes)

    def _check_source(self, line: int, source: str, text: str) -> None:
        for base in (Path.cwd(), self.folder, self.folder.parent):
            candidate = base / source
            if candidate.is_file():
                try:
                    on_disk = candidate.read_bytes().decode("utf-8")
                except UnicodeDecodeError:
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
                return

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
                if eid in self.entity_names and self.entity_names[eid][0] != name:
                    other_name, other_line = self.entity_names[eid]
                    self.warn(line, f"{where}name", f"entity {eid!r} is named {name!r} here but {other_name!r} on line {other_line}")
                self.entity_names.setdefault(eid, (name, line))
        self._warn_shared_mentions(line, entities, text)
        return entities

    def _warn_shared_mentions(self, line: int, entities: list[Entity], text: str) -> None:
        # A predicted speaker span is credited to the entity whose mention it
        # overlaps: mentions shared by two entities make that ambiguous.
        spans = sorted((m.start, m.end, e.id) for e in entities for m in e.mentions)
        for i, (start, end, eid) in enumerate(spans):
            for other_start, other_end, other_id in spans[i + 1:]:
                if other_start >= end:
                    break
                if other_id != eid:
                    self.warn(
                        line,
                        f"entities({eid},{other_id}).mentions",
                        f"mentions overlap: {start}-{end} {text[start:end]!r} and {other_start}-{other_end} {text[other_start:other_end]!r}",
                    )

    def _quotes(self, line: int, value: Any, text: str, entities: list[Entity]) -> list[Quote]:
        if value is None:
            self.error(line, "quotes", "missing (use [] for none)")
            return []
        if not isinstance(value, list):
            self.error(line, "quotes", f"must be a list, got {type(value).__name__}")
            return []
        by_id = {e.id: e for e in entities}
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
            if speaker is not None and speaker not in by_id:
                self.error(line, f"{where}speaker", f"unknown entity id {speaker!r}")
            mention = self._optional_span(line, raw, "speaker_mention", where, n)
            if mention is not None:
                if speaker is None:
                    self.error(line, f"{where}speaker_mention", "given for a quote without a speaker")
                elif speaker in by_id and mention not in by_id[speaker].mentions:
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
                    fragments = []
                    for j, fr in enumerate(frs):
                        fs = self._span(line, fr, f"{where}fragments[{j}]", n)
                        if fs is None:
                            continue
                        if span is not None and (fs.start < span.start or fs.end > span.end):
                            self.error(
                                line,
                                f"{where}fragments[{j}]",
                                f"{fs.start}-{fs.end} lies outside the quote's span {span.start}-{span.end}",
                            )
                        if fragments and fs.start < fragments[-1].end:
                            self.error(line, f"{where}fragments[{j}]", "fragments must be in text order and must not overlap")
                        fragments.append(fs)
                    if span is not None and fragments and (fragments[0].start != span.start or fragments[-1].end != span.end):
                        self.error(line, f"{where}fragments", "the quote's start/end must run from the first fragment to the last")
            if span is not None and qtype == "direct":
                for part in (fragments or [span]):
                    before = text[part.start - 1] if part.start > 0 else ""
                    # The comma that joins a quote to its attribution ("…,” she
                    # said) may stand outside the span but inside the marks.
                    close = part.end
                    while close < n and text[close] in JOINING_PUNCTUATION:
                        close += 1
                    after = text[close] if close < n else ""
                    if before not in OPENING_MARKS or after not in CLOSING_MARKS:
                        self.error(
                            line,
                            f"{where}start" if before not in OPENING_MARKS else f"{where}end",
                            f"direct quote {part.start}-{part.end} is not enclosed by quotation marks "
                            f"(found {before!r} before and {after!r} after)",
                        )
                        break
            if span is not None and qtype == "mixed" and not any(c in QUOTE_MARKS for c in text[span.start:span.end]):
                self.warn(line, f"{where}type", "mixed quote contains no quotation mark")
            if len(self.errors) == n_before and qid is not None and span is not None and qtype is not None:
                quotes.append(Quote(qid, span.start, span.end, qtype, speaker, mention, cue, fragments))
        ordered = sorted(quotes, key=lambda q: (q.start, q.end))
        for a_index, a in enumerate(ordered):
            for b in ordered[a_index + 1:]:
                if b.start >= a.end:
                    break
                self.warn(line, f"quotes({a.id},{b.id})", f"quotes overlap ({a.start}-{a.end} and {b.start}-{b.end})")
        return quotes


# --------------------------------------------------------------------------
# Writing


def document_line(doc: Document) -> str:
    """The canonical one-line JSON form of a document (no trailing newline)."""
    return json.dumps(doc.to_json(), ensure_ascii=False)


def write_gold(documents: Iterable[Document], path: str | os.PathLike) -> None:
    """Write documents as canonical JSON Lines, atomically."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for doc in documents:
            fh.write(document_line(doc))
            fh.write("\n")
    os.replace(tmp, target)


def document_from_json(obj: dict[str, Any]) -> Document:
    """Build a Document from an already-valid JSON object (no checks)."""

    def span(v: Any) -> Span | None:
        return None if v is None else Span(int(v["start"]), int(v["end"]))

    return Document(
        doc_id=obj["doc_id"],
        source=obj.get("source", ""),
        text=obj["text"],
        entities=[
            Entity(e["id"], e["name"], e["kind"], list(e.get("aliases") or []), [span(m) for m in e.get("mentions") or []])
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
            )
            for q in obj.get("quotes") or []
        ],
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
                }
            ],
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
        for q in row["quotes"]:
            q.setdefault("fragments", [])
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
        documents.append(document_from_json(row))
    return documents


def load_dataset(path: str | os.PathLike = DEFAULT_GOLD):
    """Validate a gold file and return it as a ``datasets.Dataset``."""
    return to_dataset(load_gold(path))


# --------------------------------------------------------------------------
# Counts


def gold_stats(gold: GoldSet) -> dict[str, Any]:
    """Counts of the gold set: documents, characters, entities, quotes by
    type and by speaker (``null`` speakers counted as ``<none>``)."""
    by_type = {t: 0 for t in QUOTE_TYPES}
    by_speaker: dict[str, int] = {}
    names: dict[str, str] = {}
    for doc in gold.documents:
        for e in doc.entities:
            names.setdefault(e.id, e.name)
        for q in doc.quotes:
            by_type[q.type] += 1
            key = q.speaker or "<none>"
            by_speaker[key] = by_speaker.get(key, 0) + 1
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
    }


def format_stats(gold: GoldSet) -> str:
    stats = gold_stats(gold)
    lines = [
        f"{stats['path']}  sha256 {stats['sha256'][:12]}",
        f"documents {stats['documents']}   characters {stats['characters']}   entities {stats['entities']}   quotes {stats['quotes']}",
        "",
        "by type",
    ]
    lines += [f"  {t:<10}{n:>5}" for t, n in stats["by_type"].items()]
    lines += ["", "by speaker"]
    width = max((len(s) for s in stats["by_speaker"]), default=0)
    lines += [
        f"  {s:<{width}}  {n:>4}  {stats['speaker_names'][s] if s != '<none>' else ''}"
        for s, n in stats["by_speaker"].items()
    ]
    return "\n".join(lines)
