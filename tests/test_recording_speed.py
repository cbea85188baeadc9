"""What makes `quotebench baselines` fast after the predictions, without
changing a byte of what it writes: indented JSON through orjson, the gold-set
cache, the chart cache and the site's runs drawn in processes."""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
from pathlib import Path

import pytest

from benchmark import gold_cache, report
from benchmark.cli import main
from benchmark.errors import InputErrors
from benchmark.files import indented_json
from benchmark.gold import MissingSourceWarning, load_gold
from benchmark.site import build_site

# --------------------------------------------------------------------------
# indented_json


@pytest.mark.parametrize("value", [
    {}, [], {"a": [], "b": {}}, [[{}]], {"x": [1, 2.5, None, True, False, "é\u2028\x00\x1f\"\\</script>"]},
    1e-05, 1e16, 1e22, -0.0, 0.1, 1.0, 5e-324, 1.7976931348623157e308, 123456789.123,
    float("nan"), float("inf"), {"nested": [float("nan")]},  # NaN: orjson writes null, json NaN
    {1: 2}, {"k": (1, 2)}, 2**70, {"n": 2**64},  # keys and ints orjson refuses or spells otherwise
])
def test_indented_json_is_the_text_of_json_dumps(value):
    assert indented_json(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_indented_json_refuses_what_json_refuses():
    with pytest.raises(TypeError):
        indented_json({"a": object()})


# --------------------------------------------------------------------------
# The gold-set cache


def _document(doc_id: str, source: str, said: str = "We will open on time,") -> dict:
    text = f"\u201c{said}\u201d Smith said.\n"
    return {
        "doc_id": doc_id, "source": source, "text": text,
        "entities": [{"id": "smith", "name": "Smith", "kind": "person", "aliases": [], "mentions": [{"start": len(said) + 3, "end": len(said) + 8}]}],
        "quotes": [{"id": "q1", "start": 1, "end": 1 + len(said), "type": "direct", "speaker": "smith",
                    "speaker_mention": {"start": len(said) + 3, "end": len(said) + 8}, "cue": None}],
    }


def _write_gold(folder: Path, documents: list[dict], *, with_sources: bool = True) -> Path:
    if with_sources:
        for doc in documents:
            (folder / doc["source"]).write_text(doc["text"], encoding="utf-8")
    path = folder / "gold.jsonl"
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents), encoding="utf-8")
    return path


def _refuse_validation(monkeypatch) -> None:
    def refused(path, **_):
        raise AssertionError("validated again")

    monkeypatch.setattr(gold_cache, "load_gold", refused)


def test_gold_set_entry_is_written_on_save_and_read_without_validating(tmp_path, monkeypatch):
    gold_path = _write_gold(tmp_path, [_document("a", "a.txt"), _document("b", "b.txt", "Taxes will rise,")])
    cache = tmp_path / "cache"
    gold, save = gold_cache.load_gold_set(gold_path, cache)
    assert gold == load_gold(gold_path)
    assert not cache.exists()  # nothing written before the caller accepts the rest of its input
    save()
    assert [p.name for p in cache.iterdir()] == [gold_cache.set_entry_path(cache, gold.sha256).name]
    _refuse_validation(monkeypatch)
    cached, save_again = gold_cache.load_gold_set(gold_path, cache)
    assert cached == gold and cached.sha256 == gold.sha256 and cached.path == gold.path
    save_again()  # nothing to write


def test_a_changed_gold_file_or_source_or_a_damaged_entry_is_validated_again(tmp_path):
    gold_path = _write_gold(tmp_path, [_document("a", "a.txt")])
    cache = tmp_path / "cache"
    gold, save = gold_cache.load_gold_set(gold_path, cache)
    save()
    # a changed gold file: another sha256, another entry
    _write_gold(tmp_path, [_document("a", "a.txt", "We will open in May,")])
    changed, _ = gold_cache.load_gold_set(gold_path, cache)
    assert changed == load_gold(gold_path) and changed != gold
    # a damaged entry: validated again, the same set
    _, save = gold_cache.load_gold_set(gold_path, cache)
    save()
    entry = gold_cache.set_entry_path(cache, changed.sha256)
    entry.write_bytes(b"{damaged")
    assert gold_cache.load_gold_set(gold_path, cache)[0] == changed
    # a source file changed since the entry was written: validation sees the difference
    _, save = gold_cache.load_gold_set(gold_path, cache)
    save()
    (tmp_path / "a.txt").write_text("another text altogether\n", encoding="utf-8")
    with pytest.raises(InputErrors, match="differs from source file"):
        gold_cache.load_gold_set(gold_path, cache)


def test_a_cached_load_says_the_missing_source_warning_again(tmp_path, monkeypatch):
    gold_path = _write_gold(tmp_path, [_document("a", "nowhere.txt")], with_sources=False)
    cache = tmp_path / "cache"
    with pytest.warns(MissingSourceWarning, match="nowhere.txt") as first:
        _, save = gold_cache.load_gold_set(gold_path, cache)
    save()
    _refuse_validation(monkeypatch)
    with pytest.warns(MissingSourceWarning) as again:
        gold_cache.load_gold_set(gold_path, cache)
    assert [str(w.message) for w in again] == [str(w.message) for w in first]


# --------------------------------------------------------------------------
# The chart cache


def _result(precision: float) -> dict:
    per_speaker = [
        {"speaker": "smith", "name": "Smith", "gold": 3, "predicted": 2, "precision": precision, "recall": 0.5, "f1": 0.5, "tp": 1},
        {"speaker": "wu", "name": "Carol Wu", "gold": 1, "predicted": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0},
    ]
    return {"model": "hand", "track": "attribution", "micro": {"precision": precision, "recall": 0.25, "f1": 0.3, "predicted": 2},
            "per_speaker": per_speaker}


def _drawn(result: dict, path: Path) -> bytes:
    report.write_speaker_chart(result, path)  # no cache: drawn
    return path.read_bytes()


def test_a_chart_of_the_same_inputs_is_copied_from_the_cache(tmp_path):
    cache = tmp_path / "charts"
    result = _result(0.5)
    report.write_speaker_chart(result, tmp_path / "first.png", chart_cache=cache)
    assert (tmp_path / "first.png").read_bytes() == _drawn(result, tmp_path / "drawn.png")
    (entry,) = cache.iterdir()
    # what the entry holds is what is written: the chart was not drawn again
    planted = b"planted"
    entry.unlink()
    (cache / f"{report._chart_key('speaker', report._speaker_chart_inputs(result))}-{hashlib.sha256(planted).hexdigest()[:16]}.png").write_bytes(planted)
    report.write_speaker_chart(result, tmp_path / "second.png", chart_cache=cache)
    assert (tmp_path / "second.png").read_bytes() == planted


def test_a_changed_run_or_a_damaged_entry_is_drawn_again(tmp_path):
    cache = tmp_path / "charts"
    report.write_speaker_chart(_result(0.5), tmp_path / "a.png", chart_cache=cache)
    changed = _result(0.75)
    report.write_speaker_chart(changed, tmp_path / "b.png", chart_cache=cache)
    assert (tmp_path / "b.png").read_bytes() == _drawn(changed, tmp_path / "drawn.png") != (tmp_path / "a.png").read_bytes()
    assert len(list(cache.iterdir())) == 2
    for entry in cache.iterdir():  # damaged: its bytes no longer match its name
        entry.write_bytes(entry.read_bytes()[:100])
    report.write_speaker_chart(changed, tmp_path / "c.png", chart_cache=cache)
    assert (tmp_path / "c.png").read_bytes() == (tmp_path / "drawn.png").read_bytes()


def test_the_leaderboard_chart_is_redrawn_when_a_figure_it_shows_changes(tmp_path):
    cache = tmp_path / "charts"
    row = {"signature": "gold=x|track=attribution", "track": "attribution", "n_gold": "4", "rank": "1", "model": "hand",
           "f1": "0.5000", "f1_ci_low": "0.2000", "f1_ci_high": "0.8000", "submitted_at": "2026-01-01T00:00:00.000000Z"}
    report.write_leaderboard_chart([row], tmp_path / "a.png", chart_cache=cache)
    # a later submission with the same figures: the same chart, from the cache
    report.write_leaderboard_chart([{**row, "submitted_at": "2026-02-01T00:00:00.000000Z"}], tmp_path / "b.png", chart_cache=cache)
    assert len(list(cache.iterdir())) == 1 and (tmp_path / "b.png").read_bytes() == (tmp_path / "a.png").read_bytes()
    better = {**row, "f1": "0.6000"}
    report.write_leaderboard_chart([better], tmp_path / "c.png", chart_cache=cache)
    report.write_leaderboard_chart([better], tmp_path / "drawn.png")
    assert (tmp_path / "c.png").read_bytes() == (tmp_path / "drawn.png").read_bytes() != (tmp_path / "a.png").read_bytes()


# --------------------------------------------------------------------------
# The site's runs drawn in processes


def _site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _score_both_documents(gold_path: Path, results: Path, name: str, speaker: str | None) -> Path:
    """Score ``name`` giving ``speaker`` to q1 of documents a and b (building
    the site); the newest record."""
    rows = [{"doc_id": d, "quote_id": "q1", "speaker": speaker} for d in ("a", "b")]
    pred = gold_path.parent / f"{name}.jsonl"
    pred.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["score", str(pred), "--name", name, "--track", "attribution", "--gold", str(gold_path), "--results", str(results),
                     "--bootstrap", "20", "--no-cache"]) == 0
    records = list(results.rglob("record.json"))
    return max(records, key=lambda p: p.stat().st_mtime_ns)


def test_runs_drawn_in_processes_give_the_same_site_and_a_changed_run_is_drawn_again(tmp_path):
    gold_path = _write_gold(tmp_path, [_document("a", "a.txt"), _document("b", "b.txt", "Taxes will rise,")])
    results = tmp_path / "results"
    for name in ("alpha", "bravo", "charlie"):
        _score_both_documents(gold_path, results, name, "Smith")
    gold = load_gold(gold_path)
    shutil.rmtree(results / "site")
    build_site(results, gold, processes=1)
    serial = _site_files(results / "site")
    shutil.rmtree(results / "site")
    build_site(results, gold, processes=2)
    assert _site_files(results / "site") == serial
    assert sum(name.endswith("/index.html") and name.startswith("runs/") for name in serial) == 3

    # bravo scored again, now abstaining: its new run is drawn, the others carried over
    _score_both_documents(gold_path, results, "bravo", None)
    build_site(results, gold, processes=2)
    after = _site_files(results / "site")
    (bravo,) = [name for name in after if name.startswith("runs/bravo/") and name.endswith("/index.html")]
    assert bravo not in serial and "(2 abstained)" in after[bravo].decode("utf-8")
    for name, data in serial.items():
        if name.startswith(("runs/alpha/", "runs/charlie/")):
            assert after[name] == data


def test_a_cached_load_gives_the_types_validation_gives(tmp_path):
    doc = _document("a", "a.txt")
    doc["quotes"][0]["attributes"] = {"count": 2**70, "ratio": 0.5, "n": 3}
    gold_path = _write_gold(tmp_path, [doc])
    cache = tmp_path / "cache"
    gold, save = gold_cache.load_gold_set(gold_path, cache)
    save()
    again, _ = gold_cache.load_gold_set(gold_path, cache)
    validated = load_gold(gold_path).documents[0].quotes[0].attributes
    assert {k: type(v) for k, v in again.documents[0].quotes[0].attributes.items()} == {k: type(v) for k, v in validated.items()}


def test_a_run_drawn_before_is_carried_over_as_build_site_would_draw_it(tmp_path):
    from benchmark.site.build import draw_run_before

    gold_path = _write_gold(tmp_path, [_document("a", "a.txt"), _document("b", "b.txt", "Taxes will rise,")])
    results = tmp_path / "results"
    gold = load_gold(gold_path)
    _score_both_documents(gold_path, results, "alpha", "Smith")
    site_before = results.parent / "site-before"
    shutil.copytree(results / "site", site_before)
    record = _score_both_documents(gold_path, results, "alpha", None)  # a new run of alpha: its pages are drawn by this build
    drawn_by_build = _site_files(results / "site")
    # the same run drawn beforehand, from the site as it was before its build
    shutil.rmtree(results / "site")
    shutil.copytree(site_before, results / "site")
    into = tmp_path / "drawn"
    assert draw_run_before(results, gold, record, into)
    (index,) = into.rglob("index.html")
    index.write_text(index.read_text(encoding="utf-8") + "<!-- drawn before -->", encoding="utf-8")
    build_site(results, gold, drawn_before=into)
    carried = _site_files(results / "site")
    (name,) = [n for n in carried if n.startswith("runs/alpha/") and n.endswith("/index.html")]
    assert carried[name].endswith(b"<!-- drawn before -->")  # carried over, not drawn again
    # unmarked, it is what build_site draws
    shutil.rmtree(results / "site")
    shutil.copytree(site_before, results / "site")
    shutil.rmtree(into)
    assert draw_run_before(results, gold, record, into)
    build_site(results, gold, drawn_before=into)
    assert _site_files(results / "site") == drawn_by_build
    # a record the leaderboard no longer points at is not drawn
    assert not draw_run_before(results, gold, next(p for p in results.rglob("record.json") if p != record), tmp_path / "other")
