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


def test_coordinated_that_clauses_of_one_cue_are_one_quote(nlp):
    # one attribution, one quote: from the first clause to the end of the last
    text = "McConnell added that the vote proved the system works and that the Senate would return in March."
    assert found(nlp, text) == [
        ("indirect", "the vote proved the system works and that the Senate would return in March", "added"),
    ]


def test_a_that_clause_the_parser_hangs_elsewhere_still_joins_the_content(nlp):
    text = "The treasurer took pains to say that revenue had stopped falling in March, and that it was now rising."
    [(kind, span, cue)] = found(nlp, text)
    assert (kind, cue) == ("indirect", "say") and span.endswith("had stopped falling in March, and that it was now rising")


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


# --------------------------------------------------------------------------
# Rules for news archives and event-style corpora


def test_two_apostrophes_are_one_double_quotation_mark():
    # newspaper archives without curly quotes; three after an open single
    # quotation: the first closes it
    text = "''We were told, 'the vote is final,''' the mayor said. ''It was not.''"
    assert texts(text) == ["We were told, 'the vote is final,'", "It was not."]
    first = quotation_spans(text)[0]
    assert (first.open, first.close) == (0, text.index(" the mayor") - 1)


def test_two_apostrophes_quote_is_found_with_its_cue(nlp):
    text = "''The bridge will reopen in May,'' the mayor said."
    assert found(nlp, text) == [("direct", "The bridge will reopen in May", "said")]


def test_a_verb_in_the_reporters_tense_ends_the_content(nlp):
    text = "The mayor predicted that the budget would soon recover and thanked the council for its work."
    assert found(nlp, text) == [("indirect", "the budget would soon recover", "predicted")]


def test_a_coordinated_predicate_of_another_tense_stays_in_the_content(nlp):
    text = "The clinic will stay open through the summer and is looking for new nurses, the spokesman said."
    [(kind, span, cue)] = found(nlp, text)
    assert (kind, cue) == ("indirect", "said") and span.endswith("is looking for new nurses")


def test_a_verb_of_speech_takes_a_headline_clause_read_as_infinitive(nlp):
    text = "Governor says raise tolls, fees to fix the bridges.\n\nThe council meets on Monday."
    kind, span, cue = found(nlp, text)[0]
    assert (kind, cue) == ("indirect", "says") and span.startswith("raise tolls")


def test_an_infinitive_on_a_noun_reports_for_the_verbs_subject(nlp):
    text = "The governor took the opportunity to warn that taxes would rise."
    doc = nlp(text)
    warn = next(t for t in doc if t.text == "warn")
    assert cue_source(warn).text == "governor"
    assert found(nlp, text) == [("indirect", "taxes would rise", "warn")]


def test_a_gerund_after_a_preposition_shares_the_subject(nlp):
    text = "The union leader opened the meeting by warning that the mill would close."
    doc = nlp(text)
    warning = next(t for t in doc if t.text == "warning")
    assert cue_source(warning).text == "leader"
    assert found(nlp, text) == [("indirect", "the mill would close", "warning")]


def test_an_accusation_reports_the_accused_and_the_charge(nlp):
    text = "The union accused the company of hiding its profits."
    assert found(nlp, text) == [("indirect", "the company of hiding its profits", "accused")]


def test_an_as_clause_attributes_the_clause_it_qualifies(nlp):
    text = "However, as the Gazette has reported, several mills closed last year."
    assert found(nlp, text) == [("indirect", "several mills closed last year", "reported")]


def test_finding_by_looking_is_not_a_report(nlp):
    assert found(nlp, "Searching the woods, the rangers found only one hiker.") == []
    assert found(nlp, "The survey found broad support for the levy.") == [("indirect", "broad support for the levy", "found")]


@pytest.mark.parametrize(
    "text, content",
    [
        ("The mayor said the plan was “reckless” in its scope, which angered the council.", "the plan was “reckless” in its scope"),
        ("The chief said the station would close early, as was the custom on holidays.", "the station would close early"),
        ("She said that prices had peaked, and that they were now falling - though analysts disagree.", "prices had peaked, and that they were now falling"),
    ],
)
def test_the_writers_aside_at_the_end_is_not_content(nlp, text, content):
    [(kind, span, cue)] = found(nlp, text)
    assert span == content and cue == "said"


def test_dare_and_invite_report_their_infinitive(nlp):
    assert found(nlp, "The mayor dared the council to cut the budget.") == [("indirect", "the council to cut the budget", "dared")]
    assert found(nlp, "The candidate invited voters to judge his record.") == [("indirect", "voters to judge his record", "invited")]


def test_an_appeal_reaches_its_infinitive_across_a_time_word(nlp):
    text = "The lawmakers called on the governor Monday to veto the bill."
    [(kind, span, cue)] = found(nlp, text)
    assert (kind, cue) == ("indirect", "called") and span.endswith("to veto the bill")


def test_quotations_with_another_cue_between_are_two_quotes(nlp):
    text = "“We will not back down from this fight,” the mayor said before adding: “The city deserves better than this.”"
    assert [span for _, span, _ in found(nlp, text)] == [
        "We will not back down from this fight",
        "The city deserves better than this.",
    ]


def test_a_quoted_name_is_neither_a_quote_nor_a_continuation(nlp):
    text = "“We have to cut the budget now,” the governor told “Morning Report” on Friday."
    assert found(nlp, text) == [("direct", "We have to cut the budget now", "told")]


def test_a_so_called_phrase_is_not_a_quote(nlp):
    assert found(nlp, "Farmers and the so- called ‘green lobby’ met in March.") == []


def test_dare_without_an_addressee_is_courage_not_a_challenge(nlp):
    assert found(nlp, "Few lawmakers dare to question the budget.") == []


def test_an_as_clause_of_evidence_is_not_an_attribution(nlp):
    text = "The mayor will keep up her visits to schools, as she has shown in recent weeks."
    assert found(nlp, text) == []


def test_content_interrupted_by_its_attribution_is_one_quote(nlp):
    # the attribution interrupts the reported clause: one quote over both sides
    text = "The letters were about many local issues, the Courier said, including parking, schools and taxes."
    assert found(nlp, text) == [
        ("indirect", "The letters were about many local issues, the Courier said, including parking, schools and taxes", "said")
    ]
    text = "Most residents, according to the survey, support the new library."
    assert found(nlp, text) == [("indirect", "Most residents, according to the survey, support the new library", "according")]


def test_a_time_phrase_after_the_attribution_is_not_content(nlp):
    assert found(nlp, "The plan will fail, the mayor said on Tuesday.") == [("indirect", "The plan will fail", "said")]


def test_a_coordinated_verb_in_the_reporters_tense_through_its_auxiliary(nlp):
    text = "The mayor insists the city must be a place for families, and has pushed a plan of new parks."
    assert found(nlp, text) == [("indirect", "the city must be a place for families", "insists")]


def test_a_quoted_phrase_that_is_what_was_said_is_a_quote(nlp):
    # the object of "shouted" is the words shouted, unlike that of "told"
    text = "When a man in the crowd shouted, “Taxes!” the mayor laughed."
    assert ("direct", "Taxes!", "shouted") in found(nlp, text)


def test_a_statement_saying_reports_for_whoever_issued_it(nlp):
    text = "The museum issued a statement saying that the exhibit would reopen in June."
    doc = nlp(text)
    saying = next(t for t in doc if t.text == "saying")
    assert cue_source(saying).text == "museum"
    assert found(nlp, text) == [("indirect", "the exhibit would reopen in June", "saying")]


def test_a_participle_in_the_reporters_form_ends_the_content(nlp):
    text = "The coach wrote to fans saying: “We will be back next year” and promising to rebuild the team."
    assert ("direct", "We will be back next year", "saying") in found(nlp, text)


def test_a_coordinated_verb_sharing_the_contents_tense_stays_in_it(nlp):
    text = "The mayor said prices had fallen but remained “painfully high” for renters."
    assert found(nlp, text) == [("mixed", "prices had fallen but remained “painfully high” for renters", "said")]


def test_a_gerund_after_for_is_the_objects_act(nlp):
    text = "The minister blames other countries for refusing to take in more people."
    doc = nlp(text)
    refusing = next(t for t in doc if t.text == "refusing")
    assert cue_source(refusing) is None or cue_source(refusing).text != "minister"
