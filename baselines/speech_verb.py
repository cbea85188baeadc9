"""``speech-verb``: dependency rules over the spaCy parse.

For each quote: the reporting expression it attaches to
(:func:`baselines.cues.cue_of_span`: the verb whose complement the quote is,
a reporting verb hanging from the quote or introducing it with a colon,
"according to"); failing that, whatever predicate governs the quote
(:func:`baselines.cues.governing_source`: "swipes at X", "would vote for X",
"has been critical of X", "his warning that X", as event-style corpora such as
PolNeAR annotate them); failing that, the nearest reporting verb of its
sentences.  The cue's source (its subject, also when
inverted as in "said Prokhorov", the object of "according to", the agent of
a passive, or the subject of the verb it is coordinated with); appositions
left out ("Leonid Volkov, former chief of staff of ..., said" -> "Leonid
Volkov").  ``speaker_start``/``speaker_end`` point at that mention as it
stands, a pronoun or a description included; ``speaker`` is its resolved
name (a surname -> the longest earlier name of the same person; he/she ->
the most recent person; they -> the most recent group; who -> the noun it
describes).

Quotations are walked in text order by :class:`baselines.dialogue.Conversation`:
a quotation in quotation marks first looks for a speech verb right beside it
(fiction's "said he", "cried Emma"), then the rules above; one without a
source is decided by the dialogue rules (its paragraph's speaker, the reply
to a vocative, narration introducing the speaker, conversation turns), and in
news continues the previous quote's speaker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baselines import register
from baselines.cues import cue_of_span, cue_source, governing_source
from baselines.dialogue import Cast, Conversation
from baselines.quote_finding import Target, quotes_to_attribute, speaker_row
from benchmark.models import ModelInput

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token


def rule_source(doc: "Doc", target: Target) -> "Token | None":
    """The head token of the mention the rules attach the quote to: the
    source of the quote's cue; else the source of whatever predicate governs
    the quote (:func:`baselines.cues.governing_source`: "swipes at X", "would
    vote for X", "his warning that X"); else the source of the nearest cue
    of its sentences."""
    cue = target.found.cue if target.found is not None else None
    if cue is None:
        cue = cue_of_span(doc, target.start, target.end, fragments=target.fragments, sentence_window=False)
    source = cue_source(cue) if cue is not None else None
    if source is None:
        source = governing_source(doc, target.start, target.end, fragments=target.fragments)
    if source is None and cue is None:
        cue = cue_of_span(doc, target.start, target.end, fragments=target.fragments)
        source = cue_source(cue) if cue is not None else None
    return source


# Where cast_of keeps the Cast of a Doc, with what it was built from.
_CAST_KEY = ("quotebench", "cast")


def cast_of(item: ModelInput) -> Cast:
    """The characters of a document: its published cast's names and aliases
    when the runner gives it (``item.cast``, as PDNC gives its character
    lists), else the PERSON names of the parse.

    Built once per Doc and cast (kept on the Doc: both tracks, and every
    model that asks, share it; a Cast is never changed once built)."""
    entities = item.cast
    people = None
    if entities:
        people = tuple(e for e in entities if getattr(e, "kind", "person") in ("person", "group", "organization", "other"))
    doc = item.doc
    if doc is not None:
        cached = doc.user_data.get(_CAST_KEY)
        if cached is not None and cached[0] == people and cached[1] == item.text:
            return cached[2]
    cast = Cast.from_entities(people, item.text) if people is not None else Cast.from_doc(doc)
    if doc is not None:
        doc.user_data[_CAST_KEY] = (people, item.text, cast)
    return cast


def conversation_of(item: ModelInput, targets: list[Target]) -> Conversation:
    """The dialogue rules over the targets of a document, with the news rules
    (:func:`rule_source`) asked when no speech verb stands beside a
    quotation."""
    doc = item.doc
    return Conversation(
        doc,
        cast_of(item),
        [(t.start, t.end, t.fragments) for t in targets],
        other_source=lambda k: rule_source(doc, targets[k]),
    )


@register("speech-verb")
class SpeechVerb:
    needs_spacy = True

    def predict(self, item: ModelInput, track: str) -> list[dict[str, Any]]:
        targets = quotes_to_attribute(item, track)
        attributions = conversation_of(item, targets).attribute()
        return [speaker_row(item.doc_id, t, a.speaker) for t, a in zip(targets, attributions)]
