"""The gold cast: a document's published character list (``"cast"``: entity
ids), validated, written by the PDNC importer, kept by brat and Label Studio
round trips, and shown to models as ``ModelInput.cast`` (ids, names,
aliases, kinds; never mentions)."""

from __future__ import annotations

import copy
import dataclasses
import json
import random
from pathlib import Path

import pytest

from benchmark.annotation.polnear import read_polnear
from benchmark.cli import main
from benchmark.gold import _Checker, from_dataset, load_gold, to_dataset, validate_gold
from benchmark.models import CastMember, ModelInput
from benchmark.runner import run_model

TESTS = Path(__file__).resolve().parent
PDNC = TESTS / "data" / "pdnc"
POLNEAR = TESTS / "data" / "polnear"

TEXT = (
    "\u201cGood morning, Jane,\u201d said Elizabeth, smiling at her sister.\n\n"
    "\u201cIs it?\u201d asked Jane. The postman, Mr Hill, had brought no letter.\n\n"
    "\u201cIt is a fine day for a walk to Meryton, and I mean to take it before noon,\u201d "
    "Lizzy said."
)


def span(surface: str, nth: int = 0) -> dict[str, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(surface, start + 1)
    return {"start": start, "end": start + len(surface)}


def quote(qid: str, surface: str, speaker: str, mention: dict | None) -> dict:
    return {"id": qid, **span(surface), "type": "direct", "speaker": speaker, "speaker_mention": mention, "cue": None}


def novel(**fields) -> dict:
    """A novel whose published cast is Elizabeth and Jane; the postman is an
    entity of the gold (a mention) but not of the character list."""
    doc = {
        "doc_id": "novel",
        "source": "book:novel",  # names no file: not looked for
        "text": TEXT,
        "entities": [
            {"id": "elizabeth", "name": "Elizabeth Bennet", "kind": "person", "aliases": ["Elizabeth", "Lizzy"],
             "mentions": [span("Elizabeth"), span("Lizzy")]},
            {"id": "jane", "name": "Jane Bennet", "kind": "person", "aliases": ["Jane"],
             "mentions": [span("Jane"), span("Jane", 1)]},
            {"id": "mr_hill", "name": "Mr Hill", "kind": "person", "aliases": ["Mr Hill"], "mentions": [span("Mr Hill")]},
        ],
        "quotes": [
            quote("q1", "Good morning, Jane,", "elizabeth", span("Elizabeth")),
            quote("q2", "Is it?", "jane", span("Jane", 1)),
            quote("q3", "It is a fine day for a walk to Meryton, and I mean to take it before noon,", "elizabeth", span("Lizzy")),
        ],
        "cast": ["jane", "elizabeth"],
    }
    doc.update(fields)
    return doc


def write(path: Path, *docs: dict) -> Path:
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------
# Validation


def test_a_valid_cast_loads_in_its_order_and_is_written_back(tmp_path):
    plain = novel(doc_id="plain")
    del plain["cast"]
    report = validate_gold(write(tmp_path / "g.jsonl", novel(), plain))
    assert report.errors == [] and report.warnings == []  # "cast" is no unknown field
    with_cast, without = report.gold.documents
    assert with_cast.cast == ["jane", "elizabeth"] and without.cast is None
    assert json.loads(json.dumps(with_cast.to_json()))["cast"] == ["jane", "elizabeth"]
    assert "cast" not in without.to_json()
    assert from_dataset(to_dataset(report.gold)) == report.gold.documents


@pytest.mark.parametrize(
    ("cast", "problem"),
    [
        ("jane", "must be a list of entity ids, got str"),
        (["jane", "darcy"], "item 1: 'darcy' is not an entity of this document"),
        (["jane", "elizabeth", "jane"], "item 2: 'jane' is listed twice"),
        (["jane", 3], "item 1: must be an entity id (a non-empty string), got 3"),
        ([""], "item 0: must be an entity id (a non-empty string), got ''"),
    ],
)
def test_a_bad_cast_is_refused_with_file_line_and_field(tmp_path, capsys, monkeypatch, cast, problem):
    path = write(tmp_path / "g.jsonl", novel(doc_id="fine"), novel(cast=cast))
    code, out, err = run(capsys, "gold", "validate", "--gold", path)
    assert code == 2 and "Traceback" not in err
    assert [line for line in err.splitlines() if line.startswith("error: ")] == [f"error: {path}:2: cast: {problem}"]
    # the field-by-field path alone gives the same message
    monkeypatch.setattr(_Checker, "clean_document", lambda self, obj: None)
    assert [str(e) for e in validate_gold(path).errors] == [f"{path}:2: cast: {problem}"]


def test_both_validator_paths_build_the_same_cast():
    doc = novel()
    fast = _Checker("<memory>", TESTS, check_source=False).clean_document(copy.deepcopy(doc))
    defined = _Checker("<memory>", TESTS, check_source=False).document(1, copy.deepcopy(doc))
    assert fast is not None and fast == defined and fast.cast == ["jane", "elizabeth"]
    # a bad cast sends the fast path to the definition
    assert _Checker("<memory>", TESTS, check_source=False).clean_document(novel(cast=["nobody"])) is None


# --------------------------------------------------------------------------
# Importers


def test_the_pdnc_importer_writes_every_character_and_no_speaker_of_its_own(tmp_path, capsys):
    out = tmp_path / "pdnc.jsonl"
    code, _, err = run(capsys, "gold", "import", "pdnc", PDNC, "--out", out)
    assert code == 0, err
    docs = {d["doc_id"]: d for d in map(json.loads, out.read_text().splitlines())}
    # character_info.csv's order; "The Stranger" speaks but is not in it
    assert docs["TheTestNovel"]["cast"] == [
        "TheTestNovel:Mrs_Dale", "TheTestNovel:Mr_Hale", "TheTestNovel:Susan_Dale",
    ]
    assert "TheTestNovel:The_Stranger" in {e["id"] for e in docs["TheTestNovel"]["entities"]}
    assert docs["ASecondNovel"]["cast"] == ["ASecondNovel:Tom"]
    code, _, err = run(capsys, "gold", "validate", "--gold", out)
    assert code == 0, err


def test_polnear_invents_no_cast(tmp_path):
    result = read_polnear(POLNEAR, out=tmp_path / "p.jsonl", split="train")
    assert result.documents and all(doc.cast is None for doc in result.documents)


# --------------------------------------------------------------------------
# Round trips through the annotation tools


def _round_trip(capsys, fmt: str, gold: Path, work: Path) -> Path:
    exported, back = work / f"{fmt}-export", work / f"{fmt}-back.jsonl"
    code, _, err = run(capsys, "gold", "export", fmt, exported, "--gold", gold)
    assert code == 0, err
    code, _, err = run(capsys, "gold", "import", fmt, exported if fmt == "brat" else exported / "tasks.json", "--out", back)
    assert code == 0, err
    return back


@pytest.mark.parametrize("fmt", ["brat", "labelstudio"])
def test_export_then_import_keeps_the_cast_exactly(tmp_path, capsys, fmt):
    without = novel(doc_id="novel_uncast")
    del without["cast"]
    # doc ids in alphabetical order: brat reads a folder's files in that order
    gold = write(tmp_path / "gold.jsonl", novel(), without, novel(doc_id="novel_with_no_one", cast=[]))
    back = _round_trip(capsys, fmt, gold, tmp_path)
    got = [json.loads(line) for line in back.read_text(encoding="utf-8").splitlines()]
    assert [d.get("cast", "absent") for d in got] == [["jane", "elizabeth"], "absent", []]
    assert back.read_bytes() == gold.read_bytes()


def test_a_tool_file_without_a_carried_cast_gives_none(tmp_path, capsys):
    gold = write(tmp_path / "gold.jsonl", novel())
    exported = tmp_path / "brat"
    assert run(capsys, "gold", "export", "brat", exported, "--gold", gold)[0] == 0
    (exported / "quotebench-cast.json").unlink()  # a brat folder from elsewhere
    back = tmp_path / "back.jsonl"
    assert run(capsys, "gold", "import", "brat", exported, "--out", back)[0] == 0
    assert "cast" not in json.loads(back.read_text())


def test_a_re_export_without_casts_leaves_no_stale_cast_behind(tmp_path, capsys):
    exported = tmp_path / "brat"
    assert run(capsys, "gold", "export", "brat", exported, "--gold", write(tmp_path / "a.jsonl", novel()))[0] == 0
    plain = novel()
    del plain["cast"]
    assert run(capsys, "gold", "export", "brat", exported, "--gold", write(tmp_path / "b.jsonl", plain), "--force")[0] == 0
    back = tmp_path / "back.jsonl"
    assert run(capsys, "gold", "import", "brat", exported, "--out", back)[0] == 0
    assert "cast" not in json.loads(back.read_text())


def test_a_cast_member_whose_mentions_were_all_deleted_is_left_out_with_a_note(tmp_path, capsys):
    gold = write(tmp_path / "gold.jsonl", novel())
    exported = tmp_path / "ls"
    assert run(capsys, "gold", "export", "labelstudio", exported, "--gold", gold)[0] == 0
    tasks = json.loads((exported / "tasks.json").read_text(encoding="utf-8"))
    result = tasks[0]["annotations"][0]["result"]
    jane_regions = {r["id"] for r in result if r.get("from_name") == "entity" and r["value"]["text"][0] == "jane"}
    tasks[0]["annotations"][0]["result"] = [
        r for r in result if r.get("id") not in jane_regions and r.get("to_id") not in jane_regions
    ]
    (exported / "tasks.json").write_text(json.dumps(tasks), encoding="utf-8")
    back = tmp_path / "back.jsonl"
    code, out, err = run(capsys, "gold", "import", "labelstudio", exported / "tasks.json", "--out", back)
    assert code == 0, err
    assert json.loads(back.read_text())["cast"] == ["elizabeth"]
    assert "cast: left out 'jane'" in out + err


def test_a_malformed_carried_cast_is_refused(tmp_path, capsys):
    gold = write(tmp_path / "gold.jsonl", novel())
    exported = tmp_path / "ls"
    assert run(capsys, "gold", "export", "labelstudio", exported, "--gold", gold)[0] == 0
    tasks = json.loads((exported / "tasks.json").read_text(encoding="utf-8"))
    tasks[0]["data"]["quotebench"]["cast"] = "jane"
    (exported / "tasks.json").write_text(json.dumps(tasks, indent=1), encoding="utf-8")
    back = tmp_path / "back.jsonl"
    code, _, err = run(capsys, "gold", "import", "labelstudio", exported / "tasks.json", "--out", back)
    assert code == 2 and not back.exists()
    assert "tasks[0].data.quotebench.cast: must be a list of entity ids (non-empty strings)" in err


# --------------------------------------------------------------------------
# What a model is shown


class Recorder:
    """A model that asks for the parse and writes down what it was given."""

    name = "recorder"
    needs_spacy = True

    def __init__(self):
        self.seen: dict[str, ModelInput] = {}

    def predict(self, item: ModelInput, track: str) -> list[dict]:
        assert item.doc is not None  # the real pipeline ran
        self.seen[item.doc_id] = item
        return [{"doc_id": item.doc_id, "quote_id": q.id, "speaker": None} for q in item.quotes or []]


def test_a_model_is_given_the_cast_and_never_the_mentions(tmp_path, nlp):
    uncast = novel(doc_id="uncast")
    del uncast["cast"]
    gold = load_gold(write(tmp_path / "gold.jsonl", novel(), uncast))
    model = Recorder()
    run_model(model, gold, "attribution", nlp=nlp, progress=False)
    cast = model.seen["novel"].cast
    assert cast == (
        CastMember("jane", "Jane Bennet", ("Jane",), "person"),
        CastMember("elizabeth", "Elizabeth Bennet", ("Elizabeth", "Lizzy"), "person"),
    )
    assert "mr_hill" not in {member.id for member in cast}  # an entity, but not of the published list
    assert [f.name for f in dataclasses.fields(CastMember)] == ["id", "name", "aliases", "kind"]
    assert not hasattr(model.seen["novel"], "entities")
    # nothing a model is given holds an offset of a mention
    mention_offsets = {(m["start"], m["end"]) for e in novel()["entities"] for m in e["mentions"]}
    given = json.dumps([dataclasses.asdict(member) for member in cast])
    assert all(f'"start": {s}' not in given for s, _ in mention_offsets)
    assert model.seen["uncast"].cast is None


def test_both_validator_paths_agree_on_random_corruptions_of_a_cast(tmp_path):
    from test_gold_paths import _report, corrupt  # the corruptions of the two-path test, here on a document with a cast

    rng = random.Random(7)
    lines = [json.dumps(corrupt(rng, novel()), ensure_ascii=False) for _ in range(150)]
    path = tmp_path / "g.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast, slow = _report(path, fast=True), _report(path, fast=False)
    assert [str(e) for e in fast.errors] == [str(e) for e in slow.errors]
    assert [str(w) for w in fast.warnings] == [str(w) for w in slow.warnings]
    assert any(e.field == "cast" for e in fast.errors)
