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


def test_post_processing_cuts_at_a_sentence_start_and_adds_cued_rule_quotes():
    # sentences start at 20 and 50 (the words before them end at 18 and 48);
    # a quotation (marks included) runs over 40..70
    layout = detector.Layout(sentence_breaks=[(20, 18), (50, 48)], quotations=[(40, 70)], cued_rules=[(5, 15), (80, 90)])
    # (2, 30) runs over the start at 20: cut to 18; (45, 60) runs over 50, but
    # inside the quotation: kept; (80, 90) from the rules overlaps nothing: added;
    # (5, 15) overlaps (2, 18): not added
    assert detector.post_process([(45, 60), (2, 30)], layout) == [(2, 18), (45, 60), (80, 90)]
    # a span that starts at the sentence start is not cut to nothing
    assert detector.post_process([(20, 30)], detector.Layout([(20, 18)], [], [])) == [(20, 30)]


def test_layout_of_a_parsed_text(nlp):
    text = "Tom Reed said the vote was close. “We won,” he added."
    layout = detector.layout_of(nlp(text))
    second = text.index("“")
    # the second sentence starts at the quotation mark; the first one's last word ends before its full stop
    assert layout.sentence_breaks == [(second, text.index("close") + len("close"))]
    assert layout.quotations == [(second, text.index("”") + 1)]
    assert (text.index("the vote"), text.index(" was close") + len(" was close")) in layout.cued_rules


def test_detected_quotes_take_the_cue_of_the_rule_quote_they_overlap(nlp):
    text = "Lena Hart said the schools needed more teachers. “It is a shame,” she added. The mayor chose “the whole idea”."
    doc = nlp(text)
    content = (text.index("the schools"), text.index(" teachers") + len(" teachers"))
    shame = (text.index("It is"), text.index("a shame") + len("a shame"))
    idea = (text.index("the whole"), text.index("idea") + len("idea"))
    partly = (content[0], content[1] - len(" teachers"))
    found = detector.with_cues(doc, [partly, shame, idea])
    assert [(q.start, q.end) for q in found] == [partly, shame, idea]
    assert found[0].cue is not None and found[0].cue.text == "said" and found[0].type == "indirect"
    assert found[1].cue is not None and found[1].cue.text == "added" and found[1].type == "direct"
    # no rule quote there: the cue is what cue_of_span finds, the type what the marks say
    from baselines.cues import cue_of_span

    expected = cue_of_span(doc, *idea)
    assert found[2].type == "direct" and (found[2].cue is None) == (expected is None)
    assert found[2].cue is None or found[2].cue.i == expected.i


def test_a_model_saved_by_another_version_is_trained_again(parsed, tmp_path):
    documents, docs = parsed
    training = [detector.training_document(doc, [(q.start, q.end) for q in d.quotes]) for d, doc in zip(documents, docs)]
    sha = detector.training_sha256(documents)
    (tmp_path / f"detector-{sha}.pkl").write_bytes(pickle.dumps({"crf": None, "report": {"marker": "old"}}))
    _, report = detector.train_detector(training, sha, models_dir=tmp_path)
    assert "marker" not in report and "decision" in report
    assert pickle.loads((tmp_path / f"detector-{sha}.pkl").read_bytes())["version"] == detector.MODEL_VERSION
