"""``quotebench gold merge`` (issue 6) on real gold files in tmp_path."""

from __future__ import annotations

import subprocess
import sys

from benchmark.cli import main
from benchmark.gold import Document, Entity, Quote, Span, load_gold, write_gold


def doc(doc_id: str, source: str, text: str, speaker_id: str = "ana_diaz") -> Document:
    """A one-quote document: "“Yes,” Ana Diaz said." """
    return Document(
        doc_id, source, text,
        [Entity(speaker_id, "Ana Diaz", "person", ["Ana Diaz"], [Span(7, 15)])],
        [Quote("q01", 1, 5, "direct", speaker_id, Span(7, 15), Span(16, 20))],
    )


TEXT = "\u201cYes,\u201d Ana Diaz said.\n"


def setup_two_folders(tmp_path):
    """a/gold.jsonl names its seed relative to its own folder, b/gold.jsonl
    relative to the project root (its parent's parent)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "gold").mkdir(parents=True)
    (tmp_path / "b" / "seeds").mkdir()
    (tmp_path / "a" / "one.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "b" / "seeds" / "two.txt").write_text(TEXT.replace("Yes", "No!"), encoding="utf-8")
    write_gold([doc("one", "one.txt", TEXT)], tmp_path / "a" / "gold.jsonl")
    write_gold([doc("two", "seeds/two.txt", TEXT.replace("Yes", "No!"))], tmp_path / "b" / "gold" / "gold.jsonl")
    return tmp_path / "a" / "gold.jsonl", tmp_path / "b" / "gold" / "gold.jsonl"


def test_merge_keeps_documents_and_entity_ids_and_rebases_sources(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a, b = setup_two_folders(tmp_path)
    assert main(["gold", "merge", str(a), str(b), "--out", "merged/gold.jsonl"]) == 0
    out = capsys.readouterr().out
    assert "merged/gold.jsonl: 2 documents, 2 quotes, 1 entity merged from 2 files" in out
    merged = load_gold("merged/gold.jsonl")  # validates, sources checked against the files
    assert [(d.doc_id, d.source) for d in merged.documents] == [("one", "../a/one.txt"), ("two", "../b/seeds/two.txt")]
    # the same entity id in both inputs stays one global id
    assert [d.entities[0].id for d in merged.documents] == ["ana_diaz", "ana_diaz"]
    assert merged.documents[1].quotes[0] == Quote("q01", 1, 5, "direct", "ana_diaz", Span(7, 15), Span(16, 20))


def test_identical_document_is_kept_once(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a, _ = setup_two_folders(tmp_path)
    # the same document again, its source spelt from another folder
    write_gold([doc("one", "a/one.txt", TEXT)], tmp_path / "again.jsonl")
    assert main(["gold", "merge", str(a), "again.jsonl", "--out", "m.jsonl"]) == 0
    err = capsys.readouterr().err
    assert "again.jsonl:1: 'one' is identical to" in err
    assert [d.doc_id for d in load_gold("m.jsonl").documents] == ["one"]


def test_clash_exits_2_with_file_and_line_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a, b = setup_two_folders(tmp_path)
    write_gold([doc("zero", "zero.txt", TEXT), doc("one", "one.txt", TEXT, speaker_id="a_diaz")], tmp_path / "c.jsonl")
    (tmp_path / "m.jsonl").write_text("old\n")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmark", "gold", "merge", str(a), str(b), "c.jsonl", "--out", "m.jsonl"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert f"c.jsonl:2: doc_id: 'one' is also in {a} (line 1) with different content" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert (tmp_path / "m.jsonl").read_text() == "old\n"


def test_invalid_input_is_reported(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"doc_id": "x"}\n')
    assert main(["gold", "merge", str(bad), "--out", str(tmp_path / "m.jsonl")]) == 2
    assert f"{bad}:1: text: missing" in capsys.readouterr().err
    assert not (tmp_path / "m.jsonl").exists()
