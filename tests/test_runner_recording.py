"""``quotebench baselines`` after the models have predicted
(benchmark/run_baselines.py): the runs written, scored and recorded in one
process per core, failures there raised here as they would be in one
process, and the site built from the gold set loaded once."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.errors import InputError, UsageError
from benchmark.gold import Document, Entity, Quote, Span, load_gold, write_gold
from benchmark.run_baselines import _recorded, _Run


def two_documents(tmp_path: Path, source: str = "test:doc") -> Path:
    """Two documents, each "Ann said: hello. Bob said: bye." with the two
    quotes of Ann and Bob."""
    documents = []
    for d in range(2):
        text = "Ann said: hello. Bob said: bye."
        ann, bob = Entity("ann", "Ann", "person", ["Ann"], [Span(0, 3)]), Entity("bob", "Bob", "person", ["Bob"], [Span(17, 20)])
        quotes = [Quote("q1", 10, 15, "indirect", "ann", Span(0, 3)), Quote("q2", 27, 30, "indirect", "bob", Span(17, 20))]
        documents.append(Document(f"doc{d}", f"{source}{d}", text, [ann, bob], quotes))
    path = tmp_path / "gold.jsonl"
    write_gold(documents, path)
    return path


def attribution_rows(speakers: dict[str, str]) -> list[dict]:
    return [{"doc_id": f"doc{d}", "quote_id": q, "speaker": s} for d in range(2) for q, s in speakers.items()]


def leaderboard(results: Path) -> dict[tuple[str, str], dict]:
    with open(results / "leaderboard.csv", encoding="utf-8") as fh:
        return {(r["model"], r["track"]): r for r in csv.DictReader(fh)}


def test_runs_recorded_side_by_side_are_each_written_scored_and_on_the_leaderboard(tmp_path):
    gold = load_gold(two_documents(tmp_path))
    results = tmp_path / "results"
    runs = [
        _Run("all-ann", "attribution", attribution_rows({"q1": "Ann", "q2": "Ann"}), None),  # half right
        _Run("right", "attribution", attribution_rows({"q1": "Ann", "q2": "Bob"}), None),
        _Run("right", "end-to-end", [{"doc_id": "doc0", "start": 10, "end": 15, "speaker": "Ann"}], None),
    ]
    warnings = list(_recorded(runs, gold, results, {"n_bootstrap": 20}, ["quotebench", "baselines"]))
    assert len(warnings) == 3
    rows = leaderboard(results)
    assert set(rows) == {("all-ann", "attribution"), ("right", "attribution"), ("right", "end-to-end")}
    # hand-computed: all-ann is right on q1 of both documents (2 of 4); right on all 4;
    # end to end, one predicted quote of 4 gold, right: P 1, R 0.25
    assert float(rows[("all-ann", "attribution")]["f1"]) == 0.5
    assert float(rows[("right", "attribution")]["f1"]) == 1.0
    assert (float(rows[("right", "end-to-end")]["precision"]), float(rows[("right", "end-to-end")]["recall"])) == (1.0, 0.25)
    assert rows[("right", "attribution")]["rank"] == "1" and rows[("all-ann", "attribution")]["rank"] == "2"
    # each run its own predictions file and record, pointing at that file
    for run in runs:
        path = results / "predictions" / f"{run.model}.{run.track}.jsonl"
        assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == run.rows
    records = [json.loads(p.read_text(encoding="utf-8")) for p in (results / "runs").rglob("record.json")]
    assert sorted((r["model"], r["track"]) for r in records) == sorted((run.model, run.track) for run in runs)
    assert all(r["command"] == ["quotebench", "baselines"] for r in records)
    # the chart was redrawn with every row, whichever process recorded last
    assert (results / "leaderboard.png").read_bytes()[:4] == b"\x89PNG"


def test_a_run_that_fails_in_its_process_fails_here_as_in_one_process(tmp_path):
    gold = load_gold(two_documents(tmp_path))
    results = tmp_path / "results"
    bad = [{"doc_id": "doc0", "quote_id": "q9", "speaker": "Ann"}]  # no such quote: the reader refuses the file
    runs = [_Run("bad", "attribution", bad, None), _Run("right", "attribution", attribution_rows({"q1": "Ann", "q2": "Bob"}), None)]
    with pytest.raises(InputError) as raised:
        list(_recorded(runs, gold, results, {"n_bootstrap": 20}, ["quotebench"]))
    assert str(raised.value) == f"{results / 'predictions' / 'bad.attribution.jsonl'}:1: quote_id: unknown quote_id 'q9' in document 'doc0'"
    # the other run was recorded all the same; the failing one is not on the leaderboard
    assert set(leaderboard(results)) == {("right", "attribution")}

    with pytest.raises(UsageError, match="^--bootstrap must be 0 or more, got -1$"):  # refused by the scorer in every process
        list(_recorded(runs[1:] * 2, gold, results, {"n_bootstrap": -1}, ["quotebench"]))


def test_the_gold_file_is_read_once_and_the_site_shows_the_runs(tmp_path, capsys):
    gold_path = two_documents(tmp_path, source="missing/source")  # its sources are not found: a warning each time it is loaded
    results = tmp_path / "results"
    assert main(["baselines", "--only", "random", "--gold", str(gold_path), "--results", str(results), "--bootstrap", "20"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count(f"warning: {gold_path}:1: source:") == 1  # it was twice: the site loaded the file again
    assert captured.out.strip().splitlines()[-1] == f"site: {results / 'site' / 'index.html'}"
    index = (results / "site" / "index.html").read_text(encoding="utf-8")
    assert index.count('data-model="random"') == 2  # one row per track
    run_pages = list((results / "site" / "runs").rglob("index.html"))
    assert len(run_pages) == 2 and all("doc0" in p.read_text(encoding="utf-8") for p in run_pages)
