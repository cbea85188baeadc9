"""The scorer's properties: agreement with scikit-learn, invariants, guards
against known mistakes of other scorers, the bootstrap, the output."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import precision_recall_fscore_support

from benchmark import __version__
from benchmark.cli import main
from benchmark.gold import Document, Entity, GoldSet, Span, load_gold
from benchmark.scoring import UNRESOLVED, format_result, score
from benchmark.submission import read_predictions
from test_scoring_support import (
    TextBuilder,
    counts,
    e2e,
    quote,
    save_gold,
    score_rows,
    speaker_row,
    volkov_document,
    write_jsonl,
)

ROOT = Path(__file__).resolve().parents[1]
SURNAMES = ["Volkov", "Putin", "Pevchikh", "Navalny", "Milov", "Prokhorov", "Yashin"]


# --------------------------------------------------------------------------
# Random gold sets and submissions


def random_gold(rng: random.Random, n_documents: int) -> GoldSet:
    """Documents of sentences '<Name> said that <words>.'; entity ids are
    shared across documents, each with a distinct surname (so that every
    alias names one entity) and a pronoun mention."""
    documents = []
    for d in range(n_documents):
        people = rng.sample(range(len(SURNAMES)), rng.randint(1, 4))
        t = TextBuilder()
        mentions: dict[int, list[Span]] = {p: [] for p in people}
        for p in people:  # everyone is introduced, so has a name and a pronoun mention
            t.add(f"First{p} {SURNAMES[p]}", f"intro{p}").add(" arrived. ").add("He", f"intro_he{p}").add(" sat. ")
            mentions[p] += [t.spans[f"intro{p}"], t.spans[f"intro_he{p}"]]
        quotes = []
        for k in range(rng.randint(0, 8)):
            p = rng.choice(people)
            t.add(f"First{p} {SURNAMES[p]}", f"m{k}").add(" said that ")
            t.add(" ".join(rng.choice(["taxes", "will", "rise", "fall", "soon"]) for _ in range(4)), f"q{k}").add(". ")
            t.add("He", f"he{k}").add(" smiled. ")
            mentions[p] += [t.spans[f"m{k}"], t.spans[f"he{k}"]]
            speaker = None if rng.random() < 0.1 else f"person_{p}"
            quotes.append(quote(f"q{k}", t.spans[f"q{k}"], "indirect", speaker, t.spans[f"m{k}"] if speaker else None))
        entities = [
            Entity(f"person_{p}", f"First{p} {SURNAMES[p]}", "person", [f"First{p} {SURNAMES[p]}", SURNAMES[p]], mentions[p])
            for p in people
        ]
        documents.append(Document(f"doc{d}", f"test://doc{d}.txt", t.text, entities, quotes))
    return GoldSet(documents, "<memory>", "0" * 64)


def random_attribution(rng: random.Random, gold: GoldSet) -> tuple[list[dict], dict[tuple[str, str], str]]:
    """A submission, and for each gold quote the label it should be scored
    as: an entity id, '<unresolved>', or '-' (abstained or missing)."""
    rows, intended = [], {}
    for doc in gold.documents:
        entities = {e.id: e for e in doc.entities}
        for q in doc.quotes:
            choice = rng.choice(["missing", "null", "empty", "right", "right", "other", "unknown", "pronoun", "pronoun_other"])
            row = {"doc_id": doc.doc_id, "quote_id": q.id}
            target = q.speaker if q.speaker is not None else rng.choice(list(entities))
            other = rng.choice(list(entities))
            label = "-"
            if choice == "missing":
                intended[(doc.doc_id, q.id)] = label
                continue
            if choice in ("null", "empty"):
                row["speaker"] = None if choice == "null" else ""
            elif choice in ("right", "other"):
                entity = entities[target if choice == "right" else other]
                row["speaker"] = rng.choice(entity.aliases)
                label = entity.id
            elif choice == "unknown":
                row["speaker"] = "Someone Unknown"
                label = UNRESOLVED
            else:
                entity = entities[target if choice == "pronoun" else other]
                mention = entity.mentions[-1]  # a pronoun
                row.update(speaker="he", speaker_start=mention.start, speaker_end=mention.end)
                label = entity.id
            rows.append(row)
            intended[(doc.doc_id, q.id)] = label
    rng.shuffle(rows)
    return rows, intended


def score_in_memory(gold: GoldSet, rows: list[dict], **settings) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = write_jsonl(Path(folder) / "pred.jsonl", rows)
        settings.setdefault("n_bootstrap", 50)
        return score(gold, read_predictions(path, gold, None if rows else "attribution"), model="m", **settings)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), n_documents=st.integers(1, 3))
def test_attribution_figures_equal_scikit_learn(seed, n_documents):
    rng = random.Random(seed)
    gold = random_gold(rng, n_documents)
    rows, intended = random_attribution(rng, gold)
    result = score_in_memory(gold, rows)

    y_true = [q.speaker or "-" for d in gold.documents for q in d.quotes]
    y_pred = [intended[(d.doc_id, q.id)] for d in gold.documents for q in d.quotes]
    labels = sorted((set(y_true) | set(y_pred)) - {"-"})
    gold_labels = sorted(set(y_true) - {"-"})
    assert {r["speaker"] for r in result["per_speaker"]} == set(labels)
    if not labels:
        assert result["micro"]["f1"] == 0.0
        return
    p, r, f, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    for label, *expected in zip(labels, p, r, f, support):
        row = speaker_row(result, label)
        assert [row["precision"], row["recall"], row["f1"], row["gold"]] == pytest.approx(expected), label
    micro = precision_recall_fscore_support(y_true, y_pred, labels=labels, average="micro", zero_division=0)
    assert [result["micro"][k] for k in ("precision", "recall", "f1")] == pytest.approx(micro[:3])
    if gold_labels:
        macro = precision_recall_fscore_support(y_true, y_pred, labels=gold_labels, average="macro", zero_division=0)
        assert [result["macro"][k] for k in ("precision", "recall", "f1")] == pytest.approx(macro[:3])
    for block in [result["micro"], result["macro"], *result["per_speaker"]]:
        assert all(0.0 <= block[k] <= 1.0 for k in ("precision", "recall", "f1"))
    assert result["n_abstained"] == sum(1 for row in rows if not row.get("speaker"))


# --------------------------------------------------------------------------
# Invariants


def perfect_rows(gold: GoldSet, track: str) -> list[dict]:
    rows = []
    for doc in gold.documents:
        for q in doc.quotes:
            row = {"doc_id": doc.doc_id}
            row.update({"quote_id": q.id} if track == "attribution" else {"start": q.start, "end": q.end})
            row["speaker"] = doc.entity(q.speaker).name if q.speaker else None
            if q.speaker_mention:
                row.update(speaker_start=q.speaker_mention.start, speaker_end=q.speaker_mention.end)
            rows.append(row)
    return rows


def assert_perfect(result: dict) -> None:
    assert result["micro"]["precision"] == result["micro"]["recall"] == result["micro"]["f1"] == 1.0
    assert result["macro"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert all(r["precision"] == r["recall"] == r["f1"] == 1.0 for r in result["per_speaker"])
    assert result["ci"]["precision"] == result["ci"]["recall"] == result["ci"]["f1"] == [1.0, 1.0]
    assert all(v["recall"] == 1.0 for v in result["recall_by_type"].values() if v["gold"])
    if result["detection"] is not None:
        assert result["detection"]["f1"] == 1.0


@pytest.mark.parametrize("track", ["attribution", "end-to-end"])
@pytest.mark.parametrize("speaker_match", ["entity", "mention", "name"])
@pytest.mark.parametrize("match", ["overlap", "exact"])
def test_a_perfect_submission_scores_one_everywhere(tmp_path, track, speaker_match, match):
    document, _ = volkov_document()
    _, gold = save_gold([document], tmp_path)
    result = score_rows(gold, tmp_path, perfect_rows(gold, track), track=track, speaker_match=speaker_match, match=match)
    assert_perfect(result)


@pytest.mark.parametrize("track", ["attribution", "end-to-end"])
def test_a_perfect_submission_on_the_real_gold_set_scores_one(tmp_path, track):
    gold = load_gold(ROOT / "gold" / "gold.jsonl")
    result = score_rows(gold, tmp_path, perfect_rows(gold, track), track=track)
    assert_perfect(result)
    assert result["n_gold"] == gold.n_quotes


def noisy_e2e_rows(gold: GoldSet, rng: random.Random) -> list[dict]:
    """Shifted, duplicated, merged and invented spans with right, wrong,
    unknown and absent speakers: ties in the pairing included."""
    rows, seen = [], set()
    for doc in gold.documents:
        names = [e.name for e in doc.entities] + ["Nobody", None]
        for q in doc.quotes:
            for _ in range(rng.randint(0, 3)):
                start = max(0, q.start + rng.randint(-4, 4))
                end = min(len(doc.text), max(start + 1, q.end + rng.randint(-4, 4)))
                if (doc.doc_id, start, end) not in seen:
                    seen.add((doc.doc_id, start, end))
                    rows.append({"doc_id": doc.doc_id, "start": start, "end": end, "speaker": rng.choice(names)})
    return rows


def without_lines(result: dict) -> dict:
    out = dict(result)
    out["unmatched_predictions"] = sorted(
        (json.dumps({k: v for k, v in p.items() if k != "line"}, sort_keys=True) for p in result["unmatched_predictions"])
    )
    return out


def test_shuffling_the_lines_changes_nothing(tmp_path):
    docs = [volkov_document(f"d{i}")[0] for i in range(3)]
    _, gold = save_gold(docs, tmp_path)
    rng = random.Random(7)
    rows = noisy_e2e_rows(gold, rng)
    assert len(rows) > 12
    reference = without_lines(score_rows(gold, tmp_path, rows, track="end-to-end"))
    for _ in range(5):
        rng.shuffle(rows)
        assert without_lines(score_rows(gold, tmp_path, rows, track="end-to-end")) == reference


def test_ties_in_the_pairing_do_not_depend_on_the_line_order(tmp_path):
    document, s = volkov_document()
    _, gold = save_gold([document], tmp_path)
    q3 = s["q3"]
    # two predictions sharing 11 characters each with q3, naming different speakers
    left = e2e("volkov", Span(q3.start, q3.end - 1), "Putin")
    right = e2e("volkov", Span(q3.start + 1, q3.end), "Volkov")
    first = score_rows(gold, tmp_path, [left, right], track="end-to-end")
    second = score_rows(gold, tmp_path, [right, left], track="end-to-end")
    assert without_lines(first) == without_lines(second)
    assert first["quotes"][2]["predicted_speaker"] == "Putin"  # the earlier span wins the tie


# --------------------------------------------------------------------------
# Mistakes of other scorers


def test_precision_and_recall_are_not_swapped(tmp_path):
    document, s = volkov_document()
    _, gold = save_gold([document], tmp_path)
    rows = [{"doc_id": "volkov", "quote_id": "q1", "speaker": "Volkov"}, {"doc_id": "volkov", "quote_id": "q3", "speaker": "Volkov"}]
    result = score_rows(gold, tmp_path, rows)
    # 1 right of 2 predicted (precision 1/2), of 4 gold (recall 1/4)
    assert (result["micro"]["precision"], result["micro"]["recall"]) == (0.5, 0.25)
    volkov = speaker_row(result, "leonid_volkov")
    assert (volkov["precision"], volkov["recall"]) == (0.5, 0.5)  # 1 of 2 predicted, 1 of 2 gold
    putin = speaker_row(result, "vladimir_putin")
    assert (putin["precision"], putin["recall"], putin["predicted"]) == (0.0, 0.0, 0)


def test_one_prediction_is_never_credited_for_two_gold_quotes(tmp_path):
    # nested gold quotes, both by Putin: "we will win the vote" inside "we will win the vote soon"
    t = TextBuilder().add("Vladimir Putin", "putin").add(" said that ").add("we will win the vote", "inner").add(" soon.")
    s = t.spans
    outer = Span(s["inner"].start, s["inner"].end + len(" soon"))
    doc = Document(
        "nested",
        "test://nested.txt",
        t.text,
        [Entity("vladimir_putin", "Vladimir Putin", "person", ["Putin"], [s["putin"]])],
        [quote("a", s["inner"], "indirect", "vladimir_putin", s["putin"]), quote("b", outer, "indirect", "vladimir_putin", s["putin"])],
    )
    _, gold = save_gold([doc], tmp_path)
    # the prediction passes the criterion against both (20/20 and 20/25)
    result = score_rows(gold, tmp_path, [e2e("nested", s["inner"], "Putin")], track="end-to-end")
    assert counts(result["micro"]) == (1, 1, 2)
    assert result["detection"]["matched"] == 1
    assert [q["matched"] for q in result["quotes"]] == [True, False]


@pytest.mark.parametrize("track", ["attribution", "end-to-end"])
def test_gold_quotes_without_a_prediction_stay_in_the_denominator(tmp_path, track):
    document, s = volkov_document()
    _, gold = save_gold([document], tmp_path)
    row = {"doc_id": "volkov", "speaker": "Volkov"}
    row.update({"quote_id": "q1"} if track == "attribution" else {"start": s["q1"].start, "end": s["q1"].end})
    result = score_rows(gold, tmp_path, [row], track=track)
    assert counts(result["micro"]) == (1, 1, 4)
    assert result["micro"]["recall"] == 0.25
    assert [counts(r) for r in result["per_speaker"]] == [(1, 1, 2), (0, 0, 1), (0, 0, 1)]


# --------------------------------------------------------------------------
# The bootstrap


def several_documents(tmp_path) -> GoldSet:
    docs = [volkov_document(f"d{i}")[0] for i in range(6)]
    return save_gold(docs, tmp_path)[1]


def mixed_rows(gold: GoldSet) -> list[dict]:
    rng = random.Random(3)
    return [
        {"doc_id": d.doc_id, "quote_id": q.id, "speaker": rng.choice(["Volkov", "Putin", "Pevchikh", None])}
        for d in gold.documents
        for q in d.quotes
    ]


def test_the_interval_is_deterministic_and_depends_on_the_seed(tmp_path):
    gold = several_documents(tmp_path)
    rows = mixed_rows(gold)
    a = score_rows(gold, tmp_path, rows, n_bootstrap=500, seed=1)["ci"]
    b = score_rows(gold, tmp_path, rows, n_bootstrap=500, seed=1)["ci"]
    c = score_rows(gold, tmp_path, rows, n_bootstrap=500, seed=2)["ci"]
    assert a == b
    assert a["f1"] != c["f1"]
    assert (a["unit"], a["level"], a["n_bootstrap"], a["seed"]) == ("document", 0.95, 500, 1)


def test_units_are_documents_or_quotes_and_sum_to_the_micro_counts(tmp_path):
    gold = several_documents(tmp_path)
    result = score_rows(gold, tmp_path, mixed_rows(gold))
    assert [u["unit"] for u in result["units"]] == [f"d{i}" for i in range(6)]
    assert tuple(sum(u[k] for u in result["units"]) for k in ("tp", "predicted", "gold")) == counts(result["micro"])
    lo, hi = result["ci"]["f1"]
    assert lo <= result["micro"]["f1"] <= hi

    # one document: the units are its quotes; an unmatched prediction goes to the nearest quote
    document, s = volkov_document()
    _, one = save_gold([document], tmp_path / "one")
    stray = Span(s["q4"].end, s["q4"].end + 1)  # the final ".", after q4
    single = score_rows(one, tmp_path, [e2e("volkov", s["q1"], "Volkov"), e2e("volkov", stray, "Putin")], track="end-to-end")
    assert single["ci"]["unit"] == "quote"
    assert [(u["unit"], u["tp"], u["predicted"], u["gold"]) for u in single["units"]] == [
        ("q1", 1, 1, 1), ("q2", 0, 0, 1), ("q3", 0, 0, 1), ("q4", 0, 1, 1),
    ]


def test_the_bootstrap_draws_as_resampling_units_one_by_one_would(tmp_path):
    gold = several_documents(tmp_path)
    result = score_rows(gold, tmp_path, mixed_rows(gold), n_bootstrap=20000)
    units = np.array([[u["tp"], u["predicted"], u["gold"]] for u in result["units"]])
    rng = np.random.default_rng(12345)
    drawn = units[rng.integers(0, len(units), size=(20000, len(units)))].sum(axis=1)
    tp, predicted, gold_count = drawn.T
    naive = {
        "precision": tp / np.maximum(predicted, 1),
        "recall": tp / np.maximum(gold_count, 1),
        "f1": 2 * tp / np.maximum(predicted + gold_count, 1),
    }
    for name, values in naive.items():
        assert result["ci"][name] == pytest.approx(list(np.percentile(values, [2.5, 97.5])), abs=0.02), name


# --------------------------------------------------------------------------
# The result and its output


def test_signature_and_settings(tmp_path):
    document, s = volkov_document()
    _, gold = save_gold([document], tmp_path)
    sha = gold.sha256[:12]
    attribution = score_rows(gold, tmp_path, [], track="attribution")
    assert attribution["signature"] == f"gold={sha}|track=attribution|speaker=entity|version={__version__}"
    assert attribution["detection"] is None
    overlap = score_rows(gold, tmp_path, [], track="end-to-end", min_overlap=0.75, speaker_match="mention")
    assert overlap["signature"] == f"gold={sha}|track=end-to-end|match=overlap:0.75|speaker=mention|version={__version__}"
    exact = score_rows(gold, tmp_path, [], track="end-to-end", match="exact")
    assert exact["signature"] == f"gold={sha}|track=end-to-end|match=exact|speaker=entity|version={__version__}"
    assert exact["gold_sha256"] == gold.sha256
    assert exact["settings"] == {"match": "exact", "min_overlap": None, "speaker_match": "entity", "n_bootstrap": 200, "seed": 0}


def test_the_table_lists_speakers_by_gold_support(tmp_path):
    document, s = volkov_document()
    _, gold = save_gold([document], tmp_path)
    rows = [e2e("volkov", s["q1"], "Volkov"), e2e("volkov", s["q3"], "Navalny")]
    result = score_rows(gold, tmp_path, rows, track="end-to-end")
    assert [r["speaker"] for r in result["per_speaker"]] == ["leonid_volkov", "maria_pevchikh", "vladimir_putin", UNRESOLVED]
    table = format_result(result).splitlines()
    volkov = next(line for line in table if line.startswith("leonid_volkov"))
    assert volkov.split()[-6:] == ["1.000", "0.500", "0.667", "1", "1", "2"]
    micro_line = next(line for line in table if line.startswith("micro"))
    assert micro_line.split()[1:] == ["0.500", "0.250", "0.333", "1", "2", "4"]
    assert any(line.startswith("macro") for line in table)
    assert any(line.startswith("95% CI") and "bootstrap over quotes" in line for line in table)
    assert any(line.startswith("quote detection: P 1.000  R 0.500") for line in table)
    assert table[-1].startswith("n_gold=4 quotes in 1 document (4 with a speaker); n_predicted=2")


def test_score_on_the_command_line_writes_json_and_nothing_else(tmp_path, capsys):
    document, s = volkov_document()
    gold_path, gold = save_gold([document], tmp_path)
    pred = write_jsonl(tmp_path / "pred.jsonl", [e2e("volkov", s["q1"], "Volkov"), e2e("volkov", s["q2"], None)])
    results = tmp_path / "results"
    out = tmp_path / "out" / "result.json"
    out.parent.mkdir()
    code = main(["score", str(pred), "--name", "m-1", "--gold", str(gold_path), "--results", str(results), "--json", str(out), "--no-leaderboard"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "leonid_volkov" in printed and "n_gold=4 quotes in 1 document" in printed
    assert not results.exists()
    [entry] = (gold_path.parent / ".quotebench-cache").iterdir()  # the gold set's columns, cached
    assert entry.name.startswith(gold.sha256)
    saved = json.loads(out.read_text(encoding="utf-8"))
    for key in ("signature", "model", "track", "micro", "macro", "per_speaker", "ci", "detection"):
        assert key in saved
    assert saved["track"] == "end-to-end"  # inferred from start/end
    assert saved["model"] == "m-1"
    assert {"speaker", "precision", "recall", "f1", "tp", "predicted", "gold"} <= set(saved["per_speaker"][0])
    assert counts(saved["micro"]) == (1, 1, 4)
    assert saved["n_abstained"] == 1


def test_without_resamples_there_is_no_interval(tmp_path):
    document, s = volkov_document()
    _, gold = save_gold([document], tmp_path)
    result = score_rows(gold, tmp_path, [e2e("volkov", s["q1"], "Volkov")], n_bootstrap=0)
    assert (result["ci"]["precision"], result["ci"]["recall"], result["ci"]["f1"]) == (None, None, None)
    assert "CI" not in format_result(result)


@pytest.mark.parametrize("option", [["--min-overlap", "0"], ["--min-overlap", "1.5"], ["--bootstrap", "-1"]])
def test_impossible_settings_are_usage_errors(tmp_path, capsys, option):
    document, s = volkov_document()
    gold_path, _ = save_gold([document], tmp_path)
    pred = write_jsonl(tmp_path / "pred.jsonl", [e2e("volkov", s["q1"], "Volkov")])
    assert main(["score", str(pred), "--name", "m", "--gold", str(gold_path), "--no-leaderboard", *option]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and option[0] in err[0]


def test_predictions_built_from_rows_score_as_read_from_a_file(tmp_path):
    from benchmark.submission import Predictions

    gold = several_documents(tmp_path)
    rows = noisy_e2e_rows(gold, random.Random(5))
    from_file = read_predictions(write_jsonl(tmp_path / "p.jsonl", rows), gold)
    built = Predictions("<memory>", "end-to-end", [dict(row, line=k) for k, row in enumerate(from_file.rows, start=1)])
    assert without_lines(score(gold, built, model="m", n_bootstrap=100)) == without_lines(score(gold, from_file, model="m", n_bootstrap=100))
    attribution_rows = mixed_rows(gold)
    from_file = read_predictions(write_jsonl(tmp_path / "a.jsonl", attribution_rows), gold)
    built = Predictions("<memory>", "attribution", attribution_rows)
    assert score(gold, built, model="m", n_bootstrap=100) == score(gold, from_file, model="m", n_bootstrap=100)


# --------------------------------------------------------------------------
# The gold cache, warnings, --by


def _cached_score(gold_path: Path, cache_dir: Path, pred: Path, **settings) -> dict:
    from benchmark.gold_cache import GoldCache, load_gold_columns

    cache = GoldCache(cache_dir)
    columns = load_gold_columns(gold_path, cache=cache)
    result = score(columns, read_predictions(pred, columns), model="m", **settings)
    cache.save()
    return result


def _without_paths(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "warnings"}


@pytest.mark.parametrize("track", ["attribution", "end-to-end"])
def test_a_cached_gold_set_scores_the_same_and_a_damaged_or_stale_entry_is_rebuilt(tmp_path, track):
    rng = random.Random(3)
    gold = random_gold(rng, 4)
    gold_path, gold = save_gold(gold.documents, tmp_path)
    names = [rng.choice(["Volkov", "Putin", "He", None]) for d in gold.documents for q in d.quotes]
    if track == "attribution":
        rows = [{"doc_id": d.doc_id, "quote_id": q.id} for d in gold.documents for q in d.quotes]
    else:
        rows = [{"doc_id": d.doc_id, "start": q.start, "end": q.end + 1} for d in gold.documents for q in d.quotes]
    rows = [{**row, "speaker": name} for row, name in zip(rows, names)]
    pred = write_jsonl(tmp_path / "pred.jsonl", rows)
    want = score(gold, read_predictions(pred, gold), model="m", n_bootstrap=100)
    cache_dir = tmp_path / "cache"
    first = _cached_score(gold_path, cache_dir, pred, n_bootstrap=100)  # builds the entry
    [entry] = cache_dir.iterdir()
    assert entry.name.startswith(gold.sha256) and entry.name.endswith(f"-{__version__}.npz")
    second = _cached_score(gold_path, cache_dir, pred, n_bootstrap=100)  # reads it
    assert first == second == want

    whole = entry.read_bytes()
    entry.write_bytes(whole[: len(whole) // 2])  # a damaged entry: ignored, then written again
    assert _cached_score(gold_path, cache_dir, pred, n_bootstrap=100) == want
    assert entry.read_bytes() == whole
    entry.write_bytes(b"not a zip file")
    assert _cached_score(gold_path, cache_dir, pred, n_bootstrap=100) == want
    assert entry.read_bytes() == whole

    # a changed gold file misses its old entry: the new file's own is written
    changed = list(gold.documents)
    changed[0].entities[0].aliases.append("Someone Else")
    gold_path, gold2 = save_gold(changed, tmp_path)
    assert _cached_score(gold_path, cache_dir, pred, n_bootstrap=100) == score(gold2, read_predictions(pred, gold2), model="m", n_bootstrap=100)
    assert len(list(cache_dir.iterdir())) == 2


def test_damaged_texts_in_a_cache_entry_are_read_from_the_gold_file_when_exact_matching_needs_them(tmp_path):
    import struct
    import zipfile

    document, s = volkov_document()
    gold_path, gold = save_gold([document], tmp_path)
    rows = [e2e("volkov", Span(s["q1"].start - 1, s["q1"].end + 1), "Volkov"), e2e("volkov", s["q2"], "He")]
    pred = write_jsonl(tmp_path / "pred.jsonl", rows)
    want = score(gold, read_predictions(pred, gold), model="m", match="exact", n_bootstrap=0)
    assert counts(want["micro"]) == (1, 2, 4)
    cache_dir = tmp_path / "cache"
    _cached_score(gold_path, cache_dir, pred, match="exact", n_bootstrap=0)
    [entry] = cache_dir.iterdir()
    with zipfile.ZipFile(entry) as z:
        info = z.getinfo("text.npy")
    data = bytearray(entry.read_bytes())
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])  # the local header's
    data[info.header_offset + 30 + name_length + extra_length + info.file_size - 5] ^= 0xFF  # a byte of the texts
    entry.write_bytes(bytes(data))
    with pytest.raises(zipfile.BadZipFile):
        np.load(entry)["text"]
    assert _cached_score(gold_path, cache_dir, pred, match="exact", n_bootstrap=0) == want


def test_a_cached_gold_set_is_validated_again_when_a_source_file_changes(tmp_path):
    from benchmark.errors import InputErrors
    from benchmark.gold_cache import GoldCache

    document, _ = volkov_document()
    (tmp_path / "seeds").mkdir()
    seed = tmp_path / "seeds" / "volkov.txt"
    seed.write_text(document.text, encoding="utf-8")
    document.source = "seeds/volkov.txt"
    gold_path, _ = save_gold([document], tmp_path)
    cache = GoldCache(tmp_path / "cache")
    cache.load(gold_path)
    cache.save()
    GoldCache(tmp_path / "cache").load(gold_path)  # from the entry
    seed.write_text(document.text.replace("Kremlin", "Kremlim"), encoding="utf-8")
    with pytest.raises(InputErrors, match="differs from source file"):
        GoldCache(tmp_path / "cache").load(gold_path)


def test_a_cached_load_repeats_the_missing_source_warning(tmp_path):
    from benchmark.gold import MissingSourceWarning
    from benchmark.gold_cache import GoldCache

    document, _ = volkov_document()
    document.source = "no/such/file.txt"
    gold_path, _ = save_gold([document], tmp_path)
    for _ in range(2):  # building the entry, then reading it
        cache = GoldCache(tmp_path / "cache")
        with pytest.warns(MissingSourceWarning, match="'no/such/file.txt' not found"):
            cache.load(gold_path)
        cache.save()


def test_an_empty_submission_is_scored_with_a_warning_on_stderr_and_in_the_record(tmp_path, capsys):
    document, _ = volkov_document()
    gold_path, _ = save_gold([document], tmp_path)
    pred = tmp_path / "empty.jsonl"
    pred.write_text("", encoding="utf-8")
    results = tmp_path / "results"
    code = main(["score", str(pred), "--name", "nothing", "--gold", str(gold_path), "--results", str(results), "--bootstrap", "10"])
    assert code == 0
    err = capsys.readouterr().err
    assert f"warning: the submission {pred} has no rows: every gold quote counts as missed" in err.splitlines()
    [record] = results.glob("runs/nothing/*/record.json")
    saved = json.loads(record.read_text(encoding="utf-8"))
    assert saved["result"]["warnings"] == [f"the submission {pred} has no rows: every gold quote counts as missed"]
    assert counts(saved["result"]["micro"]) == (0, 0, 4)


def test_by_attribute_gives_precision_and_recall_per_value(tmp_path, capsys):
    document, s = volkov_document()
    # q1 Explicit, q2 Implicit, q3 Explicit with two addressees, q4 without attributes
    document.quotes[0].attributes = {"quote_type": "Explicit", "addressees": ["Anna"]}
    document.quotes[1].attributes = {"quote_type": "Implicit"}
    document.quotes[2].attributes = {"quote_type": "Explicit", "addressees": ["Anna", "Boris"]}
    gold_path, gold = save_gold([document], tmp_path)
    rows = [
        e2e("volkov", s["q1"], "Volkov"),  # right
        e2e("volkov", s["q2"], "Putin"),  # wrong
        e2e("volkov", s["q3"], None),  # abstains
        e2e("volkov", s["q4"], "Pevchikh"),  # right
        e2e("volkov", Span(0, 1), "Putin"),  # unmatched: in no value's precision
    ]
    result = score_rows(gold, tmp_path, rows, track="end-to-end", by=["quote_type", "addressees"])
    by_type = {row["value"]: counts(row) for row in result["by_attribute"]["quote_type"]}
    # (tp, predicted, gold): Explicit q1 right + q3 abstained; Implicit q2 wrong; (none) q4 right
    assert by_type == {"Explicit": (1, 1, 2), "Implicit": (0, 1, 1), "(none)": (1, 1, 1)}
    explicit = result["by_attribute"]["quote_type"][0]
    assert (explicit["value"], explicit["precision"], explicit["recall"], explicit["f1"], explicit["n_quotes"]) == ("Explicit", 1.0, 0.5, 2 / 3, 2)
    by_addressee = {row["value"]: counts(row) for row in result["by_attribute"]["addressees"]}
    # a list counts under each element: Anna q1 and q3, Boris q3; (none) q2 and q4
    assert by_addressee == {"Anna": (1, 1, 2), "Boris": (0, 0, 1), "(none)": (1, 2, 2)}

    pred = write_jsonl(tmp_path / "pred.jsonl", rows)
    out = tmp_path / "result.json"
    code = main(["score", str(pred), "--name", "m", "--gold", str(gold_path), "--no-leaderboard", "--bootstrap", "0",
                 "--by", "quote_type,addressees", "--by", "quote_type", "--json", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "by quote_type:" in printed and "Explicit" in printed and "by addressees:" in printed
    assert json.loads(out.read_text(encoding="utf-8"))["by_attribute"] == result["by_attribute"]
