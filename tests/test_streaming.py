"""Streaming runs (benchmark/runner.py): documents parsed in paragraph pieces
joined back with exact offsets, every model run on a document as soon as its
parse is complete, its Doc dropped afterwards; what a model that needs the
whole set keeps; processes chosen by characters; a bar counting characters."""

from __future__ import annotations

import gc
import re
import weakref

import pytest

from benchmark.gold import Document, Entity, GoldSet, Quote, Span
from benchmark.runner import (
    PARALLEL_FROM_CHARS,
    PIECE_MAX_CHARS,
    PIECES_PER_BATCH,
    paragraph_pieces,
    parse_documents,
    processes_for,
    run_model,
    run_models,
)


@pytest.fixture(scope="module")
def nlp():
    from benchmark.models import load_pipeline

    return load_pipeline()


def texts_of(text: str, pieces: list[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in pieces]


# --------------------------------------------------------------------------
# Pieces


def test_pieces_end_at_the_last_blank_line_within_the_size():
    text = "aaa\n\nbbb\n\nccc"
    assert texts_of(text, paragraph_pieces(text, size=5)) == ["aaa\n\n", "bbb\n\n", "ccc"]
    assert texts_of(text, paragraph_pieces(text, size=10)) == ["aaa\n\nbbb\n\n", "ccc"]
    # the white space after a blank line goes with the piece it ends
    text = "one.\n \n\n  two.\n\nthree."
    assert texts_of(text, paragraph_pieces(text, size=9)) == ["one.\n \n\n  ", "two.\n\n", "three."]
    assert paragraph_pieces("short", size=5) == [(0, 5)]
    assert paragraph_pieces("", size=5) == [(0, 0)]


def test_a_paragraph_longer_than_the_size_is_kept_whole_up_to_the_maximum():
    text = "a" * 30 + "\n\n" + "b" * 5
    assert texts_of(text, paragraph_pieces(text, size=10, max_size=40)) == ["a" * 30 + "\n\n", "b" * 5]


def test_past_the_maximum_a_paragraph_is_cut_at_a_line_break_then_a_space_then_anywhere():
    lines = "line one\nline two\nline three"
    assert texts_of(lines, paragraph_pieces(lines, size=5, max_size=20)) == ["line one\nline two\n", "line three"]
    words = "word " * 8  # 40 characters, no line break
    assert texts_of(words, paragraph_pieces(words, size=5, max_size=12)) == ["word word ", "word word ", "word word ", "word word "]
    assert texts_of("x" * 25, paragraph_pieces("x" * 25, size=5, max_size=10)) == ["x" * 10, "x" * 10, "x" * 5]


def test_pieces_cover_a_novel_like_text_exactly_and_stay_under_the_maximum():
    paragraphs = [("word " * (7 * k % 400 + 1)).strip() for k in range(1, 3000)]
    text = "\n\n".join(paragraphs)
    pieces = paragraph_pieces(text)
    assert pieces[0][0] == 0 and pieces[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:]))
    assert all(0 < end - start <= PIECE_MAX_CHARS for start, end in pieces)
    assert all(text[end - 2:end] == "\n\n" for _, end in pieces[:-1])  # every cut at a blank line


# --------------------------------------------------------------------------
# Joined Docs


QUOTED = (
    "Chapter One\n\n"
    "\u201cI have walked all morning,\u201d said Mr. Darcy, \u201cand I have seen nobody.\n\n"
    "\u201cNobody at all, I tell you, not a soul on the road.\u201d\n\n"
    "Elizabeth laughed. \u201cThen you walked the wrong way,\u201d she said.\n\n"
)


def test_a_document_parsed_in_pieces_is_one_doc_with_the_exact_offsets(nlp):
    text = QUOTED * 3
    assert len(paragraph_pieces(text, size=60)) > 6
    (doc,) = parse_documents(nlp, [text], piece_chars=60, progress=False)
    assert doc.text == text
    whole = nlp(text)
    assert [(t.idx, t.text) for t in doc if not t.is_space] == [(t.idx, t.text) for t in whole if not t.is_space]
    # a quotation over two paragraphs (so over two pieces) is one span of the one Doc
    start = text.index("and I have seen")
    end = text.index("on the road.") + len("on the road.")
    span = doc.char_span(start, end)
    assert span is not None and span.text == text[start:end]
    # a piece boundary is a paragraph break, where a sentence starts anyway
    assert all(doc[doc.char_span(b, b + 1, alignment_mode="expand").start].is_sent_start
               for _, b in paragraph_pieces(text, size=60)[:-1] if b < len(text))
    assert doc.has_annotation("DEP") and doc.tensor.size == 0


def test_max_length_is_never_the_limit(nlp):
    text = "\n\n".join(f"Paragraph {i} says very little, as paragraphs go." for i in range(700))
    saved = nlp.max_length
    nlp.max_length = 10_000
    try:
        with pytest.raises(ValueError, match="max_length"):
            nlp(text)
        (doc,) = parse_documents(nlp, [text], progress=False)
    finally:
        nlp.max_length = saved
    assert len(text) > 3 * 10_000 and doc.text == text
    one_paragraph = "word " * 30_000  # no paragraph break at all, and longer than max_length
    nlp.max_length = 20_000
    try:
        (doc,) = parse_documents(nlp, [one_paragraph], progress=False)
    finally:
        nlp.max_length = saved
    assert doc.text == one_paragraph


def test_two_processes_give_the_same_parse_as_one(nlp):
    texts = [QUOTED * 40, "A short one.\n\nIt said so.", QUOTED * 25]
    one = parse_documents(nlp, texts, n_process=1, progress=False)
    two = parse_documents(nlp, texts, n_process=2, progress=False)
    assert [[(t.idx, t.tag_, t.dep_, t.head.i) for t in d] for d in one] == [[(t.idx, t.tag_, t.dep_, t.head.i) for t in d] for d in two]


def test_processes_are_chosen_by_characters_not_documents():
    import os

    assert processes_for(PARALLEL_FROM_CHARS - 1) == 1
    assert processes_for(PARALLEL_FROM_CHARS) == (os.cpu_count() or 1)


def test_the_progress_bar_counts_characters(nlp, capsys):
    texts = ["Ann said hello.\n\nBob said goodbye.", "x" * 1200]
    parse_documents(nlp, texts, progress=True)
    err = capsys.readouterr().err
    assert "parsing" in err and "char/s" in err
    assert re.search(r"/1\.2\dk ", err), err  # the total: 1,234 characters, not 2 documents


# --------------------------------------------------------------------------
# Streaming: Docs dropped per document


def novel_gold(n_documents: int, copies: int = 2) -> GoldSet:
    documents = []
    for i in range(n_documents):
        text = QUOTED * copies
        start = text.index("I have walked")
        quote = Quote("q1", start, start + len("I have walked all morning,"), "direct", "darcy", None)
        darcy = Entity("darcy", "Mr. Darcy", "person", ["Mr. Darcy", "Darcy"], [Span(text.index("Mr. Darcy"), text.index("Mr. Darcy") + 9)])
        documents.append(Document(f"novel{i}", f"test:novel{i}", text, [darcy], [quote]))
    return GoldSet(documents, "test:novels", "0" * 64)


class DocWatcher:
    """A model that needs spaCy and counts, at each prediction, the Docs it
    was shown that are still alive."""

    name = "watcher"
    needs_spacy = True

    def __init__(self):
        self.seen = weakref.WeakSet()
        self.alive_at_predict: list[int] = []

    def predict(self, item, track):
        self.seen.add(item.doc)
        gc.collect()
        self.alive_at_predict.append(len(self.seen))
        return [{"doc_id": item.doc_id, "quote_id": q.id, "speaker": "Darcy"} for q in item.quotes or ()]


def test_each_document_is_predicted_as_soon_as_it_is_parsed_and_its_doc_dropped(nlp):
    gold = novel_gold(30)
    watcher = DocWatcher()
    rows = run_models([watcher], gold, ["attribution", "end-to-end"], nlp=nlp, progress=False)
    assert [r["doc_id"] for r in rows[("watcher", "attribution")]] == [f"novel{i}" for i in range(30)]
    assert len(watcher.alive_at_predict) == 60
    # never more Docs alive than one batch of pieces in the parser and the current one
    assert max(watcher.alive_at_predict) <= PIECES_PER_BATCH + 1
    gc.collect()
    assert len(watcher.seen) == 0


class Featurizer:
    """A trainable model with the ``featurize`` hook: it keeps the number of
    tokens of each document and the gold spans it was given."""

    name = "featurizer"
    needs_spacy = True

    def __init__(self):
        self.docs = weakref.WeakSet()
        self.fitted_on: list = []
        self.alive_at_fit: list[int] = []

    def featurize(self, item, quotes):
        self.docs.add(item.doc)
        return {"tokens": len(item.doc), "quotes": [(q.id, q.start, q.end) for q in quotes]}

    def fit(self, items, documents):
        gc.collect()
        self.alive_at_fit.append(len(self.docs))
        assert all(item.doc is None for item in items)
        self.fitted_on = [item.features for item in items]

    def predict(self, item, track):
        assert item.doc is None and item.features["tokens"] > 0
        return [{"doc_id": item.doc_id, "quote_id": q.id, "speaker": None} for q in item.quotes or ()]


def test_a_model_that_needs_the_whole_set_keeps_its_features_not_the_docs(nlp):
    gold = novel_gold(6)
    model = Featurizer()
    rows = run_model(model, gold, "attribution", nlp=nlp, progress=False)
    assert len(rows) == 6
    assert model.alive_at_fit and max(model.alive_at_fit) == 0  # every Doc gone before the first fit
    quote = gold.documents[0].quotes[0]
    assert model.fitted_on[0]["quotes"] == [("q1", quote.start, quote.end)]  # spans, never speakers


def test_a_trainable_model_without_the_hook_still_gets_docs(nlp):
    gold = novel_gold(3)

    class Learner:
        name = "learner"
        needs_spacy = True
        fitted = 0

        def fit(self, items, documents):
            assert all(item.doc is not None and item.doc.text == d.text for item, d in zip(items, documents))
            self.fitted += 1

        def predict(self, item, track):
            assert item.doc is not None
            return [{"doc_id": item.doc_id, "quote_id": q.id, "speaker": "Darcy"} for q in item.quotes]

    model = Learner()
    assert len(run_model(model, gold, "attribution", nlp=nlp, progress=False)) == 3
    assert model.fitted == 3  # three documents: three folds
