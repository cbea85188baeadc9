"""Mentions of people and organisations in a parsed document, and the names
they resolve to, shared by the baselines.

A baseline reports two things for a speaker (SPEC section 3): the span of the
mention the quote attaches to (``speaker_start``/``speaker_end``: a pronoun,
a description or a name, exactly as it stands next to the cue) and the
resolved full name (``speaker``): "Volkov" -> "Leonid Volkov", "he" -> the
most recent person named before it, "who" -> the noun the relative clause
describes.  :class:`DocumentMentions` is built once per Doc (cached on it)
and answers every question in logarithmic or constant time, so that
attributing all quotes of a document stays linear in its length.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

from baselines.cues import RELATIVE_PRONOUNS, doc_text, mention_span
from benchmark.names import normalize_name

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

PERSON_OR_ORG = ("PERSON", "ORG")
SINGULAR_PERSON_PRONOUNS = frozenset("he him his she her hers i me".split())
PLURAL_PRONOUNS = frozenset("they them we us".split())
GROUP_LABELS = frozenset(("ORG", "NORP", "GPE"))
CACHE_KEY = "quotebench.mentions"
# The relations of a nominal subject, active or passive.
NOMINAL_SUBJECT_DEPS = frozenset(("nsubj", "nsubjpass"))
SOURCE_DEPS = NOMINAL_SUBJECT_DEPS | {"poss"}


@dataclass(frozen=True, slots=True)
class Mention:
    """A mention: character span, its text, its kind ("PERSON", "ORG", ...
    for named entities, "PRON" for pronouns, "NOUN" for descriptions), and
    the token index of its head."""

    start: int
    end: int
    text: str
    label: str
    head: int


@dataclass(frozen=True, slots=True)
class Speaker:
    """What a model says about a quote's speaker: the resolved name and the
    span of the mention the quote attaches to."""

    name: str
    start: int
    end: int


class DocumentMentions:
    """The mentions of one Doc and the resolution of names and pronouns."""

    def __init__(self, doc: "Doc"):
        self.doc = doc
        self.sentence_starts = [s.start for s in doc.sents]
        self.entities = [
            Mention(e.start_char, e.end_char, e.text, e.label_, e.root.i) for e in doc.ents if e.label_ in PERSON_OR_ORG
        ]
        self.entity_starts = [m.start for m in self.entities]
        self.persons = [m for m in self.entities if m.label == "PERSON"]
        self.person_heads = [m.head for m in self.persons]
        # Group-like antecedents of "they": organisations, nationalities and
        # plural nouns that are subjects.
        self.group_heads = _group_heads(doc)
        self._by_word: dict[str, list[tuple[int, tuple[str, ...], str]]] = {}
        for m in self.persons:
            words = tuple(normalize_name(m.text).split())
            for word in set(words):
                self._by_word.setdefault(word, []).append((m.start, words, m.text))
        self._candidates: list[Mention] | None = None

    # -- sentences ----------------------------------------------------------

    def sentence_index(self, token_i: int) -> int:
        return bisect_right(self.sentence_starts, token_i) - 1

    # -- names --------------------------------------------------------------

    def full_name(self, name: str, start: int) -> str:
        """The longest person name of the document that contains every word
        of ``name`` ("Volkov" -> "Leonid Volkov"), preferring names that occur
        before ``start``; ``name`` itself when there is none."""
        words = tuple(normalize_name(name).split())
        if not words:
            return name
        best: tuple[bool, int, int, str] | None = None
        for m_start, m_words, m_text in self._by_word.get(words[-1], ()):
            if len(m_words) <= len(words) or not set(words) <= set(m_words):
                continue
            key = (m_start <= start, len(m_words), -m_start, m_text)
            if best is None or key > best:
                best = key
        return best[3] if best else name

    def _nearest_before(self, heads: list[int], token_i: int) -> int | None:
        at = bisect_left(heads, token_i) - 1
        return heads[at] if at >= 0 else None

    def antecedent(self, token: "Token") -> "Token | None":
        """The token a pronoun refers to: for he/she/I the most recent person
        named before it, for they/we the most recent organisation, group or
        plural subject, for a relative who/that the noun its clause
        describes."""
        lower = token.lower_
        if lower in RELATIVE_PRONOUNS:
            return token.head.head if token.head.dep_ in ("relcl", "acl") and token.head.head.i != token.head.i else None
        if lower in SINGULAR_PERSON_PRONOUNS:
            i = self._nearest_before(self.person_heads, token.i)
            return self.doc[i] if i is not None else None
        if lower in PLURAL_PRONOUNS:
            i = self._nearest_before(self.group_heads, token.i)
            return self.doc[i] if i is not None else None
        return None

    def name_of(self, token: "Token") -> str:
        """The resolved name of the mention headed by ``token``."""
        seen = 0
        while token.pos_ == "PRON" or token.lower_ in RELATIVE_PRONOUNS:
            antecedent = self.antecedent(token)
            seen += 1
            if antecedent is None or seen > 3:
                break
            token = antecedent
        start, end = mention_span(token)
        text = doc_text(self.doc)[start:end]
        if token.ent_type_ == "PERSON":
            return self.full_name(text, start)
        return text

    def speaker(self, token: "Token") -> Speaker:
        """The speaker whose mention is headed by ``token``: the mention's own
        span (a pronoun stays a pronoun) and its resolved name."""
        start, end = mention_span(token)
        return Speaker(self.name_of(token), start, end)

    # -- candidates -----------------------------------------------------------

    def candidates(self) -> list[Mention]:
        """Every noun phrase that could be a source, in text order: names,
        pronouns (also relative who), and descriptions ("officials", "a new
        poll"), one per head token; a possessor ("his" of "his promise") is
        one of its own."""
        if self._candidates is None:
            seen: set[int] = set()
            found: list[Mention] = []
            # noun chunks, and the subjects and possessors that are not the
            # root of one ("43 said", "many feel", "his promise", "Sanders’
            # inner circle"): sources are often written so
            heads = [chunk.root for chunk in self.doc.noun_chunks if chunk.root.pos_ != "NUM"]
            heads += [t for t in self.doc if t.dep_ in SOURCE_DEPS and not (t.is_punct or t.is_space)]
            for head in heads:
                if head.i in seen:
                    continue
                seen.add(head.i)
                start, end = mention_span(head)
                if head.ent_type_ and head.pos_ != "PRON":
                    label = head.ent_type_
                elif head.pos_ == "PRON" or head.lower_ in RELATIVE_PRONOUNS:
                    label = "PRON"
                else:
                    label = "NOUN"
                found.append(Mention(start, end, doc_text(self.doc)[start:end], label, head.i))
            found.sort(key=lambda m: m.head)
            self._candidates = found
        return self._candidates


_GROUP_TAGS = frozenset(("NNS", "NNPS"))


def _group_heads(doc: "Doc") -> list[int]:
    """The indices of the subjects (:data:`NOMINAL_SUBJECT_DEPS`) that are an
    organisation, a nationality or a place (:data:`GROUP_LABELS`) or a
    plural noun, in order; read from the Doc's arrays, each distinct label
    looked at once (not a Token object per token)."""
    import numpy
    from spacy.attrs import DEP, ENT_TYPE, TAG

    strings = doc.vocab.strings
    columns = doc.to_array([ENT_TYPE, TAG, DEP]).reshape(len(doc), 3)

    def among(column: int, labels: frozenset[str]) -> "numpy.ndarray":
        ids, inverse = numpy.unique(columns[:, column], return_inverse=True)
        return numpy.asarray([strings[int(h)] in labels for h in ids.tolist()], dtype=bool)[inverse.reshape(-1)]

    found = (among(0, GROUP_LABELS) | among(1, _GROUP_TAGS)) & among(2, NOMINAL_SUBJECT_DEPS)
    return numpy.flatnonzero(found).tolist()


def document_mentions(doc: "Doc") -> DocumentMentions:
    """The (cached) :class:`DocumentMentions` of a Doc."""
    mentions = doc.user_data.get(CACHE_KEY)
    if mentions is None:
        mentions = DocumentMentions(doc)
        doc.user_data[CACHE_KEY] = mentions
    return mentions
