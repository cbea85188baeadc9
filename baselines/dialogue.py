"""Dialogue in fiction: who speaks a quotation, construction by construction.

In novels most quotations carry no speech verb of their own (PDNC: 45%
implicit, 25% anaphoric, 30% explicit).  :class:`Conversation` walks a
document's quotations in text order and applies one rule per construction,
each named in :data:`RULES` and reported with the speaker it gives:

- ``explicit``: a speech verb in the narration right around the quotation
  (between its fragments, after it in its paragraph, or before it ending
  with a colon or comma), its subject also when inverted ("said he", "cried
  Emma", "he had said", "Mr. Bennet replied"), resolved to a character
  (:class:`Cast`): a name through the characters' aliases (with its title:
  "Mrs. Archer" is not her son "Archer"), a pronoun to the character of its
  gender who is most likely speaking (mentioned earlier in the paragraph,
  the one whose turn it is, a recent speaker); "I" to the narrator
  (:data:`NARRATOR`), and a pronoun that names no character yet to a
  speaker known by that mention;
- ``paragraph``: a quotation without a cue of its own takes the speaker of the
  quotation with a cue in the same paragraph (a new paragraph changes the
  speaker, the same paragraph keeps it);
- ``vocative``: the reply to a quotation that names its addressee in the
  vocative ("Lizzy, ...", "..., my dear Jane") goes to that addressee, and a
  quotation is never given to the character it addresses;
- ``narration``: a sentence of narration in the quotation's paragraph, or the
  paragraph of narration right before it, whose subject is a character
  ("Elizabeth looked at him. “...”");
- ``continued`` (over paragraphs): a paragraph after one whose last
  quotation has no closing mark is the same speaker going on, in the same
  turn;
- ``turns``: in a run of paragraphs that open with a quotation, a quotation
  with no cue goes to the speaker of two turns before (the most recent
  speaker other than the previous turn's); a second pass never gives a turn
  to the speaker of the turn before it or of a cued turn after it, and
  prefers the cued speaker two turns before or after;
- ``continued``: else the previous quotation's speaker (a continued
  quotation, as news writes them).

Characters come from the published cast's names and aliases when the runner
gives it (``ModelInput.cast``, as PDNC gives systems its character lists),
else from the spaCy PERSON names of the document.  A character's
gender, which pronouns need, comes from the titles of its names (Mr, Mrs,
Miss, Lady, Sir, ...) and else from the pronouns that follow its mentions
in the text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from baselines.cues import SPEECH, cue_source, doc_index, doc_text, mention_span
from baselines.mentions import DocumentMentions, Speaker, document_mentions
from baselines.quote_finding import is_in_quotation_marks
from benchmark.names import normalize_name

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

RULES = ("explicit", "paragraph", "vocative", "narration", "turns", "continued")

# Verbs that introduce speech in fiction, next to the news lexicon of
# baselines.cues; only ever used right beside a quotation.
DIALOGUE_VERBS = frozenset(
    (
        SPEECH
        + """ cry exclaim return rejoin retort whisper murmur mutter interrupt resume begin continue
        shout scream call sob sigh laugh smile groan gasp stammer answer inquire enquire pursue observe
        repeat reply say ask add remark cry roar growl snap sneer bellow yell hiss breathe venture
        persist plead beg suggest explain declare insist object assent acquiesce exclaim conclude
        apologise apologize chatter moan supply correct contradict opine interpose grumble wail chuckle
        drawl whimper falter jeer scoff taunt coax soothe"""
    ).split()
)
_IRREGULAR_DIALOGUE_FORMS = {"said": "say", "says": "say", "began": "begin", "begun": "begin", "cried": "cry",
                             "replied": "reply", "went": "go", "spoke": "speak"}

MALE_TITLES = frozenset(
    """mr mister sir lord master colonel captain col capt general major lieutenant dr doctor father uncle brother
    king prince duke count baron monsieur m signor herr reverend rev mynheer earl squire""".split()
)
FEMALE_TITLES = frozenset(
    """mrs miss ms lady madam madame mme mlle mademoiselle aunt mother sister queen princess duchess countess
    signora frau dame mistress""".split()
)
MALE_NOUNS = frozenset(
    """man men gentleman boy lad father son brother husband uncle nephew king prince fellow sir lord master
    youth gentlemen""".split()
)
FEMALE_NOUNS = frozenset(
    """woman women lady girl mother daughter sister wife aunt niece queen princess mistress maid widow
    ladies""".split()
)
MALE_PRONOUNS = frozenset(("he", "him", "his", "himself"))
FEMALE_PRONOUNS = frozenset(("she", "her", "hers", "herself"))
TITLES = MALE_TITLES | FEMALE_TITLES
# "I said" in the narration of a novel: its narrator, whom the cast does not
# tell apart; the key stands for them and the mention ("I") is reported.
FIRST_PERSON = frozenset(("i", "me"))
NARRATOR = "narrator:I"
# Words of a name that identify no one on their own.
_NAME_STOPWORDS = TITLES | frozenset(("the", "a", "an", "of", "old", "young", "little", "de", "van", "von"))
_PRONOUN_AFTER_MENTION = re.compile(r"\b(he|him|his|himself|she|her|hers|herself)\b", re.IGNORECASE)
# A capitalised word inside a sentence (after a lower-case word or a comma).
_CAPITALISED_INSIDE = re.compile(r"(?<=[a-z,;] )([A-Z][a-z]+)")
# At most this many words in an alias whose words are names of their own.
_NAME_WORDS = 3
# How far after a mention its pronoun is looked for (characters).
_GENDER_WINDOW = 120
# A blank line (white space around one or more empty lines).
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")
QUOTE_MARKS = "\"“”‘’'«»„"
_CLOSING = frozenset("\"”’'»")
# A closing quotation mark right after a quotation (punctuation may come first).
_CLOSED_AFTER = re.compile(r"[\s,.;:!?…_-]*[\"”’'»]")
# Narration inside one quotation span: a closing mark, words, an opening mark.
_NARRATION_INSIDE = re.compile(r"[,.!?;:—-]?[\"”]([^\"“”\n]{1,80}?)[\"“]")
# What precedes the name in a vocative match.
_VOCATIVE_LEAD = re.compile(r"^(?:[,;]\s+|(?:dear|dearest|oh|o)\s+)", re.IGNORECASE)
# At most this many word tokens between a quotation and the speech verb
# after it ("…,” said he", "…,” Mr. Bennet replied at last").
_WORDS_TO_VERB_AFTER = 5
# At most this many word tokens between the speech verb before a quotation
# and the quotation ("He turned to her and said: “…”").
_WORDS_TO_VERB_BEFORE = 4
# A text is read as fiction from this many paragraphs with quotations, when
# at least this share of them opens with one.
_FICTION_MIN_TURNS = 30
_FICTION_OPENING_SHARE = 0.5
# How many paragraphs back the antecedent of a pronoun cue is looked for.
_PRONOUN_PARAGRAPHS = 6
# A turn's speaker is looked for among this many turns before it.
_TURN_MEMORY = 4


def noun_gender(noun: str) -> str | None:
    """"M" or "F" for a noun that says it ("lady", "boy"), else None."""
    if noun in MALE_NOUNS or noun in MALE_TITLES:
        return "M"
    if noun in FEMALE_NOUNS or noun in FEMALE_TITLES:
        return "F"
    return None


def mention_gender(token: "Token") -> str | None:
    """"M" or "F" for a pronoun or a description that says it, else None."""
    lower = token.lower_
    if lower in MALE_PRONOUNS:
        return "M"
    if lower in FEMALE_PRONOUNS:
        return "F"
    return noun_gender(lower) if token.pos_ == "NOUN" else None


def paragraph_starts(text: str) -> list[int]:
    """Offsets where paragraphs start: after each blank line when the text has
    any (novels wrap their lines inside paragraphs), else after each line
    break."""
    if _BLANK_LINE.search(text):
        return [0] + [m.end() for m in _BLANK_LINE.finditer(text)]
    return [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]


# --------------------------------------------------------------------------
# Characters


@dataclass(slots=True)
class Character:
    """A character (or any speaker): the name reported for it, its aliases as
    normalised strings, and "M", "F" or None."""

    key: str
    name: str
    aliases: tuple[str, ...]
    gender: str | None = None


def _title_gender(words: Sequence[str]) -> str | None:
    if any(w in MALE_TITLES for w in words):
        return "M"
    if any(w in FEMALE_TITLES for w in words):
        return "F"
    return None


_NOT_WORD = re.compile(r"[^\w\s]")


@functools.lru_cache(maxsize=1 << 16)
def _words(name: str) -> tuple[str, ...]:
    """The words of a name, case-folded, without punctuation or a
    possessive; titles are kept ("Mr. Bennet" and "Mrs. Bennet" differ).
    Remembered: the same names are asked again and again."""
    text = unicodedata.normalize("NFKC", name).casefold().replace("’", "'")
    text = re.sub(r"'s\b|'$", "", text)
    return tuple(_NOT_WORD.sub(" ", text).split())


def _name_owners(entities: Sequence[Any]) -> dict[str, set[str]]:
    """Each name and alias as the scorer compares names
    (:func:`benchmark.names.normalize_name`, which strips titles) -> the ids
    of the entities that have it."""
    owners: dict[str, set[str]] = {}
    for e in entities:
        for n in (e.name, *getattr(e, "aliases", ())):
            owners.setdefault(normalize_name(n), set()).add(e.id)
    return owners


def _unambiguous_name(entity: Any, owners: dict[str, set[str]]) -> str:
    """The name to report for a gold entity: its name, or else the first of
    its aliases, that no other entity shares once titles are stripped ("Mr.
    Bennet" and "Mrs. Bennet" are both "bennet" to the scorer); its name
    when none is."""
    for n in (entity.name, *getattr(entity, "aliases", ())):
        if owners.get(normalize_name(n)) == {entity.id}:
            return n
    return entity.name


# A form of a name is rare when this many times as frequent a form exists.
_RARE_FORM = 10
_POSSESSIVE_CUT = re.compile(r"(?:['’]s?|\s+s)(?:\s|$).*", re.DOTALL)


def _clean_person_name(text: str) -> str:
    """A spaCy PERSON span as a name: cut before a possessive, keeping the
    run of capitalised words (titles included) it starts with; "" when none
    is left."""
    text = _POSSESSIVE_CUT.sub("", text.strip())
    kept = []
    for word in text.split():
        if not word[:1].isupper():
            break
        kept.append(word)
    name = " ".join(kept)
    return name if set(_words(name)) - _NAME_STOPWORDS else ""


def _alternatives(aliases: Sequence[str]) -> str:
    """A pattern of the aliases, tried in their order, each word of an alias
    followed by an optional full stop and any white space ("Mr. Bennet",
    "Mr Bennet").  Aliases that start with the same letter share one branch
    (``m(?:r\\.?\\s*bennet|...)``): the regular expression engine then tries
    one branch per letter at each word, not every alias, and finds the same
    matches (two ASCII letters match no common character, ignoring case;
    with another first character the aliases are not grouped)."""
    pieces = [r"\.?\s*".join(re.escape(w) for w in a.split()) for a in aliases]
    if not all(a[:1].isascii() and a[:1].isalnum() and p[:1] == a[:1] for a, p in zip(aliases, pieces)):
        return "|".join(pieces)
    branches: dict[str, list[str]] = {}
    for alias, piece in zip(aliases, pieces):
        branches.setdefault(alias[0].lower(), []).append(piece[1:])
    return "|".join(first + "(?:" + "|".join(rests) + ")" for first, rests in branches.items())


class Cast:
    """The characters of a document and the mentions of them in its text.

    ``resolve(text, at)`` maps a name as written ("Emma", "Mr. Bennet",
    "Bennet") to a character: an exact alias first, else the characters whose
    aliases hold every identifying word of it, the one mentioned most
    recently before ``at`` on a tie (a title filters by gender)."""

    def __init__(self, characters: Iterable[Character], text: str, *, closed: bool = False):
        self.characters = {c.key: c for c in characters}
        # closed: every speaker is one of the characters (a gold cast)
        self.closed = closed
        self._by_alias: dict[str, list[str]] = {}
        self._by_word: dict[str, set[str]] = {}
        for c in self.characters.values():
            for alias in c.aliases:
                words = alias.replace(".", " ").split()
                self._by_alias.setdefault(" ".join(words), []).append(c.key)
                for word in words:
                    if word not in _NAME_STOPWORDS:
                        self._by_word.setdefault(word, set()).add(c.key)
        self.mentions: list[tuple[int, int, str]] = []  # (start, end, key), in text order
        self._find_mentions(text)
        self._mention_starts = [m[0] for m in self.mentions]
        self._spans_by_key: dict[str, list[tuple[int, int]]] = {}
        for start, end, key in self.mentions:
            self._spans_by_key.setdefault(key, []).append((start, end))
        self._infer_genders(text)

    @classmethod
    def from_entities(cls, entities: Sequence[Any], text: str) -> "Cast":
        """The cast from gold entities (``id``, ``name``, ``aliases``, ``kind``)."""
        characters = []
        owners = _name_owners(entities)
        for e in entities:
            names = [e.name, *getattr(e, "aliases", ())]
            aliases = tuple(dict.fromkeys(" ".join(_words(n)) for n in names if _words(n)))
            gender = None
            for alias in aliases:
                gender = gender or _title_gender(alias.split())
            characters.append(Character(e.id, _unambiguous_name(e, owners), aliases, gender))
        return cls(characters, text, closed=True)

    @classmethod
    def from_doc(cls, doc: "Doc") -> "Cast":
        """The cast from the PERSON names of a parsed document (each cut to
        its capitalised words before any possessive: "Daisy's mamma" ->
        "Daisy"): a name whose words are all in a longer name is the same
        character ("Volkov" -> "Leonid Volkov"); a character is reported by
        longest name that is not rare next to its others."""
        names: Counter = Counter()
        for e in doc.ents:
            if e.label_ == "PERSON":
                name = _clean_person_name(e.text)
                if name:
                    names[name] += 1
        longest_first = sorted(names, key=lambda n: (-len(_words(n)), n))
        clusters: list[tuple[set[str], list[str]]] = []
        for name in longest_first:
            words = set(_words(name)) - _NAME_STOPWORDS
            owner = next((c for c in clusters if words and words <= c[0]), None)
            if owner is None:
                clusters.append((words, [name]))
            else:
                owner[1].append(name)
        characters = []
        for _, forms in clusters:
            top = max(names[n] for n in forms)
            # the longest form, unless it is rare next to the others ("Poor
            # Winterbourne" once against "Winterbourne" two hundred times)
            reported = next(n for n in forms if names[n] * _RARE_FORM >= top)
            aliases = tuple(dict.fromkeys(" ".join(_words(n)) for n in forms))
            characters.append(Character(forms[0], reported, aliases, _title_gender(_words(forms[0]))))
        return cls(characters, doc_text(doc))

    # -- mentions and genders -------------------------------------------------

    def _find_mentions(self, text: str) -> None:
        """Every alias in ``text``, and every word of a name that only one
        character's aliases have ("Mike" of "Mike Campbell"), as a mention
        of that character.  A word counts as a name when its alias is a name
        (at most three words, not "The Woman At Whose House She Was Dining")
        and the text capitalises it inside a sentence."""
        aliases = {a for c in self.characters.values() for a in c.aliases if a}
        names_in_text = {w.lower() for w in _CAPITALISED_INSIDE.findall(text)}
        short = {w for a in aliases if len(a.split()) <= _NAME_WORDS for w in a.split()}
        aliases |= {w for w, keys in self._by_word.items()
                    if len(keys) == 1 and len(w) > 2 and w.isalpha() and w in short and w in names_in_text}
        aliases = sorted(aliases, key=len, reverse=True)
        if not aliases:
            return
        pattern = re.compile(r"(?<![\w])(?:" + _alternatives(aliases) + r")(?![\w])", re.IGNORECASE)
        for m in pattern.finditer(text):
            found = m.group(0)
            if found[:1].islower():
                continue  # a common word that happens to be a name ("will", "faith")
            words = " ".join(_words(found))
            keys = self._by_alias.get(words) or list(self._by_word.get(words, ()))
            if len(keys) == 1:
                self.mentions.append((m.start(), m.end(), keys[0]))

    def _infer_genders(self, text: str) -> None:
        votes: dict[str, Counter] = {}
        for start, end, key in self.mentions:
            m = _PRONOUN_AFTER_MENTION.search(text, end, end + _GENDER_WINDOW)
            if m:
                votes.setdefault(key, Counter())["M" if m.group(1).lower() in MALE_PRONOUNS else "F"] += 1
        for key, c in self.characters.items():
            if c.gender is None and key in votes:
                (gender, n), *rest = votes[key].most_common(2) + [("", 0)]
                if n > rest[0][1]:
                    c.gender = gender

    def mentioned_between(self, start: int, end: int) -> list[str]:
        """Keys of the characters mentioned in [start, end), latest first."""
        lo, hi = bisect_left(self._mention_starts, start), bisect_left(self._mention_starts, end)
        return [self.mentions[i][2] for i in range(hi - 1, lo - 1, -1)]

    def last_mention(self, key: str, before: int) -> tuple[int, int] | None:
        """The span of the latest mention of ``key`` before ``before``, else
        of its first mention; None when the text never names it."""
        spans = self._spans_by_key.get(key)
        if not spans:
            return None
        i = bisect_left(spans, (before, before)) - 1
        return spans[max(i, 0)]

    # -- resolving names -------------------------------------------------------

    def resolve(self, name: str, at: int) -> str | None:
        words = _words(name)
        if words and words[0] in ("the", "a", "an"):
            words = words[1:]
        if not words:
            return None
        exact = self._by_alias.get(" ".join(words))
        if exact and len(exact) == 1:
            return exact[0]
        identifying = [w for w in words if w not in _NAME_STOPWORDS]
        if not identifying:
            return None
        keys = set.intersection(*(self._by_word.get(w, set()) for w in identifying))
        if exact:
            keys &= set(exact) or keys
        gender = _title_gender(words)
        if gender is not None and len(keys) > 1:
            # "Mrs. Archer": whose aliases have that title, else of its gender
            titles = {w for w in words if w in TITLES}
            keys = ({k for k in keys if any(titles & set(a.split()) for a in self.characters[k].aliases)}
                    or {k for k in keys if self.characters[k].gender == gender}
                    or {k for k in keys if self.characters[k].gender in (gender, None)} or keys)
        if not keys:
            return None
        if len(keys) == 1:
            return next(iter(keys))
        recent = self.mentioned_between(max(0, at - 20000), at)
        return next((k for k in recent if k in keys), min(keys))

    def gender_fits(self, key: str, gender: str | None) -> bool:
        own = self.characters[key].gender
        return gender is None or own is None or own == gender


# --------------------------------------------------------------------------
# Quotations and their paragraphs


@dataclass(slots=True)
class Attribution:
    """What the rules say about one quotation: the speaker's key (a
    character's, or ``"name:"`` + a normalised name for a source the cast does
    not know), the speaker as reported (None when no rule applies), the rule
    that decided, and the characters the quotation addresses in the
    vocative."""

    key: str | None
    speaker: "Speaker | None"
    rule: str | None
    addressees: frozenset[str]


# Verbs that introduce speech with a particle: "put in", "broke in", "went on".
_PHRASAL_DIALOGUE_VERBS = {"put": "in", "break": "in", "chime": "in", "cut": "in", "go": "on"}


_PARTICLES = frozenset(_PHRASAL_DIALOGUE_VERBS.values())


def _is_speech_verb(token: "Token") -> bool:
    if not (token.pos_ in ("VERB", "AUX") or token.tag_.startswith("VB")):
        return False
    lemma = _IRREGULAR_DIALOGUE_FORMS.get(token.lower_, token.lemma_.lower())
    if lemma in _PHRASAL_DIALOGUE_VERBS:
        # the parser makes the particle a preposition as often ("put in Robert")
        return any(c.dep_ in ("prt", "prep") and c.lower_ == _PHRASAL_DIALOGUE_VERBS[lemma] and c.i == token.i + 1
                   for c in token.children)
    return lemma in DIALOGUE_VERBS


def _word_indices(doc: "Doc", start: int, end: int) -> list[int]:
    """The indices of the tokens wholly inside [start, end) that are neither
    white space, punctuation nor a quotation mark (read from the Doc's
    :class:`~baselines.cues.DocIndex`: a stretch of narration can be long,
    and few of its words are looked at)."""
    span = doc.char_span(start, end, alignment_mode="contract")
    if span is None:
        return []
    is_word = doc_index(doc).is_word
    return [i for i in range(span.start, span.end) if is_word[i]]


class Conversation:
    """The rules of :data:`RULES` over one document's quotations.

    ``quotes`` are (start, end, fragments) in text order, fragments a list of
    (start, end) or None; ``other_source(k)``, when given, is asked for the
    source token of quotation ``k`` when no speech verb stands beside it (the
    news rules of :mod:`baselines.speech_verb`); :meth:`attribute` returns
    one :class:`Attribution` per quotation."""

    def __init__(
        self,
        doc: "Doc",
        cast: Cast,
        quotes: Sequence[tuple[int, int, Sequence[tuple[int, int]] | None]],
        other_source: "Callable[[int], Token | None] | None" = None,
    ):
        self.doc = doc
        self.text = doc_text(doc)
        self.cast = cast
        self.mentions: DocumentMentions = document_mentions(doc)
        self.quotes = list(quotes)
        self._quote_starts = [q[0] for q in self.quotes]
        self.other_source = other_source
        self.paragraph_starts = paragraph_starts(self.text)
        self.quote_paragraph = [self.paragraph_of(q[0]) for q in self.quotes]
        self.fiction = cast.closed or self._looks_like_fiction()
        self._vocative_pattern = self._build_vocative_pattern()
        # the span of the mention by which narration last introduced each speaker
        self._narration_span: dict[str, tuple[int, int]] = {}

    # -- positions ------------------------------------------------------------

    def paragraph_of(self, char: int) -> int:
        return bisect_right(self.paragraph_starts, char) - 1

    def paragraph_span(self, p: int) -> tuple[int, int]:
        start = self.paragraph_starts[p]
        end = self.paragraph_starts[p + 1] if p + 1 < len(self.paragraph_starts) else len(self.text)
        return start, end

    def _opens_with_quotation(self, p: int) -> bool:
        start, end = self.paragraph_span(p)
        head = self.text[start:end].lstrip()
        return head[:1] in QUOTE_MARKS

    def _looks_like_fiction(self) -> bool:
        """Dialogue as fiction writes it: many quotations, most paragraphs
        that hold one open with it (news quotes a few speakers, each
        introduced by narration)."""
        paragraphs = set(self.quote_paragraph)
        if len(paragraphs) < _FICTION_MIN_TURNS:
            return False
        opening = sum(self._opens_with_quotation(p) for p in paragraphs)
        return opening >= _FICTION_OPENING_SHARE * len(paragraphs)

    def _left_open(self, k: int) -> bool:
        """Whether quotation ``k`` has no closing quotation mark before the
        end of its paragraph (it goes on in the next paragraph)."""
        end = self.quotes[k][1]
        if self.text[end - 1:end] in _CLOSING:
            return False
        _, p_end = self.paragraph_span(self.quote_paragraph[k])
        return _CLOSED_AFTER.match(self.text, end, p_end) is None

    def _in_dialogue(self, p: int) -> bool:
        """Whether paragraph ``p`` continues a conversation with paragraph
        ``p - 1`` (both hold quotations): in fiction (a gold cast, or
        :meth:`_looks_like_fiction`) always; in other text only when both
        open with a quotation, since news continues a speaker's quotations
        over paragraphs."""
        return self.fiction or (self._opens_with_quotation(p) and self._opens_with_quotation(p - 1))

    # -- explicit cues ----------------------------------------------------------

    def _narration_around(self, k: int) -> list[tuple[str, int, int]]:
        """The stretches of narration beside quotation ``k`` in its
        paragraph, nearest first: between its fragments, after it, before it."""
        start, end, fragments = self.quotes[k]
        p = self.quote_paragraph[k]
        p_start, p_end = self.paragraph_span(p)
        stretches = []
        if fragments:
            for (_, a), (b, _) in zip(fragments, fragments[1:]):
                stretches.append(("between", a, b))
        else:
            # one span over '“…,” said Dolly. “…': the narration inside it
            for m in _NARRATION_INSIDE.finditer(self.text, start, end):
                stretches.append(("between", m.start(1), m.end(1)))
        next_start = self.quotes[k + 1][0] if k + 1 < len(self.quotes) else len(self.text)
        stretches.append(("after", end, min(p_end, next_start)))
        previous_end = self.quotes[k - 1][1] if k > 0 else 0
        stretches.append(("before", max(p_start, previous_end), start))
        return stretches

    def explicit_source(self, k: int) -> "Token | None":
        """The subject of the speech verb right beside quotation ``k``, when
        it stands in quotation marks (reported speech is the news rules'
        business)."""
        doc = self.doc
        if not is_in_quotation_marks(self.text, self.quotes[k][0], self.quotes[k][1]):
            return None
        index = doc_index(doc)
        for where, a, b in self._narration_around(k):
            named_only = False
            if where == "before":
                tail = self.text[a:b].rstrip(" \n" + QUOTE_MARKS)
                # "He said:" or "Dolly interrupted him." right before it (a
                # sentence of its own only with a name, opening the
                # paragraph: "She sighed." is narration, not an attribution)
                named_only = not tail.endswith((":", ","))
                opens_paragraph = a == self.paragraph_span(self.quote_paragraph[k])[0]
                if named_only and not (tail.endswith((".", "—", "-")) and opens_paragraph):
                    continue
                words = [doc[i] for i in _word_indices(doc, a, b)[-_WORDS_TO_VERB_BEFORE:]]
            else:
                if self.text[a:b].lstrip(" \n" + QUOTE_MARKS)[:1] in (".", ";"):
                    continue  # the quotation ended its sentence: what follows is not its attribution
                # stop at the end of the attribution's sentence
                indices = _word_indices(doc, a, b)
                texts, offsets = index.texts, index.idx
                cut = next((n for n, i in enumerate(indices) if i > 0 and texts[i - 1] in (".", "!", "?", ";")
                            and offsets[i - 1] >= a and n > 0), len(indices))
                words = [doc[i] for i in indices[: min(cut, _WORDS_TO_VERB_AFTER + 1)]]
            for verb in words:
                if not _is_speech_verb(verb):
                    continue
                source = self._subject(verb, a, b)
                if source is not None and (source.pos_ == "PROPN" or not named_only):
                    return source
        return None

    def _subject(self, verb: "Token", a: int, b: int) -> "Token | None":
        """The subject of a speech verb within [a, b): the parser's, else the
        word right after the verb ("said he", "cried Emma", "said the old
        man"), else the word right before it ("she said")."""
        doc = self.doc

        def within(t: "Token") -> bool:
            return a <= t.idx < b

        source = cue_source(verb)
        if (source is not None and within(source) and source.pos_ in ("PRON", "PROPN", "NOUN")
                and source.lower_ not in ("who", "which", "that")):
            return source
        nxt = verb.i + 1
        while nxt < len(doc) and (doc[nxt].is_space or doc[nxt].lower_ in _PARTICLES and doc[nxt].head == verb):
            nxt += 1
        if nxt < len(doc) and within(doc[nxt]):
            t = doc[nxt]
            if t.pos_ in ("PRON", "PROPN") and t.lower_ not in ("it", "that", "this"):
                return t
            if t.pos_ == "DET" or t.lower_ in ("his", "her", "their", "my"):
                head = t.head if t.head.i > t.i and within(t.head) else None
                if head is not None and head.pos_ in ("NOUN", "PROPN"):
                    return head
        prev = verb.i - 1
        while prev >= 0 and (doc[prev].is_space or doc[prev].dep_ in ("aux", "neg", "advmod")):
            prev -= 1
        if prev >= 0 and within(doc[prev]) and doc[prev].pos_ in ("PRON", "PROPN"):
            return doc[prev]
        return None

    # -- vocatives --------------------------------------------------------------

    def _build_vocative_pattern(self) -> "re.Pattern[str] | None":
        aliases = sorted({a for c in self.cast.characters.values() for a in c.aliases if a}, key=len, reverse=True)
        if not aliases:
            return None
        name = "(?:" + _alternatives(aliases) + ")"
        # "Emma, ...", "..., Mr. Knightley.", "my dear Jane", "O Lizzy!"
        return re.compile(
            r"(?:^" + name + r"(?=\s*[,!]\s*\S)"  # "Emma, ..."
            r"|[,;]\s+" + name + r"(?=\s*(?:[,!?.;]|$))"  # "..., Mr. Knightley."
            r"|\b(?:dear|dearest|oh|o)\s+" + name + r"(?=\s*(?:[,!?.;]|$)))",  # "my dear Jane!"
            re.IGNORECASE,
        )

    def addressees(self, k: int) -> frozenset[str]:
        """The characters quotation ``k`` names in the vocative."""
        if self._vocative_pattern is None:
            return frozenset()
        start, end, fragments = self.quotes[k]
        found = set()
        for a, b in fragments or [(start, end)]:
            inner = self.text[a:b].strip()
            offset = a + len(self.text[a:b]) - len(self.text[a:b].lstrip())
            for m in self._vocative_pattern.finditer(inner):
                name = _VOCATIVE_LEAD.sub("", m.group(0))
                # an apposition goes on after a comma ("His boy, Joe, shaved
                # me"); a name that ends its sentence is called
                # ("Do you know Mencken, Harvey?")
                goes_on = inner[m.end():].lstrip()[:1] == ","
                if name[:1].isupper() and not (goes_on and self._is_apposition(offset + m.end() - 1)):
                    key = self.cast.resolve(name, a)
                    if key is not None:
                        found.add(key)
        return frozenset(found)

    def _is_apposition(self, char: int) -> bool:
        """Whether the word at ``char`` is in apposition ("His boy, Joe,
        shaved me"), not a vocative."""
        span = self.doc.char_span(char, char + 1, alignment_mode="expand")
        return span is not None and len(span) > 0 and span[0].dep_ == "appos"

    # -- narration introducing a speaker ---------------------------------------

    def _narration_subject(self, a: int, b: int, *, last: bool) -> str | None:
        """The character that is the subject of a sentence of narration in
        [a, b) (the last such sentence when ``last``, else the first)."""
        deps = doc_index(self.doc).deps
        subjects = [t for t in (self.doc[i] for i in _word_indices(self.doc, a, b) if deps[i] in ("nsubj", "nsubjpass"))
                    if t.pos_ in ("PROPN", "PRON")]
        for t in reversed(subjects) if last else subjects:
            key = self.resolve_token(t, t.idx, prefer=())
            if key is not None:
                if t.pos_ == "PROPN":
                    self._narration_span[key] = mention_span(t)
                else:
                    self._narration_span.pop(key, None)
                return key
        return None

    # -- resolving a source ------------------------------------------------------

    def _narration_mentions(self, start: int, end: int, *, subjects: bool = False) -> list[str]:
        """Characters mentioned in the narration of [start, end) (not inside
        a quotation), latest first; with ``subjects``, only where the mention
        is a subject ("Then he looked at Lord Henry" does not make Lord Henry
        the "he" who speaks next)."""
        spans = self.cast.mentions
        lo, hi = bisect_left(self.cast._mention_starts, start), bisect_left(self.cast._mention_starts, end)
        found = []
        for i in range(hi - 1, lo - 1, -1):
            a, b, key = spans[i]
            if self._in_quotation(a) or (subjects and not self._is_subject(a, b)):
                continue
            found.append(key)
        return found

    def _is_subject(self, start: int, end: int) -> bool:
        span = self.doc.char_span(start, end, alignment_mode="expand")
        return span is not None and len(span) > 0 and span.root.dep_ in ("nsubj", "nsubjpass")

    def _in_quotation(self, char: int) -> bool:
        i = bisect_right(self._quote_starts, char) - 1
        return i >= 0 and char < self.quotes[i][1]

    def resolve_token(self, token: "Token", at: int, prefer: Sequence[str | None],
                      fallback: Sequence[str | None] = ()) -> str | None:
        """The character a mention headed by ``token`` refers to: "I" in
        fiction to the narrator (:data:`NARRATOR`); a name
        through the cast; he/she, or a description whose noun has a gender
        ("the young lady", "his sister") when the cast is the gold one, to the
        character of that gender mentioned last in the narration of its
        paragraph, else the first of ``prefer`` (whose turn it is, recent
        speakers) with that gender, else the latest one mentioned in the
        paragraphs before, else the first of ``fallback`` with that gender."""
        lower = token.lower_
        if lower.rstrip(".") in FIRST_PERSON and self.fiction:  # the tokenizer may keep "I." whole
            return NARRATOR
        description = token.pos_ == "NOUN" and self.fiction
        if not (lower in MALE_PRONOUNS or lower in FEMALE_PRONOUNS or description):
            if token.pos_ == "PRON":
                return None
            start, end = self._name_span(token)
            return self.cast.resolve(self.text[start:end], start)
        gender = noun_gender(lower) if description else ("M" if lower in MALE_PRONOUNS else "F")
        characters = self.cast.characters

        def fits(k: str) -> bool:
            return characters[k].gender == gender if gender else True

        p = self.paragraph_of(at)
        for k in self._narration_mentions(self.paragraph_starts[p], at, subjects=True):
            if fits(k):
                return k
        known = [k for k in prefer if k is not None and k in characters]
        for k in known:
            if fits(k):
                return k
        if description:
            # "said the painter": a character of its own only when no one of
            # the conversation can be meant
            start, end = mention_span(token)
            key = self.cast.resolve(self.text[start:end], start)
            if key is not None:
                return key
        for k in self._narration_mentions(self.paragraph_starts[max(0, p - _PRONOUN_PARAGRAPHS)], at):
            if fits(k):
                return k
        last_resort = known + [k for k in fallback if k is not None and k in characters]
        return next((k for k in last_resort if self.cast.gender_fits(k, gender)), None)

    def _name_span(self, token: "Token") -> tuple[int, int]:
        """:func:`baselines.cues.mention_span`, with the name that follows a
        title over a line break ("said Miss\nBingley" parses "Miss" alone)."""
        start, end = mention_span(token)
        # the title before the name, which mention_span leaves out: "Mrs.
        # Archer" is not "Archer", who may be her son
        first = self.doc.char_span(start, end, alignment_mode="expand")
        if first is not None and len(first) and first.start > 0:
            before = self.doc[first.start - 1]
            if before.lower_.rstrip(".") in TITLES and before.text[:1].isupper():
                start = before.idx
        words = _words(self.text[start:end])
        if words and words[-1] in TITLES:
            doc, i = self.doc, token.i + 1
            while i < len(doc) and (doc[i].is_space or doc[i].text == "."):
                i += 1
            while i < len(doc) and doc[i].pos_ == "PROPN" and doc[i].text[:1].isupper():
                end = doc[i].idx + len(doc[i])
                i += 1
        return start, end

    def speaker_of(self, token: "Token", prefer: Sequence[str | None],
                   fallback: Sequence[str | None] = ()) -> tuple[str, Speaker]:
        """The key and the reported speaker of a source mention: a character
        of the cast when it resolves to one, else the name the news rules
        resolve it to (:class:`baselines.mentions.DocumentMentions`)."""
        start, end = self._name_span(token)
        key = self.resolve_token(token, start, prefer, fallback)
        if key is None and not self.cast.closed:
            name = self.mentions.name_of(token)
            key = self.cast.resolve(name, start) or "name:" + normalize_name(name)
            if key.startswith("name:"):
                return key, Speaker(name, start, end)
        if key is None and self.fiction and mention_gender(token) is not None:
            # "she said" of a character the text has not named yet ("the
            # young lady", not yet "Daisy"): a speaker of its own, known by
            # this mention, who takes turns like the others
            return "mention:%d" % start, Speaker(self.text[start:end], start, end)
        if key is None:
            return "", Speaker("", start, end)
        if key == NARRATOR or (self.fiction and (token.pos_ == "PRON" or token.pos_ == "NOUN")):
            # in fiction the antecedent of "he" or "the young lady" is often
            # uncertain: the mention is reported as written, and its span
            # says who speaks (SPEC section 4: a pronoun is credited
            # through its span)
            return key, Speaker(self.text[start:end], start, end)
        return key, Speaker(self.cast.characters[key].name, start, end)

    def _reported(self, key: str, at: int, speakers: dict[str, Speaker]) -> Speaker:
        """A speaker named by no mention of the quotation: the mention it was
        last reported with, else its latest mention before it in the text."""
        if key in speakers:
            known = speakers[key]
            if self.fiction and key in self.cast.characters:
                return Speaker(self.cast.characters[key].name, known.start, known.end)
            return known
        span = None
        if key in self.cast.characters:
            span = self.cast.last_mention(key, at)
        return Speaker(self.cast.characters[key].name, *span) if span is not None else None

    # -- the rules, in order -----------------------------------------------------

    def attribute(self) -> list[Attribution]:
        results: list[Attribution] = []
        turns: list[tuple[int, str | None]] = []  # (paragraph, speaker key) of each paragraph with quotations
        speakers: dict[str, Speaker] = {}  # the latest Speaker reported for each key
        records: list[tuple[int, list[int], str | None]] = []  # (paragraph, its quotations, the rule) per turn
        by_paragraph: dict[int, list[int]] = {}
        for k, p in enumerate(self.quote_paragraph):
            by_paragraph.setdefault(p, []).append(k)
        for p, members in by_paragraph.items():
            turns_before = turns[-_TURN_MEMORY:]
            previous_turn = turns_before[-1] if turns_before else None
            adjacent = previous_turn is not None and previous_turn[0] == p - 1
            # whose turn it is: the most recent speaker other than the
            # previous turn's, in a run of adjacent turns
            alternate = None
            if adjacent:
                alternate = next((s for _, s in reversed(turns_before[:-1]) if s is not None and s != previous_turn[1]), None)
            previous_addressees = results[-1].addressees if results and adjacent else frozenset()
            vocative_reply = min(previous_addressees - {previous_turn[1]}, default=None) if adjacent else None
            prefer = [vocative_reply, alternate] + [s for _, s in reversed(turns_before)]

            local: dict[int, Attribution] = {}
            required_gender = None  # of a pronoun cue that named no one we could find
            for m in members:
                addressed = self.addressees(m)
                local[m] = Attribution(None, None, None, addressed)
                source = self.explicit_source(m)
                if source is None and self.other_source is not None:
                    source = self.other_source(m)
                if source is not None:
                    # a pronoun that opens a conversation refers back to the
                    # narration, not to the speakers of an earlier one
                    likely = [x for x in prefer if x not in addressed]
                    key, speaker = self.speaker_of(source, likely if adjacent else [], likely)
                    if key:
                        local[m] = Attribution(key, speaker, "explicit", addressed)
                        speakers[key] = speaker
                    else:
                        required_gender = required_gender or mention_gender(source)
            cued = [a for a in local.values() if a.key is not None]
            paragraph_speaker, rule = (cued[0].key, "paragraph") if cued else (None, None)
            # a quotation that runs over paragraphs leaves the last one
            # unclosed: the same speaker goes on, in the same turn
            continues = (not cued and adjacent and previous_turn[1] is not None
                         and self._left_open(by_paragraph[p - 1][-1]))
            if continues:
                paragraph_speaker, rule = previous_turn[1], "continued"
            if paragraph_speaker is None:
                paragraph_speaker, rule = self._implicit(p, members, prefer, vocative_reply, alternate, adjacent,
                                                         local, turns_before, speakers, required_gender)
            for m in members:
                a = local[m]
                if a.key is None and paragraph_speaker is not None and paragraph_speaker not in a.addressees:
                    a.key, a.rule = paragraph_speaker, rule
                    a.speaker = self._reported(paragraph_speaker, self.quotes[m][0], speakers)
                    if rule == "narration" and a.speaker is not None and paragraph_speaker in self._narration_span:
                        # the mention the narration names them by, right there
                        a.speaker = Speaker(a.speaker.name, *self._narration_span[paragraph_speaker])
                results.append(a)
            last = local[members[-1]].key or paragraph_speaker
            turns.append((p, last))
            if continues:
                records[-1] = (p, records[-1][1] + members, records[-1][2])
            else:
                records.append((p, members, rule if not cued else "explicit"))
        self._by_anchors(records, results, speakers)
        return results

    def _by_anchors(self, records: list[tuple[int, list[int], str | None]], results: list[Attribution],
                    speakers: dict[str, Speaker]) -> None:
        """Second pass over each run of turns (adjacent paragraphs with
        quotations), in text order: a turn that only the turn-taking rules
        decided is never given the speaker of the turn before it nor of a
        cued turn after it (a new paragraph changes the speaker), nor anyone
        it addresses; it goes to the one the turn before addressed in the
        vocative, else to the speaker of the cued turn two before or two
        after it, else of the turn two before, else it keeps its first
        guess."""
        runs: list[list[int]] = []
        for i, (p, _, _) in enumerate(records):
            if runs and records[runs[-1][-1]][0] == p - 1 and self._in_dialogue(p):
                runs[-1].append(i)
            else:
                runs.append([i])
        for run in runs:
            if len(run) < 2:
                continue
            turn_rule = [records[i][2] for i in run]
            cued = [results[records[i][1][0]].key if turn_rule[j] == "explicit" else None for j, i in enumerate(run)]
            keys = [results[records[i][1][-1]].key for i in run]
            addressed = [frozenset().union(*(results[m].addressees for m in records[i][1])) for i in run]
            n = len(run)
            # the nearest cued turn an even number of turns before and after each turn
            before: list[int | None] = [None] * n
            after: list[int | None] = [None] * n
            for j in range(2, n):
                before[j] = j - 2 if cued[j - 2] is not None else before[j - 2]
            for j in range(n - 3, -1, -1):
                after[j] = j + 2 if cued[j + 2] is not None else after[j + 2]
            for j, i in enumerate(run):
                if turn_rule[j] not in ("turns", "continued", None):
                    continue
                forbidden = set(addressed[j])
                if j > 0 and keys[j - 1] is not None:
                    forbidden.add(keys[j - 1])
                if j + 1 < n and cued[j + 1] is not None:
                    forbidden.add(cued[j + 1])
                candidates = []
                if j > 0:
                    candidates += sorted(addressed[j - 1])
                if j >= 2:
                    candidates.append(cued[j - 2])
                if j + 2 < n:
                    candidates.append(cued[j + 2])
                # the nearest cued turn an even number of turns away, before
                # it on a tie
                nearest = sorted((abs(x - j), x > j, x) for x in (before[j], after[j]) if x is not None)
                candidates += [cued[x] for _, _, x in nearest]
                if j >= 2:
                    candidates.append(keys[j - 2])
                candidates.append(keys[j])
                key = next((c for c in candidates if c is not None and c not in forbidden), None)
                if key is None or key == keys[j]:
                    continue
                keys[j] = key
                for m in records[i][1]:
                    a = results[m]
                    if a.rule in ("turns", "continued", None) and key not in a.addressees:
                        a.key, a.rule = key, "turns"
                        a.speaker = self._reported(key, self.quotes[m][0], speakers)

    def _implicit(self, p, members, prefer, vocative_reply, alternate, adjacent, local, turns_before, speakers, gender):
        """The speaker of a paragraph none of whose quotations has a cue, and
        the rule that gives it."""
        addressed = frozenset().union(*(local[m].addressees for m in members))
        previous = turns_before[-1][1] if turns_before else None

        def ok(key: str | None) -> bool:
            if key is None or key in addressed:
                return False
            if key in self.cast.characters:
                return self.cast.gender_fits(key, gender)
            return key in speakers

        if ok(vocative_reply):
            return vocative_reply, "vocative"
        # narration in the paragraph itself: before its first quotation, else after its last
        p_start, p_end = self.paragraph_span(p)
        first_start, last_end = self.quotes[members[0]][0], self.quotes[members[-1]][1]
        for a, b, last in ((p_start, first_start, True), (last_end, p_end, False)):
            if len(self.text[a:b].strip(" \n" + QUOTE_MARKS + ",.;:!?")) > 3:
                key = self._narration_subject(a, b, last=last)
                if ok(key):
                    return key, "narration"
        if adjacent and self._in_dialogue(p):
            if ok(alternate):
                return alternate, "turns"
            other = next((s for s in prefer if ok(s) and s != previous), None)
            if other is not None:
                return other, "turns"
            # the conversation's second voice has not spoken yet: a
            # first-person narrator who has spoken before, else whom the
            # narration before it names last
            start = self.paragraph_starts[max(0, p - _PRONOUN_PARAGRAPHS)]
            other = next((k for k in self._narration_mentions(start, p_start) if k != previous and ok(k)), None)
            if other is not None:
                return other, "turns"
        elif p > 0 and not adjacent:
            # the paragraph of narration right before introduces the speaker
            a, b = self.paragraph_span(p - 1)
            key = self._narration_subject(a, b, last=True)
            if ok(key):
                return key, "narration"
        if ok(previous):
            return previous, "continued"
        return None, None
