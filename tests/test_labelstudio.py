"""Label Studio import and export (issue 6), through the real command line:
the hand-written export under tests/data/labelstudio and gold sets built in
tmp_path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.annotation.labelstudio import utf16_offsets, utf16_positions
from benchmark.cli import main
from benchmark.gold import Span, load_gold
from test_brat import assert_same_gold, round_trip_gold

EXPORT = Path(__file__).parent / "data" / "labelstudio" / "export.json"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_round_trip_gold_labelstudio_gold(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    gold_path = round_trip_gold(tmp_path)
    original = load_gold(gold_path)
    code, _, err = run(capsys, "gold", "export", "labelstudio", "ls", "--gold", gold_path)
    assert code == 0, err
    config = (tmp_path / "ls" / "labeling_config.xml").read_text()
    for needed in ('<Label value="Quote"', '<Label value="Speaker"', '<Label value="Cue"', 'name="quote_type"', 'name="entity"', 'value="$text"'):
        assert needed in config
    tasks = json.loads((tmp_path / "ls" / "tasks.json").read_text(encoding="utf-8"))
    assert [t["data"]["doc_id"] for t in tasks] == ["brussels", "agency"]
    # offsets in UTF-16 units, as Label Studio's editor counts them: one
    # emoji (two units) precedes "Leonid Volkov"
    text = tasks[0]["data"]["text"]
    region = next(r for r in tasks[0]["annotations"][0]["result"] if r.get("value", {}).get("text") == "Leonid Volkov")
    assert region["value"]["start"] == text.index("Leonid Volkov") + 1
    # a fragmented quote: two regions tied by a Continues relation
    assert {"from_id": "q02-1", "to_id": "q02-2", "type": "relation", "direction": "right", "labels": ["Continues"]} in tasks[0]["annotations"][0]["result"]

    code, _, err = run(capsys, "gold", "import", "labelstudio", "ls/tasks.json", "--out", "back.jsonl")
    assert code == 0, err
    assert_same_gold(original, load_gold("back.jsonl"))


def test_hand_written_export(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "gold", "import", "labelstudio", EXPORT, "--out", "gold.jsonl")
    assert code == 0, err
    assert "2 documents, 4 quotes" in out
    assert "task 101: used annotation 3 (ground truth) of 2" in err
    assert "task 102 has no annotation that was not cancelled; skipped" in err
    assert "regions with other labels ignored: 1 Topic" in err
    gold = load_gold("gold.jsonl")
    election, plan = gold.documents
    assert (election.doc_id, plan.doc_id) == ("task_101", "plan_story")

    # Task 101: a flag (two astral characters, 4 UTF-16 units) and a party
    # popper (2 units) come before the quote; the export's offsets are UTF-16.
    text = election.text
    assert text.index("We won,") == 21  # 6 UTF-16 units more in the export: 27
    q1, q2 = election.quotes
    assert (q1.start, q1.end, q1.type, q1.speaker) == (21, 28, "direct", "garcia")
    assert (q1.speaker_mention, q1.cue) == (Span(30, 36), Span(37, 41))
    assert text[30:36] == "Garcia" and text[37:41] == "said"
    # relations drawn speaker-to-quote and quote-to-cue ("bi") count the same
    assert (q2.start, q2.end, q2.type, q2.speaker) == (53, 80, "mixed", "task_101:she:43")
    assert text[53:80] == "that turnout was \u2018historic\u2019" and text[47:52] == "added"
    assert q2.cue == Span(47, 52)

    # Task 103: code-point offsets (an SDK-made export) despite an emoji
    assert [(q.start, q.end, q.type, q.speaker) for q in plan.quotes] == [
        (17, 36, "indirect", "plan_story:officials:0"),
        (39, 48, "direct", "plan_story:the_ministry:50"),
    ]
    assert plan.text[17:36] == "the plan would work" and plan.text[39:48] == "Trust us,"
    assert {e.id: e.kind for e in plan.entities} == {"plan_story:officials:0": "group", "plan_story:the_ministry:50": "organization"}
    proc = subprocess.run([sys.executable, "-m", "benchmark", "gold", "validate", "gold.jsonl"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_utf16_conversion():
    text = "a\U0001F642b"
    assert utf16_offsets(text) == [0, 1, 3, 4]
    assert utf16_positions(text) == [0, 1, 1, 2, 3]
    assert utf16_positions("plain") is None


def broken_export(tmp_path: Path, result: list, text: str = "\u201cNo,\u201d she said.") -> Path:
    path = tmp_path / "broken.json"
    task = {"id": 7, "data": {"text": text}, "annotations": [{"id": 1, "result": result}]}
    path.write_text(json.dumps([task], indent=2), encoding="utf-8")
    return path


def labels(rid, start, end, text, label):
    return {"id": rid, "type": "labels", "from_name": "label", "to_name": "text", "value": {"start": start, "end": end, "text": text, "labels": [label]}}


@pytest.mark.parametrize(
    "result, message",
    [
        ([labels("a", 1, 4, "No,", "Quote"), {"from_id": "a", "to_id": "zz", "type": "relation", "direction": "right"}],
         "broken.json:27: tasks[0].to_id: refers to region 'zz', which is not in this annotation"),
        ([labels("a", 1, 4, "Yes", "Quote")],
         "broken.json:12: tasks[0].result[0]: value.text 'Yes' is not at 1-4, which holds 'No,'"),
        ([labels("a", 10, 99, "she said.", "Quote")],
         "broken.json:12: tasks[0].result[0]: offsets 10-99 run past the end of the text (15 characters)"),
    ],
)
def test_broken_export_exits_2_and_writes_nothing(tmp_path, result, message):
    path = broken_export(tmp_path, result)
    out = tmp_path / "gold.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmark", "gold", "import", "labelstudio", str(path), "--out", str(out)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_not_json_and_brat_only_options(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"id": 1,\n "data": }]')
    code, _, err = run(capsys, "gold", "import", "labelstudio", bad, "--out", tmp_path / "g.jsonl")
    assert code == 2 and f"{bad}:2: json: not valid JSON" in err
    code, _, err = run(capsys, "gold", "import", "labelstudio", EXPORT, "--out", tmp_path / "g.jsonl", "--annotator", "x")
    assert code == 2 and "labelstudio imports do not take --annotator" in err and "brat" in err
    assert not (tmp_path / "g.jsonl").exists()
