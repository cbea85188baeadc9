"""Reporting expressions ("said", "believes", "according to") found in a
parsed spaCy ``Doc``: which tokens are cues, what content a cue introduces,
which cue a quote span attaches to, and which mention is the cue's source.

Shared by the quote finder (indirect quotes are the content of a cue) and by
the baselines that attribute quotes by dependency rules.  Every function here
looks only at a token's neighbourhood in the parse (its head chain, children
and sentence), so that a whole document is handled in time linear in its
length.

The lexicon is deliberately broad: news attributes statements, but also
beliefs, expectations, intentions and findings ("Trump believes the deal is
bad", "officials expect growth to slow", "a poll found that ..."), appeals
("called for an inquiry"), stances ("is critical of the plan", "made clear
that ...") and reports named by a noun with a possessor ("his warning that
...").
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING, Sequence

from benchmark.parse_cache import TEXT_KEY

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# The lexicon, by kind of report (lemmas).  Every cue takes a clause as its
# content (ccomp); which cues also take an infinitive or a noun phrase is
# said by the TAKES_* sets below.
SPEECH = """
    say tell add state note explain claim argue insist deny admit acknowledge concede
    warn caution report announce declare write tweet post reply respond answer ask
    assert contend maintain stress emphasize emphasise recall confirm complain agree
    disagree predict forecast recommend propose demand accuse allege testify charge
    counter retort remark observe disclose boast brag joke quip reiterate repeat
    assure inform advise mention comment lament concur speculate estimate guarantee
    swear vow promise pledge threaten urge suggest signal hint reason protest
    announce acknowledge specify clarify caution indicate predict
    continue echo reaffirm proclaim shout cite dare challenge invite
    """
COGNITION = """
    believe think expect hope fear worry feel know doubt suspect assume suppose guess
    understand conclude realize realise recognize recognise wonder imagine anticipate
    reckon bet trust consider figure sense accept
    """
INTENTION = "want plan intend wish aim seek refuse decide prefer"
EVIDENCE = "find show indicate suggest reveal demonstrate prove project predict estimate"
# Verbs that report a characterisation: "called the move “a betrayal”",
# "describe conditions as the worst since 2016".
NAMING = "call describe label brand dub characterize characterise"
# Verbs of stance: a cue for the content that hangs from them ("5 percent
# prefer Libertarian nominee Gary Johnson"); never a noun-phrase content of
# their own when finding quotes.
ATTITUDE = "support oppose favor favour back endorse choose reject criticize criticise praise blame condemn welcome dispute"
# Verbs that report a view only in the construction "see X as Y".
VIEWING = frozenset("see view regard".split())

# Verbs that introduce an infinitive complement as reported content.
TAKES_INFINITIVE = frozenset(
    (INTENTION + " expect hope urge ask tell promise vow pledge threaten warn advise "
     "swear agree demand fear refuse dare challenge invite").split()
)
# Verbs of evidence report a finding as a noun phrase ("the poll shows a
# tightening race") when their subject is not a person ("he found a job").
TAKES_NOUN_PHRASE = frozenset(EVIDENCE.split())
# Verbs of expectation, fear, wish and demand report one whoever the subject
# is ("officials expect a decision within weeks", "farmers fear retaliation").
TAKES_ANY_NOUN_PHRASE = frozenset(
    """expect fear want anticipate demand predict forecast propose recommend promise deny confirm
    acknowledge admit""".split()
)
TAKES_DESCRIPTION = frozenset(NAMING.split())
# What "finds" something as a report rather than by looking ("the poll found a
# tightening race", not "police found only one man").
EVIDENCE_SOURCES = frozenset(
    """poll polls survey surveys study studies report reports analysis review audit research data
    investigation inquiry probe test tests estimate estimates model models assessment""".split()
)

# Adjectives of stance, a cue as the complement of a copula or of "make"
# ("has been critical of the plan", "is not sure she can vote", "made clear
# that they would like ...").
STANCE_ADJECTIVES = frozenset(
    """critical skeptical sceptical sure unsure certain confident convinced concerned worried aware clear
    reluctant ready eager willing determined optimistic pessimistic hopeful wary supportive adamant""".split()
)
# Nouns of report and stance, a cue when they have a possessor ("his warning
# that ...", "Obama's endorsement of Clinton", "her remark that ...").
REPORT_NOUNS = frozenset(
    """warning claim remark assertion statement announcement assessment endorsement criticism critique
    accusation allegation argument insistence suggestion proposal promise pledge vow threat demand call view
    belief hope fear concern opposition support estimate prediction decision plan admission denial comment
    description characterization praise attack defense defence""".split()
)
# Prepositions that introduce the content of a stance adjective or a report
# noun ("critical of", "skeptical about", "support for").
CONTENT_PREPOSITIONS = frozenset(("of", "about", "for", "on", "against"))

REPORTING_VERBS = frozenset(" ".join((SPEECH, COGNITION, INTENTION, EVIDENCE, NAMING, ATTITUDE)).split())
_SPEECH_VERBS = frozenset(SPEECH.split())
# Prepositions that continue a fronted content after its attribution.


def doc_text(doc: "Doc") -> str:
    """The Doc's text, built once per Doc: spaCy's ``Doc.text`` joins every
    token again on each call, which made per-quote calls quadratic in the
    length of the document."""
    text = doc.user_data.get(TEXT_KEY)
    if text is None:
        text = doc.user_data[TEXT_KEY] = doc.text
    return text


_LISTING = frozenset(("including", "like"))


def _listing(cue: "Token") -> "Token | None":
    """The ", including ..." phrase that hangs from an attribution placed
    inside the content it reports ("The emails were on many topics, the
    Times said, including speeches and travel")."""
    doc = cue.doc
    return next((c for c in cue.rights if c.dep_ == "prep" and c.lower_ in _LISTING and doc[c.i - 1].text == ","), None)
# Verbs that report an infinitive only when addressed to someone ("dared the
# council to act", "invited voters to judge").
_ADDRESSING = frozenset(("dare", "challenge", "invite"))
# Verbs of accusation: their content is the accused and the charge.
_ACCUSING = frozenset(("accuse",))

_IRREGULAR = {
    "say": "said", "tell": "told", "think": "thought", "find": "found", "feel": "felt",
    "know": "knew known", "write": "wrote written", "show": "shown", "swear": "swore sworn",
    "understand": "understood", "seek": "sought", "bet": "bet", "forecast": "forecast",
    "mean": "meant", "prove": "proven",
}
_DOUBLED = ("admit", "plan", "regret", "refer", "prefer", "concur", "commit", "omit", "submit")


def _forms(verb: str) -> set[str]:
    forms = {verb, verb + "s", verb + "ed", verb + "ing"}
    if verb.endswith("e"):
        forms |= {verb + "d", verb[:-1] + "ing"}
    if verb.endswith(("s", "sh", "ch", "x", "z")):
        forms.add(verb + "es")
    if verb.endswith("y") and verb[-2] not in "aeiou":
        forms |= {verb[:-1] + "ies", verb[:-1] + "ied"}
    if verb in _DOUBLED:
        forms |= {verb + verb[-1] + "ed", verb + verb[-1] + "ing"}
    forms.update(_IRREGULAR.get(verb, "").split())
    return forms


# The lemmatizer sometimes misses ("hopes" -> "hop"): surface forms catch those.
REPORTING_FORMS = frozenset(form for verb in REPORTING_VERBS for form in _forms(verb))

SUBJECT_DEPS = frozenset(("nsubj", "csubj"))
# Dependencies through which a verb shares the subject of its head:
# "admits ... but hopes ..." (conj), "joined together to urge" (xcomp),
# "said as much, arguing that" (advcl).
SUBJECT_SHARING_DEPS = frozenset(("conj", "xcomp", "advcl"))
# How reported content hangs from its cue (a quote reached through "prep",
# as in "said on “Fox and Friends”", is not the cue's content).
CONTENT_DEPS = frozenset(("ccomp", "xcomp", "parataxis", "dobj", "dep", "advcl", "csubj", "oprd", "attr"))
RELATIVE_PRONOUNS = frozenset(("who", "whom", "that", "which"))


def is_cue(token: "Token") -> bool:
    """A verb of the reporting lexicon, the "according" of "according to",
    or the colon of a headline "Poll: Clinton and Trump in dead heat".

    Decided once per Doc for all its tokens (:class:`DocIndex`); a Doc must
    not be changed after its first question."""
    return token.i in doc_index(token.doc).cues


def _is_cue(token: "Token") -> bool:
    """:func:`is_cue`, decided on the token itself (:class:`DocIndex` asks
    it of the tokens its lexicon filter lets through)."""
    if is_according(token):
        return True
    if token.text == ":":
        return _headline_source(token) is not None
    if token.pos_ == "ADJ":
        return _stance_content(token) is not None
    if token.pos_ == "NOUN":
        return _report_content(token) is not None
    if not (token.pos_ == "VERB" or token.tag_.startswith("VB")):
        return False
    lemma = token.lemma_.lower()
    if lemma in VIEWING:
        return _viewed_as(token) is not None
    if lemma in TAKES_DESCRIPTION:
        if lemma == "call" and _appeal(token) is not None:
            return True  # "called for an inquiry", "calls on Congress to act"
        # "called the move “a betrayal”", not the adjective "so-called" (also
        # typed "so- called")
        return token.i > 0 and token.nbor(-1).lower_ not in ("-", "so", "so-") and any(
            c.dep_ in ("dobj", "oprd") for c in token.children
        )
    return lemma in REPORTING_VERBS or token.lower_ in REPORTING_FORMS


# What a cue's lemma (lower-cased) or its lower-case form must be (or its text
# ":"), whichever branch of _is_cue decides it: the only tokens DocIndex asks.
_CUE_LEMMAS = STANCE_ADJECTIVES | REPORT_NOUNS | VIEWING | TAKES_DESCRIPTION | REPORTING_VERBS
_CUE_FORMS = REPORTING_FORMS | {"according"}
_INDEX_KEY = ("quotebench", "doc_index")


class DocIndex:
    """What the rules ask of every token of a Doc, computed once per Doc from
    its attribute arrays (``Doc.to_array``), so that asking it does not make a
    spaCy ``Token`` object per token and per question:

    - ``texts[i]``: the text of token i; ``idx[i]``: its character offset;
      ``is_space[i]``: whether it is white space; ``is_word[i]``: whether
      it is neither white space, punctuation nor a quotation mark;
    - ``heads[i]``: the index of token i's head (i for a root);
    - ``deps[i]``: its dependency label;
    - ``sent_starts``: the first token of each sentence, in order (token i's
      sentence, as ``Token.sent`` gives it, is :meth:`sentence`);
    - ``cues``/``cue_list``: the indices of the tokens that are cues (as a set,
      and in order); :func:`_is_cue` decides, asked only of the tokens whose
      lemma or form is in the lexicon (or ":"), as no other token can be one;
    - ``cue_children[h]``: the cues among the children of token h, in order;
    - ``has_subject``: the tokens with a child of a subject relation
      (:data:`SUBJECT_DEPS`);
    - ``sources``: :func:`cue_source` of the tokens asked so far, as indices;
      ``span_cues``: the answers of :func:`cue_of_span`'s two steps (without
      and with the sentence window) for the spans asked so far.
    """

    __slots__ = ("n", "texts", "idx", "is_space", "is_word", "heads", "deps", "sent_starts", "has_sentences", "cues", "cue_list",
                 "cue_children", "has_subject", "sources", "span_cues")

    def __init__(self, doc: "Doc"):
        import numpy
        from spacy.attrs import DEP, HEAD, IDX, IS_PUNCT, IS_QUOTE, IS_SPACE, LEMMA, LOWER, ORTH, SENT_START

        n = self.n = len(doc)
        strings = doc.vocab.strings
        columns = doc.to_array([HEAD, DEP, LEMMA, LOWER, ORTH, SENT_START, IDX, IS_SPACE, IS_PUNCT, IS_QUOTE]).reshape(n, 10)

        def distinct(column: int) -> tuple[list[str], "numpy.ndarray"]:
            # each distinct string of a column once, and which one each token has
            ids, inverse = numpy.unique(columns[:, column], return_inverse=True)
            return [strings[h] for h in ids.tolist()], inverse.reshape(-1)

        def where(values: list[bool], inverse: "numpy.ndarray") -> "numpy.ndarray":
            return numpy.asarray(values, dtype=bool)[inverse]

        heads = numpy.arange(n, dtype=numpy.int64) + columns[:, 0].astype(numpy.int64)
        self.heads = heads.tolist()
        labels, dep_of = distinct(1)
        self.deps = [labels[k] for k in dep_of.tolist()]
        subject = where([label in SUBJECT_DEPS for label in labels], dep_of) & (heads != numpy.arange(n))
        self.has_subject = frozenset(heads[subject].tolist())
        texts, text_of = distinct(4)
        self.texts = [texts[k] for k in text_of.tolist()]
        self.idx = columns[:, 6].astype(numpy.int64).tolist()
        self.is_space = columns[:, 7].astype(bool).tolist()
        self.is_word = (~(columns[:, 7:10] != 0).any(axis=1)).tolist()
        # Span.sent: back to the nearest token marked as a sentence start (or
        # the first token), on to the next one marked (or the end)
        self.sent_starts = [0] + (numpy.flatnonzero(columns[1:, 5].astype(numpy.int64) == 1) + 1).tolist()
        self.has_sentences = doc.has_annotation("SENT_START")
        lemmas, lemma_of = distinct(2)
        forms, form_of = distinct(3)
        candidate = (
            where([lemma.lower() in _CUE_LEMMAS for lemma in lemmas], lemma_of)
            | where([form in _CUE_FORMS for form in forms], form_of)
            | where([text == ":" for text in texts], text_of)
        )
        self.cue_list = [i for i in numpy.flatnonzero(candidate).tolist() if _is_cue(doc[i])]
        self.cues = frozenset(self.cue_list)
        self.cue_children: dict[int, list[int]] = {}
        for i in self.cue_list:
            if self.heads[i] != i:
                self.cue_children.setdefault(self.heads[i], []).append(i)
        self.sources: dict[int, int | None] = {}
        self.span_cues: dict[tuple, int | None] = {}

    def sentence(self, i: int) -> tuple[int, int]:
        """The token range [start, end) of token i's sentence, as
        ``doc[i].sent`` gives it."""
        k = bisect_right(self.sent_starts, i)
        return self.sent_starts[k - 1], self.sent_starts[k] if k < len(self.sent_starts) else self.n


def doc_index(doc: "Doc") -> DocIndex:
    """The (cached) :class:`DocIndex` of a Doc."""
    index = doc.user_data.get(_INDEX_KEY)
    if index is None:
        index = doc.user_data[_INDEX_KEY] = DocIndex(doc)
    return index


# Labels before a colon that name a section, not a source.
_NOT_SOURCES = frozenset(
    "update updated note photo photos video watch read related live breaking exclusive opinion analysis editorial".split()
)


def _headline_source(colon: "Token") -> "Token | None":
    """For a colon near the start of a line ("Poll: ...", "Sanders:
    Clinton needs ...", "Clinton to Planned Parenthood: ...", "Gillibrand on
    Clinton's speeches: ..."), the last noun of the words before the colon,
    or before their first preposition; None for datelines, section labels
    and phrases with a verb ("Here is what we know:")."""
    sentence = colon.sent
    before = colon.doc[sentence.start : colon.i]
    words = [t for t in before if not (t.is_punct or t.is_space)]
    if not 1 <= len(words) <= 10 or colon.i + 1 >= sentence.end:
        return None
    if sentence.start > 0 and "\n" not in colon.doc[sentence.start - 1].text_with_ws:
        return None  # not at the start of a line
    first_prep = next((k for k, t in enumerate(words) if k > 0 and (t.pos_ == "ADP" or t.lower_ == "to")), len(words))
    head_words = words[:first_prep]
    if len(head_words) > 5 or any(t.pos_ in ("VERB", "AUX") for t in head_words):
        return None
    nouns = [t for t in head_words if t.pos_ in ("PROPN", "NOUN", "PRON") or (t.is_title and t.pos_ in ("ADJ", "X"))]
    if not nouns:
        return None
    head = nouns[-1]
    if head.ent_type_ in ("GPE", "LOC", "DATE", "TIME") or head.lower_ in _NOT_SOURCES:
        return None
    return head


def _stance_content(adjective: "Token") -> "Token | None":
    """For a stance adjective that completes a copula or "make" ("was
    critical of", "made clear that"), the token its content hangs from: a
    clause, an infinitive or the object of "of"/"about"; else None."""
    made = adjective.dep_ in ("oprd", "ccomp") and adjective.head.lemma_ == "make"
    if adjective.lemma_.lower() not in STANCE_ADJECTIVES or not (adjective.dep_ == "acomp" or made):
        return None
    holders = [adjective] + ([adjective.head] if made else [])
    for holder in holders:
        for child in holder.children:
            if child.dep_ in ("ccomp", "xcomp") and child.i > adjective.i:
                return child
    for child in adjective.children:
        if child.dep_ == "prep" and child.lower_ in CONTENT_PREPOSITIONS:
            return next((c for c in child.children if c.dep_ in ("pobj", "pcomp")), None)
    return None


def _report_content(noun: "Token") -> "Token | None":
    """For a report noun with a possessor ("his warning that ...", "Obama's
    endorsement of Clinton"), the token its content hangs from: a "that"
    clause or the object of "of"/"for"/"about"; else None."""
    if noun.lemma_.lower() not in REPORT_NOUNS or not any(c.dep_ == "poss" for c in noun.children):
        return None
    for child in noun.rights:
        if child.dep_ in ("acl", "ccomp") and any(c.dep_ == "mark" and c.lower_ == "that" for c in child.children):
            return child
        if child.dep_ == "prep" and child.lower_ in CONTENT_PREPOSITIONS:
            return next((c for c in child.children if c.dep_ in ("pobj", "pcomp")), None)
    return None


def _appeal(verb: "Token") -> "Token | None":
    """The "for"/"on" right after "call" in "called for a ban", "calls on
    the U.S. to act", "is calling for X to go" (a preposition of the verb, or
    the complementizer of a clause that hangs from it)."""
    nxt = verb.i + 1
    if nxt >= len(verb.doc):
        return None
    word = verb.doc[nxt]
    if word.lower_ in ("for", "on") and (word.head.i == verb.i or word.head.head.i == verb.i):
        return word
    return None


def _viewed_as(verb: "Token") -> "tuple[Token, Token] | None":
    """The object and the "as" phrase of "sees the deal as a betrayal"."""
    obj = as_phrase = None
    for child in verb.children:
        if child.dep_ == "dobj" and obj is None:
            obj = child
        elif child.dep_ == "prep" and child.lower_ == "as" and obj is not None:
            as_phrase = child
    return (obj, as_phrase) if obj is not None and as_phrase is not None else None


def is_according(token: "Token") -> bool:
    return token.lower_ == "according" and token.i + 1 < len(token.doc) and token.nbor(1).lower_ == "to"


def cue_source(cue: "Token") -> "Token | None":
    """The head token of the mention a cue attaches to (:func:`_cue_source`),
    found once per token of a Doc (kept in its :class:`DocIndex`)."""
    sources = doc_index(cue.doc).sources
    i = sources.get(cue.i, -1)
    if i == -1:
        source = _cue_source(cue)
        i = sources[cue.i] = source.i if source is not None else None
    return cue.doc[i] if i is not None else None


def _cue_source(cue: "Token") -> "Token | None":
    """The head token of the mention a cue attaches to: the subject of the
    reporting verb (also when inverted, "said Prokhorov"), the object of
    "according to", the agent of a passive ("was told by aides"), or the
    subject inherited from the verb it is coordinated with or depends on.
    An infinitive under a verb that is not itself a report takes that verb's
    object ("prompted the agency to state"); a finite verb the parser left
    without a subject takes the noun right before it ("..., former president
    Bill Clinton said"); a dateline ("WASHINGTON (AP) —") is never a source.
    None when the text gives no source ("is expected to")."""
    if cue.text == ":":
        return _headline_source(cue)
    if is_according(cue):
        to = cue.nbor(1)
        for child in to.children:
            if child.dep_ == "pobj":
                return child
        return None
    if cue.pos_ == "NOUN" and cue.lemma_.lower() in REPORT_NOUNS:
        return next((c for c in cue.children if c.dep_ == "poss"), None)
    verb = cue.head if cue.pos_ == "ADJ" and cue.dep_ in ("acomp", "oprd", "ccomp") else cue
    for _ in range(4):
        passive = False
        for child in verb.children:
            if child.dep_ in SUBJECT_DEPS:
                if _in_dateline(child) or child.ent_type_ in ("DATE", "TIME"):
                    # "WASHINGTON (AP) — Smith said", "Saturday ... Smith said"
                    return _left_noun(verb)
                if _is_metadata_label(child):
                    # " date 2024-02-17 A month before ..., the opposition admits"
                    return _phrase_before(verb, child) or _left_noun(verb)
                return child
            if child.dep_ == "nsubjpass":
                passive = True
            elif child.dep_ == "agent":
                for grandchild in child.children:
                    if grandchild.dep_ == "pobj":
                        return grandchild
        if passive or verb.head.i == verb.i:
            return None if passive else _left_noun(verb)
        governor = _infinitive_governor(verb)
        if governor is not None:
            verb = governor
            continue
        if (
            verb.dep_ == "pcomp"
            and verb.tag_ == "VBG"
            and verb.head.lower_ in _SAME_SUBJECT_PREPOSITIONS
            and verb.head.head.pos_ in ("VERB", "AUX")
        ):
            # "rallied supporters by warning that ...", "said before adding: ..."
            verb = verb.head.head
            continue
        if verb.dep_ not in SUBJECT_SHARING_DEPS:
            return _left_noun(verb)
        if verb.head.lemma_ == "be" and verb.dep_ == "xcomp":
            # "the only thing left is to try to show that ...": the subject
            # of a copula is not the one who shows ("X was quick to embrace
            # him and said ...", a coordinated predicate, shares it)
            return None
        if verb.dep_ == "xcomp" and not is_cue(verb.head):
            controller = next((c for c in verb.head.children if c.dep_ == "dobj" and c.i < verb.i), None)
            if controller is not None:
                return controller
        verb = verb.head
    return None


def _is_metadata_label(token: "Token") -> bool:
    """A lower-case label that opens a line and carries a date, as a
    scraped article's metadata line does (" date 2024-02-17 ..."), parsed as
    the subject of the first sentence's verb."""
    doc = token.doc
    before = doc[token.i - 1] if token.i > 0 else None
    at_line_start = before is None or (before.is_space and ("\n" in before.text or before.i == 0))
    return (
        at_line_start
        and token.is_lower
        and token.pos_ in ("NOUN", "PROPN")
        and any(c.ent_type_ in ("DATE", "TIME") and c.i > token.i for c in token.children)
    )


def _phrase_before(verb: "Token", subject: "Token") -> "Token | None":
    """The apposition inside ``subject``'s phrase that ends right before
    ``verb`` (punctuation apart), the nearest one: the real subject after a
    metadata label, as the parser hangs it."""
    doc = verb.doc
    end = verb.i
    while end > subject.i and (doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    appositions = [
        t for t in subject.subtree
        if t.dep_ == "appos" and t.pos_ in ("NOUN", "PROPN", "PRON") and t.right_edge.i + 1 == end
    ]
    # the nearest to the verb: "..., President Putin, the opposition in exile admits"
    return max(appositions, key=lambda t: t.left_edge.i, default=None)


# Prepositions whose gerund shares the subject of the verb they hang from
# ("by warning", "before adding"); not "for", whose gerund is the object's
# ("blamed other countries for refusing to help").
_SAME_SUBJECT_PREPOSITIONS = frozenset(("by", "after", "before", "while", "when", "in", "without", "since", "upon", "on"))


def _infinitive_governor(verb: "Token") -> "Token | None":
    """For an infinitive or a participle of speech that modifies a noun
    ("went out of his way to say", "took the opportunity to warn", "issued a
    statement saying"), the verb that noun depends on, whose subject is the
    one who speaks; None otherwise."""
    if verb.dep_ not in ("acl", "relcl") or verb.lemma_.lower() not in _SPEECH_VERBS:
        return None
    if verb.tag_ != "VBG" and not any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children):
        return None
    node = verb.head
    for _ in range(3):
        if node.dep_ not in ("pobj", "prep", "dobj") or node.head.i == node.i:
            return None
        node = node.head
        if node.pos_ in ("VERB", "AUX"):
            return node
    return None


# Tags of a finite verb or auxiliary (a participle or an infinitive has no
# subject of its own to look for).
_FINITE_TAGS = frozenset(("VBD", "VBZ", "VBP"))


def _left_noun(verb: "Token") -> "Token | None":
    """The noun right before a finite verb that the parser left without a
    subject (after a long preamble, "Tuesday in New York, ..., former
    president Bill Clinton said"), skipping auxiliaries, negations and
    adverbs; None for participles and infinitives, or when no noun is there."""
    doc = verb.doc
    finite = verb.tag_ in _FINITE_TAGS or any(
        c.dep_ in ("aux", "auxpass") and c.tag_ in _FINITE_TAGS | {"MD"} for c in verb.children
    )
    if not finite:
        return None
    i = verb.i - 1
    while i >= 0 and (doc[i].dep_ in ("aux", "auxpass", "neg", "advmod") and doc[i].head.i == verb.i):
        i -= 1
    if i > 0 and doc[i].text == "," and doc[i - 1].pos_ in ("NOUN", "PROPN"):
        i -= 1  # "..., her adviser, Jake Sullivan, said:"
    if i < 0 or doc[i].pos_ not in ("NOUN", "PROPN", "PRON") or _in_dateline(doc[i]):
        return None
    return doc[i]


def _in_dateline(token: "Token") -> bool:
    """Whether the token belongs to a wire dateline at the start of a
    paragraph: "WASHINGTON (AP) —", "NEW YORK, Dec. 14 (UPI) —"."""
    # on the token texts of DocIndex: a token's trailing white space is at
    # most one space, so a line break is in its text_with_ws only when it
    # is in its text
    texts = doc_index(token.doc).texts
    start = token.i
    while start > 0 and "\n" not in texts[start - 1] and token.i - start < 12:
        start -= 1
    if start > 0 and "\n" not in texts[start - 1]:
        return False
    for i in range(token.i, min(len(texts), start + 14)):
        text = texts[i]
        if text in ("—", "–", "--") or (text == "-" and i > 0 and texts[i - 1] == ")"):
            return i > 0 and ")" in texts[start:i]
        if "\n" in text:
            return False
    return False


def _trim(doc: "Doc", start: int, end: int) -> tuple[int, int] | None:
    """Token range without punctuation, white space and a leading "that" at
    its edges (the gold convention for reported content); None if empty."""
    while start < end and (doc[start].is_punct and not doc[start].is_quote or doc[start].is_space):
        start += 1
    if start < end and doc[start].lower_ == "that" and doc[start].dep_ == "mark":
        start += 1
    while end > start and (doc[end - 1].is_punct and not doc[end - 1].is_quote or doc[end - 1].is_space):
        end -= 1
    return (start, end) if start < end else None


def cue_content(cue: "Token") -> tuple[int, int] | None:
    """The token range [start, end) of the content a cue reports, or None
    when it has none that this module recognises.

    - a clausal complement (ccomp), also when it precedes the verb
      ("..., he said"); without the complementizer "that";
    - an infinitive (xcomp) for verbs of intention, expectation and appeal,
      with the object before it ("urged voters to stay home");
    - a noun phrase for verbs of evidence whose subject is not a person
      ("the poll shows a tightening race");
    - for "according to", the clause it modifies, on the side of the phrase
      that holds more of it.
    """
    doc = cue.doc
    if is_according(cue):
        return _head_clause_content(cue)
    if cue.text == ":":
        return _trim(doc, cue.i + 1, cue.sent.end)
    nominal = _stance_content(cue) if cue.pos_ == "ADJ" else _report_content(cue) if cue.pos_ == "NOUN" else None
    if nominal is not None:
        # "critical of X", "skeptical that X", "his warning that X"
        end = _clause_end(nominal) if nominal.pos_ in ("VERB", "AUX") else nominal.right_edge.i + 1
        return _trim(doc, nominal.left_edge.i, end)
    lemma = cue.lemma_.lower()
    clause = infinitive = obj = None
    for child in cue.children:
        if child.dep_ == "ccomp" and clause is None:
            clause = child
        elif child.dep_ == "xcomp" and infinitive is None:
            infinitive = child
        elif child.dep_ == "dobj" and obj is None:
            obj = child
    appeal = _appeal(cue) if lemma == "call" else None
    if appeal is not None:
        # "called for a ban on imports", "calls on Congress to act": what
        # follows "for"/"on", with an infinitive hanging from the verb
        end = _clause_end(appeal.head) if appeal.dep_ == "mark" else appeal.right_edge.i + 1
        for child in cue.rights:
            if child.i >= end and child.dep_ in ("xcomp", "advcl", "ccomp") and all(
                t.dep_ in ("npadvmod", "advmod", "punct") or t.head.i != cue.i or t.i >= child.left_edge.i
                for t in doc[end : child.left_edge.i]
            ):
                # "called on the government Wednesday to block the visit"
                end = _clause_end(child)
        return _trim(doc, appeal.i + 1, end)
    if lemma in TAKES_DESCRIPTION or lemma in VIEWING:
        viewed = _viewed_as(cue)
        if viewed is not None:  # "describe conditions as the worst": both
            return _trim(doc, viewed[0].left_edge.i, viewed[1].right_edge.i + 1)
        # "called the move “a betrayal”": the description, not the object
        description = next((c for c in cue.children if c.dep_ in ("oprd", "xcomp", "ccomp", "attr")), None)
        if description is None:
            return None
        return _trim(doc, description.left_edge.i, _clause_end(description))
    if clause is not None:
        start = clause.left_edge.i
        end = _before_trailing_aside(doc, start, _coordinated_clause_end(clause))
        if clause.i < cue.i:
            # a fronted content continued after its attribution: "The emails
            # were on many topics, the Times said, including speeches"
            listing = _listing(cue)
            if listing is not None:
                end = listing.right_edge.i + 1
        return _trim(doc, start, end)
    if lemma in _ACCUSING and obj is not None:
        # "accused Trump of showing support for Putin": the accused and the charge
        charge = next(
            (c for holder in (cue, obj) for c in holder.rights if c.dep_ == "prep" and c.lower_ == "of" and c.i > obj.i), None
        )
        if charge is not None:
            return _trim(doc, obj.left_edge.i, charge.right_edge.i + 1)
    if cue.dep_ == "advcl" and lemma in _SPEECH_VERBS and any(c.dep_ == "mark" and c.lower_ == "as" for c in cue.children):
        # "as POLITICO has reported, cases ... included ...": the clause it qualifies
        return _head_clause_content(cue)
    if infinitive is not None and infinitive.left_edge.i == cue.i + 1 and lemma in _SPEECH_VERBS and not any(
        c.dep_ == "aux" and c.lower_ == "to" for c in infinitive.children
    ):
        # a verb of speech takes no bare infinitive: "Carson says cut
        # regulations" is a clause the parser read as one
        return _trim(doc, infinitive.left_edge.i, _clause_end(infinitive))
    if infinitive is not None and (lemma in TAKES_INFINITIVE or cue.lower_ in _INFINITIVE_FORMS):
        start = infinitive.left_edge.i
        addressed = obj is not None and cue.i < obj.i < infinitive.i
        if addressed:
            start = obj.left_edge.i
        elif lemma in _ADDRESSING:
            return None  # "should they dare to vote": courage, not a challenge
        return _trim(doc, start, _clause_end(infinitive))
    if obj is not None and (lemma in TAKES_NOUN_PHRASE or lemma in TAKES_ANY_NOUN_PHRASE):
        source = cue_source(cue)
        if lemma not in TAKES_ANY_NOUN_PHRASE and source is not None and (
            source.ent_type_ == "PERSON" or source.pos_ == "PRON"
        ):
            return None
        if lemma == "find" and (source is None or source.lemma_.lower() not in EVIDENCE_SOURCES):
            return None  # "police found only one man"
        end = obj.right_edge.i + 1
        # "shows Clinton with a lead": what follows the object right after it
        # belongs to it (not ", with another poll showing ...")
        for child in cue.rights:
            if child.left_edge.i == end and child.dep_ in ("prep", "oprd", "xcomp", "advmod", "acomp"):
                end = child.right_edge.i + 1
            elif child.i > obj.i:
                break
        return _trim(doc, obj.left_edge.i, end)
    if cue.dep_ == "parataxis" and obj is None:
        # "About 5,000 people marched, police said, while ...": the clause
        # the cue interrupts or follows
        return _head_clause_content(cue)
    return None


# Where a content clause stops: before a coordinated or contrasting clause
# that is an attribution of its own ("the economy is their top concern, and
# nearly half think ...", "... will return, though they warn ...").
_CONTRAST_MARKS = frozenset(("though", "although", "while", "whereas"))


def _clause_end(root: "Token") -> int:
    end = root.right_edge.i + 1
    for child in root.rights:
        if child.dep_ in ("conj", "parataxis", "advcl") and is_cue(child) and any(
            c.dep_ in SUBJECT_DEPS for c in child.children
        ):
            if child.dep_ == "advcl" and not any(c.dep_ == "mark" and c.lower_ in _CONTRAST_MARKS for c in child.children):
                continue
            end = child.left_edge.i
            break
        if _continues_the_reporter(root, child):
            end = child.left_edge.i
            while end - 1 > root.i and (root.doc[end - 1].dep_ == "cc" or root.doc[end - 1].is_punct):
                end -= 1
            break
    end = max(end, root.i + 1)
    return end


def _coordinated_clause_end(clause: "Token") -> int:
    """Where a content clause ends, together with the clauses coordinated
    with it that repeat the complementizer ("say that A, and that B": one
    attribution, one quote), also when the parser hung them elsewhere."""
    doc = clause.doc
    end = _clause_end(clause)
    for _ in range(4):
        j = end
        while j < len(doc) and (doc[j].is_punct and not doc[j].is_quote or doc[j].dep_ == "cc" or doc[j].is_space):
            j += 1
        if j == end or j >= len(doc) or not (doc[j].lower_ == "that" and doc[j].dep_ == "mark"):
            break
        conj = doc[j].head
        if conj.dep_ != "conj" or conj.i <= j or is_cue(conj):
            break
        end = max(end, _clause_end(conj))
    return end


def _before_trailing_aside(doc: "Doc", start: int, end: int) -> int:
    """Where a content clause ends without the writer's aside after a comma
    or dash at its end: a relative "which" clause ("he was being sarcastic,
    which raised concerns among experts"), an "as" clause without a subject
    of its own before its verb ("he does not do them publicly, as was the
    case with ..."), or a contrast after a dash ("it was bouncing back -
    though economists disagree")."""
    for token in doc[start:end]:
        if token.i == start or token.right_edge.i + 1 < end:
            continue
        first = token.left_edge.i
        while first < token.i and doc[first].is_punct:
            first += 1
        before = doc[first - 1] if first > start else None
        if before is None or before.text not in (",", "-", "—", "–", "--"):
            continue
        marks = {c.lower_ for c in token.children if c.dep_ == "mark"}
        subject_before = any(c.dep_ in SUBJECT_DEPS or c.dep_ == "nsubjpass" for c in token.lefts)
        aside = (
            (token.dep_ == "relcl" and doc[first].lower_ == "which" and before.text == ",")
            or (token.dep_ == "advcl" and doc[first].lower_ == "as" and not subject_before)
            or (token.dep_ == "advcl" and before.text != "," and marks & _CONTRAST_MARKS and subject_before)
        )
        if aside:
            return before.i
    return end


# Tags of a verb that carries its own tense.
_TENSED_TAGS = frozenset(("VBD", "VBZ"))
# Forms in which a reporter's next predicate is recognised by sharing the
# reporting verb's own form ("said ... and praised", "saying ... and vowing").
_REPORTER_FORMS = _TENSED_TAGS | {"VBG"}


def _form(verb: "Token") -> str:
    """The tag that carries a verb's tense: its first auxiliary's ("has
    championed", "would rebound", "had eased"), else its own."""
    return next((c.tag_ for c in verb.children if c.dep_ in ("aux", "auxpass") and c.i < verb.i), verb.tag_)


def _continues_the_reporter(root: "Token", conj: "Token") -> bool:
    """Whether a verb coordinated with a content clause's bare verb is in
    fact the reporter's next predicate ("forecast that the economy would
    rebound and praised Kerry", "saying: “The struggle continues” and
    vowing to ..."): a verb without a subject, in the reporting verb's own
    form and not in the content verb's, belongs to the reporter ("said
    Cameron will work with him and is committed to ..." stays whole)."""
    reporter = root.head if root.dep_ in ("ccomp", "xcomp") else None
    tense = _form(conj)
    return (
        reporter is not None
        and conj.dep_ == "conj"
        and conj.pos_ == "VERB"
        and tense in _REPORTER_FORMS
        and tense == reporter.tag_
        and _form(root) != tense
        and not any(c.dep_ in SUBJECT_DEPS or c.dep_ == "nsubjpass" for c in conj.children)
    )


_INFINITIVE_FORMS = frozenset(form for verb in TAKES_INFINITIVE for form in _forms(verb))


def _head_clause_content(phrase: "Token") -> tuple[int, int] | None:
    """The clause a cue phrase ("according to X", "police said") is attached
    to, without a further attribution of its own ("..., police said, while
    organizers said ..."): the whole clause when the phrase interrupts it
    and what follows has no subject of its own ("X was Y, the Times said,
    including Z"); else the words before the phrase when it follows them,
    else the side that holds more words."""
    head = phrase.head
    if head.i == phrase.i:
        return None
    while head.pos_ not in ("VERB", "AUX") and head.dep_ in SUBJECT_DEPS and head.head.i != head.i:
        head = head.head  # "Other cleavages, according to the poll, include ..."
    doc = phrase.doc
    phrase_start, phrase_end = phrase.left_edge.i, phrase.right_edge.i + 1
    start, end = head.left_edge.i, _clause_end(head)
    listing = _listing(phrase)
    if listing is not None:  # "..., the Times said, including ...": content again
        phrase_end = listing.i
        end = max(end, listing.right_edge.i + 1)
    first = head
    while first.dep_ == "conj" and first.head.i < first.i and phrase_start > first.i:
        # "A had 37 percent, B 36 and C 13, according to the poll": all of
        # the coordinated clauses, not the last one only
        first = first.head
    start = min(start, first.left_edge.i)
    before = _trim(doc, start, phrase_start) if start < phrase_start else None
    after = _trim(doc, phrase_end, end) if phrase_end < end else None
    if before and after:
        if not any(
            t.dep_ in SUBJECT_DEPS or t.dep_ == "nsubjpass" or (is_cue(t) and t.i != head.i) for t in doc[after[0] : after[1]]
        ):
            # the phrase interrupts one clause ("The emails were on many
            # topics, the Times said, including ..."): both sides, one quote
            return before[0], after[1]
        if phrase.dep_ == "parataxis":
            return before
        return before if before[1] - before[0] >= after[1] - after[0] else after
    return before or after


def mention_span(token: "Token") -> tuple[int, int]:
    """Character span of the mention headed by ``token``: the named entity it
    belongs to (without titles or appositions), a pronoun on its own, or a
    description with its own modifiers ("a new Washington Post-ABC News
    poll", "participants in a recent event")."""
    doc = token.doc
    if token.ent_type_ and token.pos_ != "PRON":
        start = token.i
        while start > 0 and doc[start].ent_iob_ == "I":
            start -= 1
        end = token.i + 1
        while end < len(doc) and doc[end].ent_iob_ == "I":
            end += 1
        return doc[start].idx, doc[end - 1].idx + len(doc[end - 1])
    if token.pos_ == "PRON" or token.lower_ in RELATIVE_PRONOUNS:
        return token.idx, token.idx + len(token)
    start = token.left_edge.i
    end = token.i + 1
    for child in token.rights:
        if child.dep_ in ("prep", "compound", "nummod", "amod"):
            end = max(end, child.right_edge.i + 1)
        else:
            break
    while start < token.i and (doc[start].is_punct or doc[start].is_space):
        start += 1
    while end - 1 > token.i and (doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1])



def _token_ranges(doc: "Doc", start: int, end: int, fragments) -> list[tuple[int, int]]:
    """The token ranges of a quote's fragments (or of its span), widened to
    whole tokens; fragments that cover no token are left out."""
    ranges = []
    for a, b in fragments or [(start, end)]:
        span = doc.char_span(a, b, alignment_mode="expand")
        if span is not None and len(span):
            ranges.append((span.start, span.end))
    return ranges


def cue_of_span(
    doc: "Doc",
    start: int,
    end: int,
    *,
    fragments: "Sequence[tuple[int, int]] | None" = None,
    sentence_window: bool = True,
) -> "Token | None":
    """The cue that the quote at characters [start, end) attaches to; a
    discontinuous quote passes its ``fragments`` (the words between them,
    "“…,” he said, “…”", are where its cue is).

    In order: a cue among the heads of the quote's tokens (the quote is the
    verb's complement, "he said that ..."; at most three steps up, not past a
    verb with a subject of its own, and arriving by a complement relation); a
    cue among the children of the quote's tokens ("…,” said Prokhorov" parsed
    as a dependent of the quote, "…, according to Volkov"); else, when
    ``sentence_window``, the cue with a source nearest to the quote in the
    sentences it touches, in the sentence before when that one ends with a
    colon ("He added: “…”"), or in a short sentence that follows it on the
    same line (“… A pathetic figure!” he wrote.).  Any verb that introduces the quote with a colon
    ("the headline reads: “…”"), or a cue that does so with a comma, counts
    as a cue among the quote's children.

    Each answer is kept in the Doc's :class:`DocIndex` (a quote is asked
    about again: with and without the window, in both tracks), and the
    answer without the window is the first step of the one with it.
    """
    index = doc_index(doc)
    span = (start, end, tuple((a, b) for a, b in fragments) if fragments else None)
    found = _remembered(doc, index, span, _attached_cue, window=False)
    if found is None and sentence_window:
        found = _remembered(doc, index, span, _cue_in_window, window=True)
    return doc[found] if found is not None else None


def _remembered(doc: "Doc", index: DocIndex, span: tuple, find, *, window: bool) -> "int | None":
    """``find(doc, index, nearest)``'s answer (a token index, or None) for
    ``span`` = (start, end, fragments), found once and kept in the Doc's
    :class:`DocIndex`; None for a span over no token."""
    key = (span, window)
    if key not in index.span_cues:
        ranges = _token_ranges(doc, *span)
        index.span_cues[key] = find(doc, index, _NearestCue(ranges)) if ranges else None
    return index.span_cues[key]


class _NearestCue:
    """The best cue outside a quote's token ``ranges`` considered so far:
    the lowest rank, then the fewest tokens from the quote."""

    __slots__ = ("ranges", "first", "last", "best", "inside")

    def __init__(self, ranges: list[tuple[int, int]]):
        self.ranges = ranges
        self.first, self.last = ranges[0][0], ranges[-1][1]
        self.best: tuple[int, int, int] | None = None  # (rank, distance, token index)
        if len(ranges) == 1:
            lo, hi = ranges[0]
            self.inside = lambda i: lo <= i < hi
        else:
            self.inside = lambda i: any(lo <= i < hi for lo, hi in ranges)

    def consider(self, rank: int, i: int) -> None:
        if self.inside(i):
            return
        distance = self.first - i if i < self.first else max(0, i - self.last + 1)
        if self.best is None or (rank, distance) < self.best[:2]:
            self.best = (rank, distance, i)

    @property
    def found(self) -> "int | None":
        return self.best[2] if self.best is not None else None


def _attached_cue(doc: "Doc", index: DocIndex, nearest: _NearestCue) -> "int | None":
    """The first step of :func:`cue_of_span`: a cue among the heads or the
    children of the quote's tokens, or the verb that introduces it."""
    heads, deps, cues, has_subject, cue_children = index.heads, index.deps, index.cues, index.has_subject, index.cue_children
    inside, consider = nearest.inside, nearest.consider
    # token indices and the Doc's arrays (DocIndex), not Token objects: this
    # loop visits every token of every quote
    for lo, hi in nearest.ranges:
        for i in range(lo, hi):
            for child in cue_children.get(i, ()):
                if not inside(child):
                    consider(1, child)
            node, head = i, heads[i]
            for _ in range(3):
                if head == node or inside(head):
                    break
                if deps[node] == "conj":
                    # a coordinated clause hangs where its first conjunct
                    # does ("added that X and that Y")
                    node, head = head, heads[head]
                    continue
                if head in cues:
                    if deps[node] in CONTENT_DEPS:
                        consider(0, head)
                    break
                if head in has_subject:
                    break
                node, head = head, heads[head]
    introducing = _introducing_verb(doc, nearest.first)
    if introducing is not None:
        consider(1, introducing.i)
    return nearest.found


def _cue_in_window(doc: "Doc", index: DocIndex, nearest: _NearestCue) -> "int | None":
    """The second step of :func:`cue_of_span`: the cue with a source nearest
    to the quote in the sentences around it."""
    first, last = nearest.first, nearest.last
    if not index.has_sentences:
        doc[first].sent  # noqa: B018  (raises spaCy's error: no sentence boundaries)
    # sentences as token ranges [start, end) (DocIndex.sentence: as Token.sent)
    texts, sentence = index.texts, index.sentence
    first_sentence, last_sentence = sentence(first), sentence(last - 1)
    sentences = {first_sentence[0]: first_sentence, last_sentence[0]: last_sentence}
    before_start = first_sentence[0] - 1
    if before_start >= 0:
        before = sentence(before_start)
        last_word = next((j for j in range(before[1] - 1, before[0] - 1, -1) if not index.is_space[j]), None)
        if last_word is not None and texts[last_word] == ":":
            sentences[before[0]] = before
    after_start = last_sentence[1]
    if after_start < len(doc):
        after = sentence(after_start)
        gap = doc_text(doc)[index.idx[last - 1] + len(texts[last - 1]) : index.idx[after[0]]]
        if "\n" not in gap and after[1] - after[0] <= _ATTRIBUTION_SENTENCE_TOKENS:
            # “… A pathetic figure!” he wrote. (split off by the parser)
            sentences[after[0]] = after
    cue_list = index.cue_list
    for start_token, end_token in sentences.values():
        for k in range(bisect_left(cue_list, start_token), bisect_left(cue_list, end_token)):
            if cue_source(doc[cue_list[k]]) is not None:
                nearest.consider(2, cue_list[k])
    return nearest.found


# A sentence of at most this many tokens right after a quotation, on the
# same line, may be its attribution ("he wrote.", "said Smith, 45.").
_ATTRIBUTION_SENTENCE_TOKENS = 12


def _introducing_verb(doc: "Doc", first: int) -> "Token | None":
    """The verb right before the opening of a quote at token ``first``,
    separated from it by a colon ("echoed: “…”", "the headline reads: “…”")
    or, for a reporting verb, a comma ("He continued, “…”")."""
    i = first - 1
    while i >= 0 and (doc[i].is_space or doc[i].is_quote):
        i -= 1
    if i < 1 or doc[i].text not in (":", ","):
        return None
    mark = doc[i].text
    i -= 1
    while i >= 0 and doc[i].is_space:
        i -= 1
    verb = doc[i]
    if verb.pos_ != "VERB" or (mark == "," and not is_cue(verb)):
        return None
    return verb


# How the head of a quote hangs from the predicate that governs it: the
# chain is followed through prepositions, adjectives and nouns ("has been
# critical of X", "his warning that X", "is a supporter of X").
_GOVERNOR_STEPS = 5


def governing_source(
    doc: "Doc", start: int, end: int, *, fragments: "Sequence[tuple[int, int]] | None" = None
) -> "Token | None":
    """The source of whatever predicate governs the quote at characters
    [start, end), for attributions whose cue is outside the reporting
    lexicon ("swipes at X", "would vote for X", "has been critical of X",
    "Obama's endorsement of X"): from the quote's head, up the dependency
    chain, the first verb's source (:func:`cue_source`) or the first noun's
    possessor; when the quote is the verb's subject ("X was named by Y", "X
    has drawn criticism from Y"), the "by"/"from" phrase.  None when the
    chain reaches the root first."""
    ranges = _token_ranges(doc, start, end, fragments)
    if not ranges:
        return None

    def inside(i: int) -> bool:
        return any(lo <= i < hi for lo, hi in ranges)

    heads = doc_index(doc).heads
    if len(ranges) == 1:
        lo, hi = ranges[0]
        roots = [doc[i] for i in range(lo, hi) if heads[i] != i and not lo <= heads[i] < hi]
    else:
        roots = [doc[i] for lo, hi in ranges for i in range(lo, hi) if heads[i] != i and not inside(heads[i])]
    if not roots:
        return None
    node = max(roots, key=lambda t: (t.right_edge.i - t.left_edge.i, -t.i))
    head = node.head
    for _ in range(_GOVERNOR_STEPS):
        if head.pos_ in ("VERB", "AUX"):
            if node.dep_ in ("nsubj", "nsubjpass", "csubj"):
                return _by_phrase(head)
            source = cue_source(head)
            return source if source is not None and not inside(source.i) else None
        if head.pos_ in ("NOUN", "PROPN"):
            possessor = next((c for c in head.children if c.dep_ == "poss" and not inside(c.i)), None)
            if possessor is not None:
                return possessor
        if head.head.i == head.i:
            return None
        node, head = head, head.head
    return None


def _by_phrase(verb: "Token") -> "Token | None":
    """The object of the "by" or "from" phrase of a verb or of its object
    ("was named by a third", "has drawn criticism from rivals")."""
    for holder in [verb] + [c for c in verb.children if c.dep_ in ("dobj", "agent")]:
        for child in holder.children:
            if child.dep_ in ("agent", "prep") and child.lower_ in ("by", "from"):
                for grandchild in child.children:
                    if grandchild.dep_ == "pobj":
                        return grandchild
    if verb.dep_ == "agent":
        return next((c for c in verb.children if c.dep_ == "pobj"), None)
    return None
