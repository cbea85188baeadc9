"""Hand-worked end-to-end scoring cases: each expected number is worked out
in the test from the text of the document (see ``test_scoring_support``).

Lengths used below: q1 "The Kremlin is lying," 21 characters, q2 "the vote
was rigged" 19, q3 "We will win," 12, q4 "the results were fake" 21.  Four
gold quotes with a speaker: Volkov 2, Putin 1, Pevchikh 1.
"""

from __future__ import annotations

import pytest

from benchmark.gold import Document, Entity, Span
from benchmark.scoring import UNRESOLVED
from test_scoring_support import (
    TextBuilder,
    counts,
    e2e,
    quote,
    save_gold,
    score_rows,
    speaker_row,
    volkov_document,
)

DOC = "volkov"


@pytest.fixture()
def case(tmp_path):
    document, spans = volkov_document(DOC)
    _, gold = save_gold([document], tmp_path)

    def run(rows, **settings):
        return score_rows(gold, tmp_path, rows, track="end-to-end", **settings)

    run.spans = spans
    run.text = document.text
    return run


def micro(result):
    m = result["micro"]
    return (m["tp"], m["predicted"], m["gold"]), (m["precision"], m["recall"], m["f1"])


def test_a_prediction_including_the_quotation_marks_matches_exactly(case):
    q1 = case.spans["q1"]
    with_marks = Span(q1.start - 1, q1.end + 1)
    assert case.text[with_marks.start : with_marks.end] == "“The Kremlin is lying,”"
    for mode in ("exact", "overlap"):
        result = case([e2e(DOC, with_marks, "Leonid Volkov")], match=mode)
        # 1 correct of 1 predicted, 4 gold: P 1, R 1/4, F1 2*1/(1+4)
        assert micro(result) == ((1, 1, 4), (1.0, 0.25, 0.4)), mode
        assert counts(speaker_row(result, "leonid_volkov")) == (1, 1, 2)
        assert result["detection"] == {"precision": 1.0, "recall": 0.25, "f1": 0.4, "matched": 1, "predicted": 1, "gold": 4}


def test_a_prediction_overshooting_by_a_word_matches_under_overlap_only(case):
    q2 = case.spans["q2"]
    overshoot = Span(q2.start - len("that "), q2.end)
    assert case.text[overshoot.start : overshoot.end] == "that the vote was rigged"
    row = e2e(DOC, overshoot, "Volkov")
    # overlap: 19 shared / 24 = 0.79 >= 0.5, paired and credited
    assert micro(case([row]))[0] == (1, 1, 4)
    # exact: no pair, and the unmatched prediction counts against Volkov
    exact = case([row], match="exact")
    assert micro(exact) == ((0, 1, 4), (0.0, 0.0, 0.0))
    assert counts(speaker_row(exact, "leonid_volkov")) == (0, 1, 2)
    assert exact["detection"]["matched"] == 0
    # 0.79 is under a threshold of 0.8
    assert micro(case([row], min_overlap=0.8))[0] == (0, 1, 4)


def test_the_overlap_threshold_is_inclusive(case):
    q3 = case.spans["q3"]
    half = Span(q3.start, q3.start + 6)  # "We wil": 6 of 12 characters
    assert micro(case([e2e(DOC, half, "Putin")], min_overlap=0.5))[0] == (1, 1, 4)
    assert micro(case([e2e(DOC, half, "Putin")], min_overlap=0.51))[0] == (0, 1, 4)


def test_two_predictions_for_one_gold_quote_one_pairs_the_other_counts_against_its_speaker(case):
    q3 = case.spans["q3"]
    partial = Span(q3.start, q3.start + len("We will"))  # 7 of 12 shared: 0.58, allowed
    rows = [e2e(DOC, partial, "Maria Pevchikh"), e2e(DOC, q3, "Putin")]  # the weaker one first in the file
    for ordered in (rows, rows[::-1]):
        result = case(ordered)
        # the pairing keeps the 12 shared characters, not 7
        assert counts(speaker_row(result, "vladimir_putin")) == (1, 1, 1)
        assert counts(speaker_row(result, "maria_pevchikh")) == (0, 1, 1)
        # tp 1, predicted 2, gold 4: P 1/2, R 1/4, F1 2/(2+4)
        assert micro(result) == ((1, 2, 4), (0.5, 0.25, pytest.approx(1 / 3)))
        d = result["detection"]
        assert (d["matched"], d["predicted"], d["gold"], d["precision"], d["recall"]) == (1, 2, 4, 0.5, 0.25)
        (extra,) = result["unmatched_predictions"]
        assert (extra["start"], extra["end"], extra["resolved_speaker"]) == (partial.start, partial.end, "maria_pevchikh")


def test_a_prediction_spanning_two_gold_quotes_pairs_with_at_most_one(case):
    q1, q2 = case.spans["q1"], case.spans["q2"]
    both = Span(q1.start, q2.end)
    assert both.end - both.start == 76
    row = e2e(DOC, both, "Volkov")
    # 21/76 = 0.28 and 19/76 = 0.25: under 0.5, no pair; one prediction against Volkov
    result = case([row])
    assert micro(result)[0] == (0, 1, 4)
    assert result["detection"]["matched"] == 0
    # at 0.25 both pairs are allowed, but one prediction pairs once: with q1 (21 > 19 shared)
    low = case([row], min_overlap=0.25)
    assert micro(low) == ((1, 1, 4), (1.0, 0.25, 0.4))
    by_id = {q["quote_id"]: q for q in low["quotes"]}
    assert by_id["q1"]["matched"] and by_id["q1"]["correct"]
    assert not by_id["q2"]["matched"]


def test_an_abstention_costs_recall_not_precision(case):
    s = case.spans
    correct = e2e(DOC, s["q1"], "Volkov")
    abstain = case([correct, e2e(DOC, s["q4"], None)])
    # the abstention is paired (detected) but is no attribution: P 1/1, R 1/4
    assert micro(abstain) == ((1, 1, 4), (1.0, 0.25, 0.4))
    assert (abstain["n_predicted"], abstain["n_abstained"]) == (2, 1)
    assert abstain["detection"]["matched"] == 2
    assert counts(speaker_row(abstain, "maria_pevchikh")) == (0, 0, 1)
    # the same quote attributed wrongly costs precision as well: P 1/2
    wrong = case([correct, e2e(DOC, s["q4"], "Putin")])
    assert micro(wrong) == ((1, 2, 4), (0.5, 0.25, pytest.approx(1 / 3)))
    # an empty string abstains like null
    empty = case([correct, e2e(DOC, s["q4"], "")])
    assert micro(empty) == micro(abstain)


def test_an_alias_is_credited_in_entity_mode_not_in_name_mode(case):
    row = e2e(DOC, case.spans["q1"], "Volkov")
    assert counts(speaker_row(case([row]), "leonid_volkov")) == (1, 1, 2)
    by_name = case([row], speaker_match="name")
    # "volkov" is not the entity's name "leonid volkov": it resolves to nothing
    assert micro(by_name)[0] == (0, 1, 4)
    assert counts(speaker_row(by_name, UNRESOLVED)) == (0, 1, 0)


def test_a_title_before_the_name_is_ignored(case):
    q3 = case.spans["q3"]
    for name in ("President Putin", "Vladimir Putin’s", "  PRESIDENT   vladimir PUTIN "):
        assert counts(speaker_row(case([e2e(DOC, q3, name)]), "vladimir_putin")) == (1, 1, 1), name
    # name mode: the normalised name must be the entity's name, "vladimir putin"
    assert micro(case([e2e(DOC, q3, "President Vladimir Putin")], speaker_match="name"))[0] == (1, 1, 4)
    assert micro(case([e2e(DOC, q3, "President Putin")], speaker_match="name"))[0] == (0, 1, 4)


def test_a_pronoun_is_credited_through_its_span_not_by_name(case):
    s = case.spans
    with_span = e2e(DOC, s["q2"], "He", mention=s["he"])
    assert counts(speaker_row(case([with_span]), "leonid_volkov")) == (1, 1, 2)
    assert micro(case([with_span], speaker_match="mention"))[0] == (1, 1, 4)
    assert micro(case([with_span], speaker_match="name"))[0] == (0, 1, 4)
    # without a span, "He" names nobody
    bare = case([e2e(DOC, s["q2"], "He")])
    assert micro(bare)[0] == (0, 1, 4)
    assert counts(speaker_row(bare, UNRESOLVED)) == (0, 1, 0)
    # a span on someone else's mention resolves to them
    elsewhere = case([e2e(DOC, s["q2"], "He", mention=s["putin"])])
    assert counts(speaker_row(elsewhere, "vladimir_putin")) == (0, 1, 1)


def test_when_name_and_span_disagree_the_name_decides(case):
    s = case.spans
    result = case([e2e(DOC, s["q1"], "Putin", mention=s["volkov"])])
    assert counts(speaker_row(result, "vladimir_putin")) == (0, 1, 1)
    assert counts(speaker_row(result, "leonid_volkov")) == (0, 0, 2)
    # mention mode looks at the span only
    assert micro(case([e2e(DOC, s["q1"], "Putin", mention=s["volkov"])], speaker_match="mention"))[0] == (1, 1, 4)


def test_a_name_that_resolves_to_nothing_is_reported_as_unresolved(case):
    result = case([e2e(DOC, case.spans["q4"], "Alexei Navalny")])
    row = speaker_row(result, UNRESOLVED)
    assert (row["tp"], row["predicted"], row["gold"], row["precision"], row["recall"]) == (0, 1, 0, 0.0, 0.0)
    assert micro(result) == ((0, 1, 4), (0.0, 0.0, 0.0))
    assert result["quotes"][3]["resolved_speaker"] == UNRESOLVED
    assert result["quotes"][3]["predicted_speaker"] == "Alexei Navalny"


def test_an_empty_submission_scores_zeros(case):
    result = case([])
    assert micro(result) == ((0, 0, 4), (0.0, 0.0, 0.0))
    assert result["macro"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert [counts(r) for r in result["per_speaker"]] == [(0, 0, 2), (0, 0, 1), (0, 0, 1)]
    assert result["detection"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "matched": 0, "predicted": 0, "gold": 4}
    assert result["ci"]["f1"] == [0.0, 0.0]
    assert (result["n_predicted"], result["n_gold"]) == (0, 4)
    assert not any(q["matched"] for q in result["quotes"])


def test_macro_is_the_mean_over_gold_speakers(case):
    s = case.spans
    result = case([e2e(DOC, s["q1"], "Volkov"), e2e(DOC, s["q3"], "Putin"), e2e(DOC, s["q4"], "Navalny")])
    # Volkov P 1 R 1/2 F1 2/3; Putin 1 1 1; Pevchikh 0 0 0; <unresolved> is not a gold speaker
    assert result["macro"]["precision"] == pytest.approx((1 + 1 + 0) / 3)
    assert result["macro"]["recall"] == pytest.approx((0.5 + 1 + 0) / 3)
    assert result["macro"]["f1"] == pytest.approx((2 / 3 + 1 + 0) / 3)
    # micro: tp 2, predicted 3, gold 4
    assert micro(result) == ((2, 3, 4), (pytest.approx(2 / 3), 0.5, pytest.approx(4 / 7)))


def test_recall_by_type(case):
    s = case.spans
    result = case([e2e(DOC, s["q1"], "Volkov"), e2e(DOC, s["q2"], "Putin")])
    # direct q1, q3: 1 of 2; indirect q2, q4: 0 of 2, though q2 was found
    assert result["recall_by_type"]["direct"] == {"recall": 0.5, "tp": 1, "gold": 2, "detection_recall": 0.5, "detected": 1, "n_quotes": 2}
    assert result["recall_by_type"]["indirect"] == {"recall": 0.0, "tp": 0, "gold": 2, "detection_recall": 0.5, "detected": 1, "n_quotes": 2}
    assert result["recall_by_type"]["mixed"]["gold"] == 0


# --------------------------------------------------------------------------
# Documents of their own


def test_a_name_matching_two_entities_needs_the_span_to_choose(tmp_path):
    t = TextBuilder()
    t.add("“").add("Taxes will rise,", "q1").add("” said ").add("Anna Smith", "anna").add(". ")
    t.add("John Smith", "john").add(" said that ").add("taxes would fall", "q2").add(". ")
    t.add("Smith", "john2").add(" added that ").add("nothing is certain", "q3").add(".")
    s = t.spans
    doc = Document(
        "smiths",
        "test://smiths.txt",
        t.text,
        [
            Entity("anna_smith", "Anna Smith", "person", ["Anna Smith", "Smith"], [s["anna"]]),
            Entity("john_smith", "John Smith", "person", ["John Smith", "Smith"], [s["john"], s["john2"]]),
        ],
        [
            quote("q1", s["q1"], "direct", "anna_smith", s["anna"]),
            quote("q2", s["q2"], "indirect", "john_smith", s["john"]),
            quote("q3", s["q3"], "indirect", "john_smith", s["john2"]),
        ],
    )
    _, gold = save_gold([doc], tmp_path)
    rows = [
        e2e("smiths", s["q1"], "Smith"),  # ambiguous, no span: unresolved
        e2e("smiths", s["q2"], "Smith", mention=s["john"]),  # the span picks John: correct
        e2e("smiths", s["q3"], "Smith", mention=s["anna"]),  # the span picks Anna: wrong
    ]
    result = score_rows(gold, tmp_path, rows)
    assert counts(speaker_row(result, "anna_smith")) == (0, 1, 1)
    assert counts(speaker_row(result, "john_smith")) == (1, 1, 2)
    assert counts(speaker_row(result, UNRESOLVED)) == (0, 1, 0)
    assert micro(result)[0] == (1, 3, 3)


@pytest.fixture()
def fragments(tmp_path):
    """“You should go,” he said, “and teach.”: one quote of two fragments,
    14 + 10 = 24 characters of content in a 36-character start-end span."""
    t = TextBuilder()
    t.add("Paul Simon", "paul").add(" spoke. “").add("You should go,", "f1").add("” ").add("he", "he").add(" said, “")
    t.add("and teach.", "f2").add("”")
    s = t.spans
    whole = Span(s["f1"].start, s["f2"].end)
    doc = Document(
        "frag",
        "test://frag.txt",
        t.text,
        [Entity("paul_simon", "Paul Simon", "person", ["Paul Simon", "Simon"], [s["paul"], s["he"]])],
        [quote("q1", whole, "direct", "paul_simon", s["he"], fragments=[s["f1"], s["f2"]])],
    )
    _, gold = save_gold([doc], tmp_path)
    assert whole.end - whole.start == 36

    def run(span, **settings):
        return score_rows(gold, tmp_path, [e2e("frag", span, "Paul Simon")], track="end-to-end", **settings)

    run.spans = dict(s, whole=whole)
    return run


def test_shared_characters_of_a_fragmented_quote_are_counted_over_its_fragments(fragments):
    s = fragments.spans
    # the whole span: 24 shared / 36 = 0.67
    assert micro(fragments(s["whole"]))[0] == (1, 1, 1)
    # the first fragment alone: 14 / 24 = 0.58 (over the start-end span it would be 14 / 36 = 0.39)
    assert micro(fragments(s["f1"]))[0] == (1, 1, 1)
    # the reporting clause between the fragments shares nothing with the quote
    he_said = Span(s["he"].start, s["he"].end + len(" said"))
    assert micro(fragments(he_said, min_overlap=0.01))[0] == (0, 1, 1)


def test_exact_matching_of_a_fragmented_quote_uses_its_start_end_span(fragments):
    s = fragments.spans
    assert micro(fragments(s["whole"], match="exact"))[0] == (1, 1, 1)
    assert micro(fragments(s["f1"], match="exact"))[0] == (0, 1, 1)


@pytest.mark.parametrize(
    "written, normalised",
    [
        ("President Vladimir Putin", "vladimir putin"),
        ("Vladimir Putin’s", "vladimir putin"),
        ("Vladimir Putin's", "vladimir putin"),
        ("ＶＬＡＤＩＭＩＲ  Putin", "vladimir putin"),  # NFKC folds full-width letters
        ("“Vladimir Putin,”", "vladimir putin"),
        ("Dr.  Jane\tDoe", "jane doe"),
        ("The Kremlin", "kremlin"),
        ("the President", "president"),  # only titles: kept
        ("O’Brien", "obrien"),
    ],
)
def test_name_normalisation(written, normalised):
    from benchmark.names import normalize_name

    assert normalize_name(written) == normalised


# --------------------------------------------------------------------------
# Cases found by the reference-scorer property test (tests/test_reference_scorer.py)


def test_a_gold_set_without_quotes_scores_an_end_to_end_prediction_as_unmatched(tmp_path):
    # used to fail with IndexError: the gold speaker of an unmatched prediction was looked up in an empty array
    t = TextBuilder().add("Leonid Volkov", "volkov").add(" arrived.")
    entity = Entity("leonid_volkov", "Leonid Volkov", "person", ["Volkov"], [t.spans["volkov"]])
    _, gold = save_gold([Document("quiet", "test://none", t.text, [entity], [])], tmp_path)
    result = score_rows(gold, tmp_path, [e2e("quiet", Span(0, 5), "Volkov")], track="end-to-end")
    assert counts(result["micro"]) == (0, 1, 0)
    assert counts(speaker_row(result, "leonid_volkov")) == (0, 1, 0)
    assert (result["detection"]["matched"], result["detection"]["predicted"]) == (0, 1)


def test_a_speaker_span_sharing_as_much_with_two_entities_is_a_tie_even_when_one_has_two_such_mentions(tmp_path):
    # used to resolve to Volkov: his two mentions were taken for two candidates, hiding Putin's tie
    t = TextBuilder().add("ab", "v1").add(" ").add("cd", "p").add(" said it is so, said they.", "rest")
    v1, p = t.spans["v1"], t.spans["p"]
    q = Span(t.spans["rest"].start + 9, t.spans["rest"].end - 11)
    entities = [
        Entity("volkov", "Leonid Volkov", "person", ["Volkov"], [v1, Span(v1.start + 1, v1.end)]),
        Entity("putin", "Vladimir Putin", "person", ["Putin"], [p]),
    ]
    gold_quote = quote("q1", q, "indirect", "putin", p)
    _, gold = save_gold([Document("tie", "test://none", t.text, entities, [gold_quote])], tmp_path)
    # the span "b c" shares 1 character with each of Volkov's mentions "ab" and "b", and 1 with
    # Putin's "cd": a tie between entities, so unresolved
    span = Span(v1.start + 1, p.start + 1)
    result = score_rows(gold, tmp_path, [{"doc_id": "tie", "quote_id": "q1", "speaker": "he",
                                          "speaker_start": span.start, "speaker_end": span.end}], track="attribution")
    assert counts(result["micro"]) == (0, 1, 1)
    assert counts(speaker_row(result, UNRESOLVED)) == (0, 1, 0)


def test_among_pairings_with_as_many_shared_characters_the_first_in_text_order_is_taken(tmp_path):
    # gold quotes A = "aaaa bbbb" and B = "bbbb cccc" overlap; predictions X = "aaaa bbbb cccc" minus its
    # ends share as much with each: every pairing below has the same total, the first pairs X with A
    t = TextBuilder().add("aaaa bbbb", "A").add(" cccc dddd", "rest")
    a = t.spans["A"]
    b = Span(a.start + 5, a.start + 14)  # "bbbb cccc"
    entities = [Entity("e1", "Anna One", "person", [], []), Entity("e2", "Boris Two", "person", [], [])]
    quotes = [quote("A", a, "indirect", "e1"), quote("B", b, "indirect", "e2")]
    _, gold = save_gold([Document("ties", "test://none", t.text, entities, quotes)], tmp_path)
    x = Span(a.start + 2, b.end - 2)  # "aa bbbb cc": shares 7 with A and 7 with B
    y = Span(a.start + 3, b.end - 1)  # "a bbbb ccc": shares 6 with A and 8 with B
    # pairings: X-A + Y-B = 7 + 8 = 15; X-B + Y-A = 7 + 6 = 13: the largest total decides, X-A
    result = score_rows(gold, tmp_path, [e2e("ties", y, "Boris Two"), e2e("ties", x, "Anna One")],
                        track="end-to-end", min_overlap=0.5)
    assert counts(result["micro"]) == (2, 2, 2)
    z = Span(a.start + 3, b.end - 3)  # "a bbbb c": shares 6 with each, as does w
    w = Span(a.start + 4, b.end - 4)  # " bbbb ": shares 5 with each: X-A,Z-B (7+6) = X-B,Z-A (7+6); the first: X-A
    result = score_rows(gold, tmp_path, [e2e("ties", z, "Boris Two"), e2e("ties", x, "Anna One"), e2e("ties", w, None)],
                        track="end-to-end", min_overlap=0.5)
    assert [(q["quote_id"], q["predicted_start"]) for q in result["quotes"]] == [("A", x.start), ("B", z.start)]
