"""The per-run report: the per-speaker chart and the Markdown error list."""

from __future__ import annotations

import json
import subprocess
import sys

from benchmark.report import MAX_CHART_SPEAKERS, format_errors, leaderboard_chart, speaker_chart, write_leaderboard_chart
from support.cli import ROOT, run_cli
from support.results import PEOPLE, make_result, units_with, write_attribution_predictions, write_gold_file


def result_with_speakers(per_speaker: list[dict]) -> dict:
    result = make_result("alpha", units_with(2, 1, 1))
    result["per_speaker"] = per_speaker
    return result


def speaker(entity_id: str, name: str | None, precision: float, recall: float, gold: int, predicted: int = 1) -> dict:
    return {"speaker": entity_id, "name": name, "precision": precision, "recall": recall, "f1": 0.0, "tp": 0,
            "predicted": predicted, "gold": gold}


def test_chart_has_one_precision_and_one_recall_bar_per_gold_speaker_and_an_unresolved_bar():
    result = result_with_speakers([
        speaker("ana_lima", "Ana Lima", 0.75, 0.5, gold=6),
        speaker("ben_okafor", "Ben Okafor", 1.0, 0.25, gold=4),
        speaker("<unresolved>", None, 0.0, 0.0, gold=0, predicted=3),
    ])
    result["micro"]["predicted"] = 12
    axes = speaker_chart(result).axes[0]
    precision_bars, recall_bars, unresolved_bars = axes.containers
    assert [bar.get_width() for bar in precision_bars] == [0.75, 1.0]
    assert [bar.get_width() for bar in recall_bars] == [0.5, 0.25]
    assert [bar.get_width() for bar in unresolved_bars] == [0.25]  # 3 of 12 predictions name no gold entity
    assert [label.get_text() for label in axes.get_yticklabels()] == [
        "Ana Lima (6)", "Ben Okafor (4)", "<unresolved> (3 of 12 predictions)"]
    assert "resolved" not in axes.get_xlabel()
    assert not axes.lines  # no value is zero: no zero markers


def zero_markers(axes) -> list[tuple[float, float]]:
    return sorted((x, y) for line in axes.lines for x, y in zip(line.get_xdata(), line.get_ydata()))


def test_chart_draws_zero_values_as_visible_markers():
    result = result_with_speakers([
        speaker("ana_lima", "Ana Lima", 0.0, 0.0, gold=6),
        speaker("ben_okafor", "Ben Okafor", 1.0, 0.0, gold=4),
    ])
    axes = speaker_chart(result).axes[0]
    # Ana's precision (row 0, upper half) and recall (lower half), Ben's recall (row 1, lower half).
    assert zero_markers(axes) == [(0, -0.19), (0, 0.19), (0, 1.19)]
    assert all(line.get_marker() == "|" and line.get_markersize() > 5 for line in axes.lines)
    assert axes.get_xlim()[0] < 0  # a marker at 0 is not cut by the frame


def test_an_all_zero_run_is_not_a_blank_chart():
    result = result_with_speakers([speaker(f"s{i}", None, 0.0, 0.0, gold=3) for i in range(4)])
    axes = speaker_chart(result).axes[0]
    assert len(zero_markers(axes)) == 8  # precision and recall of 4 speakers


def test_chart_keeps_the_most_quoted_speakers_when_there_are_many():
    many = [speaker(f"s{i:02d}", None, 0.5, 0.5, gold=100 - i) for i in range(MAX_CHART_SPEAKERS + 10)]
    axes = speaker_chart(result_with_speakers(many)).axes[0]
    labels = [label.get_text() for label in axes.get_yticklabels()]
    assert labels[0] == "s00 (100)" and len(labels) == MAX_CHART_SPEAKERS
    assert f"{MAX_CHART_SPEAKERS} of {MAX_CHART_SPEAKERS + 10} speakers" in axes.get_title()


def test_report_files_are_written_reproducibly_without_pyplot(tmp_path):
    # In a fresh interpreter: the report must not pull in pyplot (which would
    # pick a GUI backend in the caller's process).
    result = make_result("alpha", units_with(2, 1, 1))
    (tmp_path / "result.json").write_text(json.dumps(result))
    code = (
        "import json, sys; from benchmark.report import write_report; "
        f"result = json.load(open({str(tmp_path / 'result.json')!r})); "
        f"write_report(result, {str(tmp_path / 'one')!r}); write_report(result, {str(tmp_path / 'two')!r}); "
        "print('matplotlib.pyplot' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
    for name in ("per_speaker.png", "errors.md"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert (tmp_path / "one" / "per_speaker.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_error_list_marks_each_gold_quote_right_wrong_abstained_or_missing():
    result = make_result("alpha", units_with(1, 1, 1))
    result["quotes"] = [
        {"doc_id": "d1", "quote_id": "q1", "type": "direct", "gold_speaker": "ana_lima", "predicted_speaker": "Ana Lima",
         "resolved_speaker": "ana_lima", "matched": True, "correct": True},
        {"doc_id": "d1", "quote_id": "q2", "type": "indirect", "gold_speaker": "ana_lima", "predicted_speaker": "Ben Okafor",
         "resolved_speaker": "ben_okafor", "matched": True, "correct": False},
        {"doc_id": "d1", "quote_id": "q3", "type": "mixed", "gold_speaker": "ana_lima", "predicted_speaker": None,
         "resolved_speaker": None, "matched": True, "correct": False},
        {"doc_id": "d2", "quote_id": "q1", "type": "direct", "gold_speaker": "ana_lima", "predicted_speaker": None,
         "resolved_speaker": None, "matched": False, "correct": False},
        {"doc_id": "d2", "quote_id": "q2", "type": "direct", "gold_speaker": None, "predicted_speaker": "Ana Lima",
         "resolved_speaker": "ana_lima", "matched": True, "correct": False},
    ]
    lines = format_errors(result).splitlines()
    assert "3 of 4 gold quotes with a speaker are not credited; 1 gold quotes have no speaker." in lines[4]
    rows = lines[lines.index("|---|---|---|---|---|---|---|") + 1:]
    assert rows == [
        "| d1 | q1 | direct | Ana Lima (ana_lima) | Ana Lima | ana_lima | yes |",
        "| d1 | q2 | indirect | Ana Lima (ana_lima) | Ben Okafor | ben_okafor | **no** |",
        "| d1 | q3 | mixed | Ana Lima (ana_lima) | (abstained) | – | **no** |",
        "| d2 | q1 | direct | Ana Lima (ana_lima) | (no prediction) | – | **no** |",
        "| d2 | q2 | direct | – | Ana Lima | ana_lima | n/a |",
    ]


def test_error_list_neutralises_markdown_in_predicted_names():
    result = make_result("alpha", units_with(1, 0))
    result["quotes"][0]["predicted_speaker"] = "[x](http://evil.example) | <img src=x> *Bo* _Al_ snake_case"
    row = format_errors(result).splitlines()[-1]
    assert r"\[x\](http://evil.example) \| \<img src=x\> \*Bo\* \_Al\_ snake_case" in row
    assert row.count(" | ") == 6  # the pipe inside the name does not add a column


def test_end_to_end_error_list_shows_spans_and_unpaired_predictions():
    signature = "gold=0123456789ab|track=end-to-end|match=overlap:0.5|speaker=entity|version=0.1.0"
    result = make_result("alpha", units_with(1, 0, 1), signature=signature, track="end-to-end")
    result["quotes"][0].update(predicted_start=10, predicted_end=42)
    result["unmatched_predictions"] = [
        {"doc_id": "doc000", "start": 100, "end": 120, "speaker": "Ben Okafor", "resolved_speaker": "ben_okafor", "line": 7}
    ]
    text = format_errors(result)
    assert "| doc000 | q000 | direct | Ana Lima (ana_lima) | 10-42 | Ana Lima | ana_lima | yes |" in text
    assert "| doc000 | q001 | direct | Ana Lima (ana_lima) | – | (no prediction) | – | **no** |" in text
    assert "## Predicted quotes that match no gold quote (1)" in text
    assert "| doc000 | 100-120 | Ben Okafor | ben_okafor | 7 |" in text


def test_score_writes_an_error_list_matching_the_predictions(tmp_path):
    gold = tmp_path / "gold.jsonl"
    docs = write_gold_file(gold, n_docs=1, quotes_per_doc=12, seed=3)
    pred = tmp_path / "pred.jsonl"
    write_attribution_predictions(pred, docs, accuracy=0.5, seed=4)
    proc = run_cli("score", pred, "--name", "half", "--gold", gold, "--results", tmp_path / "results", "--bootstrap", "20")
    assert proc.returncode == 0, proc.stderr

    [folder] = (tmp_path / "results" / "runs" / "half").iterdir()
    assert {p.name for p in folder.iterdir()} == {"record.json", "per_speaker.png", "errors.md"}
    names = {q["id"]: q["speaker"] for q in docs[0]["quotes"]}
    predicted = {row["quote_id"]: row["speaker"] for row in map(json.loads, pred.read_text().splitlines())}
    rows = [line.split(" | ") for line in (folder / "errors.md").read_text().splitlines() if line.startswith("| doc000")]
    assert [r[1] for r in rows] == sorted(names)
    assert {"yes", "**no**"} <= {r[6].rstrip(" |") for r in rows}
    for cells in rows:
        quote_id, predicted_name, right = cells[1], cells[4], cells[6].rstrip(" |")
        assert predicted_name == predicted[quote_id]
        assert right == ("yes" if predicted_name == dict(PEOPLE)[names[quote_id]] else "**no**")


def test_leaderboard_chart_has_one_panel_per_signature_with_each_model_interval(tmp_path):
    def row(model, rank, f1, low, high, signature, track):
        return {"model": model, "rank": rank, "f1": f1, "f1_ci_low": low, "f1_ci_high": high,
                "signature": signature, "track": track, "n_gold": "12"}

    rows = [
        row("alpha", "1", "0.8000", "0.6000", "1.0000", "gold=a|track=attribution", "attribution"),
        row("bravo", "2", "0.5000", "0.2500", "0.7500", "gold=a|track=attribution", "attribution"),
        row("alpha", "1", "0.4000", "0.1000", "0.6000", "gold=a|track=end-to-end", "end-to-end"),
    ]
    figure = leaderboard_chart(rows)
    attribution, end_to_end = figure.axes
    assert [t.get_text() for t in attribution.get_yticklabels()] == ["alpha", "bravo"]
    [segments] = attribution.collections
    assert [list(map(float, s[:, 0])) for s in segments.get_segments()] == [[0.6, 1.0], [0.25, 0.75]]
    assert list(attribution.lines[0].get_xdata()) == [0.8, 0.5]
    assert "end-to-end (n_gold = 12)" in end_to_end.get_title()
    path = tmp_path / "leaderboard.png"
    write_leaderboard_chart(rows, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*.tmp"))
