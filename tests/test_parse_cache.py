"""The parse cache (benchmark/parse_cache.py): one DocBin per document keyed by
the text's sha256 and the pipeline; a cached Doc is the same to every
baseline as a fresh parse; a corrupt, truncated or stale entry is parsed
again, never trusted; ``quotebench baselines --cache/--no-cache``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import baselines
from benchmark.cli import main
from benchmark.gold import load_gold
from benchmark.parse_cache import ParseCache, pipeline_key, text_sha256
from benchmark.runner import parse_documents, run_model

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "tests" / "data" / "dev_news.jsonl"

TEXTS = [
    "\u201cWe will fight,\u201d said Ana Ruiz.\n\nThe mayor said taxes would rise.",
    "Bob spoke first.\n\n\u201cNot today,\u201d he said, \u201cand not tomorrow.\u201d",
    "A third text, with no quotation at all.",
]


@pytest.fixture(scope="module")
def nlp():
    from benchmark.models import load_pipeline

    return load_pipeline()


def analyses(doc) -> list[tuple]:
    return [(t.idx, t.text, t.whitespace_, t.tag_, t.pos_, t.lemma_, t.dep_, t.head.i, t.ent_iob_, t.ent_type_, t.is_sent_start) for t in doc]


def test_entries_are_written_per_document_and_read_back_as_the_same_parse(nlp, tmp_path):
    cache = ParseCache(tmp_path, nlp)
    fresh = parse_documents(nlp, TEXTS, cache=cache, progress=False)
    assert (cache.hits, cache.misses) == (0, 0)  # nothing there to look up
    files = sorted(p.name for p in cache.directory.iterdir())
    assert files == sorted(f"{text_sha256(t)}.spacy" for t in TEXTS)
    assert cache.directory.parent == tmp_path and cache.directory.name == pipeline_key(nlp)

    again = ParseCache(tmp_path, nlp)
    cached = parse_documents(nlp, TEXTS, cache=again, progress=False)
    assert (again.hits, again.misses, again.refused) == (3, 0, 0)
    assert [analyses(d) for d in cached] == [analyses(d) for d in fresh]


def test_the_key_names_the_pipeline_and_changes_with_its_components(nlp):
    from benchmark.models import PARAGRAPH_COMPONENT, load_pipeline

    key = pipeline_key(nlp)
    assert key.startswith(f"en_{nlp.meta['name']}-{nlp.meta['version']}.")
    bare = load_pipeline()
    bare.remove_pipe(PARAGRAPH_COMPONENT)
    assert pipeline_key(bare) != key


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "another text"])
def test_a_damaged_or_stale_entry_is_parsed_again_and_rewritten(nlp, tmp_path, damage):
    cache = ParseCache(tmp_path, nlp)
    fresh = parse_documents(nlp, TEXTS, cache=cache, progress=False)
    target = cache.path(TEXTS[1])
    good = target.read_bytes()
    if damage == "garbage":
        target.write_bytes(b"\x00not a DocBin\xff" * 10)
    elif damage == "truncated":
        target.write_bytes(good[: len(good) // 2])
    elif damage == "empty":
        target.write_bytes(b"")
    else:  # a valid entry, but of another text
        shutil.copyfile(cache.path(TEXTS[0]), target)

    again = ParseCache(tmp_path, nlp)
    docs = parse_documents(nlp, TEXTS, cache=again, progress=False)
    assert (again.hits, again.refused) == (2, 1)
    assert docs[1].text == TEXTS[1]
    assert [analyses(d) for d in docs] == [analyses(d) for d in fresh]
    third = ParseCache(tmp_path, nlp)  # the entry was rewritten and is trusted again
    assert third.get(TEXTS[1]) is not None and third.refused == 0


def test_every_baseline_predicts_the_same_on_cached_docs(nlp, tmp_path):
    gold = load_gold(DEV)
    texts = [d.text for d in gold.documents]
    cache = ParseCache(tmp_path, nlp)
    fresh = parse_documents(nlp, texts, cache=cache, progress=False)
    cached = parse_documents(nlp, texts, cache=ParseCache(tmp_path, nlp), progress=False)
    for name in ("speech-verb", "nearest-mention", "learned"):
        for track in ("attribution", "end-to-end"):
            assert run_model(baselines.get(name), gold, track, docs=cached, progress=False) == run_model(
                baselines.get(name), gold, track, docs=fresh, progress=False
            ), (name, track)


def test_baselines_command_fills_the_cache_then_reads_it(tmp_path, capsys):
    results = tmp_path / "results"
    argv = ["baselines", "--only", "speech-verb", "--gold", str(DEV), "--results", str(results), "--bootstrap", "20"]
    assert main(argv) == 0
    entries = sorted((results / "cache").rglob("*.spacy"))
    gold = load_gold(DEV)
    assert len(entries) == len({d.text for d in gold.documents})
    first = {p.name: p.read_bytes() for p in (results / "predictions").iterdir()}
    stamps = {p: p.stat().st_mtime_ns for p in entries}

    assert main(argv) == 0  # read from the cache: no entry rewritten, same predictions
    assert {p: p.stat().st_mtime_ns for p in entries} == stamps
    assert {p.name: p.read_bytes() for p in (results / "predictions").iterdir()} == first

    other = tmp_path / "elsewhere"
    assert main([*argv, "--cache", str(other)]) == 0
    assert len(list(other.rglob("*.spacy"))) == len(entries)
    capsys.readouterr()


def test_no_cache_reads_and_writes_none(tmp_path, capsys):
    results = tmp_path / "results"
    assert main(["baselines", "--only", "speech-verb", "--track", "attribution", "--gold", str(DEV), "--results", str(results),
                 "--bootstrap", "20", "--no-cache"]) == 0
    assert not (results / "cache").exists()
    record = next((results / "runs").rglob("record.json"))
    assert json.loads(record.read_text())["result"]["model"] == "speech-verb"
    capsys.readouterr()


def test_cached_documents_predicted_in_two_processes_give_the_same_rows(nlp, tmp_path):
    from benchmark.runner import run_models

    gold = load_gold(DEV)
    models = [baselines.get("speech-verb"), baselines.get("random")]
    tracks = ["attribution", "end-to-end"]
    fresh = run_models(models, gold, tracks, nlp=nlp, progress=False)
    cache = ParseCache(tmp_path, nlp)
    parse_documents(nlp, [d.text for d in gold.documents], cache=cache, progress=False)
    # one entry damaged: that document is parsed again, the others read in two processes
    cache.path(gold.documents[3].text).write_bytes(b"damaged")
    warm = ParseCache(tmp_path, nlp)
    assert run_models(models, gold, tracks, nlp=nlp, cache=warm, n_process=2, progress=False) == fresh
    assert warm.hits == len({d.text for d in gold.documents}) - 1 and warm.refused == 1
