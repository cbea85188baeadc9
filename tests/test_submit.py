"""``quotebench submit MODULE:ATTR``: import a user's model, run it on the
gold set, score it and record it."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from benchmark.errors import InputError, UsageError
from benchmark.gold import load_gold
from benchmark.leaderboard import file_sha256, read_leaderboard
from benchmark.models import ModelInput, QuoteSpan
from benchmark.submit import load_model
from support.cli import ROOT, run_cli
from support.results import write_gold_file

EXAMPLE = ROOT / "examples" / "nearest_person.py"
GOLD = ROOT / "gold" / "gold.jsonl"


def write_module(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# the example model, end to end


def test_example_model_is_under_30_lines():
    assert len(EXAMPLE.read_text(encoding="utf-8").splitlines()) < 30


def test_submit_the_example_model_end_to_end(tmp_path, nlp):
    results = tmp_path / "results"
    proc = run_cli("submit", f"{EXAMPLE}:NearestPerson", "--name", "nearest-person", "--gold", GOLD, "--results", results,
                   "--bootstrap", "100", timeout=300)
    assert proc.returncode == 0, proc.stderr

    [run_dir] = (results / "runs" / "nearest-person").iterdir()
    assert {p.name for p in run_dir.iterdir()} == {"record.json", "predictions.jsonl", "errors.md", "per_speaker.png"}
    # The kept predictions are what the model says when called directly.
    gold = load_gold(GOLD)
    model = load_model(f"{EXAMPLE}:NearestPerson")
    expected = []
    for doc in gold.documents:
        item = ModelInput(doc.doc_id, doc.text, nlp(doc.text),
                          [QuoteSpan(q.id, q.start, q.end, tuple(q.fragments) if q.fragments else None) for q in doc.quotes])
        expected += model.predict(item, "attribution")
    kept = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text(encoding="utf-8").splitlines()]
    key = lambda row: (row["doc_id"], row["quote_id"])  # noqa: E731
    assert sorted(kept, key=key) == sorted(expected, key=key)
    assert len(kept) == gold.n_quotes

    record = json.loads((run_dir / "record.json").read_text(encoding="utf-8"))
    assert record["predictions"]["sha256"] == file_sha256(run_dir / "predictions.jsonl")
    assert record["command"][1:3] == ["submit", f"{EXAMPLE}:NearestPerson"]
    [row] = read_leaderboard(results / "leaderboard.csv")[1]
    assert (row["model"], row["track"], row["n_gold"]) == ("nearest-person", "attribution", str(gold.n_quotes))
    assert results / row["record"] == run_dir / "record.json"

    # Scoring the kept file with `score` gives the same numbers as the submission.
    out = tmp_path / "rescored.json"
    proc = run_cli("score", run_dir / "predictions.jsonl", "--name", "nearest-person", "--gold", GOLD, "--bootstrap", "100",
                   "--json", out, "--no-leaderboard", "--results", results)
    assert proc.returncode == 0, proc.stderr
    rescored = json.loads(out.read_text())
    for key_ in ("signature", "micro", "macro", "per_speaker", "ci", "units"):
        assert rescored[key_] == record["result"][key_]


def test_submit_a_model_from_an_installed_module_given_as_an_instance(tmp_path):
    package = tmp_path / "site" / "house_models"
    package.mkdir(parents=True)
    write_module(package, "__init__.py", "")
    write_module(package, "first.py", """
        class FirstEntity:
            name = "first-entity"
            needs_spacy = False
            tracks = ("attribution",)

            def __init__(self, alias):
                self.alias = alias

            def predict(self, item, track):
                return [{"doc_id": item.doc_id, "quote_id": q.id, "speaker": self.alias} for q in item.quotes]

        model = FirstEntity("Ana Lima")
    """)
    gold = tmp_path / "gold.jsonl"
    docs = write_gold_file(gold, n_docs=2, quotes_per_doc=5, seed=21)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    proc = run_cli("submit", "house_models.first:model", "--name", "always-ana", "--gold", gold, "--results",
                   tmp_path / "results", "--bootstrap", "20", env=env)
    assert proc.returncode == 0, proc.stderr
    [row] = read_leaderboard(tmp_path / "results" / "leaderboard.csv")[1]
    by_ana = sum(q["speaker"] == "ana_lima" for d in docs for q in d["quotes"])
    assert row["recall"] == f"{by_ana / 10:.4f}"


# --------------------------------------------------------------------------
# refusals: exit 2, one line, nothing under results/


def test_bad_rows_from_a_model_are_refused_naming_the_row_and_leave_nothing_behind(tmp_path):
    path = write_module(tmp_path, "broken.py", """
        class Broken:
            name = "broken"
            needs_spacy = False
            tracks = ("attribution",)

            def predict(self, item, track):
                return [{"doc_id": item.doc_id, "quote_id": "no-such-quote", "speaker": "Ana Lima"}]
    """)
    gold = tmp_path / "gold.jsonl"
    write_gold_file(gold, n_docs=1, quotes_per_doc=3)
    results = tmp_path / "results"
    staging = tmp_path / "tmp"
    staging.mkdir()
    for _ in range(2):
        proc = run_cli("submit", f"{path}:Broken", "--name", "broken", "--gold", gold, "--results", results,
                       env={**os.environ, "TMPDIR": str(staging)})
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
        assert proc.stderr.startswith("error: <broken attribution rows>:1: quote_id: unknown quote_id 'no-such-quote'"), proc.stderr
    assert list(staging.iterdir()) == []  # no temporary folder left, however often it fails
    assert not results.exists()


QUOTE_FINDER = """
    import re

    class {cls}:
        name = "{name}"
        needs_spacy = False
        {tracks}

        def predict(self, item, track):
            if track == "attribution":
                return [{{"doc_id": item.doc_id, "quote_id": q.id, "speaker": "Ana Lima"}} for q in item.quotes]
            return [{{"doc_id": item.doc_id, "start": m.start(1), "end": m.end(1), "speaker": "Ana Lima"}}
                    for m in re.finditer("\u201c([^\u201d]*)\u201d", item.text)]
"""


def test_submit_runs_both_tracks_by_default(tmp_path):
    path = write_module(tmp_path, "finder.py", QUOTE_FINDER.format(cls="Finder", name="finder", tracks=""))
    gold = tmp_path / "gold.jsonl"
    docs = write_gold_file(gold, n_docs=2, quotes_per_doc=4, seed=5)
    results = tmp_path / "results"
    proc = run_cli("submit", f"{path}:Finder", "--name", "finder", "--gold", gold, "--results", results, "--bootstrap", "20")
    assert proc.returncode == 0, proc.stderr
    rows = read_leaderboard(results / "leaderboard.csv")[1]
    assert sorted(r["track"] for r in rows) == ["attribution", "end-to-end"]
    by_ana = sum(q["speaker"] == "ana_lima" for d in docs for q in d["quotes"])
    # Every quote is found end to end, so both tracks credit the same quotes.
    assert {r["recall"] for r in rows} == {f"{by_ana / 8:.4f}"}
    assert sorted(p.name.split("-", 1)[1] for p in (results / "runs" / "finder").iterdir()) == ["attribution", "end-to-end"]


def test_a_model_runs_the_tracks_it_declares(tmp_path):
    path = write_module(tmp_path, "finder.py", QUOTE_FINDER.format(cls="Finder", name="finder", tracks='tracks = ("end-to-end",)'))
    gold = tmp_path / "gold.jsonl"
    write_gold_file(gold, n_docs=1, quotes_per_doc=2)
    results = tmp_path / "results"
    proc = run_cli("submit", f"{path}:Finder", "--name", "finder", "--gold", gold, "--results", results, "--bootstrap", "20")
    assert proc.returncode == 0, proc.stderr
    assert [r["track"] for r in read_leaderboard(results / "leaderboard.csv")[1]] == ["end-to-end"]

    proc = run_cli("submit", f"{path}:Finder", "--name", "other", "--gold", gold, "--results", results, "--track", "attribution")
    assert proc.returncode == 2
    assert proc.stderr == f"error: model '{path}:Finder' declares tracks = ('end-to-end',): it does not run attribution\n"


def test_a_model_that_raises_is_named_with_the_document(tmp_path):
    path = write_module(tmp_path, "boom.py", """
        class Boom:
            name = "boom"
            needs_spacy = False

            def predict(self, item, track):
                if item.doc_id == "doc001":
                    raise KeyError("no such thing")
                return []
    """)
    gold = tmp_path / "gold.jsonl"
    write_gold_file(gold, n_docs=2, quotes_per_doc=1)
    proc = run_cli("submit", f"{path}:Boom", "--name", "boom", "--gold", gold, "--results", tmp_path / "results", "--track", "attribution")
    assert proc.returncode == 1
    [line] = proc.stderr.splitlines()
    assert "model 'boom' failed on document 'doc001' (attribution track): KeyError: 'no such thing'" in line
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("examples/nearest_person.py", "expected MODULE:ATTR"),
        ("examples/nearest_person.py:Nobody", "has no attribute 'Nobody'"),
        ("no_such_module_anywhere:Model", "no module named 'no_such_module_anywhere'"),
        ("missing/file.py:Model", "missing/file.py:0: file: no such Python file"),
    ],
)
def test_bad_model_specs_exit_2(tmp_path, spec, message):
    results = tmp_path / "results"
    proc = run_cli("submit", spec, "--name", "x", "--results", results)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr
    assert not results.exists()


def test_bad_model_name_is_refused_before_the_model_is_imported(tmp_path):
    marker = tmp_path / "imported"
    path = write_module(tmp_path, "m.py", f"open({str(marker)!r}, 'w').close()\nclass M: pass\n")
    proc = run_cli("submit", f"{path}:M", "--name", "=cmd()", "--results", tmp_path / "results")
    assert proc.returncode == 2 and "invalid model name" in proc.stderr
    assert not marker.exists() and not (tmp_path / "results").exists()


def test_load_model_checks_the_protocol(tmp_path):
    path = write_module(tmp_path, "models.py", """
        class NeedsArguments:
            name, needs_spacy = "n", False
            def __init__(self, size):
                pass
            def predict(self, item, track):
                return []

        class NoPredict:
            name, needs_spacy = "n", False

        class Fine:
            name, needs_spacy = "fine", False
            def predict(self, item, track):
                return []

        ready = Fine()
        ready.name = "ready-made"
    """)
    with pytest.raises(UsageError, match="constructible without arguments"):
        load_model(f"{path}:NeedsArguments")
    with pytest.raises(UsageError, match="does not implement benchmark.models.Model.*missing: predict"):
        load_model(f"{path}:NoPredict")
    assert type(load_model(f"{path}:Fine")).__name__ == "Fine"
    assert load_model(f"{path}:ready").name == "ready-made"  # an instance is used as it is


def test_a_syntax_error_in_the_model_file_names_its_line(tmp_path):
    path = write_module(tmp_path, "bad.py", "class Model:\n    def predict(self)\n        pass\n")
    with pytest.raises(InputError) as info:
        load_model(f"{path}:Model")
    assert (info.value.path, info.value.line, info.value.field) == (str(path), 2, "syntax")


SILENT = """
    class Silent:
        name = "silent"
        needs_spacy = False
        tracks = ("attribution",)

        def predict(self, item, track):
            return []
"""


def test_a_model_that_predicts_nothing_is_warned_about_and_scored_per_attribute(tmp_path):
    """submit prints the scorer's warnings (an empty submission) and takes
    --by like score: the record holds the per-value scores."""
    path = write_module(tmp_path, "silent.py", SILENT)
    gold = tmp_path / "gold.jsonl"
    write_gold_file(gold, n_docs=1, quotes_per_doc=3)
    results = tmp_path / "results"
    proc = run_cli("submit", f"{path}:Silent", "--name", "silent", "--gold", gold, "--results", results,
                   "--bootstrap", "20", "--by", "quote_type")
    assert proc.returncode == 0, proc.stderr
    assert "warning: silent (attribution): the submission" in proc.stderr and "has no rows" in proc.stderr
    (record,) = (results / "runs" / "silent").glob("*/record.json")
    saved = json.loads(record.read_text())["result"]
    assert saved["micro"]["recall"] == 0.0
    assert len(saved["warnings"]) == 1 and "has no rows" in saved["warnings"][0]
    # the synthetic gold has no attributes: all 3 quotes under "(none)", none found
    assert saved["by_attribute"] == {
        "quote_type": [{"value": "(none)", "precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "predicted": 0, "gold": 3, "n_quotes": 3}]
    }
