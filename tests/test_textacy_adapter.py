"""The textacy baseline, run with the real spaCy pipeline and textacy 0.13."""

from __future__ import annotations

import subprocess
import sys

import pytest

import baselines
from baselines.textacy_quotes import FoundQuote, pair_by_overlap
from benchmark.gold import Span
from benchmark.models import ModelInput, QuoteSpan

SAID_AFTER = "“The budget is a disaster for our schools,” said Anna Smith."


@pytest.fixture(scope="module")
def model():
    pytest.importorskip("textacy", reason="textacy is an optional extra: pip install -e '.[textacy]'")
    return baselines.get("textacy")


def run(model, nlp, text, track, quotes=None):
    return model.predict(ModelInput("doc1", text, nlp(text), quotes), track)


def test_registered_with_its_name(model):
    assert model.name == "textacy"
    assert model.needs_spacy is True


def test_said_after_quote_gives_speaker_and_trimmed_span(model, nlp):
    rows = run(model, nlp, SAID_AFTER, "end-to-end")
    # “ is character 0, ” is character 42; "Anna Smith" runs from 49 to 59
    assert rows == [
        {"doc_id": "doc1", "start": 1, "end": 42, "speaker": "Anna Smith",
         "speaker_start": 49, "speaker_end": 59, "type": "direct"}
    ]
    assert SAID_AFTER[1:42] == "The budget is a disaster for our schools,"


def test_unclosed_quote_falls_back_to_balanced_paragraphs(model, nlp):
    # three quotation marks: textacy alone refuses the whole document
    text = "“This first paragraph opens a long quote about taxes.\n\n" + SAID_AFTER
    rows = run(model, nlp, text, "end-to-end")
    offset = text.index(SAID_AFTER)  # 55
    assert offset == 55
    assert [(r["start"], r["end"], r["speaker"], r["speaker_start"], r["speaker_end"]) for r in rows] == [
        (56, 97, "Anna Smith", 104, 114)
    ]


def test_unbalanced_paragraph_is_skipped(model, nlp):
    # the straight apostrophe is a quotation-mark token to spaCy
    text = SAID_AFTER + "\nThe teachers' union agreed with the mayor on every point."
    rows = run(model, nlp, text, "end-to-end")
    assert [(r["start"], r["end"]) for r in rows] == [(1, 42)]


def test_attribution_pairs_found_quote_and_abstains_on_indirect(model, nlp):
    text = (
        "Anna Smith said the budget would hurt schools across the region. "
        "“It is a disaster for every family in this city,” Tom Brown told reporters."
    )
    indirect = QuoteSpan("q1", 16, 63)  # "the budget would hurt schools across the region"
    direct = QuoteSpan("q2", 66, 113)   # "It is a disaster for every family in this city,"
    assert text[16:63] == "the budget would hurt schools across the region"
    assert text[66:113] == "It is a disaster for every family in this city,"
    rows = run(model, nlp, text, "attribution", [indirect, direct])
    assert rows == [
        {"doc_id": "doc1", "quote_id": "q1", "speaker": None},
        {"doc_id": "doc1", "quote_id": "q2", "speaker": "Tom Brown", "speaker_start": 115, "speaker_end": 124},
    ]
    assert text[115:124] == "Tom Brown"


def test_attribution_with_no_quote_found_abstains_everywhere(model, nlp):
    text = "The council met on Tuesday. Nobody spoke to the press afterwards."
    rows = run(model, nlp, text, "attribution", [QuoteSpan("q1", 0, 26)])
    assert rows == [{"doc_id": "doc1", "quote_id": "q1", "speaker": None}]


def found(start, end, speaker="X"):
    return FoundQuote(start, end, speaker, 0, 1)


def test_pairing_needs_half_of_the_longer_span():
    quotes = [QuoteSpan("q1", 0, 100)]
    assert pair_by_overlap([found(0, 49)], quotes) == {}  # 49 / 100
    assert pair_by_overlap([found(0, 50)], quotes) == {"q1": found(0, 50)}  # 50 / 100
    assert pair_by_overlap([found(50, 150)], quotes) == {"q1": found(50, 150)}  # 50 / 100
    assert pair_by_overlap([found(60, 160)], quotes) == {}  # 40 / 100


def test_pairing_is_one_to_one_best_overlap_first():
    quotes = [QuoteSpan("q1", 0, 10), QuoteSpan("q2", 0, 12)]
    # the found quote shares 12 characters with q2 and 10 with q1: q2 gets it, q1 none
    assert pair_by_overlap([found(0, 12, "A")], quotes) == {"q2": found(0, 12, "A")}
    # two found quotes: each gold quote gets one
    pairs = pair_by_overlap([found(0, 12, "A"), found(0, 10, "B")], quotes)
    assert pairs == {"q2": found(0, 12, "A"), "q1": found(0, 10, "B")}


def test_pairing_counts_only_the_characters_of_fragments():
    # “You should go,” he said, “and teach.”: fragments 1-15 and 27-37 (24 characters)
    quote = QuoteSpan("q1", 1, 37, (Span(1, 15), Span(27, 37)))
    assert pair_by_overlap([found(1, 15)], [quote]) == {"q1": found(1, 15)}  # 14 / 24
    assert pair_by_overlap([found(27, 37)], [quote]) == {}  # 10 / 24
    assert pair_by_overlap([found(15, 27)], [quote]) == {}  # between the fragments


def test_missing_textacy_is_a_clear_error_and_the_package_still_imports():
    script = (
        "import sys; sys.modules['textacy'] = None\n"  # as if it were not installed
        "import baselines\n"
        "assert 'textacy' in baselines.names()\n"
        "try:\n"
        "    baselines.get('textacy')\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "textacy is not installed: pip install 'quotebench[textacy]'"
