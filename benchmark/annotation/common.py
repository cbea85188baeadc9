"""From annotation-tool regions to gold documents: the rules that brat and
Label Studio imports share.

A tool reader (:mod:`benchmark.annotation.brat`, :mod:`benchmark.annotation.labelstudio`) turns its
files into :class:`Region` objects (annotated spans, already in code points of
the document's text) and :class:`Attribution` objects (which quote regions,
speaker region and cue region belong together).  :func:`build_documents` then
applies the same rules to both:

- **Quote spans.**  Fragments are sorted; fragments that overlap or are
  separated only by white space are joined; the quote runs from the first
  fragment to the last.
- **Quote type.**  An annotated type (``direct``/``indirect``/``mixed``) is
  kept, except that ``direct`` on a span that no quotation marks enclose is
  replaced by the derived type (with a note).  Otherwise: ``direct`` when every
  fragment is enclosed in quotation marks (see :func:`enclosed`), the span then
  shrunk to exclude them; ``mixed`` when it contains a quoted fragment (an
  opening mark, then later a closing mark; apostrophes inside words do not
  count); ``indirect`` otherwise.
- **Duplicates.**  Two attributions with the same content become one quote;
  its speaker and cue are the first ones given (a disagreement is noted).
- **Entities.**  See :func:`group_entities`.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmark import typography
from benchmark.errors import InputError, UsageError
from benchmark.gold import (
    CLOSING_MARKS,
    ENTITY_KINDS,
    OPENING_MARKS,
    QUOTE_MARKS,
    Document,
    Entity,
    Quote,
    Span,
    attribute_problems,
)
from benchmark.names import HONORIFICS, normalize_name
from benchmark.options import Option

QUOTE, SPEAKER, CUE = "quote", "speaker", "cue"

# Marks that also serve as apostrophes: they open or close a quotation only at
# a word boundary ("don’t" and "l'état" contain none).
SINGLE_MARKS = frozenset("‘’'‚‛‹›")
# Punctuation that may sit between the end of a quoted span and its closing
# mark ("We will win,” he said) or after the closing mark (“We will win”,).
_EDGE_PUNCTUATION = frozenset(",.;:!?…")

# brat normalisation database / Label Studio per-region field that carry an
# entity id, so that an exported gold set comes back with the same ids.
ENTITY_DB = "quotebench"


# --------------------------------------------------------------------------
# Which annotation labels mean what


def _split_patterns(value: str | None, default: tuple[str, ...], option: str) -> tuple[str, ...]:
    if value is None:
        return default
    patterns = tuple(p.strip() for p in value.split(",") if p.strip())
    if not patterns:
        raise UsageError(f"{option} needs at least one type name")
    return patterns


@dataclass(frozen=True)
class LabelTypes:
    """The annotation type names (case-insensitive; ``*`` wildcards allowed)
    that mark quotes, speakers, cues and, in brat's event style, attribution
    events.  The defaults cover relation-style (Quote/Speaker/Cue) and
    attribution-corpus event-style (Content/Source/Cue) annotations;
    ``Mention`` is how this project's brat exports label the mentions of an
    entity that is nobody's speaker."""

    quote: tuple[str, ...] = ("Quote", "Quotation", "Content")
    speaker: tuple[str, ...] = ("Speaker", "Source", "Mention")
    cue: tuple[str, ...] = ("Cue",)
    event: tuple[str, ...] = ("Attribution*",)

    @classmethod
    def from_options(cls, quote=None, speaker=None, cue=None, event=None) -> "LabelTypes":
        types = cls(
            _split_patterns(quote, cls.quote, "--quote-type"),
            _split_patterns(speaker, cls.speaker, "--speaker-type"),
            _split_patterns(cue, cls.cue, "--cue-type"),
            _split_patterns(event, cls.event, "--event-type"),
        )
        seen: dict[str, str] = {}
        for role, patterns in ((QUOTE, types.quote), (SPEAKER, types.speaker), (CUE, types.cue)):
            for p in patterns:
                if p.casefold() in seen and seen[p.casefold()] != role:
                    raise UsageError(f"type {p!r} is given both as a {seen[p.casefold()]} type and as a {role} type")
                seen[p.casefold()] = role
        return types

    def role_of(self, label: str) -> str | None:
        """``quote``, ``speaker``, ``cue`` or None for an annotation type name."""
        name = label.casefold()
        for role, patterns in ((QUOTE, self.quote), (SPEAKER, self.speaker), (CUE, self.cue)):
            if any(fnmatch.fnmatchcase(name, p.casefold()) for p in patterns):
                return role
        return None

    def is_attribution(self, event_type: str) -> bool:
        name = event_type.casefold()
        return any(fnmatch.fnmatchcase(name, p.casefold()) for p in self.event)


# --------------------------------------------------------------------------
# What a tool reader hands over


@dataclass(slots=True)
class Region:
    """One annotated span: a quote, speaker or cue, in code points of the text."""

    key: str
    role: str
    spans: list[Span]
    origin: str  # "FILE:LINE", for notes
    quote_type: str | None = None
    entity_id: str | None = None
    entity_name: str | None = None
    entity_kind: str | None = None
    # What this project's own exports carry beyond the tool's labels (see
    # :func:`carried_quote` and :func:`carried_entity`), and the position of
    # the quote or entity in the exported gold.
    carried: dict[str, Any] | None = None
    order: int | None = None


@dataclass(slots=True)
class Attribution:
    """A quote (one or more quote regions, joined as fragments) tied to at
    most one speaker region and one cue region."""

    quote_keys: list[str]
    speaker_key: str | None
    cue_key: str | None
    origin: str
    quote_type: str | None = None
    carried: dict[str, Any] | None = None
    order: int | None = None


@dataclass(slots=True)
class AnnotatedText:
    """One document as a tool reader found it."""

    doc_id: str
    source: str
    text: str
    regions: dict[str, Region]
    attributions: list[Attribution]
    # Also make entity mentions of speaker regions tied to no quote (relation
    # style, and this project's own exports); event-style corpora leave
    # sources of ignored events out.
    keep_unlinked_speakers: bool = True
    # The document's cast as this project's exports carry it (see
    # :func:`carried_cast`); None when the source has none: never invented.
    cast: list[str] | None = None


@dataclass(slots=True)
class ImportResult:
    documents: list[Document]
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportedFiles:
    """An import that writes several gold files (PolNeAR's ``--annotator
    each``: ``FOLDER/<annotator>.jsonl``): ``files`` maps each gold file to
    its documents, written by :func:`write_gold_files`; ``notes`` as in an
    ImportResult.  There is no single list of documents: asking for one is a
    usage error, so that a caller that writes one gold file writes nothing."""

    notes: list[str] = field(default_factory=list)
    files: dict[str, list[Document]] = field(default_factory=dict)

    @property
    def documents(self) -> list[Document]:
        raise UsageError(
            "--annotator each writes one gold file per annotator into the folder --out, "
            "which needs a caller that writes ImportedFiles.files (benchmark.annotation.common.write_gold_files)"
        )


def write_gold_files(files: dict[str, list[Document]]):
    """Validate every gold file of ``files`` (``path -> documents``), then
    write them all, or none when one is refused (its errors are raised).
    Returns ``[(path, ValidationReport)]``.  A file replaced keeps its mode."""
    from benchmark.gold import write_valid_gold

    pending: list[tuple[Path, Path]] = []
    reports = []
    try:
        for path, documents in files.items():
            target = Path(path)
            staged = target.with_name(f".{target.name}.{os.getpid()}.pending")
            report = write_valid_gold(documents, staged)
            pending.append((staged, target))
            reports.append((path, report))
        for staged, target in pending:
            if target.exists():
                shutil.copymode(target, staged)
            os.replace(staged, target)
        pending.clear()
    finally:
        for staged, _ in pending:
            if staged.exists():
                staged.unlink()
    for path, report in reports:
        report.gold.path = path
    return reports


def attributions_from_links(
    regions: dict[str, Region], links: list[tuple[str, str, str]], notes: list[str]
) -> list[Attribution]:
    """Relation style: every quote region is a quote; quote regions linked to
    each other are fragments of one quote; a quote-speaker link names the
    speaker (else a link from the quote's cue to a speaker does); a quote-cue
    link names the cue.  Links are ``(key_a, key_b, origin)`` in file order
    and their direction is ignored: the regions' roles say which end is which."""
    parent = {k: k for k, r in regions.items() if r.role == QUOTE}

    def root(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    neighbours: dict[str, list[tuple[str, str]]] = {k: [] for k in regions}
    for a, b, origin in links:
        ra, rb = regions[a].role, regions[b].role
        if ra == QUOTE and rb == QUOTE and root(a) != root(b):
            parent[root(a)] = root(b)
        neighbours[a].append((b, origin))
        neighbours[b].append((a, origin))

    groups: dict[str, list[str]] = {}
    for k in parent:  # regions keep file order
        groups.setdefault(root(k), []).append(k)
    attributions = []
    for members in groups.values():
        def linked(role: str, keys: list[str]) -> list[str]:
            found: list[str] = []
            for k in keys:
                for other, _ in neighbours[k]:
                    if regions[other].role == role and other not in found:
                        found.append(other)
            return found

        speakers = linked(SPEAKER, members)
        cues = linked(CUE, members)
        if not speakers and cues:
            speakers = linked(SPEAKER, cues[:1])
        first = regions[members[0]]
        if len(speakers) > 1:
            notes.append(f"{first.origin}: quote {members[0]} is linked to {len(speakers)} speakers; kept {speakers[0]}")
        quote_type = next((regions[k].quote_type for k in members if regions[k].quote_type), None)
        attributions.append(
            Attribution(members, speakers[0] if speakers else None, cues[0] if cues else None, first.origin, quote_type,
                        *carried_of(regions, members))
        )
    return attributions


def carried_of(regions: dict[str, Region], keys: list[str]) -> tuple[dict[str, Any] | None, int | None]:
    """The carried record and position of a quote made of ``keys``: those of
    its first region that has one."""
    for k in keys:
        if regions[k].carried is not None:
            return regions[k].carried, regions[k].order
    return None, None


# --------------------------------------------------------------------------
# Quote spans and types


def _opens(text: str, i: int) -> bool:
    c = text[i]
    return c in OPENING_MARKS and (c not in SINGLE_MARKS or i == 0 or not text[i - 1].isalnum())


def _closes(text: str, i: int) -> bool:
    c = text[i]
    return c in CLOSING_MARKS and (c not in SINGLE_MARKS or i + 1 >= len(text) or not text[i + 1].isalnum())


def _mark_family(c: str) -> str:
    return "single" if c in SINGLE_MARKS else "double"


def enclosed(text: str, start: int, end: int) -> Span | None:
    """The part of ``text[start:end]`` inside enclosing quotation marks, or
    None.  Each side is enclosed when the mark sits just outside the span or
    is the span's own first/last character (it is then cut off); at the end,
    punctuation between the span and its closing mark stays outside when the
    span stops before it, punctuation after a closing mark inside the span is
    left out, and a comma just before the closing mark (the joining comma of
    “…,” she said, which GUIDELINES leaves out) is left out.  The
    enclosed part must not close and reopen a quotation of the same kind
    (“…,” he said, “…” is not one direct quote)."""
    n = len(text)
    if start >= end:
        return None
    if start > 0 and _opens(text, start - 1):
        left, mark = start, text[start - 1]
    elif _opens(text, start):
        left, mark = start + 1, text[start]
    else:
        return None
    right = None  # the closing mark
    content_end = end
    if end < n and _closes(text, end):
        right = end
    elif _closes(text, end - 1) and end - 1 > left:
        right = content_end = end - 1
    else:
        stripped = end
        while stripped > left and text[stripped - 1] in _EDGE_PUNCTUATION:
            stripped -= 1
        if stripped < end and stripped - 1 > left and _closes(text, stripped - 1):
            right = content_end = stripped - 1
        else:
            extended = end
            while extended < n and text[extended] in _EDGE_PUNCTUATION:
                extended += 1
            if extended > end and extended < n and _closes(text, extended):
                right = extended
    if right is None or right <= left:
        return None
    if content_end - 1 > left and text[content_end - 1] == ",":
        content_end -= 1
    family = _mark_family(mark)
    closed = False
    for i in range(left, right):
        if _mark_family(text[i]) != family:
            continue
        if closed and _opens(text, i):
            return None
        if _closes(text, i):
            closed = True
    return Span(left, content_end)


def has_quoted_fragment(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` holds an opening mark followed, at least one
    character later, by a closing mark."""
    first_open = next((i for i in range(start, end) if _opens(text, i)), None)
    if first_open is None:
        return False
    return any(_closes(text, j) for j in range(first_open + 2, end))


def _strip_space(text: str, span: Span) -> Span | None:
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if start < end else None


def join_fragments(text: str, spans: list[Span]) -> list[Span]:
    """Sorted fragments, joining those that overlap or that only white space
    separates (a line break inside a quote, an editor's split)."""
    joined: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if joined and (span.start <= joined[-1].end or not text[joined[-1].end:span.start].strip()):
            joined[-1] = Span(joined[-1].start, max(joined[-1].end, span.end))
        else:
            joined.append(span)
    return joined


def classify_quote(
    text: str, spans: list[Span], annotated: str | None = None, *, exported: bool = False
) -> tuple[str, list[Span], str | None]:
    """The quote's type, its fragments, and a note when an annotated
    ``direct`` had to be changed.  ``spans`` must be non-empty.  A fragment
    that marks already enclose as GUIDELINES have it
    (:func:`benchmark.typography.enclosed`: a mark just before, a mark just
    after or after joining punctuation) is kept as it is, so
    that exported gold comes back unchanged; others are shrunk to what the
    marks enclose (:func:`enclosed`).  ``exported``: the quote comes from
    this project's own export (it carried its id), so its annotated type
    and spans are the gold's: kept as they are when the gold validator
    accepts them (a direct quote may then also hold its marks or be an
    indented block, :func:`benchmark.typography.direct_quote_problem`)."""
    fragments = join_fragments(text, spans)
    if exported and annotated in ("indirect", "mixed"):
        return annotated, fragments, None
    if exported and annotated == "direct" and typography.direct_quote_problem(text, [(f.start, f.end) for f in fragments]) is None:
        return "direct", fragments, None
    inner: list[Span | None] = []
    trimmed: list[Span] = []
    for frag in fragments:
        inside = enclosed(text, frag.start, frag.end)
        if inside is not None and typography.enclosed(text, frag.start, frag.end):
            inside = frag
        stripped = _strip_space(text, frag) or frag
        if inside is None:
            inside = enclosed(text, stripped.start, stripped.end)
        inner.append(inside)
        trimmed.append(stripped)
    if annotated in (None, "direct") and all(inner):
        return "direct", [s for s in inner if s is not None], None
    if annotated in ("indirect", "mixed"):
        return annotated, trimmed, None
    derived = "mixed" if any(inner) or any(has_quoted_fragment(text, f.start, f.end) for f in trimmed) else "indirect"
    note = None
    if annotated == "direct":
        note = f"annotated direct but not enclosed by quotation marks; imported as {derived}"
    return derived, trimmed, note


# --------------------------------------------------------------------------
# Speakers and entities

PRONOUNS = frozenset(
    """i me my mine myself we us our ours ourselves you your yours yourself yourselves
    he him his himself she her hers herself it its itself they them their theirs themselves
    who whom whose which that this these those one someone somebody anyone everyone""".split()
)
_DETERMINERS = frozenset(
    """the a an this that these those some many several most all both each every any no
    another other his her their its our my your one two three four five few""".split()
)
# Lower-case words that may stand inside a name ("Bank of England", "Ursula von der Leyen").
_NAME_PARTICLES = frozenset("of de del della der den van von da di du la le bin ibn al el and & for y".split())
# Words that make a source an organisation or a group rather than a person.
ORGANIZATION_WORDS = frozenset(
    """house department ministry committee party campaign office agency council commission
    government administration company corporation corp inc ltd llc group university college
    court police army military navy bank union association foundation institute network
    times post journal news press embassy senate congress parliament pentagon kremlin
    cabinet board fund bureau service organization organisation authority center centre
    federation league""".split()
)
GROUP_WORDS = frozenset(
    """democrats republicans officials lawmakers critics analysts experts aides sources
    officers residents voters supporters protesters protestors leaders members people activists
    senators workers investigators prosecutors diplomats authorities economists scientists
    researchers advocates opponents allies observers witnesses citizens politicians staffers
    conservatives liberals progressives doctors lawyers families students""".split()
)


# Abbreviation dots ("Mr.", "U.S.") are kept; other punctuation at word edges is not.
_EDGE_CHARS = ",;:!?()[]{}\"'“”‘’"


def _words(surface: str) -> list[str]:
    return [w.strip(_EDGE_CHARS) for w in surface.split() if w.strip(_EDGE_CHARS)]


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def speaker_name(surface: str) -> str | None:
    """The name inside a speaker's surface text, or None for a pronoun or a
    description.

    Only the part before an appositive counts ("Leonid Volkov, former chief
    of staff" -> "Leonid Volkov").  A pronoun is a word of :data:`PRONOUNS`.
    After leading determiners ("the", "a", "his", ...), a part whose words are
    all capitalised (lower-case particles such as "of" or "von" allowed
    inside) is a name ("the White House" -> "White House"); otherwise a
    trailing run of capitalised words after a description is the name ("press
    secretary Sean Spicer" -> "Sean Spicer", but not "minister of Defense");
    anything else ("the minister", "a White House spokesman", a lone
    "Officials") is a description.  Titles before a name of two or more
    words are left out, up to the last one ("Senate Majority Leader Mitch
    McConnell" -> "Mitch McConnell"; see :data:`benchmark.names.HONORIFICS`)."""
    head = re.split(r",|\(| [—–-] ", surface, maxsplit=1)[0]
    words = _words(head)
    if not words or all(w.casefold() in PRONOUNS for w in words):
        return None
    while words and words[0].casefold() in _DETERMINERS:
        words = words[1:]
    words = [w for w in words if any(c.isalpha() for c in w)]
    if not words or (len(words) == 1 and words[0].casefold() in GROUP_WORDS):
        return None
    if not (
        _capitalised(words[0])
        and _capitalised(words[-1])
        and all(_capitalised(w) or w.casefold() in _NAME_PARTICLES for w in words)
    ):
        run = len(words)
        while run > 0 and _capitalised(words[run - 1]):
            run -= 1
        if run == len(words) or words[run - 1].casefold() in _NAME_PARTICLES:
            return None
        words = words[run:]
    titles = [i for i, w in enumerate(words[:-2]) if w.rstrip(".").casefold() in HONORIFICS]
    if titles:
        words = words[titles[-1] + 1:]
    return " ".join(words)


def guess_kind(surface: str) -> str:
    """A simple guess of an entity's ``kind`` from its surface text:
    ``organization`` for the pronoun "it", when the last word is in
    :data:`ORGANIZATION_WORDS` ("the White House", "the agency") or is an
    all-capitals name of two or more letters ("CNN"), or when such a word is
    followed by "of"/"for" ("Department of Justice"); ``group`` for
    "they"/"we", and when the last word is in :data:`GROUP_WORDS` or is, in a
    description, a plural in -s ("senior aides"); ``person`` otherwise."""
    words = _words(surface)
    lower = [w.casefold() for w in words]
    if not words:
        return "person"
    if all(w in PRONOUNS for w in lower):
        if set(lower) & {"it", "its", "itself", "which"}:
            return "organization"
        if set(lower) & {"they", "them", "their", "theirs", "themselves", "we", "us", "our", "ours", "ourselves"}:
            return "group"
        return "person"
    name = speaker_name(surface)
    last = lower[-1]
    if (
        last in ORGANIZATION_WORDS
        or any(w in ORGANIZATION_WORDS and nxt in ("of", "for") for w, nxt in zip(lower, lower[1:]))
        or (name is not None and len(words[-1]) >= 2 and words[-1].isalpha() and words[-1].isupper())
    ):
        return "organization"
    if last in GROUP_WORDS or (name is None and last.endswith("s") and not last.endswith(("ss", "us", "is"))):
        return "group"
    return "person"


def slug(value: str) -> str:
    return re.sub(r"\W+", "_", value).strip("_")


def _display_name(surface: str) -> str:
    name = " ".join(surface.split())
    name = re.sub(r"[’']s?$", "", name) if re.search(r"\w[’']s?$", name) else name
    return name.strip(" ,;:.!?\"“”‘’()[]") or name


@dataclass(slots=True)
class SpeakerMention:
    """A speaker span of a document, with the entity it was annotated as, if any."""

    span: Span
    surface: str
    entity_id: str | None = None
    entity_name: str | None = None
    entity_kind: str | None = None
    aliases: list[str] | None = None  # carried by this project's exports
    order: int | None = None  # the entity's position in the exported gold


@dataclass(slots=True)
class _Group:
    id: str
    name: str | None
    kind: str | None
    mentions: list[SpeakerMention] = field(default_factory=list)
    aliases: list[str] | None = None
    order: int | None = None


def _covers(longer: list[str], shorter: list[str]) -> bool:
    """``shorter`` is a shorter name of the same person: its words are a
    subsequence of ``longer``'s, ending with the same word ("Trump" and
    "Donald Trump" of "Donald J. Trump")."""
    if len(shorter) >= len(longer) or shorter[-1] != longer[-1]:
        return False
    it = iter(longer)
    return all(any(w == x for x in it) for w in shorter)


def _alias(surface: str) -> str:
    return _display_name(speaker_name(surface) or surface)


def _aliases(group: _Group, in_order: list[SpeakerMention]) -> list[str]:
    """An entity's aliases: those carried by an export, then the names of
    its mentions that none of them (nor its name) already gives; pronouns
    and descriptions are never aliases."""
    names = list(dict.fromkeys(_display_name(n) for m in in_order if (n := speaker_name(m.surface))))
    if group.aliases is None:
        return names
    known = {normalize_name(a) for a in [*group.aliases, group.name or ""]}
    return list(group.aliases) + [a for a in names if normalize_name(a) not in known]


def group_entities(doc_id: str, mentions: list[SpeakerMention], linked: set[Span]) -> tuple[list[Entity], dict[Span, str]]:
    """The document's entities and the entity id of each mention span.

    - A mention carrying an entity id (this project's own exports) belongs to
      that entity, which keeps the aliases and the position in the document
      that the export carried.
    - A mention with a name (see :func:`speaker_name`) joins an entity
      already named so (same :func:`normalize_name`); mentions whose names
      have the same normalised form are one entity; a shorter form joins the
      only longer one it fits ("Volkov" joins "Leonid Volkov", "Trump" joins
      "Donald J. Trump"; with both "Bill Clinton" and "Hillary Clinton"
      present, "Clinton" stays alone).  The id is the slug of the shortest
      normalised form of at least two words (``leonid_volkov``), so that the
      same name gets the same id in every document.
    - A pronoun or description tied to a quote is an entity of its own, with
      the document-scoped id ``DOC_ID:SLUG:START`` (``article1:he:104``); one
      tied to no quote is dropped.
    - name: an explicit one, else the first name with the chosen normalised
      form (possessive and edge punctuation removed); aliases: the distinct
      names of its mentions in text order (pronouns and descriptions are
      not aliases), after the carried ones (see :func:`_aliases`); mentions:
      all spans; kind: an explicit one, else :func:`guess_kind`.
    - order: entities whose position was carried, in that order, then the
      others by their first mention.
    """
    groups: dict[str, _Group] = {}
    ordered = sorted(mentions, key=lambda m: (m.span.start, m.span.end))
    for m in ordered:
        if m.entity_id:
            g = groups.setdefault(m.entity_id, _Group(m.entity_id, m.entity_name, m.entity_kind))
            g.name = g.name or m.entity_name
            g.kind = g.kind or m.entity_kind
            if g.aliases is None:
                g.aliases = m.aliases
            if m.order is not None:
                g.order = m.order if g.order is None else min(g.order, m.order)
            g.mentions.append(m)
    by_norm: dict[str, str] = {}
    for g in groups.values():
        for text in [g.name or "", *(g.aliases or [])] + [speaker_name(m.surface) or "" for m in g.mentions]:
            if text and normalize_name(text):
                by_norm.setdefault(normalize_name(text), g.id)

    names: list[tuple[SpeakerMention, str]] = []
    for m in ordered:
        if m.entity_id:
            continue
        name = speaker_name(m.surface)
        norm = normalize_name(name) if name else ""
        if slug(norm):
            if norm in by_norm:
                groups[by_norm[norm]].mentions.append(m)
            else:
                names.append((m, norm))
        elif m.span in linked:
            eid = f"{doc_id}:{slug(m.surface.casefold()) or 'source'}:{m.span.start}"
            groups[eid] = _Group(eid, _display_name(m.surface), None, [m])

    norms = list(dict.fromkeys(norm for _, norm in names))
    words = {n: n.split() for n in norms}
    top: dict[str, str] = {}
    for n in norms:
        supers = [o for o in norms if _covers(words[o], words[n])]
        if supers:
            longest = max(supers, key=lambda o: len(words[o]))
            if all(o == longest or _covers(words[longest], words[o]) for o in supers):
                top[n] = longest
    clusters: dict[str, list[str]] = {}
    for n in norms:
        clusters.setdefault(top.get(n, n), []).append(n)
    for members in clusters.values():
        multiword = [n for n in members if len(words[n]) >= 2]
        representative = min(multiword, key=lambda n: len(words[n])) if multiword else members[0]
        eid = slug(representative)
        cluster_mentions = [m for m, norm in names if norm in members]
        first = next(m for m, norm in names if norm == representative)
        g = groups.setdefault(eid, _Group(eid, _alias(first.surface), None))
        g.mentions.extend(cluster_mentions)

    ranked: list[tuple[tuple, Entity]] = []
    span_to_id: dict[Span, str] = {}
    for g in groups.values():
        in_order = sorted(g.mentions, key=lambda m: (m.span.start, m.span.end))
        spans = list(dict.fromkeys(m.span for m in in_order))
        aliases = _aliases(g, in_order)
        name = g.name or (aliases[0] if aliases else _display_name(in_order[0].surface))
        kind = g.kind if g.kind in ENTITY_KINDS else guess_kind(name if speaker_name(name) else in_order[0].surface)
        rank = (0, g.order, 0, "") if g.order is not None else (1, spans[0].start, spans[0].end, g.id)
        ranked.append((rank, Entity(g.id, name, kind, aliases, spans)))
        for span in spans:
            span_to_id.setdefault(span, g.id)
    ranked.sort(key=lambda pair: pair[0])
    return [entity for _, entity in ranked], span_to_id


# --------------------------------------------------------------------------
# Building documents


def _hull(text: str, spans: list[Span]) -> Span | None:
    if not spans:
        return None
    return _strip_space(text, Span(min(s.start for s in spans), max(s.end for s in spans)))


def _surface(text: str, spans: list[Span]) -> str:
    return " ".join(" ".join(text[s.start:s.end] for s in sorted(spans, key=lambda s: s.start)).split())


def build_document(item: AnnotatedText, notes: list[str]) -> Document:
    """One gold document from a tool reader's regions and attributions."""
    text, regions = item.text, item.regions
    mentions: dict[Span, SpeakerMention] = {}

    def mention_of(key: str) -> Span | None:
        region = regions[key]
        span = _hull(text, region.spans)
        if span is None:
            return None
        m = mentions.get(span)
        if m is None:
            m = mentions[span] = SpeakerMention(span, _surface(text, [span]))
        m.entity_id = m.entity_id or region.entity_id
        m.entity_name = m.entity_name or region.entity_name
        m.entity_kind = m.entity_kind or region.entity_kind
        if m.aliases is None and region.carried is not None:
            m.aliases = region.carried.get("aliases")
        if region.order is not None:
            m.order = region.order if m.order is None else min(m.order, region.order)
        return span

    drafts: dict[tuple[Span, ...], _Draft] = {}
    for att in item.attributions:
        spans = [s for k in att.quote_keys for s in regions[k].spans if text[s.start:s.end].strip()]
        if not spans:
            notes.append(f"{att.origin}: quote with only white space ignored")
            continue
        qtype, fragments, note = classify_quote(text, spans, att.quote_type, exported=att.carried is not None)
        if note:
            notes.append(f"{att.origin}: {note}")
        speaker = mention_of(att.speaker_key) if att.speaker_key else None
        cue = _hull(text, regions[att.cue_key].spans) if att.cue_key else None
        key = tuple(fragments)
        old = drafts.get(key)
        if old is not None:
            if speaker and old.speaker and speaker != old.speaker:
                notes.append(
                    f"{att.origin}: same content as {old.origin} with another speaker "
                    f"({_surface(text, [speaker])!r}); kept {_surface(text, [old.speaker])!r}"
                )
            old.speaker, old.cue = old.speaker or speaker, old.cue or cue
            if old.carried is None:
                old.carried, old.order = att.carried, att.order
        else:
            drafts[key] = _Draft(qtype, speaker, cue, att.origin, att.carried, att.order)
    if item.keep_unlinked_speakers:
        for key, region in regions.items():
            if region.role == SPEAKER:
                mention_of(key)

    linked = {d.speaker for d in drafts.values() if d.speaker is not None}
    entities, span_to_id = group_entities(item.doc_id, list(mentions.values()), linked)
    # quotes whose position was carried in that order, then the others in text order
    in_text_order = sorted(drafts.items(), key=lambda kv: (kv[0][0].start, kv[0][-1].end))
    ordered = sorted(in_text_order, key=lambda kv: (0, kv[1].order) if kv[1].order is not None else (1, 0))
    ids = _quote_ids([d.carried.get("id") if d.carried else None for _, d in ordered])
    quotes = []
    for qid, (fragments, d) in zip(ids, ordered):
        carried = d.carried or {}
        speaker = span_to_id.get(d.speaker) if d.speaker else None
        mention = d.speaker
        if speaker is not None and "speaker_mention" in carried:  # the gold had none
            mention = None
        quotes.append(
            Quote(
                id=qid,
                start=fragments[0].start,
                end=fragments[-1].end,
                type=d.type,
                speaker=speaker,
                speaker_mention=mention,
                cue=d.cue,
                fragments=list(fragments) if len(fragments) > 1 else None,
                attributes=carried.get("attributes"),
            )
        )
    return Document(item.doc_id, item.source, text, entities, quotes, _kept_cast(item, entities, notes))


def _kept_cast(item: AnnotatedText, entities: list[Entity], notes: list[str]) -> list[str] | None:
    """The carried cast, in its order, less the ids that are no entity of the
    imported document (an entity whose every mention was deleted), each
    named in a note."""
    if item.cast is None:
        return None
    present = {e.id for e in entities}
    lost = [entity_id for entity_id in item.cast if entity_id not in present]
    if lost:
        notes.append(f"{item.doc_id}: cast: left out {', '.join(map(repr, lost))}: no mention of it in the annotation, so no entity")
    return [entity_id for entity_id in item.cast if entity_id in present]


@dataclass(slots=True)
class _Draft:
    type: str
    speaker: Span | None
    cue: Span | None
    origin: str
    carried: dict[str, Any] | None
    order: int | None


def _quote_ids(carried: list[str | None]) -> list[str]:
    """Quote ids in order: a carried id where it is the first of its kind,
    else ``q01``, ``q02``, ... (the lowest numbers no other quote has)."""
    used = set()
    ids: list[str | None] = []
    for qid in carried:
        keep = qid is not None and qid not in used
        ids.append(qid if keep else None)
        if keep:
            used.add(qid)
    number = 0
    out = []
    for qid in ids:
        if qid is None:
            number += 1
            while f"q{number:02d}" in used:
                number += 1
            qid = f"q{number:02d}"
        out.append(qid)
    return out


def build_documents(items: list[AnnotatedText], notes: list[str]) -> list[Document]:
    """Gold documents, with each entity id given the name and kind it has in
    the first document where it appears (ids are global across the set)."""
    documents = [build_document(item, notes) for item in items]
    first: dict[str, tuple[str, str]] = {}
    for doc in documents:
        for e in doc.entities:
            name, kind = first.setdefault(e.id, (e.name, e.kind))
            e.name, e.kind = name, kind
    return documents


# --------------------------------------------------------------------------
# Shared by the exports


def speaker_anchor(doc: Document, quote: Quote, notes: list[str]) -> Span | None:
    """The span an exported quote is tied to for its speaker: its
    ``speaker_mention``, else (annotation tools tie a quote to a span, not to
    an entity) the speaker's mention closest to the quote, earlier on a tie;
    None, with a note, when the speaker has no mention at all."""
    if quote.speaker is None:
        return None
    entity = doc.entity(quote.speaker)
    if quote.speaker_mention is not None and entity is not None and quote.speaker_mention in entity.mentions:
        return quote.speaker_mention
    if entity is None or not entity.mentions:
        notes.append(f"{doc.doc_id} {quote.id}: speaker {quote.speaker!r} has no mention to tie the quote to; exported without speaker")
        return None

    def distance(m: Span) -> int:
        return max(0, m.start - quote.end, quote.start - m.end)

    return min(entity.mentions, key=lambda m: (distance(m), m.start))


# --------------------------------------------------------------------------
# Shared checks and writing


_FOLD_MARKS = str.maketrans({m: '"' for m in QUOTE_MARKS})


def same_surface(a: str, b: str) -> bool:
    """Whether an annotation's stored text and the text at its offsets agree,
    allowing for what exports change without moving offsets: white space
    (line breaks, non-breaking spaces, fragments joined by a space) and the
    style of quotation marks."""

    def fold(s: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", s).translate(_FOLD_MARKS).split())

    return fold(a) == fold(b)


def clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def source_path(file: Path, out: str | os.PathLike) -> str:
    """A text file's path relative to the folder of the gold file being
    written (absolute when no relative path exists), with ``/`` separators."""
    try:
        return Path(os.path.relpath(file.resolve(), Path(out).resolve().parent)).as_posix()
    except ValueError:  # another drive
        return file.resolve().as_posix()


def resolve_source(source: str, gold_file: str | os.PathLike) -> Path | None:
    """The file a ``source`` names, looked up as validation does: from the
    working folder, the gold file's folder, then its parent."""
    folder = Path(gold_file).parent
    for base in (Path.cwd(), folder, folder.parent):
        candidate = base / source
        if candidate.is_file():
            return candidate.resolve()
    return None


def choose_source(carried: str | None, file: Path | None, text: str, out: str | os.PathLike, fallback: str, notes: list[str]) -> str:
    """A document's ``source``: the one an export carried, unless it names,
    from ``out``, a file whose text differs (then ``fallback``, noted)."""
    if not carried:
        return fallback
    found = resolve_source(carried, out)
    if found is not None and (file is None or found != file.resolve()):
        try:
            same = found.read_bytes().decode("utf-8") == text
        except (OSError, UnicodeDecodeError):
            same = False
        if not same:
            notes.append(f"source {carried!r} names {found}, whose text differs; source set to {fallback!r}")
            return fallback
    return carried


# --------------------------------------------------------------------------
# What an export carries beyond the tool's own labels


def carried_quote(value: Any) -> dict[str, Any]:
    """A quote's record as an export carries it: ``{"id": ..., "attributes":
    {...}, "speaker_mention": null}`` (``attributes`` only when the gold
    quote has them, ``speaker_mention`` only when the quote has a speaker but
    no speaker mention).  Raises ValueError naming the problem."""
    if not isinstance(value, dict):
        raise ValueError(f"must be a JSON object, got {type(value).__name__}")
    out: dict[str, Any] = {}
    qid = value.get("id")
    if qid is not None:
        if not isinstance(qid, str) or not qid:
            raise ValueError(f"id must be a non-empty string, got {qid!r}")
        out["id"] = qid
    if "attributes" in value and value["attributes"] is not None:
        problems = attribute_problems(value["attributes"])
        if problems:
            suffix, problem = problems[0]
            raise ValueError(f"attributes{suffix}: {problem}")
        out["attributes"] = value["attributes"]
    if "speaker_mention" in value:
        if value["speaker_mention"] is not None:
            raise ValueError("speaker_mention can only be null (the quote's speaker has no mention tied to it)")
        out["speaker_mention"] = None
    return out


def carried_entity(value: Any) -> dict[str, Any]:
    """An entity's record as an export carries it: ``{"aliases": [...]}``.
    Raises ValueError naming the problem."""
    if not isinstance(value, dict):
        raise ValueError(f"must be a JSON object, got {type(value).__name__}")
    aliases = value.get("aliases")
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise ValueError("aliases must be a list of non-empty strings")
    return {"aliases": list(aliases)}


def carried_cast(value: Any) -> list[str]:
    """A document's cast as an export carries it: its entity ids, in order
    (see :attr:`benchmark.gold.Document.cast`).  Raises ValueError naming
    the problem; whether each id is an entity is checked on the built
    document (:func:`build_document`)."""
    if not isinstance(value, list) or not all(isinstance(entity_id, str) and entity_id for entity_id in value):
        raise ValueError("must be a list of entity ids (non-empty strings)")
    if len(set(value)) != len(value):
        raise ValueError("lists an entity id twice")
    return list(value)


def quote_record(doc: Document, quote: Quote) -> dict[str, Any]:
    """What an export carries for a quote (see :func:`carried_quote`)."""
    record: dict[str, Any] = {"id": quote.id}
    if quote.attributes is not None:
        record["attributes"] = quote.attributes
    if quote.speaker is not None and quote.speaker_mention is None:
        record["speaker_mention"] = None
    return record


def check_export_folder(out_dir: str | os.PathLike, *, force: bool) -> Path:
    """The folder an export writes to, refused (exit 2, before anything is
    written) when it is a file, or a folder that is not empty and ``force``
    is not set: an annotator's edited files must not be overwritten."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(out, 0, "DIR", "is a file, not a folder")
    if out.is_dir() and not force and any(out.iterdir()):
        raise InputError(out, 0, "DIR", "folder is not empty: its files would be overwritten; choose an empty or new folder, or add --force")
    return out


# The option of the corpus importers that read a folder of several works.
DOCUMENTS_OPTION = Option(
    "--documents", "documents", "pdnc, litbank: the novels or works to import, NAME,NAME,… or @FILE with one name a line (default: all)"
)


def chosen_documents(available: list[str], documents: str | None, *, noun: str) -> list[str]:
    """The documents named by a corpus importer's ``--documents`` (``A,B`` or
    ``@FILE`` with one name a line, ``#`` comments), in the order given and
    each once; all of ``available`` when None.  ``noun`` names a document in
    the messages ("novel", "work")."""
    if documents is None:
        return available
    if documents.startswith("@"):
        path = Path(documents[1:])
        try:
            names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        except OSError as exc:
            raise UsageError(f"--documents {documents}: cannot read {path} ({exc.strerror})") from None
        names = [name for name in names if name and not name.startswith("#")]
    else:
        names = [name.strip() for name in documents.split(",") if name.strip()]
    if not names:
        raise UsageError(f"--documents: no {noun} named")
    unknown = [name for name in names if name not in available]
    if unknown:
        raise UsageError(f"--documents: no such {noun}: {', '.join(unknown)} (found: {', '.join(available)})")
    return list(dict.fromkeys(names))
