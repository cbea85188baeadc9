"""The dialogue rules of ``speech-verb`` (baselines/dialogue.py), one
construction per test, on short passages written for these tests and parsed
by the real spaCy pipeline."""

from __future__ import annotations

import pytest

import baselines
from baselines.dialogue import NARRATOR, Cast, Conversation, paragraph_starts
from benchmark.gold import Entity
from benchmark.models import ModelInput, QuoteSpan

CAST = [
    Entity("emma", "Emma Woodhouse", "person", ["Emma", "Miss Woodhouse"]),
    Entity("knightley", "Mr. Knightley", "person", ["Mr. Knightley", "Knightley"]),
    Entity("harriet", "Harriet Smith", "person", ["Harriet", "Miss Smith"]),
    Entity("robert", "Robert Martin", "person", ["Robert", "Mr. Martin"]),
]


def quotations(text: str) -> list[tuple[int, int, None]]:
    """The spans between each pair of straight double quotes."""
    marks = [i for i, ch in enumerate(text) if ch == '"']
    return [(a + 1, b, None) for a, b in zip(marks[::2], marks[1::2])]


@pytest.fixture(scope="module")
def attribute(nlp):
    def run(text: str, entities=CAST, quotes=None) -> list[tuple[str | None, str | None]]:
        """(speaker key, rule) per quotation (by default those of
        :func:`quotations`), in text order."""
        doc = nlp(text)
        cast = Cast.from_entities(entities, text) if entities is not None else Cast.from_doc(doc)
        return [(a.key, a.rule) for a in Conversation(doc, cast, quotes or quotations(text)).attribute()]

    return run


def test_paragraphs_are_separated_by_blank_lines_when_there_are_any():
    assert paragraph_starts("a\nb\n\nc\n  \nd") == [0, 5, 10]
    assert paragraph_starts("a\nb\nc") == [0, 2, 4]


def test_explicit_cues_inverted_pronoun_name_and_pluperfect(attribute):
    text = (
        'Mr. Knightley stood by the window.\n\n'
        '"I shall walk to the village," said he.\n\n'
        '"Then I shall come too," cried Emma.\n\n'
        '"It is too far," Mr. Knightley replied.\n\n'
        '"You never let me do anything," she said.\n\n'
        '"Come back before dark," he had said.'
    )
    got = attribute(text)
    assert [key for key, _ in got] == ["knightley", "emma", "knightley", "emma", "knightley"]
    assert {rule for _, rule in got} == {"explicit"}


def test_pronouns_take_the_character_of_their_gender(attribute):
    # "she" cannot be Mr. Knightley, the last name before it: Emma is the
    # latest woman named in the narration before it
    text = (
        'Emma looked at Mr. Knightley across the table.\n\n'
        '"We dine at six," she said.'
    )
    assert attribute(text) == [("emma", "explicit")]


def test_a_description_with_a_gender_is_a_pronoun(attribute):
    text = (
        '"Where have you been?" asked Harriet.\n\n'
        '"At the mill," said Robert.\n\n'
        '"All morning?" asked the young lady.'
    )
    assert attribute(text)[2] == ("harriet", "explicit")


def test_conversation_turns_alternate(attribute):
    text = (
        '"Where have you been?" asked Harriet.\n\n'
        '"At the mill," said Robert.\n\n'
        '"All morning?"\n\n'
        '"Since nine."\n\n'
        '"And did you see my father?"'
    )
    assert attribute(text)[2:] == [("harriet", "turns"), ("robert", "turns"), ("harriet", "turns")]


def test_turns_follow_the_nearest_cue_after_them_too(attribute):
    # the first two turns have no cue; the third names its speaker, so the
    # second is the other one's and the first the third's
    text = (
        'The garden was quiet.\n\n'
        '"It is late."\n\n'
        '"Not so very late."\n\n'
        '"It is nearly dark," said Robert.\n\n'
        '"Then let us go in," said Harriet.'
    )
    got = attribute(text)
    assert [key for key, _ in got] == ["robert", "harriet", "robert", "harriet"]


def test_the_same_paragraph_keeps_its_speaker(attribute):
    text = '"Where have you been?" asked Harriet. "We waited an hour for you."'
    assert attribute(text) == [("harriet", "explicit"), ("harriet", "paragraph")]


def test_a_new_paragraph_changes_the_speaker(attribute):
    text = (
        '"Where have you been?" asked Harriet.\n\n'
        '"At the mill," said Robert.\n\n'
        '"All morning?"'
    )
    assert attribute(text)[2][0] == "harriet"


def test_the_reply_to_a_vocative_is_the_addressee(attribute):
    text = (
        '"Robert, will you fetch the basket?" said Harriet.\n\n'
        '"With pleasure."'
    )
    assert attribute(text) == [("harriet", "explicit"), ("robert", "vocative")]


def test_a_quotation_is_never_given_to_whom_it_addresses(attribute):
    # alternation would give the third turn to Harriet; it addresses her
    text = (
        '"Good morning," said Harriet.\n\n'
        '"Good morning," said Robert.\n\n'
        '"Well, Harriet, what news?"'
    )
    key, _ = attribute(text)[2]
    assert key == "robert"


def test_an_apposition_is_not_a_vocative(attribute):
    text = (
        '"Robert, will you fetch the basket?" said Harriet.\n\n'
        '"His boy, Robert, went for it an hour ago," said Mr. Knightley.'
    )
    doc_text = text
    conversation_rows = attribute(doc_text)
    assert conversation_rows[1] == ("knightley", "explicit")


def test_narration_introduces_the_speaker(attribute):
    text = (
        '"Good morning," said Harriet.\n\n'
        'Mr. Knightley put down his book and looked up at her.\n\n'
        '"You are early today."'
    )
    assert attribute(text)[1] == ("knightley", "narration")
    same_paragraph = 'Mr. Knightley put down his book. "You are early today."'
    assert attribute(same_paragraph) == [("knightley", "narration")]


def test_without_a_gold_cast_the_names_of_the_parse(attribute):
    text = (
        'Harriet Smith met Robert Martin at the gate.\n\n'
        '"Where have you been?" asked Harriet.\n\n'
        '"At the mill," said Robert.'
    )
    assert [key for key, _ in attribute(text, entities=None)] == ["Harriet Smith", "Robert Martin"]


def test_speech_verb_reports_names_the_scorer_tells_apart(nlp):
    # "Mr. Bennet" and "Mrs. Bennet" both normalise to "bennet" for the
    # scorer: speech-verb reports an alias that only one entity has
    text = '"You take delight in vexing me," said Mrs. Bennet.'
    entities = [
        Entity("mr", "Mr. Bennet", "person", ["Mr. Bennet"]),
        Entity("mrs", "Mrs. Bennet", "person", ["Mrs. Bennet", "Mama"]),
    ]
    cast = Cast.from_entities(entities, text)
    assert cast.characters["mrs"].name == "Mama"
    assert cast.characters["mr"].name == "Mr. Bennet"  # no alias of its own: the span decides
    [attribution] = Conversation(nlp(text), cast, quotations(text)).attribute()
    assert attribution.key == "mrs"
    assert text[attribution.speaker.start : attribution.speaker.end] in ("Mrs. Bennet", "Bennet")


def test_a_metadata_line_is_not_a_speaker(nlp):
    text = (
        " date 2024-02-17 A month before the election, the country’s opposition in exile admits that it is "
        "unable to influence the results."
    )
    words = "it is unable to influence the results"
    start = text.index(words)
    item = ModelInput("d", text, nlp(text), [QuoteSpan("q1", start, start + len(words))])
    [row] = baselines.get("speech-verb").predict(item, "attribution")
    assert text[row["speaker_start"] : row["speaker_end"]] == "the country’s opposition in exile"


def test_a_first_person_narrator_speaks_as_i(attribute):
    # the cast does not say who "I" is: the narrator is a speaker of their
    # own, who takes turns like any other
    text = (
        'Harriet came in from the garden.\n\n'
        '"Where is everyone?" asked Harriet.\n\n'
        '"Gone to the village," I said.\n\n'
        '"All of them?"\n\n'
        '"Every one."'
    )
    got = attribute(text)
    assert [key for key, _ in got] == ["harriet", NARRATOR, "harriet", NARRATOR]
    assert got[1][1] == "explicit"


def test_a_pronoun_that_opens_a_conversation_refers_to_the_narration(attribute):
    # Robert spoke last in the conversation before, but "he" who opens this
    # one is the man the narration just introduced
    text = (
        '"Good morning," said Harriet.\n\n'
        '"Good morning," said Robert.\n\n'
        'An hour later Mr. Knightley came to the door. He was out of breath.\n\n'
        '"Is Emma at home?" he asked.'
    )
    assert attribute(text)[2] == ("knightley", "explicit")


def test_a_turn_is_not_given_to_the_cued_speaker_of_the_next_one(attribute):
    # alternation alone gives turn 2 to Emma, but Emma speaks turn 3 (a new
    # paragraph changes the speaker): it is Robert's, who speaks two turns on
    text = (
        'They sat down to tea.\n\n'
        '"Is there any cake?" said Emma.\n\n'
        '"None left," answered Harriet.\n\n'
        '"Then I shall fetch some bread."\n\n'
        '"Do not trouble yourself," said Emma.\n\n'
        '"It is no trouble," said Robert.'
    )
    assert [key for key, _ in attribute(text)] == ["emma", "harriet", "robert", "emma", "robert"]


def test_a_quotation_left_open_goes_on_in_the_next_paragraph(attribute):
    # Robert's speech runs over two paragraphs (the first has no closing
    # mark): the second is still his, and the same turn, so the reply after
    # it is Harriet's
    text = (
        '"Where were you?" asked Harriet.\n\n'
        '"I was at the mill all morning," said Robert. "The wheel had broken.\n\n'
        '"Then I went to the market."\n\n'
        '"Did you see my father there?"'
    )
    pieces = ["Where were you?", "I was at the mill all morning,", "The wheel had broken.",
              "Then I went to the market.", "Did you see my father there?"]
    quotes = [(text.index(q), text.index(q) + len(q), None) for q in pieces]
    got = attribute(text, quotes=quotes)
    assert got[3] == ("robert", "continued")
    assert got[4][0] == "harriet"


def test_a_name_that_ends_the_sentence_is_called(attribute):
    # "Mencken, Harvey?" may parse as an apposition; a name that ends its
    # sentence is called all the same, so the question is not Harriet's
    text = (
        '"Good morning," said Emma.\n\n'
        '"Good morning," said Harriet.\n\n'
        'They walked on.\n\n'
        '"Do you know Mr. Martin, Harriet?"'
    )
    assert attribute(text)[2][0] != "harriet"


def test_a_speaker_not_yet_named_is_known_by_their_mention(attribute):
    # no woman of the cast is named before "she said": the speaker is the
    # one that mention refers to, and takes her turns two later
    text = (
        'A girl came up the path and stood at the gate.\n\n'
        '"Is this the mill?" she said.\n\n'
        '"It is," said Robert.\n\n'
        '"And the miller?"'
    )
    start = text.index("she said")
    assert [key for key, _ in attribute(text)] == [f"mention:{start}", "robert", f"mention:{start}"]


def test_the_second_voice_of_a_conversation_is_named_in_the_narration_before(attribute):
    # only Emma has spoken; the reply is the other one the narration names
    text = (
        'Mr. Knightley found Emma in the garden.\n\n'
        '"You are early," said Emma.\n\n'
        '"I could not wait."'
    )
    assert attribute(text)[1] == ("knightley", "turns")


def test_narration_reports_the_name_it_introduces_the_speaker_by(nlp):
    # "Mrs. Bennet" is "bennet" to the scorer, as is "Mr. Bennet": the span
    # decides, and it is the name in the narration, not an older mention
    text = (
        '"Good morning," said Mrs. Bennet.\n\n'
        '"Good morning," said Mr. Bennet.\n\n'
        'Mrs. Bennet put down her work and looked at the window.\n\n'
        '"It is going to rain today."'
    )
    entities = [Entity("mr", "Mr. Bennet", "person", ["Mr. Bennet"]), Entity("mrs", "Mrs. Bennet", "person", ["Mrs. Bennet"])]
    cast = Cast.from_entities(entities, text)
    *_, third = Conversation(nlp(text), cast, quotations(text)).attribute()
    assert (third.key, third.rule) == ("mrs", "narration")
    named = text.index("Mrs. Bennet put")
    assert named <= third.speaker.start < third.speaker.end <= named + len("Mrs. Bennet")


def test_a_title_at_the_end_of_a_line_keeps_its_name(attribute):
    # hard-wrapped prose: "said Miss" ends one line, "Smith" starts the next
    text = (
        '"Where is everyone?" asked Emma.\n\n'
        '"Your examination of the garden is over, I presume," said Miss\n'
        'Smith. "And pray what is the result?"'
    )
    assert attribute(text)[1] == ("harriet", "explicit")


def test_speech_verb_reads_the_published_cast_of_its_input(nlp):
    from benchmark.models import CastMember

    text = '"Hallo," said Pooh.\n\n"Hallo," said Piglet.'
    quotes = [QuoteSpan("q1", 1, 7), QuoteSpan("q2", text.index("Hallo", 10), text.index("Hallo", 10) + 6)]
    cast = (CastMember("pooh", "Winnie-the-Pooh", ("Winnie-the-Pooh", "Pooh"), "person"),
            CastMember("piglet", "Piglet", ("Piglet",), "person"))
    rows = baselines.get("speech-verb").predict(ModelInput("d", text, nlp(text), quotes, cast=cast), "attribution")
    assert [row["speaker"] for row in rows] == ["Winnie-the-Pooh", "Piglet"]


def test_a_word_only_one_character_has_names_them(attribute):
    # the cast says "Mike Campbell"; the narration says "Mike", the last man
    # it names before "he said" (a name: capitalised inside a sentence)
    entities = [*CAST, Entity("mike", "Mike Campbell", "person", ["Mike Campbell", "Mr. Campbell"])]
    text = (
        'Robert went to see Mike in the next room.\n\n'
        'Mike lay on the bed. He opened his eyes.\n\n'
        '"Hello," he said.'
    )
    assert attribute(text, entities=entities) == [("mike", "explicit")]


def test_words_of_a_description_are_not_names(nlp):
    # "She" starts many sentences; it is a word of a described character's
    # name, not a mention of her
    text = 'She came in. She sat down and looked at Robert.'
    entities = [*CAST, Entity("woman", "The Woman At Whose House She Was Dining", "person", ["The Woman At Whose House She Was Dining"])]
    cast = Cast.from_entities(entities, text)
    assert [key for _, _, key in cast.mentions] == ["robert"]


def test_fiction_verbs_with_a_particle_and_a_relative_clause(attribute):
    # "put in" is a speech verb with its particle; "cried Harriet, who ..."
    # is Harriet, not the relative pronoun
    text = (
        '"Good morning," said Emma.\n\n'
        '"Or good evening," put in Robert.\n\n'
        '"What for?" cried Harriet, who had not been told.'
    )
    assert attribute(text) == [("emma", "explicit"), ("robert", "explicit"), ("harriet", "explicit")]


def test_narration_inside_a_quotation_span_without_fragments(attribute):
    # the gold span runs over '…," apologised Harriet. "…': the speech verb
    # inside it is its cue
    text = '"Good morning," said Emma.\n\n"I am sorry," apologised Harriet. "I did not see you."'
    inner = text.index("I am sorry")
    quotes = [(1, 14, None), (inner, len(text) - 1, None)]
    assert attribute(text, quotes=quotes) == [("emma", "explicit"), ("harriet", "explicit")]


def test_a_named_speaker_in_the_sentence_right_before(attribute):
    # "Harriet interrupted him." ends its sentence right before the
    # quotation: with a name it is the attribution; "She sighed." is not
    text = (
        '"I was saying," said Robert.\n\n'
        'Harriet interrupted him. "But the mill is closed."\n\n'
        '"It is," said Robert.\n\n'
        'She sighed. "Then we must walk."'
    )
    got = attribute(text)
    assert got[1] == ("harriet", "explicit")
    assert got[3][1] != "explicit"


def test_the_title_before_a_name_tells_mother_from_son(nlp):
    # "Archer" alone is the son's alias; "said Mrs. Archer" is his mother
    text = '"Good morning," said Newland.\n\n"You are late," said Mrs. Archer.'
    entities = [Entity("newland", "Newland Archer", "person", ["Newland Archer", "Newland", "Archer"]),
                Entity("mother", "Mrs. Adeline Archer", "person", ["Mrs. Adeline Archer"])]
    cast = Cast.from_entities(entities, text)
    assert [a.key for a in Conversation(nlp(text), cast, quotations(text)).attribute()] == ["newland", "mother"]
