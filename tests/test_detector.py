"""The learned quote detector (baselines/detector.py) and what ``learned``
keeps of a document for streaming runs, on short texts written for these
tests, parsed by the real spaCy pipeline."""

from __future__ import annotations

import pickle

import pytest

import baselines
from baselines import detector
from benchmark.gold import Document, Entity, Quote, Span
from benchmark.models import ModelInput, QuoteSpan

SPEAKERS = ("Anna Berg", "Tom Reed", "Lena Hart", "Omar Diaz")
VERBS = ("said", "warned", "argued", "added")


def article(k: int) -> Document:
    """An article of four paragraphs: two direct quotes and two indirect
    ones, each attributed by name."""
    a, b = SPEAKERS[k % 4], SPEAKERS[(k + 1) % 4]
    paragraphs = [
        f"“The budget for year {k} is too small,” {a} {VERBS[k % 4]}.",
        f"{b} said the council would vote on the plan in week {k + 2}.",
        f"“We have waited long enough for repairs,” said {b}.",
        f"{a} argued that the schools needed {k + 3} more teachers.",
    ]
    text = "\n\n".join(paragraphs)
    contents = [
        f"The budget for year {k} is too small",
        f"the council would vote on the plan in week {k + 2}",
        "We have waited long enough for repairs",
        f"the schools needed {k + 3} more teachers",
    ]
    speakers = [a, b, b, a]
    quotes = []
    for i, (content, speaker) in enumerate(zip(contents, speakers)):
        start = text.index(content)
        quotes.append(Quote(f"q{i}", start, start + len(content), "direct" if i % 2 == 0 else "indirect",
                            speaker.lower().replace(" ", "_")))
    entities = [
        Entity(name.lower().replace(" ", "_"), name, "person", [name, name.split()[1]],
               [Span(m, m + len(name)) for m in _find_all(text, name)])
        for name in {a, b}
    ]
    return Document(f"doc{k}", "<memory>", text, entities, quotes)


def _find_all(text: str, word: str) -> list[int]:
    out, i = [], text.find(word)
    while i >= 0:
        out.append(i)
        i = text.find(word, i + 1)
    return out


def test_spans_of_tags():
    spans = [(0, 3), (4, 8), (9, 12), (13, 15), (16, 20)]
    assert detector.spans_of(["O", "B", "I", "O", "B"], spans) == [(4, 12), (16, 20)]
    assert detector.spans_of(["I", "I", "B", "I", "O"], spans) == [(0, 8), (9, 15)]


def test_detection_counts_at_half_overlap():
    gold = [(0, 10), (20, 30)]
    # (0, 10) exact; (20, 24) shares 4 of 10 characters: not a match; (40, 45) matches nothing
    assert detector.detection_counts([(0, 10), (20, 24), (40, 45)], gold) == (1, 3, 2)
    assert detector.detection_counts([(21, 30)], gold) == (1, 1, 2)


def test_training_sha256_follows_the_training_documents():
    one, two = article(1), article(2)
    assert detector.training_sha256([one, two]) == detector.training_sha256([article(1), article(2)])
    assert detector.training_sha256([one, two]) != detector.training_sha256([two, one])
    assert detector.training_sha256([one]) != detector.training_sha256([one, two])


@pytest.fixture(scope="module")
def parsed(nlp):
    documents = [article(k) for k in range(8)]
    return documents, [nlp(d.text) for d in documents]


def test_the_detector_is_trained_compared_and_saved(parsed, tmp_path):
    documents, docs = parsed
    training = [detector.training_document(doc, [(q.start, q.end) for q in d.quotes]) for d, doc in zip(documents, docs)]
    sha = detector.training_sha256(documents)
    found, report = detector.train_detector(training, sha, models_dir=tmp_path)
    assert report["decision"] in ("crf", "rules")
    assert set(report["held_out_f1"]) == {"crf", "rules"}
    assert (found is not None) == (report["decision"] == "crf")
    path = tmp_path / f"detector-{sha}.pkl"
    assert path.exists() and (tmp_path / ".gitignore").read_text().strip().endswith("*")
    # a second call loads what was saved instead of training again
    saved = pickle.loads(path.read_bytes())
    saved["report"]["marker"] = "loaded"
    path.write_bytes(pickle.dumps(saved))
    _, again = detector.train_detector(training, sha, models_dir=tmp_path)
    assert again["marker"] == "loaded"
    if found is not None:
        spans = found.find(docs[0])
        assert all(0 <= a < b <= len(documents[0].text) for a, b in spans)


def test_the_crf_learns_the_quotes_of_its_training_documents(parsed):
    documents, docs = parsed
    training = [detector.training_document(doc, [(q.start, q.end) for q in d.quotes]) for d, doc in zip(documents, docs)]
    found = detector.QuoteDetector(detector._fit_crf(training, 0)).find(docs[0])
    matched, _, gold = detector.detection_counts(found, [(q.start, q.end) for q in documents[0].quotes])
    assert gold == 4 and matched >= 3


def test_learned_predicts_the_same_from_features_as_from_docs(parsed):
    documents, docs = parsed
    train_docs, test_doc = documents[:6], documents[6]
    items = [ModelInput(d.doc_id, d.text, doc, [QuoteSpan(q.id, q.start, q.end) for q in d.quotes])
             for d, doc in zip(documents, docs)]
    from_docs = baselines.get("learned").fit(items[:6], train_docs)
    model = baselines.get("learned")
    featurized = []
    for item, d in zip(items, documents):
        features = model.featurize(item, [QuoteSpan(q.id, q.start, q.end) for q in d.quotes])
        assert "spacy" not in repr(type(features)) and not any("spacy" in repr(type(v)) for v in features.values())
        featurized.append(ModelInput(item.doc_id, item.text, None, item.quotes, features=features))
    model.fit(featurized[:6], train_docs)
    expected = from_docs.predict(items[6], "attribution")
    assert model.predict(featurized[6], "attribution") == expected
    assert sum(row["speaker"] is not None for row in expected) == 4
    by_quote = {row["quote_id"]: row for row in expected}
    text = test_doc.text
    # q1 is "Omar Diaz said the council would vote ...": the subject of "said"
    assert text[by_quote["q1"]["speaker_start"] : by_quote["q1"]["speaker_end"]] == "Omar Diaz"
