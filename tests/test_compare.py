"""``quotebench compare``: the paired test between two recorded runs."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys

import pytest

from benchmark.errors import UsageError
from benchmark.leaderboard import record_run
from benchmark.significance import compare
from support.cli import ROOT, run_cli
from support.results import SIGNATURE, f1_of, make_result, units_with, write_attribution_predictions, write_gold_file


def random_units(n: int, accuracy: float, seed: int) -> list[tuple[int, int, int]]:
    rng = random.Random(seed)
    return [(int(rng.random() < accuracy), 1, 1) for _ in range(n)]


# --------------------------------------------------------------------------
# the statistics


def test_identical_runs_have_zero_difference_and_p_one():
    units = random_units(200, 0.6, seed=1)
    c = compare(make_result("a", units), make_result("b", units), n_resamples=2000)
    assert c["difference"] == 0.0 and c["ci"] == [0.0, 0.0]
    assert c["p_value"] == 1.0 and not c["significant"]
    assert c["n_differing_units"] == 0
    assert "nothing to tell apart" in c["verdict"]


def test_perfect_against_random_on_200_quotes_is_significant():
    perfect, guess = [(1, 1, 1)] * 200, random_units(200, 0.2, seed=2)
    c = compare(make_result("perfect", perfect), make_result("guess", guess), n_resamples=5000)
    right = sum(u[0] for u in guess)
    assert c["f1_a"] == 1.0 and c["f1_b"] == pytest.approx(right / 200)
    assert c["difference"] == pytest.approx(1 - right / 200)
    assert c["ci"][0] > 0.5
    assert c["p_value"] < 0.05 and c["significant"]
    assert c["verdict"].startswith("perfect is better than guess")
    # Swapping the two gives the opposite difference and the same p-value.
    reverse = compare(make_result("guess", guess), make_result("perfect", perfect), n_resamples=5000)
    assert reverse["difference"] == pytest.approx(-c["difference"])
    assert reverse["verdict"].startswith("perfect is better than guess")


def test_p_value_matches_the_exact_randomisation_distribution():
    units_a = [(3, 4, 5), (1, 3, 2), (2, 2, 2), (0, 1, 3), (4, 4, 4), (1, 2, 2)]
    units_b = [(2, 5, 5), (1, 1, 2), (0, 2, 2), (1, 1, 3), (2, 3, 4), (1, 2, 2)]
    observed = f1_of(*map(sum, zip(*units_a))) - f1_of(*map(sum, zip(*units_b)))
    extreme = 0
    for swaps in itertools.product((False, True), repeat=len(units_a)):
        a = [ub if s else ua for ua, ub, s in zip(units_a, units_b, swaps)]
        b = [ua if s else ub for ua, ub, s in zip(units_a, units_b, swaps)]
        delta = f1_of(*map(sum, zip(*a))) - f1_of(*map(sum, zip(*b)))
        extreme += abs(delta) >= abs(observed) - 1e-12
    exact = extreme / 2 ** len(units_a)

    c = compare(make_result("a", units_a), make_result("b", units_b), n_resamples=20000)
    assert c["difference"] == pytest.approx(observed)
    assert c["p_value"] == pytest.approx(exact, abs=0.015)
    assert c["n_differing_units"] == 5


def test_bootstrap_interval_of_two_units_is_their_extremes():
    # Resampling 2 units draws (1, 1), (1, 2) or (2, 2); the 2.5% and 97.5%
    # quantiles are the differences on "unit 1 twice" and "unit 2 twice".
    units_a, units_b = [(3, 4, 5), (1, 2, 5)], [(2, 5, 5), (2, 2, 5)]
    twice_first = f1_of(6, 8, 10) - f1_of(4, 10, 10)
    twice_second = f1_of(2, 4, 10) - f1_of(4, 4, 10)
    c = compare(make_result("a", units_a), make_result("b", units_b), n_resamples=4000)
    assert c["ci"] == pytest.approx(sorted([twice_first, twice_second]))
    assert not c["significant"]
    assert "too small to tell a and b apart" in c["verdict"]
    assert "Only 2 quotes differ between the runs: no difference could be significant." in c["verdict"]


def test_same_seed_same_answer_and_order_of_units_does_not_matter():
    units_a, units_b = random_units(120, 0.7, seed=3), random_units(120, 0.6, seed=4)
    a, b = make_result("a", units_a), make_result("b", units_b)
    first = compare(a, b, n_resamples=3000, seed=7)
    b["units"] = b["units"][::-1]
    assert compare(a, b, n_resamples=3000, seed=7) == first
    assert compare(a, b, n_resamples=3000, seed=8)["p_value"] != first["p_value"]


def test_small_difference_on_200_quotes_is_too_small_to_tell():
    base = [(0, 1, 1)] * 3 + random_units(197, 0.6, seed=5)
    tweaked = [(1, 1, 1)] * 3 + base[3:]
    c = compare(make_result("a", base), make_result("b", tweaked), n_resamples=3000)
    assert c["p_value"] > 0.05 and not c["significant"]
    assert c["difference"] == pytest.approx(-6 / 400)
    assert c["ci"][0] <= c["difference"] <= c["ci"][1] <= 0
    assert "is too small to tell a and b apart" in c["verdict"]


def test_runs_of_different_signatures_or_units_are_refused():
    units = random_units(20, 0.5, seed=6)
    other = SIGNATURE.replace("speaker=entity", "speaker=name")
    with pytest.raises(UsageError, match="different signatures"):
        compare(make_result("a", units), make_result("b", units, signature=other))
    shifted = make_result("b", units)
    shifted["units"][0]["unit"] = "elsewhere"
    with pytest.raises(UsageError, match="not on the same units"):
        compare(make_result("a", units), shifted)


# --------------------------------------------------------------------------
# the command


@pytest.fixture()
def results(tmp_path):
    return tmp_path / "results"


def test_compare_cli_on_scored_runs_of_200_quotes(tmp_path, results):
    gold = tmp_path / "gold.jsonl"
    docs = write_gold_file(gold, n_docs=1, quotes_per_doc=200, seed=11)
    runs = {"perfect": 1.0, "perfect-again": 1.0, "guess": 0.2}
    for name, accuracy in runs.items():
        pred = tmp_path / f"{name}.jsonl"
        write_attribution_predictions(pred, docs, accuracy=accuracy, seed=12)
        proc = run_cli("score", pred, "--name", name, "--gold", gold, "--results", results, "--bootstrap", "50")
        assert proc.returncode == 0, proc.stderr

    proc = run_cli("compare", "perfect", "guess", "--results", results, "--resamples", "2000")
    assert proc.returncode == 0, proc.stderr
    assert "paired over 200 quotes" in proc.stdout
    p_value = float(proc.stdout.split("p-value: ")[1].split()[0])
    assert p_value < 0.05
    assert "perfect is better than guess" in proc.stdout

    proc = run_cli("compare", "perfect", "perfect-again", "--results", results, "--resamples", "2000")
    assert proc.returncode == 0, proc.stderr
    assert "F1 difference A - B: +0.0000, 95% CI [+0.0000, +0.0000]" in proc.stdout
    assert "p-value: 1.0000" in proc.stdout


def test_compare_cli_says_when_the_gold_set_is_too_small(tmp_path, results):
    gold = tmp_path / "gold.jsonl"
    docs = write_gold_file(gold, n_docs=3, quotes_per_doc=4, seed=13)
    for name, accuracy in (("good", 0.9), ("poor", 0.4)):
        pred = tmp_path / f"{name}.jsonl"
        write_attribution_predictions(pred, docs, accuracy=accuracy, seed=14)
        assert run_cli("score", pred, "--name", name, "--gold", gold, "--results", results, "--bootstrap", "50").returncode == 0
    proc = run_cli("compare", "good", "poor", "--results", results, "--resamples", "2000")
    assert proc.returncode == 0, proc.stderr
    assert "paired over 3 documents" in proc.stdout
    assert "is too small to tell good and poor apart" in proc.stdout


def test_compare_cli_refuses_unpairable_runs_with_exit_2(tmp_path, results):
    pred = tmp_path / "pred.jsonl"
    pred.write_text("{}\n")
    e2e = "gold=0123456789ab|track=end-to-end|match=overlap:0.5|speaker=entity|version=0.1.0"
    record_run(results, make_result("a", units_with(3, 1)), predictions_path=pred, argv=[])
    record_run(results, make_result("b", units_with(2, 2), signature=e2e, track="end-to-end"), predictions_path=pred, argv=[])
    other_units = make_result("c", units_with(3, 1))
    other_units["units"][0]["unit"] = "elsewhere"
    record_run(results, other_units, predictions_path=pred, argv=[])

    cases = {
        ("a", "b"): "no run with the same signature",
        ("a", "c"): "not on the same units",
        ("a", "nobody"): "no recorded run named 'nobody'",
        ("a", "../x"): "invalid model name",
    }
    for (name_a, name_b), message in cases.items():
        proc = run_cli("compare", name_a, name_b, "--results", results)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and message in proc.stderr and proc.stdout == ""


def test_compare_command_imports_no_heavy_library(tmp_path, results):
    pred = tmp_path / "pred.jsonl"
    pred.write_text("{}\n")
    for name in ("a", "b"):
        record_run(results, make_result(name, units_with(3, 1)), predictions_path=pred, argv=[])
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "benchmark", "compare", "a", "b", "--results", results],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "numpy" in imported  # the listing is really there
    assert imported.isdisjoint({"spacy", "datasets", "textacy", "torch", "pandas", "matplotlib"})


def test_compare_without_track_says_which_track_it_compared_and_counts_quotes_once(tmp_path, results):
    gold = tmp_path / "gold.jsonl"
    docs = write_gold_file(gold, n_docs=1, quotes_per_doc=12, seed=15)
    for name, accuracy in (("good", 0.9), ("poor", 0.4)):
        pred = tmp_path / f"{name}.jsonl"
        write_attribution_predictions(pred, docs, accuracy=accuracy, seed=16)
        assert run_cli("score", pred, "--name", name, "--gold", gold, "--results", results, "--bootstrap", "20").returncode == 0
    proc = run_cli("compare", "good", "poor", "--results", results, "--resamples", "200")
    assert proc.returncode == 0, proc.stderr
    first, second = proc.stdout.splitlines()[:2]
    assert first.startswith("A = good, B = poor: attribution track  (gold=")
    assert second == "paired over 12 quotes (" + second.split("(")[1].split(")")[0] + "), 12 with a speaker"
    assert "12 quotes, 12 gold quotes" not in proc.stdout
    assert "this gold set (12 quotes) is too small" in proc.stdout or "is better than" in proc.stdout
