"""``quotebench gold import polnear`` (issues 12 and 16) on a small repository
written for these tests in PolNeAR's exact layout and brat event style
(tests/data/polnear: never corpus text): documents labelled by one or two
annotators, a ``corenlp/`` folder beside, and a document whose .ann the brat
reader refuses."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from benchmark.annotation.common import write_gold_files
from benchmark.annotation.polnear import labelled_by, read_polnear
from benchmark.cli import main
from benchmark.errors import InputErrors, UsageError
from benchmark.gold import load_gold

POLNEAR = Path(__file__).parent / "data" / "polnear"
ALPHA = "nyt_2016-01-04_senate-passes-budget"
BETA = "wash-post_2016-02-10_storm-closes-schools"
GAMMA = "usa-today_2016-09-12_debate-set"
DELTA = "usa-today_2016-10-20_polls-tighten"
REFUSED = "politico_2016-03-01_short-text"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def documents(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_a_split_reads_exactly_as_gold_import_brat_reads_it(tmp_path, capsys):
    preset, brat = tmp_path / "preset.jsonl", tmp_path / "brat.jsonl"
    code, out_preset, err = run(capsys, "gold", "import", "polnear", POLNEAR, "--split", "test", "--out", preset)
    assert code == 0, err
    code, out_brat, err = run(capsys, "gold", "import", "brat", POLNEAR / "data" / "test", "--out", brat)
    assert code == 0, err
    assert preset.read_bytes() == brat.read_bytes()
    assert out_preset.replace(str(preset), "OUT").replace(str(POLNEAR), "IN") == out_brat.replace(str(brat), "OUT").replace(
        str(POLNEAR / "data" / "test"), "IN"
    )
    (doc,) = documents(preset)
    assert doc["doc_id"] == DELTA
    # the brat reader's default rule: the alphabetically first annotator (a1f3) labelled one quote
    assert [doc["text"][q["start"] : q["end"]] for q in doc["quotes"]] == ["It is a close race,"]


def test_annotator_id_picks_that_annotators_file(tmp_path, capsys):
    out = tmp_path / "b.jsonl"
    code, _, err = run(capsys, "gold", "import", "polnear", POLNEAR, "--split", "test", "--annotator", "b2c4", "--out", out)
    assert code == 0, err
    (doc,) = documents(out)
    assert [doc["text"][q["start"] : q["end"]] for q in doc["quotes"]] == ["It is a close race,", "are still undecided."]


def test_unknown_annotator_is_a_usage_error(tmp_path, capsys):
    out = tmp_path / "x.jsonl"
    code, _, err = run(capsys, "gold", "import", "polnear", POLNEAR, "--split", "dev", "--annotator", "zz99", "--out", out)
    assert code == 2 and "no such annotator" in err and "Traceback" not in err
    assert not out.exists()


def test_split_all_reads_train_dev_test_leaving_out_a_refused_document_with_a_note(tmp_path, capsys):
    out = tmp_path / "all.jsonl"
    code, _, err = run(capsys, "gold", "import", "polnear", POLNEAR, "--split", "all", "--out", out)
    assert code == 0, err
    assert [d["doc_id"] for d in documents(out)] == [ALPHA, BETA, GAMMA, DELTA]
    assert f"1 document(s) in {POLNEAR / 'data' / 'train'} left out, the brat reader refuses them" in err
    assert f"{REFUSED}_a1f3.ann:3: T3: offsets 27-90 run past the end" in err
    code, _, err = run(capsys, "gold", "validate", "--gold", out)
    assert code == 0, err


def test_gold_import_brat_refuses_the_whole_split_that_the_preset_imports():
    """Why the preset leaves a refused document out: the brat reader alone
    imports nothing of the split."""
    from benchmark.annotation.brat import read_brat

    with pytest.raises(InputErrors):
        read_brat(POLNEAR / "data" / "train", out=POLNEAR / "unused.jsonl")
    result = read_polnear(POLNEAR, out=POLNEAR / "unused.jsonl", split="train")
    assert [d.doc_id for d in result.documents] == [ALPHA, BETA]


def test_split_is_required(tmp_path, capsys):
    code, _, err = run(capsys, "gold", "import", "polnear", POLNEAR, "--out", tmp_path / "x.jsonl")
    assert code == 2 and "need --split" in err


def test_labelled_by_pairs_files_with_the_longest_text_name():
    assert labelled_by(POLNEAR / "data" / "train") == {"a1f3": [ALPHA, REFUSED], "b2c4": [ALPHA, BETA]}
    assert labelled_by(POLNEAR / "data" / "test") == {"a1f3": [DELTA], "b2c4": [DELTA]}


def test_each_annotator_gets_the_documents_they_labelled(tmp_path):
    folder = tmp_path / "annotators"
    result = read_polnear(POLNEAR, out=folder, split="all", annotator="each")
    with pytest.raises(UsageError, match="one gold file per annotator"):
        result.documents  # noqa: B018 (no single list of documents)
    assert {Path(p).name: [d.doc_id for d in docs] for p, docs in result.files.items()} == {
        "a1f3.jsonl": [ALPHA, GAMMA, DELTA],
        "b2c4.jsonl": [ALPHA, BETA, DELTA],
    }
    assert any(f"1 document(s) of annotator a1f3 in {POLNEAR / 'data' / 'train'} left out" in n for n in result.notes)
    assert "polnear: documents per annotator: a1f3 3, b2c4 3" in result.notes
    reports = write_gold_files(result.files)
    assert [Path(p).name for p, _ in reports] == ["a1f3.jsonl", "b2c4.jsonl"]
    a1, b2 = documents(folder / "a1f3.jsonl"), documents(folder / "b2c4.jsonl")
    # each annotator's own annotation of the document they share
    assert [len(d["quotes"]) for d in a1] == [2, 1, 1]
    assert [len(d["quotes"]) for d in b2] == [1, 1, 2]
    # sources name the real text files, relative to the folder
    assert (folder / a1[0]["source"]).resolve() == (POLNEAR / "data" / "train" / "text" / f"{ALPHA}.txt").resolve()


def test_each_writes_all_files_or_none(tmp_path):
    folder = tmp_path / "annotators"
    folder.mkdir()
    (folder / "a1f3.jsonl").write_text("old\n")
    os.chmod(folder / "a1f3.jsonl", 0o640)
    result = read_polnear(POLNEAR, out=folder, split="test", annotator="each")
    broken = dict(result.files)
    b2_path = next(p for p in broken if p.endswith("b2c4.jsonl"))
    doc = broken[b2_path][0]
    doc.quotes[0].speaker = "nobody"  # an unknown entity: validation refuses this file
    with pytest.raises(InputErrors):
        write_gold_files(broken)
    assert (folder / "a1f3.jsonl").read_text() == "old\n"
    assert sorted(p.name for p in folder.iterdir()) == ["a1f3.jsonl"]
    fresh = read_polnear(POLNEAR, out=folder, split="test", annotator="each")
    write_gold_files(fresh.files)
    assert (folder / "a1f3.jsonl").read_text() != "old\n"
    assert (folder / "a1f3.jsonl").stat().st_mode & 0o777 == 0o640  # a replaced file keeps its mode


def test_not_a_polnear_repository(tmp_path, capsys):
    shutil.copytree(POLNEAR / "data" / "dev" / "text", tmp_path / "data" / "dev" / "text")
    code, _, err = run(capsys, "gold", "import", "polnear", tmp_path, "--split", "dev", "--out", tmp_path / "x.jsonl")
    assert code == 2
    assert f"{tmp_path / 'data' / 'dev' / 'attributions'}:0: path: missing" in err


def test_the_import_command_writes_one_gold_file_per_annotator(tmp_path, capsys):
    """``gold import polnear --annotator each --out FOLDER`` writes
    FOLDER/<annotator>.jsonl, exactly what write_gold_files writes from the
    library's result."""
    out = tmp_path / "annotators"
    out.mkdir()
    code, stdout, err = run(capsys, "gold", "import", "polnear", POLNEAR, "--split", "test", "--annotator", "each", "--out", out)
    assert code == 0, err
    expected = read_polnear(POLNEAR, out=tmp_path / "library", split="test", annotator="each")
    assert sorted(p.name for p in out.iterdir()) == sorted(Path(p).name for p in expected.files)
    for path, documents in expected.files.items():
        written = load_gold(out / Path(path).name).documents
        assert [d.doc_id for d in written] == [d.doc_id for d in documents]
        assert [len(d.quotes) for d in written] == [len(d.quotes) for d in documents]
        assert f"{out / Path(path).name}: " in stdout
