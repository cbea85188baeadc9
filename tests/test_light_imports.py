"""The scoring path stays light: ``score``, ``leaderboard`` and ``compare``
never import a heavy library.

Each command runs in a fresh interpreter under ``python -X importtime``,
which lists every module imported, and the list is checked.  No timing is
asserted (timings are measured by ``perf/``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = {"spacy", "datasets", "textacy", "torch", "thinc"}

TEXT = "“We will win,” Anna Volkova said. Boris Petrov said that taxes would rise."
GOLD = {
    "doc_id": "d1",
    "source": "inline",
    "text": TEXT,
    "entities": [
        {"id": "anna", "name": "Anna Volkova", "kind": "person", "aliases": ["Volkova"], "mentions": [{"start": 15, "end": 27}]},
        {"id": "boris", "name": "Boris Petrov", "kind": "person", "aliases": ["Petrov"], "mentions": [{"start": 34, "end": 46}]},
    ],
    "quotes": [
        {"id": "q1", "start": 1, "end": 12, "type": "direct", "speaker": "anna",
         "speaker_mention": {"start": 15, "end": 27}, "cue": {"start": 28, "end": 32}},
        {"id": "q2", "start": 57, "end": 73, "type": "indirect", "speaker": "boris",
         "speaker_mention": {"start": 34, "end": 46}, "cue": {"start": 47, "end": 51}},
    ],
}


def imported_packages(stderr: str) -> set[str]:
    """Top-level packages named in ``-X importtime`` output."""
    return {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def run_importtime(*args: str, cwd: Path) -> tuple[subprocess.CompletedProcess, set[str]]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "benchmark", *args], cwd=cwd, capture_output=True, text=True
    )
    return proc, imported_packages(proc.stderr)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A gold file with one document and two submissions, in a folder of its own."""
    folder = tmp_path_factory.mktemp("light")
    assert TEXT[GOLD["quotes"][1]["start"]:GOLD["quotes"][1]["end"]] == "taxes would rise"
    (folder / "gold.jsonl").write_text(json.dumps(GOLD, ensure_ascii=False) + "\n", encoding="utf-8")
    rows = {
        "a.jsonl": [("q1", "Volkova"), ("q2", "Anna Volkova")],
        "b.jsonl": [("q1", "Volkova"), ("q2", "Petrov")],
    }
    for name, predictions in rows.items():
        lines = [json.dumps({"doc_id": "d1", "quote_id": q, "speaker": s}) for q, s in predictions]
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_score_imports_no_heavy_library(workspace):
    proc, imported = run_importtime("score", "a.jsonl", "--name", "model-a", "--gold", "gold.jsonl", "--no-leaderboard", cwd=workspace)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "micro" in proc.stdout and "0.500" in proc.stdout  # one of two quotes credited
    assert {"benchmark", "numpy"} <= imported  # the listing is really there
    assert imported.isdisjoint(HEAVY), sorted(imported & HEAVY)
    assert not (workspace / "results").exists()  # --no-leaderboard records nothing


def test_recording_leaderboard_and_compare_import_no_heavy_library(workspace):
    results = workspace / "results"
    for name, pred in (("model-a", "a.jsonl"), ("model-b", "b.jsonl")):
        proc, imported = run_importtime("score", pred, "--name", name, "--gold", "gold.jsonl", "--results", "results", cwd=workspace)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert "benchmark" in imported and imported.isdisjoint(HEAVY), sorted(imported & HEAVY)
    assert (results / "leaderboard.csv").is_file()

    proc, imported = run_importtime("leaderboard", "--results", "results", cwd=workspace)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ranked = [line.split() for line in proc.stdout.splitlines() if line.strip()[:1].isdigit()]
    assert [row[1] for row in ranked] == ["model-b", "model-a"]  # F1 1.0 above 0.5
    assert "benchmark" in imported
    assert imported.isdisjoint(HEAVY), sorted(imported & HEAVY)

    proc, imported = run_importtime("compare", "model-a", "model-b", "--results", "results", "--gold", "gold.jsonl", cwd=workspace)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "model-a" in proc.stdout and "p-value" in proc.stdout
    assert "benchmark" in imported
    assert imported.isdisjoint(HEAVY), sorted(imported & HEAVY)


def test_the_check_would_see_a_heavy_import(workspace):
    """The same listing does name spaCy when a command does import it, so an
    empty intersection above means something."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import benchmark.models, spacy.tokens"],
        cwd=workspace, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert {"spacy", "thinc"} <= imported_packages(proc.stderr)


def test_a_command_does_not_build_the_other_commands_parsers(workspace):
    """``baselines`` offers every baseline's options, ``gold import`` every
    format's: building those parsers imports the plug-ins, which
    ``leaderboard`` must not pay for."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "benchmark", "leaderboard", "--help"], cwd=workspace, capture_output=True, text=True
    )
    assert proc.returncode == 0 and "--format" in proc.stdout
    modules = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "benchmark.cli" in modules
    assert not {m for m in modules if m.startswith(("baselines", "benchmark.annotation", "benchmark.gold"))}

    proc = subprocess.run([sys.executable, "-m", "benchmark", "baselines", "--help"], cwd=workspace, capture_output=True, text=True)
    assert proc.returncode == 0 and "--llm-url" in proc.stdout  # the chosen command's parser is whole
