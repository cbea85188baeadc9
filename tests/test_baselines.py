"""The baselines on short texts written for these tests (not the gold
article), with the real spaCy pipeline, and on the development set
tests/data/dev_news.jsonl through the real runner and scorer."""

from __future__ import annotations

from pathlib import Path

import pytest

import baselines
from benchmark.gold import load_gold
from benchmark.models import ModelInput, QuoteSpan, load_pipeline
from benchmark.runner import model_inputs, parse_documents, run_model, write_predictions
from benchmark.scoring import score
from benchmark.submission import read_predictions

DEV = Path(__file__).parent / "data" / "dev_news.jsonl"
SIX = ("random", "most-frequent", "nearest-mention", "speech-verb", "learned")

TEXT = (
    "Leonid Volkov, former chief of staff of the late Kremlin critic Alexei Navalny, spoke in Brussels on Wednesday.\n\n"
    "“The Kremlin is trying to send a message to the whole world,” Volkov said.\n\n"
    "According to Volkov, support for Putin is below 50 percent.\n\n"
    "“The issue of recognition is an extremely important one for the regime,” said Vadim Prokhorov, who defended several activists.\n\n"
    "“We will keep going,” said Prokhorov.\n\n"
    "Anna Berg, a spokeswoman for the party, said she expected a decision soon. She added that the party would not give up.\n\n"
    "“There is no other way.”\n\n"
    "Officials expect growth to slow."
)
QUOTES = {
    "q1": "The Kremlin is trying to send a message to the whole world",
    "q2": "support for Putin is below 50 percent",
    "q3": "The issue of recognition is an extremely important one for the regime",
    "q4": "We will keep going",
    "q5": "she expected a decision soon",
    "q6": "the party would not give up",
    "q7": "There is no other way.",
    "q8": "growth to slow",
}


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


@pytest.fixture(scope="module")
def item(nlp):
    spans = [QuoteSpan(qid, TEXT.index(words), TEXT.index(words) + len(words)) for qid, words in QUOTES.items()]
    return ModelInput("test-doc", TEXT, nlp(TEXT), spans)


def predicted(model, item, track="attribution") -> dict[str, tuple[str | None, str | None]]:
    """quote id -> (speaker name, text of the speaker span)."""
    out = {}
    for row in model.predict(item, track):
        span = TEXT[row["speaker_start"] : row["speaker_end"]] if row["speaker"] is not None else None
        out[row["quote_id"]] = (row["speaker"], span)
    return out


def test_the_six_names_are_registered():
    for name in SIX:
        model = baselines.get(name)
        assert model.name == name and model.needs_spacy is True


# --------------------------------------------------------------------------
# speech-verb


def test_speech_verb_rules(item):
    got = predicted(baselines.get("speech-verb"), item)
    assert got == {
        # “…,” Volkov said: the surname resolves to the earlier full name
        "q1": ("Leonid Volkov", "Volkov"),
        # According to Volkov, …
        "q2": ("Leonid Volkov", "Volkov"),
        # “…,” said Vadim Prokhorov, who …: the inverted subject
        "q3": ("Vadim Prokhorov", "Vadim Prokhorov"),
        "q4": ("Vadim Prokhorov", "Prokhorov"),
        # Anna Berg, a spokeswoman for the party, said …: apposition left out
        "q5": ("Anna Berg", "Anna Berg"),
        # She added that …: the span is the pronoun, the name its antecedent
        "q6": ("Anna Berg", "She"),
        # a quotation with no cue continues the previous speaker
        "q7": ("Anna Berg", "She"),
        # a description as source
        "q8": ("Officials", "Officials"),
    }


def test_speech_verb_relative_who_and_nominal_sources(nlp):
    text = "The plan was opposed by contractor Lee Grant, who warned that the district would need more drivers."
    words = "the district would need more drivers"
    doc = nlp(text)
    item = ModelInput("d", text, doc, [QuoteSpan("q1", text.index(words), text.index(words) + len(words))])
    [row] = baselines.get("speech-verb").predict(item, "attribution")
    assert text[row["speaker_start"] : row["speaker_end"]] == "who"
    assert row["speaker"] == "Lee Grant"


def test_speech_verb_abstains_without_a_source(nlp):
    text = "The measure is expected to clear the House next week."
    words = "to clear the House next week"
    item = ModelInput("d", text, nlp(text), [QuoteSpan("q1", text.index(words), text.index(words) + len(words))])
    [row] = baselines.get("speech-verb").predict(item, "attribution")
    assert row == {"doc_id": "d", "quote_id": "q1", "speaker": None}


def speaker_span_of(nlp, text: str, words: str) -> str | None:
    """The text of the speaker span speech-verb gives the quote ``words``."""
    start = text.index(words)
    item = ModelInput("d", text, nlp(text), [QuoteSpan("q1", start, start + len(words))])
    [row] = baselines.get("speech-verb").predict(item, "attribution")
    return None if row["speaker"] is None else text[row["speaker_start"] : row["speaker_end"]]


@pytest.mark.parametrize(
    "text, words, source",
    [
        # event-style attributions (PolNeAR): the source of whatever
        # predicate governs the quote, also outside the reporting lexicon
        ("The union swiped at the company over its pay offer.", "the company over its pay offer", "The union"),
        ("Residents would vote for the new park, a survey shows.", "the new park", "Residents"),
        ("The senator has been critical of the new tariffs.", "the new tariffs", "The senator"),
        # a report noun: its possessor
        ("Her endorsement of the plan surprised the council.", "the plan", "Her"),
        # the quote is the subject: the "by" phrase
        ("The plan was criticized by local farmers on Monday.", "The plan", "local farmers"),
        # any verb that introduces a quotation with a colon
        ("The banner reads: “No more cuts to the library.”", "No more cuts to the library.", "The banner"),
        # an attribution the parser split off into its own short sentence
        ("“That is a disgrace to the city!” he wrote.", "That is a disgrace to the city!", "he"),
        # an infinitive under a verb that is not a report: its object
        ("The scandal forced the minister to admit that mistakes were made.", "mistakes were made", "the minister"),
        # a coordinated predicate shares the subject of a copula
        ("The mayor was quick to praise the firefighters and said the damage was limited.", "the damage was limited", "The mayor"),
        # "continue" reports speech; the span is the pronoun
        ("Mayor Ann Lee spoke at length.\n\nShe continued, “We will rebuild the bridge.”", "We will rebuild the bridge.", "She"),
        # a wire dateline parsed as a subject is never the source
        (
            "LONDON (Reuters) – Labour leader Jane Roe has taken aim at the budget, saying that it would hurt families.",
            "it would hurt families",
            "Jane Roe",
        ),
        # a headline "NAME on TOPIC: …"
        ("Budget talks resume.\n\nSanders on the trade deal: ‘We will fight it to the end’", "We will fight it to the end", "Sanders"),
    ],
)
def test_speech_verb_event_style_sources(nlp, text, words, source):
    assert speaker_span_of(nlp, text, words) == source


def test_end_to_end_rows_carry_span_type_and_speaker(item):
    rows = baselines.get("speech-verb").predict(ModelInput(item.doc_id, item.text, item.doc, None), "end-to-end")
    by_text = {TEXT[r["start"] : r["end"]]: r for r in rows}
    row = by_text[QUOTES["q3"]]
    assert row["type"] == "direct" and row["speaker"] == "Vadim Prokhorov"
    assert TEXT[row["speaker_start"] : row["speaker_end"]] == "Vadim Prokhorov"
    assert by_text[QUOTES["q6"]]["type"] == "indirect"
    assert set(row) == {"doc_id", "start", "end", "type", "speaker", "speaker_start", "speaker_end"}


# --------------------------------------------------------------------------
# The simple baselines


def test_nearest_mention_prefers_the_same_sentence(nlp):
    text = "Alice Brown arrived late. “The plan is dead,” a spokesman for Acme Corporation said on Monday."
    words = "The plan is dead"
    item = ModelInput("d", text, nlp(text), [QuoteSpan("q1", text.index(words), text.index(words) + len(words))])
    [row] = baselines.get("nearest-mention").predict(item, "attribution")
    # Alice Brown ends 8 characters before the quote, Acme Corporation starts
    # 19 after it, but only Acme is in the quote's sentence
    assert text[row["speaker_start"] : row["speaker_end"]] == "Acme Corporation"


def test_nearest_mention_without_one_in_the_sentence(item):
    got = predicted(baselines.get("nearest-mention"), item)
    assert got["q8"] == ("Anna Berg", "Anna Berg")  # the last name in the text, two paragraphs up


def test_most_frequent_person(item):
    got = predicted(baselines.get("most-frequent"), item)
    # Volkov: "Leonid Volkov", "Volkov", "Volkov" (3); Prokhorov 2; the others 1
    assert {name for name, _ in got.values()} == {"Leonid Volkov"}
    # the span is that person's mention nearest to the quote
    assert got["q2"][1] == "Volkov"


def test_random_is_seeded_and_picks_person_or_organisation_mentions(item):
    first = predicted(baselines.get("random"), item)
    assert predicted(baselines.get("random"), item) == first
    entities = {(e.text, e.label_) for e in item.doc.ents}
    for name, span in first.values():
        assert (span, "PERSON") in entities or (span, "ORG") in entities
    other_seeds = [predicted(baselines.get("random", seed=s), item) for s in (1, 2, 3)]
    assert any(o != first for o in other_seeds)


# --------------------------------------------------------------------------
# learned


@pytest.fixture(scope="module")
def dev(nlp):
    gold = load_gold(DEV)
    return gold, parse_documents(nlp, [d.text for d in gold.documents], progress=False)


def test_learned_abstains_before_fit(item):
    assert all(name is None for name, _ in predicted(baselines.get("learned"), item).values())


def test_learned_trained_on_the_dev_set(dev, item):
    gold, docs = dev
    model = baselines.get("learned")
    model.fit(model_inputs(gold, "attribution", docs), gold.documents)
    got = predicted(model, item)
    assert got["q1"][1] == "Volkov"
    assert got["q3"][1] == "Vadim Prokhorov"
    assert got["q8"][1] == "Officials"
    # refitting on nothing forgets what it learned
    model.fit([], [])
    assert all(name is None for name, _ in predicted(model, item).values())


# --------------------------------------------------------------------------
# The development set, through the runner and the scorer


def micro_f1(gold, docs, name, track, tmp_path, speaker_match="mention"):
    rows = run_model(baselines.get(name), gold, track, docs=docs)
    path = write_predictions(rows, tmp_path / f"{name}.{track}.jsonl")
    result = score(gold, read_predictions(path, gold, track), model=name, speaker_match=speaker_match, n_bootstrap=0)
    return result


@pytest.mark.parametrize("name", ["speech-verb", "learned"])
def test_dev_set_attribution_in_mention_mode(dev, tmp_path, name):
    gold, docs = dev
    result = micro_f1(gold, docs, name, "attribution", tmp_path)
    assert result["micro"]["f1"] >= 0.95


def test_dev_set_end_to_end_detection(dev, tmp_path):
    gold, docs = dev
    result = micro_f1(gold, docs, "speech-verb", "end-to-end", tmp_path)
    assert result["detection"]["f1"] >= 0.9
    assert result["micro"]["f1"] >= 0.9


def test_dev_set_simple_baselines_are_far_below(dev, tmp_path):
    gold, docs = dev
    for name in ("random", "most-frequent", "nearest-mention"):
        assert micro_f1(gold, docs, name, "attribution", tmp_path)["micro"]["f1"] < 0.5
