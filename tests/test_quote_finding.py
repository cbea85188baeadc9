"""The shared quote finder: quotation-mark pairing on raw text, and direct,
indirect and mixed quotes found in texts parsed by the real spaCy pipeline.
Every text here was written for the test."""

from __future__ import annotations

import pytest

from baselines.cues import cue_of_span, cue_source, is_cue
from baselines.quote_finding import find_quotes, is_in_quotation_marks, quotation_spans
from benchmark.models import PARAGRAPH_COMPONENT, load_pipeline


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def texts(text: str) -> list[str]:
    return [text[q.start : q.end] for q in quotation_spans(text)]


# --------------------------------------------------------------------------
# Quotation marks, raw text


def test_curly_double_quotes_exclude_the_marks_and_the_joining_comma():
    text = "“We will win the vote,” the senator said. “No doubt about it.”"
    assert texts(text) == ["We will win the vote", "No doubt about it."]
    first = quotation_spans(text)[0]
    assert (first.open, first.close) == (0, 22)


def test_straight_double_quotes():
    assert texts('She said "we are done here" and left.') == ["we are done here"]


def test_nested_single_quotes_stay_inside_the_outer_quote():
    text = "“He told me ‘never again,’ and I believed him,” she said."
    assert texts(text) == ["He told me ‘never again,’ and I believed him"]
    assert texts("\"He said 'no' to me,\" she said.") == ["He said 'no' to me"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("“We don’t forget the ’90s or Navalny’s work,” he said.", "We don’t forget the ’90s or Navalny’s work"),
        ("\"We don't forget the '90s or Navalny's work,\" he said.", "We don't forget the '90s or Navalny's work"),
        ("“The voters’ choice is clear,” he said.", "The voters’ choice is clear"),
        ("“It’s rock ’n’ roll, ’tis true,” he said.", "It’s rock ’n’ roll, ’tis true"),
    ],
)
def test_apostrophes_are_not_quotation_marks(text, expected):
    assert texts(text) == [expected]


def test_single_quotes_at_top_level_are_quotations():
    assert texts("Trump says trade deal is 'a disaster' for workers") == ["a disaster"]
    assert texts("Senator calls plan ‘a bad joke’") == ["a bad joke"]


def test_a_quotation_continued_across_paragraphs_is_one_span():
    text = "“The first paragraph of the statement.\n\n“The second paragraph of it,” she said.\n\nNo quote here."
    [span] = quotation_spans(text)
    assert text[span.start : span.end] == "The first paragraph of the statement.\n\n“The second paragraph of it"
    assert span.open == 0 and text[span.close] == "”"


def test_an_unclosed_quotation_without_continuation_ends_with_its_paragraph():
    text = "He said: “An unclosed quote runs to the end\n\nThe next paragraph is plain."
    [span] = quotation_spans(text)
    assert text[span.start : span.end] == "An unclosed quote runs to the end"
    assert span.close is None


def test_a_stray_closing_mark_is_ignored():
    assert texts("A stray mark” here, then “a real quote” there.") == ["a real quote"]


def test_is_in_quotation_marks():
    text = "“We will win,” she said. They said we would lose."
    assert is_in_quotation_marks(text, 1, 12)
    assert not is_in_quotation_marks(text, text.index("we would"), len(text) - 1)
    assert is_in_quotation_marks(text, 0, 14)  # the marks inside the span, as brat content often has them


# --------------------------------------------------------------------------
# Quotes in parsed documents


def found(nlp, text: str) -> list[tuple[str, str, str | None]]:
    doc = nlp(text)
    return [(q.type, text[q.start : q.end], q.cue.text if q.cue is not None else None) for q in find_quotes(doc)]


def test_indirect_quote_is_the_clause_without_that(nlp):
    text = "The mayor said on Tuesday that the budget would be balanced by June."
    assert found(nlp, text) == [("indirect", "the budget would be balanced by June", "said")]


def test_beliefs_expectations_intentions_and_findings_are_quotes(nlp):
    text = (
        "Officials expect growth to slow next year.\n\n"
        "Trump believes the deal is bad for workers.\n\n"
        "The union plans to strike in May.\n\n"
        "A Bloomberg poll found that most voters oppose the plan."
    )
    assert found(nlp, text) == [
        ("indirect", "growth to slow next year", "expect"),
        ("indirect", "the deal is bad for workers", "believes"),
        ("indirect", "to strike in May", "plans"),
        ("indirect", "most voters oppose the plan", "found"),
    ]


def test_according_to_reports_the_clause_it_modifies(nlp):
    text = "According to the ministry, exports fell by 4 percent in March."
    assert found(nlp, text) == [("indirect", "exports fell by 4 percent in March", "According")]


def test_direct_quote_with_its_cue(nlp):
    text = "“The issue is extremely important for the regime,” said Prokhorov, a lawyer."
    assert found(nlp, text) == [("direct", "The issue is extremely important for the regime", "said")]


def test_mixed_quote_runs_to_the_fragments_closing_mark(nlp):
    text = "The minister said the deal was “a betrayal of workers” and left the room."
    [(kind, span, cue)] = found(nlp, text)
    assert kind == "mixed" and cue == "said"
    assert span.startswith("the deal was “a betrayal of workers”")


def test_scare_quotes_and_titles_are_not_quotes(nlp):
    text = (
        "The so-called “reform” passed on Monday.\n\n"
        "She spoke on “Meet the Press” about the budget.\n\n"
        "‘Against the tide’\n\n"
        "The council met for an hour."
    )
    assert found(nlp, text) == []


def test_a_quotation_interrupted_by_its_attribution_is_one_quote(nlp):
    text = "“We did not get everything we wanted,” said Sen. Chuck Schumer, “but we got a fair deal.”"
    doc = nlp(text)
    [quote] = find_quotes(doc)
    assert (quote.type, quote.cue.text) == ("direct", "said")
    assert [text[a:b] for a, b in quote.fragments] == ["We did not get everything we wanted", "but we got a fair deal."]
    assert (quote.start, quote.end) == (quote.fragments[0][0], quote.fragments[1][1])


def test_an_attribution_inside_another_quote_is_not_found_twice(nlp):
    text = "Flynn said Trump was right when he said that the generals had been reduced to rubble."
    [(kind, span, cue)] = found(nlp, text)
    assert (kind, cue) == ("indirect", "said")
    assert span.startswith("Trump was right")


def test_two_contents_of_one_cue_are_two_quotes(nlp):
    text = "McConnell added that the vote proved the system works and that the Senate would return in March."
    assert found(nlp, text) == [
        ("indirect", "the vote proved the system works", "added"),
        ("indirect", "the Senate would return in March", "added"),
    ]


def test_a_continued_quotation_without_cue_is_a_direct_quote(nlp):
    text = (
        "“We asked for new radar in 2019,” he said.\n\n"
        "“Nobody wants to fly on a system built in the ’90s, and nobody should have to.”"
    )
    result = found(nlp, text)
    assert result[1] == ("direct", "Nobody wants to fly on a system built in the ’90s, and nobody should have to.", None)


def test_a_passive_expectation_without_source_is_not_a_quote(nlp):
    assert found(nlp, "The measure is expected to clear the House next week.") == []


@pytest.mark.parametrize(
    "text, quote, source",
    [
        # "call for" / "call on"
        ("The mayor called for an independent inquiry into the fire.", "an independent inquiry into the fire", "mayor"),
        # stance adjectives: "skeptical of", "made clear that"
        ("Farmers are skeptical of the new rules on water.", "the new rules on water", "Farmers"),
        ("The council made clear that it would appeal the ruling.", "it would appeal the ruling", "council"),
        # a report noun with a possessor
        ("His warning that prices would rise went unheeded.", "prices would rise", "His"),
    ],
)
def test_stance_appeal_and_report_noun_cues(nlp, text, quote, source):
    doc = nlp(text)
    [q] = find_quotes(doc)
    assert (text[q.start : q.end], q.type) == (quote, "indirect")
    assert cue_source(q.cue).text == source


def test_according_to_reports_every_coordinated_clause(nlp):
    text = "Smith won 40 percent, Jones had 35 percent and Lee took 20 percent, according to the poll."
    assert found(nlp, text) == [("indirect", "Smith won 40 percent, Jones had 35 percent and Lee took 20 percent", "according")]


def test_two_parts_of_one_content_in_one_quotation_are_one_quote(nlp):
    text = "In a statement, her adviser, Jane Roe, said: “Ms. Park believes that the law is fair, and that the courts will agree.”"
    quotes = find_quotes(nlp(text))
    assert [(text[q.start : q.end], q.type) for q in quotes] == [
        ("Ms. Park believes that the law is fair, and that the courts will agree.", "direct")
    ]


def test_results_are_cached_on_the_doc(nlp):
    doc = nlp("The mayor said the budget would be balanced.")
    assert find_quotes(doc) is find_quotes(doc)


# --------------------------------------------------------------------------
# Cues


def test_headline_colon_is_a_cue_with_its_source(nlp):
    doc = nlp("Poll: Clinton and Trump in dead heat\n\nWASHINGTON: The race is close.")
    colons = [t for t in doc if t.text == ":"]
    assert is_cue(colons[0]) and cue_source(colons[0]).text == "Poll"
    assert not is_cue(colons[1])  # a dateline, not a source


def test_cue_of_a_quote_split_by_its_attribution(nlp):
    text = "“You should go,” he said, “and teach them.”"
    doc = nlp(text)
    first = (1, text.index(",”"))
    second = (text.index("and"), text.index(".”") + 1)
    cue = cue_of_span(doc, first[0], second[1], fragments=[first, second])
    assert cue is not None and cue.text == "said" and cue_source(cue).text == "he"


def test_line_breaks_end_sentences(nlp):
    assert PARAGRAPH_COMPONENT in nlp.pipe_names
    doc = nlp("Senate passes budget\n\nThe vote was close")
    assert [s.text.strip() for s in doc.sents] == ["Senate passes budget", "The vote was close"]
