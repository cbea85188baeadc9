"""Recording runs and the leaderboard CSV (SPEC sections 5 and 6).

The synthetic gold files, prediction files and score results are in
tests/support/results.py.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pandas as pd
import pytest

from benchmark.errors import UsageError
from benchmark.leaderboard import (
    ALL_COLUMNS,
    COLUMNS,
    TEST_PAUSE_ENV,
    leaderboard_row,
    neutralize_cell,
    read_leaderboard,
    record_run,
    restore_cell,
)
from support.cli import ROOT, run_cli
from support.results import (
    SIGNATURE,
    make_result,
    units_with,
    write_attribution_predictions,
    write_gold_file,
)


def leaderboard_frame(results: Path) -> pd.DataFrame:
    return pd.read_csv(results / "leaderboard.csv", dtype=str, keep_default_na=False)


@pytest.fixture()
def predictions_file(tmp_path: Path) -> Path:
    path = tmp_path / "pred.jsonl"
    path.write_text('{"doc_id": "doc000", "quote_id": "q000", "speaker": "Ana Lima"}\n', encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# records


def test_record_holds_score_signature_hashes_versions_command_and_time(tmp_path, predictions_file):
    results = tmp_path / "results"
    result = make_result("alpha", units_with(3, 1, 2))  # tp 3, predicted 4, gold 6
    before = datetime.now(timezone.utc)
    record_path = record_run(results, result, predictions_path=predictions_file, argv=["quotebench", "score", "x", "--name", "alpha"])
    after = datetime.now(timezone.utc)

    assert record_path.parent.parent == results / "runs" / "alpha"
    record = json.loads(record_path.read_text(encoding="utf-8"))
    assert record["result"] == result
    assert record["signature"] == SIGNATURE
    assert record["predictions"]["sha256"] == hashlib.sha256(predictions_file.read_bytes()).hexdigest()
    assert record["benchmark_version"] == "0.1.0"
    assert record["command"] == ["quotebench", "score", "x", "--name", "alpha"]
    assert record["environment"]["python"] == ".".join(map(str, sys.version_info[:3]))
    packages = record["environment"]["packages"]
    assert packages["numpy"] == metadata.version("numpy") and packages["spacy"] == metadata.version("spacy")
    submitted = datetime.strptime(record["submitted_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    assert before <= submitted <= after
    # The report lies next to the record.
    assert (record_path.parent / "per_speaker.png").read_bytes().startswith(b"\x89PNG")
    assert (record_path.parent / "errors.md").is_file()


def test_leaderboard_row_has_the_spec_columns_and_fixed_decimals(tmp_path, predictions_file):
    results = tmp_path / "results"
    record_path = record_run(results, make_result("alpha", units_with(3, 1, 2)), predictions_path=predictions_file, argv=[])

    header = (results / "leaderboard.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert tuple(header[: len(COLUMNS)]) == COLUMNS
    assert tuple(header) == ALL_COLUMNS
    [row] = read_leaderboard(results / "leaderboard.csv")[1]
    # P = 3/4, R = 3/6, F1 = 2*3/(4+6); macro = half of each in make_result; CI = F1 * 0.9 and * 1.1.
    assert (row["rank"], row["model"], row["track"]) == ("1", "alpha", "attribution")
    assert (row["precision"], row["recall"], row["f1"]) == ("0.7500", "0.5000", "0.6000")
    assert (row["macro_precision"], row["macro_recall"], row["macro_f1"]) == ("0.3750", "0.2500", "0.3000")
    assert (row["f1_ci_low"], row["f1_ci_high"]) == ("0.5400", "0.6600")
    assert (row["n_gold"], row["n_predicted"]) == ("6", "4")
    assert row["signature"] == SIGNATURE and row["benchmark_version"] == "0.1.0"
    assert row["predictions_sha256"] == hashlib.sha256(predictions_file.read_bytes()).hexdigest()
    assert results / row["record"] == record_path


def test_ranked_by_f1_within_signature_ties_share_a_rank(tmp_path, predictions_file):
    results = tmp_path / "results"
    other = SIGNATURE.replace("speaker=entity", "speaker=name")
    submissions = [
        ("delta", units_with(5, 5), SIGNATURE),    # F1 0.5
        ("bravo", units_with(6, 4), SIGNATURE),    # F1 0.6
        ("charlie", units_with(6, 4), SIGNATURE),  # F1 0.6, tied with bravo
        ("alpha", units_with(9, 1), SIGNATURE),    # F1 0.9
        ("echo", units_with(1, 9), other),         # alone in its signature
        ("alpha", units_with(2, 8), other),
    ]
    for model, units, signature in submissions:
        record_run(results, make_result(model, units, signature=signature), predictions_path=predictions_file, argv=[])

    rows = [(r["signature"], r["rank"], r["model"], r["f1"]) for r in read_leaderboard(results / "leaderboard.csv")[1]]
    first, second = sorted([SIGNATURE, other])
    expected = {
        SIGNATURE: [("1", "alpha", "0.9000"), ("2", "bravo", "0.6000"), ("2", "charlie", "0.6000"), ("4", "delta", "0.5000")],
        other: [("1", "alpha", "0.2000"), ("2", "echo", "0.1000")],
    }
    assert rows == [(first, *r) for r in expected[first]] + [(second, *r) for r in expected[second]]


def test_resubmission_replaces_the_row_and_keeps_the_old_record(tmp_path, predictions_file):
    results = tmp_path / "results"
    first = record_run(results, make_result("alpha", units_with(1, 9)), predictions_path=predictions_file, argv=[])
    record_run(results, make_result("bravo", units_with(5, 5)), predictions_path=predictions_file, argv=[])
    second = record_run(results, make_result("alpha", units_with(9, 1)), predictions_path=predictions_file, argv=[])

    assert first != second and first.is_file() and second.is_file()
    assert json.loads(first.read_text())["result"]["micro"]["tp"] == 1
    rows = read_leaderboard(results / "leaderboard.csv")[1]
    assert [(r["model"], r["f1"], r["rank"]) for r in rows] == [("alpha", "0.9000", "1"), ("bravo", "0.5000", "2")]
    assert results / rows[0]["record"] == second


def test_identical_reruns_give_identical_rows_apart_from_time_and_record(tmp_path, predictions_file):
    results = [tmp_path / "r1", tmp_path / "r2"]
    for folder in results:
        for model, units in (("alpha", units_with(3, 1, 2)), ("bravo", units_with(1, 1, 4))):
            record_run(folder, make_result(model, units), predictions_path=predictions_file, argv=[])
    first, second = (leaderboard_frame(folder).drop(columns=["submitted_at", "record"]) for folder in results)
    pd.testing.assert_frame_equal(first, second)


# --------------------------------------------------------------------------
# refusals and formula injection


@pytest.mark.parametrize("name", ["../evil", "=cmd()", "", "a/b", "-leading-dash", "x" * 65, "name\n", "spa ce"])
def test_bad_model_names_are_refused_and_nothing_is_written(tmp_path, predictions_file, name):
    results = tmp_path / "results"
    with pytest.raises(UsageError, match="invalid model name"):
        record_run(results, make_result(name, units_with(1, 1)), predictions_path=predictions_file, argv=[])
    assert not results.exists()


@pytest.mark.parametrize("name", ["../evil", "=cmd()"])
def test_score_refuses_bad_names_with_exit_2_before_reading_anything(tmp_path, name):
    results = tmp_path / "results"
    proc = run_cli("score", tmp_path / "missing.jsonl", "--name", name, "--gold", tmp_path / "missing-gold.jsonl",
                   "--results", results)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "invalid model name" in proc.stderr and "Traceback" not in proc.stderr
    assert not results.exists()


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=cmd()", "'=cmd()"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),  # so that reading gives back exactly "'=x"
        ("-0.5", "-0.5"),  # numbers are left alone
        ("+3", "+3"),
        ("1e-5", "1e-5"),
        ("alpha", "alpha"),
        ("it's", "it's"),
        ("", ""),
    ],
)
def test_formula_cells_are_neutralised_and_restored(cell, written):
    assert neutralize_cell(cell) == written
    assert restore_cell(written) == cell


def test_free_text_in_the_csv_cannot_be_a_formula(tmp_path, predictions_file):
    results = tmp_path / "results"
    signature = '=HYPERLINK("http://evil.example","x")|track=attribution'
    result = make_result("alpha", units_with(1, 1), signature=signature, benchmark_version="@SUM(1)")
    record_run(results, result, predictions_path=predictions_file, argv=[])

    frame = leaderboard_frame(results)
    assert frame.loc[0, "signature"] == "'" + signature
    assert frame.loc[0, "benchmark_version"] == "'@SUM(1)"
    assert frame.loc[0, "precision"] == "0.5000"
    [row] = read_leaderboard(results / "leaderboard.csv")[1]
    assert row["signature"] == signature and row["benchmark_version"] == "@SUM(1)"


# --------------------------------------------------------------------------
# quotebench leaderboard


@pytest.fixture()
def two_track_results(tmp_path, predictions_file) -> Path:
    results = tmp_path / "results"
    e2e = "gold=0123456789ab|track=end-to-end|match=overlap:0.5|speaker=entity|version=0.1.0"
    for model, units in (("alpha", units_with(3, 1, 2)), ("bravo", units_with(1, 1, 4))):
        record_run(results, make_result(model, units), predictions_path=predictions_file, argv=[])
    record_run(results, make_result("alpha", units_with(2, 2, 2), signature=e2e, track="end-to-end"),
               predictions_path=predictions_file, argv=[])
    return results


def test_leaderboard_csv_format_is_the_file_filtered_by_track(two_track_results):
    proc = run_cli("leaderboard", "--results", two_track_results, "--format", "csv", "--track", "attribution")
    assert proc.returncode == 0, proc.stderr
    shown = list(csv.DictReader(io.StringIO(proc.stdout)))
    on_disk = [r for r in read_leaderboard(two_track_results / "leaderboard.csv")[1] if r["track"] == "attribution"]
    assert shown == on_disk
    assert [(r["rank"], r["model"], r["f1"]) for r in shown] == [("1", "alpha", "0.6000"), ("2", "bravo", "0.2500")]


def test_leaderboard_markdown_and_table_formats(two_track_results):
    proc = run_cli("leaderboard", "--results", two_track_results, "--format", "markdown")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "### attribution: `gold=0123456789ab|track=attribution|speaker=entity|version=0.1.0` (n_gold = 6)" in lines
    assert "### end-to-end: `gold=0123456789ab|track=end-to-end|match=overlap:0.5|speaker=entity|version=0.1.0` (n_gold = 6)" in lines
    header = lines.index("| rank | model | P | R | F1 | F1 95% CI | macro F1 | predicted | submitted (UTC) |")
    assert lines[header + 2].startswith("| 1 | alpha | 0.7500 | 0.5000 | 0.6000 | [0.5400, 0.6600] | 0.3000 | 4 |")
    assert lines[header + 3].startswith("| 2 | bravo | 0.5000 | 0.1667 | 0.2500 |")

    proc = run_cli("leaderboard", "--results", two_track_results, "--track", "end-to-end")
    assert proc.returncode == 0, proc.stderr
    assert "n_gold=6" in proc.stdout and "bravo" not in proc.stdout
    assert [line.split()[:5] for line in proc.stdout.splitlines()[3:]] == [["1", "alpha", "0.5000", "0.3333", "0.4000"]]


def test_leaderboard_without_a_file_exits_2_naming_it(tmp_path):
    proc = run_cli("leaderboard", "--results", tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {tmp_path / 'leaderboard.csv'}:0: file: no leaderboard yet")


def test_leaderboard_command_imports_no_heavy_library(two_track_results):
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "benchmark", "leaderboard", "--results", two_track_results],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "benchmark" in imported  # the listing is really there
    assert imported.isdisjoint({"spacy", "datasets", "textacy", "torch", "pandas", "matplotlib", "numpy"})


# --------------------------------------------------------------------------
# concurrency and crashes, through the real CLI


@pytest.fixture()
def small_gold(tmp_path) -> tuple[Path, list[dict]]:
    gold = tmp_path / "gold.jsonl"
    return gold, write_gold_file(gold, n_docs=2, quotes_per_doc=5)


def test_twelve_simultaneous_submissions_all_land(tmp_path, small_gold, predictions_file):
    gold, docs = small_gold
    results = tmp_path / "results"
    # Two rows that were there before and must survive.
    for model in ("earlier-a", "earlier-b"):
        record_run(results, make_result(model, units_with(1, 1)), predictions_path=predictions_file, argv=[])
    expected_tp = {}
    procs = []
    for i in range(12):
        pred = tmp_path / f"pred{i}.jsonl"
        expected_tp[f"model-{i:02d}"] = write_attribution_predictions(pred, docs, accuracy=i / 11, seed=i)
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "benchmark", "score", str(pred), "--name", f"model-{i:02d}", "--gold", str(gold),
             "--results", str(results), "--bootstrap", "50"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err

    frame = leaderboard_frame(results)
    assert sorted(frame["model"]) == sorted(["earlier-a", "earlier-b", *expected_tp])
    ten = sum(len(d["quotes"]) for d in docs)
    for model, tp in expected_tp.items():
        [f1] = frame.loc[frame["model"] == model, "f1"]
        assert f1 == f"{2 * tp / (ten + ten):.4f}"
    assert len(set(frame["signature"])) == 2  # the synthetic rows' and the real gold's
    leftovers = [p for p in results.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    assert len(list((results / "runs").glob("*/*/record.json"))) == 14


def test_a_submission_killed_while_writing_leaves_the_previous_leaderboard(tmp_path, small_gold, predictions_file):
    gold, docs = small_gold
    results = tmp_path / "results"
    for model in ("earlier-a", "earlier-b", "earlier-c"):
        record_run(results, make_result(model, units_with(2, 1)), predictions_path=predictions_file, argv=[])
    before = (results / "leaderboard.csv").read_bytes()

    pred = tmp_path / "pred.jsonl"
    write_attribution_predictions(pred, docs)
    paused = tmp_path / "paused"
    env = {**os.environ, TEST_PAUSE_ENV: str(paused)}
    proc = subprocess.Popen([sys.executable, "-m", "benchmark", "score", str(pred), "--name", "killed", "--gold", str(gold),
                             "--results", str(results), "--bootstrap", "50"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not paused.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "the writer never reached its pause"
        time.sleep(0.02)
    [partial] = results.glob(".leaderboard.csv.*.tmp")
    assert 0 < partial.stat().st_size  # it was killed half-way through writing
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)

    assert (results / "leaderboard.csv").read_bytes() == before
    assert list(leaderboard_frame(results)["model"]) == ["earlier-a", "earlier-b", "earlier-c"]
    # The next submission goes through and clears what the killed one left.
    proc = run_cli("score", pred, "--name", "after", "--gold", gold, "--results", results, "--bootstrap", "50")
    assert proc.returncode == 0, proc.stderr
    assert sorted(leaderboard_frame(results)["model"]) == ["after", "earlier-a", "earlier-b", "earlier-c"]
    assert list(results.glob(".leaderboard.csv.*.tmp")) == []
    [record] = (results / "runs" / "after").glob("*/record.json")
    assert json.loads(record.read_text())["command"] == [
        "quotebench", "score", str(pred), "--name", "after", "--gold", str(gold), "--results", str(results), "--bootstrap", "50"]


def test_killing_a_writer_at_random_moments_never_corrupts_the_leaderboard(tmp_path, predictions_file):
    results = tmp_path / "results"
    base = ["earlier-a", "earlier-b"]
    for model in base:
        record_run(results, make_result(model, units_with(2, 1)), predictions_path=predictions_file, argv=[])
    rows = [leaderboard_row(make_result(f"loop-{i}", units_with(i, 3)), submitted_at="", predictions_sha256="0" * 64,
                            record=f"runs/loop-{i}/r/record.json") for i in range(4)]
    (tmp_path / "rows.json").write_text(json.dumps(rows))
    # Rewrites the leaderboard as fast as it can until it is killed.
    writer = (
        "import json, sys, itertools; from datetime import datetime, timezone; "
        "from benchmark.leaderboard import update_leaderboard; "
        "rows = json.load(open(sys.argv[1])); "
        "[update_leaderboard(sys.argv[2], {**row, 'submitted_at': datetime.now(timezone.utc).isoformat()}) "
        " for row in itertools.cycle(rows)]"
    )
    rng = random.Random(0)
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", writer, str(tmp_path / "rows.json"), str(results / "leaderboard.csv")],
                                cwd=ROOT)
        time.sleep(0.3 + rng.random() * 0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        frame = leaderboard_frame(results)
        models = list(frame["model"])
        assert set(base) <= set(models) and len(models) == len(set(models))
        assert set(models) <= set(base) | {f"loop-{i}" for i in range(4)}
        assert frame["rank"].astype(int).is_monotonic_increasing and frame.loc[0, "rank"] == "1"
    assert len(leaderboard_frame(results)) > len(base)  # the writer did get rows in


def test_end_to_end_rows_carry_detection_f1_and_attribution_rows_leave_it_empty(tmp_path, predictions_file):
    results = tmp_path / "results"
    e2e = "gold=0123456789ab|track=end-to-end|match=overlap:0.5|speaker=entity|version=0.1.0"
    found = make_result("finder", units_with(2, 2, 2), signature=e2e, track="end-to-end")
    found["detection"] = {"precision": 0.75, "recall": 0.5, "f1": 0.6, "matched": 3, "predicted": 4, "gold": 6}
    record_run(results, found, predictions_path=predictions_file, argv=[])
    record_run(results, make_result("namer", units_with(2, 2, 2)), predictions_path=predictions_file, argv=[])
    rows = {r["model"]: r for r in read_leaderboard(results / "leaderboard.csv")[1]}
    assert rows["finder"]["detection_f1"] == "0.6000"
    assert rows["namer"]["detection_f1"] == ""

    lines = run_cli("leaderboard", "--results", results, "--format", "markdown").stdout.splitlines()
    assert "| rank | model | P | R | F1 | F1 95% CI | macro F1 | predicted | submitted (UTC) |" in lines
    e2e_header = lines.index("| rank | model | P | R | F1 | F1 95% CI | macro F1 | detection F1 | predicted | submitted (UTC) |")
    assert "| 0.6000 | 4 |" in lines[e2e_header + 2]


# --------------------------------------------------------------------------
# file modes (issue 11 item 3) and the views of the leaderboard (item 9)


def score_once(tmp_path: Path, name: str, accuracy: float = 1.0) -> Path:
    gold = tmp_path / "gold.jsonl"
    if not gold.exists():
        write_gold_file(gold, n_docs=2, quotes_per_doc=3)
    docs = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    pred = tmp_path / f"{name}.jsonl"
    write_attribution_predictions(pred, docs, accuracy=accuracy, seed=3)
    from benchmark.cli import main

    assert main(["score", str(pred), "--name", name, "--gold", str(gold), "--results", str(tmp_path / "results"),
                 "--bootstrap", "20"]) == 0
    return tmp_path / "results"


def written_files(results: Path) -> list[Path]:
    return [results / "leaderboard.csv", results / "leaderboard.png",
            *(p for p in (results / "runs").rglob("*") if p.is_file())]


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_new_files_get_the_usual_mode_under_the_umask(tmp_path, umask, capsys):
    previous = os.umask(umask)
    try:
        results = score_once(tmp_path, "alpha")
    finally:
        os.umask(previous)
    files = written_files(results)
    assert {p.name for p in files} >= {"leaderboard.csv", "leaderboard.png", "record.json", "errors.md", "per_speaker.png"}
    assert {p.name: oct(p.stat().st_mode & 0o777) for p in files} == {p.name: oct(0o666 & ~umask) for p in files}


def test_a_replaced_leaderboard_keeps_its_mode(tmp_path, capsys):
    previous = os.umask(0o022)
    try:
        results = score_once(tmp_path, "alpha")
        (results / "leaderboard.csv").chmod(0o664)
        (results / "leaderboard.png").chmod(0o644)
        score_once(tmp_path, "beta")
    finally:
        os.umask(previous)
    assert (results / "leaderboard.csv").stat().st_mode & 0o777 == 0o664
    assert (results / "leaderboard.png").stat().st_mode & 0o777 == 0o644
    assert len(read_leaderboard(results / "leaderboard.csv")[1]) == 2  # really replaced


def test_score_redraws_the_leaderboard_chart(tmp_path, capsys):
    from benchmark.report import leaderboard_chart

    results = score_once(tmp_path, "alpha")
    first = (results / "leaderboard.png").read_bytes()
    score_once(tmp_path, "beta", accuracy=0.5)
    second = (results / "leaderboard.png").read_bytes()
    assert first != second
    # The chart on disk is the chart of the CSV's rows: same models, best first.
    [axes] = leaderboard_chart(read_leaderboard(results / "leaderboard.csv")[1]).axes
    assert [t.get_text() for t in axes.get_yticklabels()] == ["alpha", "beta"]
    assert second.startswith(b"\x89PNG")


def test_the_readme_leaderboard_is_the_markdown_command_output():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- LEADERBOARD-TABLES:BEGIN")[1].split("-->", 1)[1].split("<!-- LEADERBOARD-TABLES:END -->")[0]
    proc = run_cli("leaderboard", "--format", "markdown", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert block.strip("\n") == proc.stdout.strip("\n")
    assert "†" not in block
