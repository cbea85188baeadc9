"""Where line breaks start sentences (benchmark.models.line_break_sentence_starts,
the pipeline component quotebench_paragraphs), with the real spaCy pipeline,
and the parse cache never serving a Doc parsed under another rule."""

from __future__ import annotations

import re

import pytest

import benchmark.models as models
from benchmark.models import PARAGRAPH_COMPONENT, line_break_sentence_starts
from benchmark.parse_cache import ParseCache, pipeline_key
from benchmark.runner import parse_documents

# A novel as Project Gutenberg wraps it: lines of at most 70 characters,
# paragraphs separated by blank lines.
NOVEL = (
    '"What was your evening?"\n'
    "\n"
    '"Audrey rang up at eight and asked me to dinner. Ten of us at the\n'
    "Embassy, rather dreary. Afterwards we all went on to a party given by\n"
    'a woman called de Trommet."\n'
    "\n"
    '"Was anyone there?" asked Beaver, who had been reading the paper all\n'
    "the morning and had not yet looked at the letters.\n"
    "\n"
    '"Nobody," said Mrs Beaver, "except two housemaids who lost their\n'
    "places because of it, and a young man who was mentioned in the paper\n"
    'as having been seen there on the night of the fire."'
)

# Scraped news: a headline, a dateline and each paragraph on a line of its own.
ONE_LINE_NEWS = (
    "Senate passes budget after all-night session\n"
    "WASHINGTON, March 3 (Reuters)\n"
    "The Senate passed the budget early on Sunday after a session that ran through the night, "
    "ending a standoff that had threatened to close parts of the government.\n"
    "\u201cWe did our job,\u201d the majority leader told reporters as the chamber emptied.\n"
    "The House is expected to take up the bill next week, where its fate is less certain "
    "because several members have said they will oppose it.\n"
)

# News with blank lines between paragraphs, a headline block of three lines.
BLANK_LINE_NEWS = (
    "Mayor rejects the transit plan\n"
    "By Jane Doe, City Desk\n"
    "March 3, 2024\n"
    "\n"
    "The mayor said on Friday that the plan was too costly\n"
    "\n"
    "Council members disagreed"
)


def sentence_starts(doc) -> list[str]:
    """The first word of each sentence, white space left out."""
    return [next(t.text for t in sent if not t.is_space) for sent in doc.sents]


def line_starts(text: str) -> list[int]:
    """The offset of the first non-space character of every non-blank line
    but the first: where the old rule started a sentence."""
    return [m.end() for m in re.finditer(r"\n\s*", text) if m.end() < len(text)]


def test_a_hard_wrapped_novel_is_cut_only_at_its_paragraphs(nlp):
    assert PARAGRAPH_COMPONENT in nlp.pipe_names
    paragraph_offsets = [NOVEL.index('"Audrey'), NOVEL.index('"Was anyone'), NOVEL.index('"Nobody')]
    assert line_break_sentence_starts(NOVEL) == paragraph_offsets
    doc = nlp(NOVEL)
    # the parser's own sentence starts after full stops stay; no line break
    # inside a paragraph starts a sentence
    assert sentence_starts(doc) == ['"', '"', "Ten", "Afterwards", '"', '"']
    cue = next(sent for sent in doc.sents if "Nobody" in sent.text)
    assert cue.text.rstrip().endswith('on the night of the fire."')  # the whole paragraph
    said = next(t for t in doc if t.text == "said")
    assert "Beaver" in [c.text for c in said.children if c.dep_ == "nsubj"]


def test_headline_dateline_and_one_line_paragraphs_each_start_a_sentence(nlp):
    assert line_break_sentence_starts(ONE_LINE_NEWS) == line_starts(ONE_LINE_NEWS)
    doc = nlp(ONE_LINE_NEWS)
    assert sentence_starts(doc) == ["Senate", "WASHINGTON", "The", "\u201c", "The"]


def test_a_headline_block_over_blank_line_paragraphs_is_cut_at_every_line(nlp):
    assert line_break_sentence_starts(BLANK_LINE_NEWS) == line_starts(BLANK_LINE_NEWS)
    doc = nlp(BLANK_LINE_NEWS)
    assert sentence_starts(doc) == ["Mayor", "By", "March", "The", "Council"]


def test_indentation_and_short_lines_start_a_sentence_inside_wrapped_text():
    text = (
        "The post came late that morning, and there was only one letter in it,\n"
        "a thin grey envelope with no stamp that the boy had carried up from\n"
        "the village himself and would not give to anyone but the mistress.\n"
        "She took the letter from the table and read it twice over before she\n"
        "could make out the hand, which was cramped and hurried as if written\n"
        "by someone who had no time to lose, and it said only this:\n"
        "    Come at once. All is known.\n"
        "It was signed with a single initial that she did not recognise at all\n"
        "Yours truly,\n"
        "John Smith\n"
    )
    assert line_break_sentence_starts(text) == [
        text.index("Come at once"),  # indented
        text.index("It was signed"),  # after the indented line (not full: too short)
        text.index("John Smith"),  # after a short line
    ]


def test_fewer_than_three_full_lines_or_a_narrow_column_is_not_wrapped_text():
    two_full = (
        "She took the letter from the table and read it twice over before she\n"
        "could make out the hand, which was cramped and hurried as if written\n"
        "by someone who had no time to lose."
    )
    assert line_break_sentence_starts(two_full) == line_starts(two_full)
    numbered_headlines = "1\nJohn Leguizamo On History\n2\nSalma Hayek On Her Career\n3\nZoe Saldana Responds\n4\nEnd"
    assert line_break_sentence_starts(numbered_headlines) == line_starts(numbered_headlines)


def test_blank_lines_with_spaces_and_carriage_returns_are_paragraph_breaks():
    text = "First paragraph here\r\n  \r\nSecond one\n\n\n   Third"
    assert line_break_sentence_starts(text) == [text.index("Second"), text.index("Third")]


def test_the_cache_key_carries_the_rule_version(nlp, monkeypatch):
    key = pipeline_key(nlp)
    monkeypatch.setattr(models, "PARAGRAPH_RULE_VERSION", models.PARAGRAPH_RULE_VERSION + 1)
    assert pipeline_key(nlp) != key


def parse_with_the_old_rule(nlp, text):
    """``text`` parsed by the same pipeline with the rule of version 1: every
    line break starts a sentence."""
    doc = nlp.make_doc(text)
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    for name, component in nlp.pipeline:
        if name != PARAGRAPH_COMPONENT:
            doc = component(doc)
    return doc


def test_a_cache_entry_parsed_under_the_old_rule_is_not_served(nlp, tmp_path, monkeypatch):
    old = parse_with_the_old_rule(nlp, NOVEL)
    assert "who" not in sentence_starts(old) and "places" in sentence_starts(old)  # the old rule cut the cue
    with monkeypatch.context() as patch:
        patch.setattr(models, "PARAGRAPH_RULE_VERSION", 1)
        old_cache = ParseCache(tmp_path, nlp)
        old_cache.put(NOVEL, old)
        assert ParseCache(tmp_path, nlp).get(NOVEL) is not None  # served to the old rule

    cache = ParseCache(tmp_path, nlp)
    assert cache.directory != old_cache.directory
    assert cache.get(NOVEL) is None and (cache.hits, cache.misses) == (0, 1)
    [doc] = parse_documents(nlp, [NOVEL], cache=cache, progress=False)
    assert "places" not in sentence_starts(doc)
    assert sentence_starts(doc) == sentence_starts(nlp(NOVEL))


@pytest.mark.parametrize(
    ("text", "piece_chars"),
    # news in pieces of a paragraph; the novel in pieces of three wrapped
    # lines or more (a piece of one paragraph of two lines is not seen as
    # wrapped: the runner's pieces of 10,000 characters hold a hundred lines)
    [(ONE_LINE_NEWS, 60), (BLANK_LINE_NEWS, 60), (NOVEL + "\n\n" + NOVEL, len(NOVEL))],
)
def test_the_runner_parsing_in_pieces_gives_the_same_sentences(nlp, text, piece_chars):
    [doc] = parse_documents(nlp, [text], piece_chars=piece_chars, progress=False)
    assert sentence_starts(doc) == sentence_starts(nlp(text))
