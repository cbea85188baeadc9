"""Running models over a gold set (benchmark/runner.py): what a model sees,
cross-validation of trainable models, writing predictions, and the
``quotebench baselines`` command end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmark.cli import main
from benchmark.errors import UsageError
from benchmark.gold import Document, Entity, GoldSet, Quote, Span, load_gold, write_gold
from benchmark.models import ModelInput, TrainableModel
from benchmark.runner import assign_folds, fold_units, parse_documents, run_model, write_predictions

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "tests" / "data" / "dev_news.jsonl"


def make_document(doc_id: str, n_quotes: int) -> Document:
    """A document of ``n_quotes`` sentences "Ann said sN." with one quote
    each (the sN), spoken by Ann."""
    text, quotes, mentions = "", [], []
    for i in range(1, n_quotes + 1):
        start = len(text)
        mentions.append(Span(start, start + 3))
        text += f"Ann said s{i}. "
        quotes.append(Quote(f"q{i}", start + 9, start + 10 + len(str(i)), "indirect", "ann", Span(start, start + 3)))
    return Document(doc_id, f"test:{doc_id}", text, [Entity("ann", "Ann", "person", ["Ann"], mentions)], quotes)


def make_gold(tmp_path: Path, sizes: list[int]) -> GoldSet:
    path = tmp_path / "gold.jsonl"
    write_gold([make_document(f"doc{i}", n) for i, n in enumerate(sizes)], path)
    return load_gold(path)


class Echo:
    """A model without spaCy that says every quote is Ann's and records what
    it was shown."""

    name = "echo"
    needs_spacy = False

    def __init__(self):
        self.seen: list[ModelInput] = []

    def predict(self, item, track):
        self.seen.append(item)
        if track == "attribution":
            return [{"doc_id": item.doc_id, "quote_id": q.id, "speaker": "Ann"} for q in item.quotes]
        return [{"doc_id": item.doc_id, "start": 0, "end": 3, "speaker": "Ann"}]


class Spy:
    """A trainable model that stamps each row with the quotes it was trained
    on, so that a test can check it never predicts one of them."""

    name = "spy"
    needs_spacy = False

    def __init__(self, end_to_end_rows=None):
        self.trained_on: frozenset = frozenset()
        self.fits = 0
        self.end_to_end_rows = end_to_end_rows or {}

    def fit(self, items, documents):
        assert all(item.doc_id == doc.doc_id for item, doc in zip(items, documents))
        self.fits += 1
        self.trained_on = frozenset((d.doc_id, q.id) for d in documents for q in d.quotes)

    def predict(self, item, track):
        if track == "attribution":
            rows = [{"doc_id": item.doc_id, "quote_id": q.id, "speaker": "Ann"} for q in item.quotes]
        else:
            rows = [dict(r, doc_id=item.doc_id) for r in self.end_to_end_rows.get(item.doc_id, [])]
        for row in rows:
            row["trained_on"] = self.trained_on
        return rows


# --------------------------------------------------------------------------
# What a model sees


def test_a_model_sees_quote_spans_but_never_speakers(tmp_path):
    gold = make_gold(tmp_path, [2, 1])
    model = Echo()
    rows = run_model(model, gold, "attribution")
    assert rows == [
        {"doc_id": "doc0", "quote_id": "q1", "speaker": "Ann"},
        {"doc_id": "doc0", "quote_id": "q2", "speaker": "Ann"},
        {"doc_id": "doc1", "quote_id": "q1", "speaker": "Ann"},
    ]
    first = model.seen[0]
    assert first.doc is None  # needs_spacy is false: nothing parsed
    assert [(q.id, q.start, q.end) for q in first.quotes] == [("q1", 9, 11), ("q2", 22, 24)]
    assert not hasattr(first.quotes[0], "speaker")
    run_model(model, gold, "end-to-end")
    assert model.seen[-1].quotes is None


def test_parsed_docs_are_shared_not_reparsed(tmp_path):
    from benchmark.models import load_pipeline

    gold = make_gold(tmp_path, [1, 1])
    nlp = load_pipeline()
    docs = list(nlp.pipe([d.text for d in gold.documents]))

    class NeedsSpacy(Echo):
        needs_spacy = True

    model = NeedsSpacy()
    run_model(model, gold, "attribution", docs=docs)
    assert [item.doc for item in model.seen] == docs and all(a is b for a, b in zip([i.doc for i in model.seen], docs))
    model.seen.clear()
    run_model(model, gold, "attribution", nlp=nlp)  # parsed here, once per document
    assert [item.doc.text for item in model.seen] == [d.text for d in gold.documents]


def test_documents_parse_in_two_processes_exactly_as_in_one():
    from benchmark.models import load_pipeline

    nlp = load_pipeline()
    texts = [f"Story {i}\nThe mayor said taxes would rise. “We will fight,” said Ana Ruiz." for i in range(40)]

    def parses(docs):
        return [[(t.text, t.dep_, t.head.i, t.is_sent_start) for t in doc] for doc in docs]

    parallel = parse_documents(nlp, texts, n_process=2, progress=False)
    assert parses(parallel) == parses(nlp.pipe(texts))
    # The paragraph component runs in the worker processes too.
    assert all(doc[3].text == "The" and doc[3].is_sent_start for doc in parallel)


def test_a_model_returning_something_else_than_rows_is_refused(tmp_path):
    gold = make_gold(tmp_path, [1])

    class Broken(Echo):
        def predict(self, item, track):
            return "Ann"

    with pytest.raises(UsageError, match="returned str for document 'doc0'"):
        run_model(Broken(), gold, "attribution")


def test_unknown_track_is_refused(tmp_path):
    with pytest.raises(UsageError, match="unknown track"):
        run_model(Echo(), make_gold(tmp_path, [1]), "speakers")


# --------------------------------------------------------------------------
# Cross-validation


def test_folds_are_kfold_with_a_fixed_seed():
    from sklearn.model_selection import KFold

    folds = assign_folds(12)
    assert folds == assign_folds(12)
    assert sorted(np.bincount(folds)) == [2, 2, 2, 3, 3]
    expected = [0] * 12
    for k, (_, test) in enumerate(KFold(5, shuffle=True, random_state=0).split(range(12))):
        for i in test:
            expected[i] = k
    assert folds == expected
    assert max(assign_folds(3)) == 2  # fewer units than folds: one unit a fold


def test_trainable_protocol():
    assert isinstance(Spy(), TrainableModel)
    assert not isinstance(Echo(), TrainableModel)


def test_folds_by_document_when_there_are_several(tmp_path):
    gold = make_gold(tmp_path, [2, 3, 1, 2, 2, 1, 3])
    scheme, units = fold_units(gold)
    assert scheme == "document" and len(units) == 7
    model = Spy()
    rows = run_model(model, gold, "attribution")
    assert model.fits == 5
    assert [(r["doc_id"], r["quote_id"]) for r in rows] == [(d.doc_id, q.id) for d in gold.documents for q in d.quotes]
    for row in rows:
        # never trained on any quote of the document it predicts
        assert not any(doc_id == row["doc_id"] for doc_id, _ in row["trained_on"])
        assert len(row["trained_on"]) > 0


def test_folds_by_quote_with_one_document(tmp_path):
    gold = make_gold(tmp_path, [11])
    scheme, units = fold_units(gold)
    assert scheme == "quote" and len(units) == 11
    rows = run_model(Spy(), gold, "attribution")
    assert [r["quote_id"] for r in rows] == [f"q{i}" for i in range(1, 12)]
    for row in rows:
        assert ("doc0", row["quote_id"]) not in row["trained_on"]
        assert len(row["trained_on"]) >= 8  # trained on the other four folds


def test_end_to_end_rows_belong_to_the_gold_quote_they_overlap_most(tmp_path):
    gold = make_gold(tmp_path, [6])
    q = {quote.id: quote for quote in gold.documents[0].quotes}
    found = [
        {"start": q["q2"].start, "end": q["q2"].end, "speaker": "Ann"},
        {"start": q["q5"].start - 1, "end": q["q5"].end, "speaker": "Ann"},
        # overlaps no quote: belongs to the one whose midpoint is nearest (q3)
        {"start": q["q3"].end + 2, "end": q["q3"].end + 4, "speaker": "Ann"},
    ]
    rows = run_model(Spy({"doc0": found}), gold, "end-to-end")
    assert [r["start"] for r in rows] == sorted(r["start"] for r in found)  # each kept once, in text order
    owner = {found[0]["start"]: "q2", found[1]["start"]: "q5", found[2]["start"]: "q3"}
    for row in rows:
        assert ("doc0", owner[row["start"]]) not in row["trained_on"]


def test_too_few_units_to_cross_validate_abstain(tmp_path):
    gold = make_gold(tmp_path, [1])
    rows = run_model(Spy(), gold, "attribution")
    assert rows == [{"doc_id": "doc0", "quote_id": "q1", "speaker": None, "trained_on": frozenset()}]


# --------------------------------------------------------------------------
# Writing predictions


def test_write_predictions_orders_fields_and_converts_numpy(tmp_path):
    path = tmp_path / "deep" / "er" / "m.end-to-end.jsonl"
    rows = [{"speaker": "Ann", "type": "direct", "end": np.int64(12), "start": np.int32(3), "doc_id": "d", "speaker_start": 0, "speaker_end": 3}]
    assert write_predictions(rows, path) == path
    line = path.read_text(encoding="utf-8")
    assert line == '{"doc_id": "d", "start": 3, "end": 12, "speaker": "Ann", "speaker_start": 0, "speaker_end": 3, "type": "direct"}\n'
    assert [p.name for p in path.parent.iterdir()] == ["m.end-to-end.jsonl"]  # no temporary file left


def test_write_predictions_refuses_values_that_are_not_json(tmp_path):
    path = tmp_path / "p.jsonl"
    with pytest.raises(UsageError, match="row 2"):
        write_predictions([{"doc_id": "d", "quote_id": "q1", "speaker": None}, {"doc_id": "d", "quote_id": "q2", "speaker": object()}], path)
    assert not path.exists() and list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------
# quotebench baselines


def leaderboard(results: Path) -> list[dict]:
    import csv

    with open(results / "leaderboard.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_baselines_command_runs_scores_records_and_reproduces(tmp_path, capsys):
    results = tmp_path / "results"
    argv = ["baselines", "--only", "random,speech-verb", "--gold", str(DEV), "--results", str(results), "--bootstrap", "50"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "speech-verb" in out and "random" in out
    predictions = results / "predictions"
    names = sorted(p.name for p in predictions.iterdir())
    assert names == [
        "random.attribution.jsonl",
        "random.end-to-end.jsonl",
        "speech-verb.attribution.jsonl",
        "speech-verb.end-to-end.jsonl",
    ]
    gold = load_gold(DEV)
    attribution = [json.loads(line) for line in (predictions / "speech-verb.attribution.jsonl").read_text().splitlines()]
    assert len(attribution) == gold.n_quotes
    first_files = {n: (predictions / n).read_bytes() for n in names}
    first_rows = {(r["model"], r["track"]): (r["precision"], r["recall"], r["f1"]) for r in leaderboard(results)}
    assert len(first_rows) == 4
    assert float(first_rows[("speech-verb", "attribution")][2]) > float(first_rows[("random", "attribution")][2])

    assert main(argv) == 0  # a second run reproduces everything exactly
    assert {n: (predictions / n).read_bytes() for n in names} == first_files
    assert {(r["model"], r["track"]): (r["precision"], r["recall"], r["f1"]) for r in leaderboard(results)} == first_rows
    assert len(list((results / "runs").rglob("record.json"))) == 8  # every run kept as its own record
    assert (results / "leaderboard.png").read_bytes()[:4] == b"\x89PNG"


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmark", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_unknown_baseline_is_a_usage_error_and_writes_nothing(tmp_path):
    proc = run_cli("baselines", "--only", "random,nosuch", "--gold", str(DEV), "--results", str(tmp_path / "r"), cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: --only: unknown baseline 'nosuch'; known: {', '.join(__import__('baselines').names())}"
    ]
    assert not (tmp_path / "r").exists()


def test_llm_without_url_is_not_run(tmp_path, capsys):
    assert main(["baselines", "--only", "llm", "--gold", str(DEV), "--results", str(tmp_path / "r")]) == 2
    assert "llm was not run: give --llm-url" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_bad_gold_file_is_reported_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "gold.jsonl"
    bad.write_text('{"doc_id": "d", "source": "x", "text": "Hi.", "entities": [], "quotes": [{"id": "q1"}]}\n', encoding="utf-8")
    assert main(["baselines", "--only", "random", "--gold", str(bad), "--results", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:1: quotes[0](q1)." in err
    assert not (tmp_path / "r").exists()
