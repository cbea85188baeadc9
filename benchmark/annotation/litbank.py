"""LitBank's quotation layer, as its authors publish it.

``quotebench gold import litbank DIR --out GOLD [--documents NAME,…|@LIST]``
reads the repository ``DIR`` (``github.com/dbamman/litbank``) unchanged.  Per
work of fiction ``NAME`` (``1342_pride_and_prejudice``):

- ``original/NAME.txt``: the work's text, the excerpt at its start;
- ``quotations/tsv/NAME_brat.txt``: the excerpt's tokens, one sentence a
  line, tokens separated by one space;
- ``quotations/tsv/NAME_brat.ann``: tab-separated lines
  ``QUOTE  id  start sentence  start token  end sentence  end token  text``
  (sentences are lines of the token file counted from 0, tokens counted
  from 0 within their sentence, the end token included, the text the
  tokens joined by spaces) and ``ATTRIB  quote id  speaker id``;
- ``coref/tsv/NAME_brat.txt`` and ``NAME_brat.ann``: the same kind of token
  file, and lines ``MENTION  id  start sentence  start token  end sentence
  end token  text  category  type`` (category PER, FAC, GPE, LOC, VEH, ORG;
  type PROP, NOM, PRON), ``COREF  mention id  entity id`` (the mention's
  coreference chain; quotation speaker ids are these entity ids), ``COP``
  and ``APPOS  mention id  mention id`` (copula and apposition links).

``entities/``, ``events/`` and the brat and CoNLL copies are not read.  The
rules, each counted in a note when it changes or leaves out anything:

- **Text.**  Every token of a token file is found in ``original/NAME.txt``,
  in order, with only white space skipped between tokens (LitBank's tokens
  are the original's characters unchanged: none is rewritten), so every
  token has its exact character offsets.  The document's ``text`` is the
  original file from its first character to the end of the excerpt's last
  token, exactly; ``source`` is the original's path relative to the gold
  file's folder with the RFC 5147 fragment ``#char=0,END`` (the part of the
  file that ``text`` is; validation checks no text against a source with a
  fragment).  ``doc_id`` is ``NAME``.
- **Quotes.**  Each QUOTE line is a quote with LitBank's id, type
  ``direct``, from its first token's start to its last token's end, less the
  marks that set the speech off, which LitBank's tokens include: at the start
  the first character of a first token made of quotation marks only (of
  ``“‘`` only ``“``: the inner mark opens a quotation within the speech), or
  a first token that is a dash (``—``, ``--``: dialogue in Joyce), or an
  underscore when both the first and the last token are one (Gutenberg's
  italics, round spoken words in Swift); at the end the last character of a
  last token made of quotation marks only; then white space at both ends.
  LitBank writes speech interrupted by narration as two QUOTE lines (two
  quotes, each attributed), so no quote has ``fragments``.  A quote that
  :mod:`benchmark.typography` does not explain as direct speech (italics
  are not quotation marks; a dash that opens a line is) is imported as ``indirect``, listed in a
  note, as the PDNC importer does.  ``attributes`` holds ``speaker_named``:
  whether the speaker's chain has a proper-name (PROP) mention in the
  excerpt (null without a speaker), so that ``score --by speaker_named``
  tells speakers that a name can identify from those only descriptions and
  pronouns refer to.
- **Speakers.**  The ATTRIB line's speaker id is a coreference chain; the
  quote's ``speaker`` is its entity, id ``NAME:SPEAKER_ID``.  A speaker id
  that names no chain becomes a person entity of its own (named after the
  id).  A quote without an ATTRIB line has a null speaker.  LitBank does not
  say which mention an attribution attaches to, nor the cue: both are null.
- **Entities.**  One per coreference chain that has a PER mention or
  speaks, id ``NAME:ENTITY_ID``; kind ``person`` when it has a PER mention,
  ``organization`` when its mentions are ORG, else ``other``; its mentions
  are the chain's mentions.  Its name is its most frequent proper-name
  (PROP) mention, the earliest on a tie; its aliases the name and its other
  proper-name mentions, in text order (mention texts as in the text, runs of
  white space as one space).  A chain without a proper-name mention takes
  its nominal (NOM) mentions the same way; one with neither is named after
  its entity id (``NARRATOR-53`` is ``NARRATOR``, underscores as spaces).
  Other chains (places, vehicles, organisations that never speak) and the
  mentions that only COP or APPOS lines link are left out, counted.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from benchmark.annotation import AnnotationFormat
from benchmark.annotation.common import DOCUMENTS_OPTION, ImportResult, LabelTypes, chosen_documents, clip, source_path
from benchmark.errors import InputError
from benchmark.gold import QUOTE_MARKS, Document, Entity, Quote, Span
from benchmark.typography import direct_quote_problem

ORIGINAL_FOLDER = "original"
QUOTATIONS_FOLDER = "quotations/tsv"
COREF_FOLDER = "coref/tsv"
# A work's files in the annotation folders are NAME_brat.txt and NAME_brat.ann.
FILE_SUFFIX = "_brat"
QUOTE_FIELDS = ("label", "quote id", "start sentence", "start token", "end sentence", "end token", "quotation")
ATTRIB_FIELDS = ("label", "quote id", "speaker id")
MENTION_FIELDS = ("label", "mention id", "start sentence", "start token", "end sentence", "end token", "text", "category", "type")
LINK_FIELDS = {"COREF": ("label", "mention id", "entity id"), "COP": ("label", "mention id", "mention id"), "APPOS": ("label", "mention id", "mention id")}
PERSON_CATEGORY = "PER"
ORGANIZATION_CATEGORY = "ORG"
PROPER, NOMINAL = "PROP", "NOM"
DASH_TOKENS = frozenset({"—", "--", "–", "―"})
ITALICS_TOKEN = "_"
_ENTITY_NUMBER = re.compile(r"-\d+$")


# --------------------------------------------------------------------------
# Files


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise InputError(path, 0, "file", "missing")
    try:
        with open(path, encoding="utf-8", newline="") as f:
            return f.read()
    except UnicodeDecodeError as exc:
        raise InputError(path, 0, "file", f"not UTF-8 ({exc.reason} at byte {exc.start})") from None


def _lines(path: Path):
    """``(line number, tab-separated fields)`` of each non-blank line."""
    for number, line in enumerate(_read_text(path).split("\n"), 1):
        line = line.rstrip("\r")
        if line.strip():
            yield number, line.split("\t")


def _check_fields(path: Path, line: int, fields: list[str], names: tuple[str, ...]) -> None:
    if len(fields) != len(names):
        raise InputError(
            path, line, "fields", f"expected {len(names)} tab-separated fields ({', '.join(names)}), got {len(fields)}"
        )


class _Tokens:
    """A token file (``NAME_brat.txt``) aligned with the original text: the
    character offsets of each token of each sentence."""

    def __init__(self, path: Path, original: str, original_path: Path):
        self.path = path
        self.sentences: list[list[str]] = []
        self.offsets: list[list[tuple[int, int]]] = []
        at = 0
        n = len(original)
        lines = _read_text(path).split("\n")
        if lines and lines[-1] == "":  # the file's final line break ends the last sentence
            lines.pop()
        for number, line in enumerate(lines, 1):
            tokens = line.rstrip("\r").split(" ") if line.rstrip("\r") else []
            spans: list[tuple[int, int]] = []
            for k, token in enumerate(tokens):
                if not token:
                    raise InputError(path, number, "token", f"token {k} is empty (two spaces in a row, or a space at an end)")
                while at < n and original[at].isspace():
                    at += 1
                if not original.startswith(token, at):
                    raise InputError(
                        path,
                        number,
                        "token",
                        f"token {k} {clip(token)!r} is not the next text of {original_path} "
                        f"(found {clip(original[at : at + len(token) + 10])!r} at character {at})",
                    )
                spans.append((at, at + len(token)))
                at += len(token)
            self.sentences.append(tokens)
            self.offsets.append(spans)
        self.end = at  # where the last token ends in the original

    def token_span(self, path: Path, line: int, fields: list[str], names: tuple[str, ...]) -> tuple[int, int, int, int]:
        """The four coordinates of an annotation line (fields 2 to 5),
        checked: sentences and tokens exist, the end is not before the start."""
        values: list[int] = []
        for i in range(2, 6):
            if not re.fullmatch(r"\d+", fields[i]):
                raise InputError(path, line, names[i], f"not a number: {clip(fields[i])!r}")
            values.append(int(fields[i]))
        for i in (0, 2):
            sentence, token = values[i], values[i + 1]
            if sentence >= len(self.sentences):
                raise InputError(
                    path, line, names[i + 2], f"no sentence {sentence}: {self.path} has {len(self.sentences)} (0-{len(self.sentences) - 1})"
                )
            if token >= len(self.sentences[sentence]):
                size = len(self.sentences[sentence])
                raise InputError(path, line, names[i + 3], f"no token {token}: sentence {sentence} has {size} (0-{size - 1})")
        if (values[2], values[3]) < (values[0], values[1]):
            raise InputError(path, line, names[4], f"the end {values[2]}:{values[3]} is before the start {values[0]}:{values[1]}")
        return values[0], values[1], values[2], values[3]

    def tokens(self, s1: int, t1: int, s2: int, t2: int) -> list[str]:
        if s1 == s2:
            return self.sentences[s1][t1 : t2 + 1]
        inner = [t for s in range(s1 + 1, s2) for t in self.sentences[s]]
        return self.sentences[s1][t1:] + inner + self.sentences[s2][: t2 + 1]

    def check_text(self, path: Path, line: int, coordinates: tuple[int, int, int, int], published: str, name: str) -> None:
        joined = " ".join(self.tokens(*coordinates))
        if published != joined:
            s1, t1, s2, t2 = coordinates
            raise InputError(path, line, name, f"{clip(published)!r} is not the tokens {s1}:{t1}-{s2}:{t2} ({clip(joined)!r})")


# --------------------------------------------------------------------------
# Coreference chains


@dataclass
class _Mention:
    span: tuple[int, int]
    surface: str  # the text's characters, runs of white space as one space
    category: str
    kind: str  # PROP, NOM, PRON


@dataclass
class _Chain:
    label: str
    mentions: list[_Mention] = field(default_factory=list)


def _read_chains(path: Path, tokens: _Tokens, text: str, counts: Counter) -> dict[str, _Chain]:
    """The coreference chains of a work, ``entity id -> chain``, in the order
    of their first COREF line."""
    mentions: dict[str, _Mention] = {}
    in_chain: set[str] = set()
    linked_only: set[str] = set()
    chains: dict[str, _Chain] = {}
    links: list[tuple[int, list[str]]] = []
    for line, fields in _lines(path):  # mentions first: links may come before the mentions they name
        label = fields[0]
        if label == "MENTION":
            _check_fields(path, line, fields, MENTION_FIELDS)
            coordinates = tokens.token_span(path, line, fields, MENTION_FIELDS)
            tokens.check_text(path, line, coordinates, fields[6], "text")
            if fields[1] in mentions:
                raise InputError(path, line, "mention id", f"{fields[1]!r} is defined twice")
            s1, t1, s2, t2 = coordinates
            start, end = tokens.offsets[s1][t1][0], tokens.offsets[s2][t2][1]
            mentions[fields[1]] = _Mention((start, end), " ".join(text[start:end].split()), fields[7], fields[8])
        elif label in LINK_FIELDS:
            _check_fields(path, line, fields, LINK_FIELDS[label])
            links.append((line, fields))
        else:
            raise InputError(path, line, "label", f"expected MENTION, COREF, COP or APPOS, got {clip(label)!r}")
    for line, fields in links:
        label = fields[0]
        linked = [fields[1]] if label == "COREF" else fields[1:]
        for mention_id in linked:
            if mention_id not in mentions:
                raise InputError(path, line, "mention id", f"{mention_id!r} is on no MENTION line")
        if label == "COREF":
            if fields[1] in in_chain:
                raise InputError(path, line, "mention id", f"{fields[1]!r} is already in a chain")
            if not fields[2]:
                raise InputError(path, line, "entity id", "empty")
            in_chain.add(fields[1])
            chains.setdefault(fields[2], _Chain(fields[2])).mentions.append(mentions[fields[1]])
        else:
            counts["copula links" if label == "COP" else "apposition links"] += 1
            linked_only.update(linked)
    counts["mentions only in copula or apposition links"] += len(linked_only - in_chain)
    counts["mentions in no chain or link"] += len(set(mentions) - in_chain - linked_only)
    return chains


def _name_and_aliases(chain: _Chain) -> tuple[str, list[str]]:
    """By the rule of the module docstring."""
    for kind in (PROPER, NOMINAL):
        surfaces = [m.surface for m in sorted(chain.mentions, key=lambda m: m.span) if m.kind == kind and m.surface]
        if surfaces:
            frequency = Counter(surfaces)
            name = max(dict.fromkeys(surfaces), key=lambda s: frequency[s])  # the earliest of the most frequent
            return name, list(dict.fromkeys([name, *surfaces]))
    name = _label_name(chain.label)
    return name, [name]


def _label_name(label: str) -> str:
    """``Mrs__Long-9`` -> ``Mrs Long``: an entity id as words."""
    return " ".join(_ENTITY_NUMBER.sub("", label).replace("_", " ").split()) or label


def _entity(doc_id: str, chain: _Chain) -> Entity:
    categories = {m.category for m in chain.mentions}
    if PERSON_CATEGORY in categories or not categories:
        kind = "person"
    elif categories == {ORGANIZATION_CATEGORY}:
        kind = "organization"
    else:
        kind = "other"
    name, aliases = _name_and_aliases(chain)
    mentions = sorted({Span(*m.span) for m in chain.mentions}, key=lambda s: (s.start, s.end))
    return Entity(f"{doc_id}:{chain.label}", name, kind, aliases, mentions)


# --------------------------------------------------------------------------
# Quotes


def _speech_span(text: str, tokens: list[str], start: int, end: int, counts: Counter) -> tuple[int, int]:
    """The span of a quote of ``tokens`` at ``[start, end)`` without the marks
    that set the speech off (the module docstring's rule)."""
    first, last = tokens[0], tokens[-1]
    if len(tokens) > 1 and first == last == ITALICS_TOKEN:
        start, end = start + 1, end - 1
        counts["italics marks"] += 1
    else:
        if all(c in QUOTE_MARKS for c in first):
            start += 1
        elif first in DASH_TOKENS:
            start += len(first)
            counts["dashes"] += 1
        if len(tokens) > 1 or len(first) > 1:
            if all(c in QUOTE_MARKS for c in last):
                end -= 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass
class _Tally:
    counts: Counter = field(default_factory=Counter)
    own_speakers: list[str] = field(default_factory=list)  # NAME:SPEAKER_ID
    unmarked: list[str] = field(default_factory=list)  # NAME:QUOTE_ID imported as indirect
    without_quotes: list[str] = field(default_factory=list)


def _read_work(root: Path, name: str, out: str | os.PathLike, tally: _Tally) -> Document:
    counts = tally.counts
    original_path = root / ORIGINAL_FOLDER / f"{name}.txt"
    original = _read_text(original_path)
    quotations = root / QUOTATIONS_FOLDER
    coref = root / COREF_FOLDER
    quote_tokens = _Tokens(quotations / f"{name}{FILE_SUFFIX}.txt", original, original_path)
    coref_tokens = _Tokens(coref / f"{name}{FILE_SUFFIX}.txt", original, original_path)
    end = max(quote_tokens.end, coref_tokens.end)
    text = original[:end]
    if not text.strip():
        raise InputError(quote_tokens.path, 0, "file", "no token: the excerpt is empty")

    chains = _read_chains(coref / f"{name}{FILE_SUFFIX}.ann", coref_tokens, text, counts)

    path = quotations / f"{name}{FILE_SUFFIX}.ann"
    quotes: dict[str, Quote] = {}
    quote_lines: dict[str, int] = {}
    speakers: dict[str, int] = {}  # quote id -> line of its ATTRIB
    for line, fields in _lines(path):
        label = fields[0]
        if label == "QUOTE":
            _check_fields(path, line, fields, QUOTE_FIELDS)
            quote_id = fields[1]
            if not quote_id:
                raise InputError(path, line, "quote id", "empty")
            if quote_id in quotes:
                raise InputError(path, line, "quote id", f"{quote_id!r} is already the id of the QUOTE line {quote_lines[quote_id]}")
            coordinates = quote_tokens.token_span(path, line, fields, QUOTE_FIELDS)
            quote_tokens.check_text(path, line, coordinates, fields[6], "quotation")
            s1, t1, s2, t2 = coordinates
            start, stop = _speech_span(
                text, quote_tokens.tokens(*coordinates), quote_tokens.offsets[s1][t1][0], quote_tokens.offsets[s2][t2][1], counts
            )
            if start == stop:
                raise InputError(path, line, "quotation", f"{clip(fields[6])!r} holds only the marks that set speech off")
            quote_type = "direct"
            if direct_quote_problem(text, [(start, stop)]) is not None:
                quote_type = "indirect"
                tally.unmarked.append(f"{name}:{quote_id}")
            quotes[quote_id] = Quote(quote_id, start, stop, quote_type, attributes={"speaker_named": None})
            quote_lines[quote_id] = line
        elif label == "ATTRIB":
            _check_fields(path, line, fields, ATTRIB_FIELDS)
            quote_id, speaker = fields[1], fields[2]
            if quote_id not in quotes:
                raise InputError(path, line, "quote id", f"{quote_id!r} is no QUOTE line above")
            if quote_id in speakers:
                raise InputError(path, line, "quote id", f"{quote_id!r} is already attributed at line {speakers[quote_id]}")
            if not speaker:
                raise InputError(path, line, "speaker id", "empty")
            if speaker not in chains:
                chains[speaker] = _Chain(speaker)
                tally.own_speakers.append(f"{name}:{speaker}")
                counts["quotes of own speakers"] += 1
            elif not chains[speaker].mentions:
                counts["quotes of own speakers"] += 1
            speakers[quote_id] = line
            quotes[quote_id].speaker = f"{name}:{speaker}"
            quotes[quote_id].attributes = {"speaker_named": any(m.kind == PROPER for m in chains[speaker].mentions)}
        else:
            raise InputError(path, line, "label", f"expected QUOTE or ATTRIB, got {clip(label)!r}")

    counts["quotations"] += len(quotes)
    counts["quotations without speaker"] += len(quotes) - len(speakers)
    if not quotes:
        tally.without_quotes.append(name)
    speaking = {q.speaker for q in quotes.values() if q.speaker}
    entities: list[Entity] = []
    for chain in chains.values():
        entity = _entity(name, chain)
        if entity.id in speaking or any(m.category == PERSON_CATEGORY for m in chain.mentions):
            entities.append(entity)
        else:
            counts["chains left out"] += 1
            counts["mentions left out"] += len(chain.mentions)
    counts["entities"] += len(entities)
    counts["speakers"] += len(speaking)
    source = f"{source_path(original_path, out)}#char=0,{end}"
    return Document(name, source, text, entities, list(quotes.values()))


# --------------------------------------------------------------------------
# The corpus


def works_in(root: Path) -> list[str]:
    """The works of a LitBank repository: ``quotations/tsv/NAME_brat.ann``."""
    folder = root / QUOTATIONS_FOLDER
    if not folder.is_dir():
        raise InputError(
            root, 0, "path", f"no {QUOTATIONS_FOLDER}/ folder (expected LitBank's repository: {QUOTATIONS_FOLDER}/NAME{FILE_SUFFIX}.ann)"
        )
    suffix = f"{FILE_SUFFIX}.ann"
    return sorted(p.name[: -len(suffix)] for p in folder.iterdir() if p.name.endswith(suffix) and not p.name.startswith("."))


def read_litbank(folder: str | os.PathLike, *, out: str | os.PathLike, documents: str | None = None) -> ImportResult:
    """Gold documents from a LitBank repository (see the module docstring);
    ``documents`` names the works to import (``A,B`` or ``@FILE`` with one
    name a line), all of them by default."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(root, 0, "path", "not a folder (litbank import reads LitBank's repository)")
    names = chosen_documents(works_in(root), documents, noun="work")
    tally = _Tally()
    docs = [_read_work(root, name, out, tally) for name in names]
    return ImportResult(docs, _notes(tally, len(docs)))


def _notes(tally: _Tally, n_documents: int) -> list[str]:
    c = tally.counts
    notes = [
        f"litbank: {n_documents} work(s), {c['quotations']} quotation(s), {c['speakers']} speaker(s), "
        f"{c['entities']} entities (coreference chains with a PER mention or a quotation); speaker_mention and cue "
        f"are null (LitBank does not mark them)"
    ]
    if tally.without_quotes:
        notes.append(f"litbank: {len(tally.without_quotes)} work(s) without any quotation: {', '.join(tally.without_quotes)}")
    if c["dashes"] or c["italics marks"]:
        notes.append(
            f"litbank: {c['dashes']} quotation(s) set off by a dash and {c['italics marks']} by italics underscores: "
            f"the marks are left out of the span"
        )
    if tally.unmarked:
        notes.append(
            f"litbank: {len(tally.unmarked)} quotation(s) that no typographic convention of benchmark/typography.py explains "
            f"as direct speech (italics are not quotation marks) imported as indirect: {', '.join(tally.unmarked)}"
        )
    if c["quotations without speaker"]:
        notes.append(f"litbank: {c['quotations without speaker']} quotation(s) without an ATTRIB line (speaker null)")
    if tally.own_speakers:
        notes.append(
            f"litbank: {len(tally.own_speakers)} speaker id(s) naming no coreference chain became entities of their own "
            f"({c['quotes of own speakers']} quotation(s)): {', '.join(tally.own_speakers)}"
        )
    if c["chains left out"]:
        notes.append(
            f"litbank: {c['chains left out']} coreference chain(s) without a PER mention or a quotation (places, vehicles, "
            f"organisations) left out, with their {c['mentions left out']} mention(s)"
        )
    linked_only = c["mentions only in copula or apposition links"] + c["mentions in no chain or link"]
    if linked_only:
        notes.append(
            f"litbank: {linked_only} mention(s) in no coreference chain left out ({c['mentions only in copula or apposition links']} "
            f"linked only by the {c['copula links']} COP and {c['apposition links']} APPOS line(s))"
        )
    return notes


def _import(folder: str | os.PathLike, *, out: str | os.PathLike, types: LabelTypes, documents: str | None = None) -> ImportResult:
    return read_litbank(folder, out=out, documents=documents)


FORMAT = AnnotationFormat(
    name="litbank",
    help="LitBank's repository as published (original/NAME.txt, quotations/tsv/ and coref/tsv/NAME_brat.txt and .ann)",
    read=_import,
    import_options=(DOCUMENTS_OPTION,),
)
