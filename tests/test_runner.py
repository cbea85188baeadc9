"""Running models over a gold set (benchmark/runner.py): what a model sees,
cross-validation of trainable models, writing predictions, and the
``quotebench baselines`` command end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from benchmark.cli import main
from benchmark.errors import UsageError
from benchmark.gold import Document, Entity, GoldSet, Quote, Span, load_gold, write_gold
from benchmark.models import ModelInput, TrainableModel
from benchmark.runner import assign_folds, fold_units, parse_documents, run_model, run_models, write_predictions
from support.cli import run_cli

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


def test_parsed_docs_are_shared_not_reparsed(tmp_path, nlp):
    gold = make_gold(tmp_path, [1, 1])
    docs = list(nlp.pipe([d.text for d in gold.documents]))

    class NeedsSpacy(Echo):
        needs_spacy = True

    model = NeedsSpacy()
    run_model(model, gold, "attribution", docs=docs)
    assert [item.doc for item in model.seen] == docs and all(a is b for a, b in zip([i.doc for i in model.seen], docs))
    model.seen.clear()
    run_model(model, gold, "attribution", nlp=nlp)  # parsed here, once per document
    assert [item.doc.text for item in model.seen] == [d.text for d in gold.documents]


def test_documents_parse_in_two_processes_exactly_as_in_one(nlp):
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


# --------------------------------------------------------------------------
# Valid output, always


class Sloppy:
    """A model whose rows the submission validator would refuse as they are."""

    name = "sloppy"
    needs_spacy = False

    def predict(self, item, track):
        n = len(item.text)
        if track == "attribution":
            return [
                {"doc_id": item.doc_id, "quote_id": "q1", "speaker": None},
                {"doc_id": item.doc_id, "quote_id": "q1", "speaker": "Ann", "speaker_start": 0, "speaker_end": 3},
                {"doc_id": item.doc_id, "quote_id": "q1", "speaker": "Bob"},
                {"doc_id": item.doc_id, "quote_id": "q2", "speaker": "Ann", "speaker_start": n - 2, "speaker_end": n + 5},
            ]
        return [
            {"doc_id": item.doc_id, "start": -4, "end": 3, "speaker": "Ann"},
            {"doc_id": item.doc_id, "start": 0, "end": 3, "speaker": "Bob"},  # the same span, once clipped
            {"doc_id": item.doc_id, "start": n - 3, "end": n + 10, "speaker": None, "speaker_start": n + 1, "speaker_end": n + 4},
            {"doc_id": item.doc_id, "start": n, "end": n + 2, "speaker": "Ann"},  # nothing left of it in the text
            {"doc_id": item.doc_id, "start": np.int64(5), "end": np.int64(8), "speaker": "Ann"},
        ]


def test_rows_are_merged_and_clipped_into_a_valid_submission(tmp_path):
    from benchmark.submission import read_predictions

    gold = make_gold(tmp_path, [2])
    n = len(gold.documents[0].text)
    attribution = run_model(Sloppy(), gold, "attribution")
    assert attribution == [
        {"doc_id": "doc0", "quote_id": "q1", "speaker": "Ann", "speaker_start": 0, "speaker_end": 3},  # first that names a speaker
        {"doc_id": "doc0", "quote_id": "q2", "speaker": "Ann", "speaker_start": n - 2, "speaker_end": n},
    ]
    end_to_end = run_model(Sloppy(), gold, "end-to-end")
    assert end_to_end == [
        {"doc_id": "doc0", "start": 0, "end": 3, "speaker": "Ann"},
        {"doc_id": "doc0", "start": n - 3, "end": n, "speaker": None},  # its speaker span lay wholly outside: removed
        {"doc_id": "doc0", "start": 5, "end": 8, "speaker": "Ann"},
    ]
    for track, rows in (("attribution", attribution), ("end-to-end", end_to_end)):
        path = write_predictions(rows, tmp_path / f"sloppy.{track}.jsonl")
        assert len(read_predictions(path, gold, track)) == len(rows)


def fiction_gold(tmp_path: Path) -> Path:
    """Fiction in the typography the issue names: a quotation continued over
    paragraphs, speech interrupted by a stage direction, a quotation inside
    another, dialogue without any cue."""
    text = (
        "\u201cI have walked all morning,\u201d said Mr. Darcy, \u201cand seen nobody.\n\n"
        "\u201cNobody at all, not a soul on the road.\u201d\n\n"
        "\u201cYes--(rather hesitatingly)--I believe I do,\u201d answered Elizabeth.\n\n"
        "\u201cHe told me \u2018never again\u2019 and left,\u201d she added.\n\n"
        "\u201cWhy?\u201d\n\n\u201cBecause.\u201d\n\n"
    ) * 3
    quotes = []
    for k, m in enumerate(re.finditer(r"\u201c([^\u201c\u201d]*)\u201d|\u201c([^\u201c\u201d]*?)\n\n", text)):
        start, end = m.span(1) if m.group(1) is not None else m.span(2)
        quotes.append(Quote(f"q{k + 1}", start, end, "direct", "darcy" if "walked" in text[start:end] else None))
    mentions = [Span(m.start(), m.end()) for m in re.finditer("Mr. Darcy", text)]
    entities = [Entity("darcy", "Mr. Darcy", "person", ["Mr. Darcy", "Darcy"], mentions)]
    path = tmp_path / "fiction.jsonl"
    path.write_text(json.dumps({"doc_id": "fiction", "source": "test:fiction", "text": text,
                                "entities": [e.to_json() for e in entities], "quotes": [q.to_json() for q in quotes]}) + "\n", encoding="utf-8")
    return path


# The gold fixtures: files, a fiction text, and what the importers make of
# the corpus fixtures of the tests.
IMPORTED = {
    "pdnc fixture": ["pdnc", "tests/data/pdnc"],
    "polnear fixture": ["polnear", "tests/data/polnear", "--split", "test"],
    "brat fixture": ["brat", "tests/data/brat_event"],
    "labelstudio fixture": ["labelstudio", "tests/data/labelstudio/export.json"],
}


def fixture_gold(tmp_path: Path, name: str, capsys) -> Path:
    if name == "fiction":
        return fiction_gold(tmp_path)
    if name in IMPORTED:
        fmt, source, *options = IMPORTED[name]
        out = tmp_path / "imported.jsonl"
        assert main(["gold", "import", fmt, str(ROOT / source), *options, "--out", str(out)]) == 0
        capsys.readouterr()
        return out
    return ROOT / name


@pytest.mark.parametrize("gold_file", ["tests/data/dev_news.jsonl", "gold/gold.jsonl", "fiction", *IMPORTED])
def test_every_baseline_writes_what_the_validator_accepts(tmp_path, gold_file, capsys):
    import warnings

    import baselines
    from benchmark.submission import read_predictions

    path = fixture_gold(tmp_path, gold_file, capsys)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gold = load_gold(path)
    models = []
    for name in baselines.names():
        if baselines.unavailable(name, {}) is None:
            try:
                models.append(baselines.get(name))
            except ImportError:
                continue
    assert {"speech-verb", "learned", "nearest-mention"} <= {m.name for m in models}
    runs = run_models(models, gold, ["attribution", "end-to-end"], progress=False)
    for (name, track), rows in runs.items():
        written = write_predictions(rows, tmp_path / f"{name}.{track}.jsonl")
        assert len(read_predictions(written, gold, track)) == len(rows), (name, track)


# --------------------------------------------------------------------------
# Train on one gold set, test on another


def test_with_a_training_set_a_learner_is_fitted_once_on_it_without_folds(tmp_path):
    test = make_gold(tmp_path, [2, 3, 1])
    train_dir = tmp_path / "train"
    train_dir.mkdir()
    train_path = train_dir / "gold.jsonl"
    write_gold([make_document(f"t{i}", n) for i, n in enumerate([4, 2])], train_path)
    train = load_gold(train_path)
    model = Spy()
    rows = run_model(model, test, "attribution", train=train)
    assert model.fits == 1
    everything = frozenset((d.doc_id, q.id) for d in train.documents for q in d.quotes)
    assert len(everything) == 6 and all(row["trained_on"] == everything for row in rows)
    assert [(r["doc_id"], r["quote_id"]) for r in rows] == [(d.doc_id, q.id) for d in test.documents for q in d.quotes]


def split_dev(tmp_path: Path, n_train: int) -> tuple[Path, Path]:
    lines = DEV.read_text(encoding="utf-8").splitlines(keepends=True)
    train, test = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    train.write_text("".join(lines[:n_train]), encoding="utf-8")
    test.write_text("".join(lines[n_train:]), encoding="utf-8")
    return train, test


def test_baselines_train_on_train_and_score_on_test(tmp_path, capsys, nlp):
    import hashlib
    import warnings

    import baselines
    from benchmark.runner import model_input

    train_path, test_path = split_dev(tmp_path, 12)
    results = tmp_path / "results"
    assert main(["baselines", "--only", "learned,random", "--track", "attribution", "--gold", str(test_path), "--train", str(train_path),
                 "--results", str(results), "--bootstrap", "20"]) == 0
    capsys.readouterr()
    records = {json.loads(p.read_text())["model"]: json.loads(p.read_text()) for p in (results / "runs").rglob("record.json")}
    assert records["learned"]["result"]["training"] == {
        "gold": str(train_path), "gold_sha256": hashlib.sha256(train_path.read_bytes()).hexdigest()}
    assert "training" not in records["random"]["result"]
    assert "--train" in records["learned"]["command"]

    # the same as fitting learned on every training document, then predicting
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train, test = load_gold(train_path), load_gold(test_path)
    train_docs = parse_documents(nlp, [d.text for d in train.documents], progress=False)
    test_docs = parse_documents(nlp, [d.text for d in test.documents], progress=False)
    learned = baselines.get("learned")
    learned.fit([model_input(d, "attribution", doc) for d, doc in zip(train.documents, train_docs)], train.documents)
    expected = [row for d, doc in zip(test.documents, test_docs) for row in learned.predict(model_input(d, "attribution", doc), "attribution")]
    written = [json.loads(line) for line in (results / "predictions" / "learned.attribution.jsonl").read_text().splitlines()]
    assert written == expected and any(row["speaker"] for row in written)


def test_a_training_set_sharing_a_text_with_the_test_set_is_refused(tmp_path, capsys):
    train_path, test_path = split_dev(tmp_path, 12)
    with open(train_path, "a", encoding="utf-8") as fh:
        fh.write(test_path.read_text(encoding="utf-8").splitlines(keepends=True)[0].replace('"doc_id": "', '"doc_id": "copy_', 1))
    results = tmp_path / "results"
    assert main(["baselines", "--only", "learned", "--gold", str(test_path), "--train", str(train_path), "--results", str(results)]) == 2
    err = capsys.readouterr().err
    assert "--train: document 'copy_" in err and "must not share a text" in err
    assert not results.exists()


def test_baselines_by_an_attribute_scores_per_value_in_the_record(tmp_path, capsys):
    gold_path = fixture_gold(tmp_path, "pdnc fixture", capsys)
    results = tmp_path / "results"
    assert main(["baselines", "--only", "speech-verb", "--track", "attribution", "--gold", str(gold_path), "--results", str(results),
                 "--bootstrap", "20", "--by", "quote_type"]) == 0
    capsys.readouterr()
    (record,) = [json.loads(p.read_text()) for p in (results / "runs").rglob("record.json")]
    by = record["result"]["by_attribute"]
    assert list(by) == ["quote_type"]
    gold = load_gold(gold_path)
    types = {q.attributes["quote_type"] for d in gold.documents for q in d.quotes if q.attributes and q.attributes.get("quote_type")}
    assert {"Explicit", "Anaphoric"} <= types <= {row["value"] for row in by["quote_type"]}


def test_written_predictions_replace_a_file_keeping_its_mode(tmp_path):
    path = tmp_path / "m.attribution.jsonl"
    path.write_text("old\n")
    path.chmod(0o640)
    write_predictions([{"speaker": "Ana", "quote_id": "q1", "doc_id": "d"}], path)
    assert path.read_text() == '{"doc_id": "d", "quote_id": "q1", "speaker": "Ana"}\n'
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
