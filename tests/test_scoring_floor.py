"""What the scorer does to reach its floor (issue 13) never changes a result:
the per-quote report left out when nothing writes it, the submission's
columns read as arrays, the bootstrap's own percentiles and distinct rows,
the gold cache's coded columns.  Each is checked against the plain way."""

from __future__ import annotations

import hashlib
import json
import random
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from benchmark.cli import main
from benchmark.gold import load_gold
from benchmark.gold_cache import GoldCache, GoldColumns
from benchmark.scoring import _distinct_rows, _percentiles, score
from benchmark.submission import _RowChecker, read_predictions

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "perf"))
import scorer_scaling  # noqa: E402  the synthetic corpus of the perf script

TRACKS = ("attribution", "end-to-end")
pytestmark = pytest.mark.filterwarnings("ignore::benchmark.gold.MissingSourceWarning")  # synthetic sources are no files


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    """60 short and long synthetic documents; a few quotes carry attributes,
    and every fourth row of a submission is written with its keys in another
    order (columns must not depend on it)."""
    folder = tmp_path_factory.mktemp("floor")
    paths = scorer_scaling.write_corpus(folder, 300, seed=5, shape="short")
    rng = random.Random(5)
    documents = [json.loads(line) for line in paths["gold"].read_text(encoding="utf-8").splitlines()]
    documents += [scorer_scaling.make_document(rng, 1000 + k, "long") for k in range(30)]
    with open(paths["end-to-end"], "a", encoding="utf-8") as e2e, open(paths["attribution"], "a", encoding="utf-8") as attr:
        for document in documents[-30:]:
            rows_attr, rows_e2e = scorer_scaling.make_predictions(rng, document)
            attr.writelines(json.dumps(row) + "\n" for row in rows_attr)
            e2e.writelines(json.dumps(row) + "\n" for row in rows_e2e)
    for k, document in enumerate(documents):
        for j, quote in enumerate(document["quotes"]):
            if (k + j) % 7 == 0:
                quote["attributes"] = {"topic": ["tax", "war"][j % 2]}
    paths["gold"].write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents), encoding="utf-8")
    for track in TRACKS:
        lines = paths[track].read_text(encoding="utf-8").splitlines()
        shuffled = [json.dumps(dict(reversed(json.loads(line).items()))) if k % 4 == 0 else line for k, line in enumerate(lines)]
        paths[track].write_text("\n".join(shuffled) + "\n", encoding="utf-8")
    return paths


@pytest.mark.parametrize("track", TRACKS)
def test_a_result_without_its_report_has_the_same_figures(corpus, track):
    gold = load_gold(corpus["gold"])
    predictions = read_predictions(corpus[track], gold, track)
    full = score(gold, predictions, model="m", n_bootstrap=200, by=["topic"])
    bare = score(gold, predictions, model="m", n_bootstrap=200, by=["topic"], report=False)
    report_keys = {"units", "quotes", "unmatched_predictions"}
    assert {k: v for k, v in full.items() if k not in report_keys} == {k: v for k, v in bare.items() if k not in report_keys}
    assert all(bare[k] is None for k in report_keys)
    assert len(full["units"]) == full["n_documents"] and len(full["quotes"]) == full["n_gold"]


@pytest.mark.parametrize("track", TRACKS)
@pytest.mark.parametrize("as_columns", [False, True])
def test_the_column_tests_read_the_same_columns_as_the_row_by_row_check(corpus, monkeypatch, track, as_columns):
    gold = load_gold(corpus["gold"])
    if as_columns:
        gold = GoldColumns.from_gold(gold)
    sha256 = hashlib.sha256(corpus[track].read_bytes()).hexdigest()
    fast_read = read_predictions(corpus[track], gold, track)
    fast = fast_read.columns
    assert "doc" in fast and fast_read.sha256 == sha256
    monkeypatch.setattr(_RowChecker, "_valid_columns", lambda self, objects, **_: None)  # every row through check()
    slow_read = read_predictions(corpus[track], gold, track)
    slow = slow_read.columns
    assert slow_read.sha256 == sha256
    assert fast.keys() == slow.keys()
    for name in fast:
        a, b = fast[name], slow[name]
        assert (a.tolist() if isinstance(a, np.ndarray) else a) == (b.tolist() if isinstance(b, np.ndarray) else b), name
    # the gold set's strings, by document and quote position
    doc_ids = gold.doc_ids if as_columns else [d.doc_id for d in gold.documents]
    assert fast["doc_id"] == [doc_ids[d] for d in fast["doc"].tolist()]


def test_the_bootstraps_percentiles_and_distinct_rows_are_numpys():
    rng = np.random.default_rng(7)
    for trial in range(300):
        n = int(rng.integers(1, 1500))
        values = rng.integers(0, 40, n) / rng.integers(1, 41) if trial % 2 else rng.random(n)
        percents = [2.5, 97.5] if trial % 3 else list(rng.random(4) * 100)
        ours, numpys = _percentiles(values, percents), np.percentile(values, percents)
        assert ours.tolist() == numpys.tolist() and ours.dtype == numpys.dtype
        counts = rng.integers(0, int(rng.integers(1, 20)), (n, 3))
        rows, multiplicity = _distinct_rows(counts)
        want_rows, want_multiplicity = np.unique(counts, axis=0, return_counts=True)
        assert rows.tolist() == want_rows.tolist() and multiplicity.tolist() == want_multiplicity.tolist()


def test_a_cache_entry_reads_back_the_columns_that_validation_built(corpus, tmp_path):
    built = GoldColumns.from_gold(load_gold(corpus["gold"]))
    cache = GoldCache(tmp_path / "cache")
    cache.load(corpus["gold"])
    cache.save()
    read = GoldCache(tmp_path / "cache").load(corpus["gold"])
    assert any(read.q_attributes) and read.q_attributes == built.q_attributes
    for field in fields(GoldColumns):
        if field.name == "text":
            assert read.joined_text() == built.joined_text()
            continue
        a, b = getattr(read, field.name), getattr(built, field.name)
        assert (a.tolist() if isinstance(a, np.ndarray) else a) == (b.tolist() if isinstance(b, np.ndarray) else b), field.name


@pytest.mark.parametrize("track", TRACKS)
def test_score_prints_the_same_table_whether_or_not_it_writes_the_result(corpus, tmp_path, capsys, track):
    argv = ["score", str(corpus[track]), "--gold", str(corpus["gold"]), "--name", "m", "--no-leaderboard", "--no-cache", "--bootstrap", "100"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert main([*argv, "--json", str(tmp_path / "r.json")]) == 0
    assert capsys.readouterr().out == printed
    written = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert len(written["quotes"]) == written["n_gold"] and "95% CI" in printed


@pytest.mark.parametrize("where", ["in a new folder", "in a folder that was there"])
def test_a_source_file_that_appears_after_the_entry_was_written_is_checked(tmp_path, where):
    from benchmark.errors import InputErrors
    from test_scoring_support import save_gold, volkov_document

    document, _ = volkov_document()
    document.source = "seeds/volkov.txt"
    if where == "in a folder that was there":
        (tmp_path / "seeds").mkdir()
    gold_path, _ = save_gold([document], tmp_path)
    cache = GoldCache(tmp_path / "cache")
    cache.load(gold_path)  # not found: the text is not checked
    cache.save()
    GoldCache(tmp_path / "cache").load(gold_path)  # from the entry
    (tmp_path / "seeds").mkdir(exist_ok=True)
    (tmp_path / "seeds" / "volkov.txt").write_text(document.text.replace("Kremlin", "Kremlim"), encoding="utf-8")
    with pytest.raises(InputErrors, match="differs from source file"):
        GoldCache(tmp_path / "cache").load(gold_path)
