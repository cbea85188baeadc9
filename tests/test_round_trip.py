"""Exact round trips (issue 11, items 1, 2 and 10): gold -> brat -> gold and
gold -> Label Studio -> gold give back the same gold file, byte for byte,
through the real command line; an export never overwrites a folder that is
not empty unless --force; brat labels mentions of entities that never speak
``Mention``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.gold import Document, Entity, Quote, Span, load_gold, write_gold

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT / "gold" / "gold.jsonl"
FORMATS = ("brat", "labelstudio")


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def import_path(fmt: str, folder: Path) -> Path:
    return folder if fmt == "brat" else folder / "tasks.json"


def round_trip(capsys, fmt: str, gold: Path, work: Path) -> Path:
    exported, back = work / f"{fmt}-export", work / f"{fmt}-back.jsonl"
    code, _, err = run(capsys, "gold", "export", fmt, exported, "--gold", gold)
    assert code == 0, err
    code, _, err = run(capsys, "gold", "import", fmt, import_path(fmt, exported), "--out", back)
    assert code == 0, err
    return back


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_same_documents(back: Path, gold: Path) -> None:
    """Field by field first (a readable failure), then byte for byte."""
    got = [json.loads(line) for line in back.read_text(encoding="utf-8").splitlines()]
    want = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g["doc_id"] == w["doc_id"]
        assert g["quotes"] == w["quotes"], g["doc_id"]
        assert g["entities"] == w["entities"], g["doc_id"]
        assert g == w
    assert sha256(back) == sha256(gold)


# --------------------------------------------------------------------------
# The committed gold set


@pytest.mark.parametrize("fmt", FORMATS)
def test_committed_gold_round_trips_exactly(fmt, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)  # the gold's sources (seeds/...) resolve from here
    before = sha256(GOLD)
    back = round_trip(capsys, fmt, GOLD, tmp_path)
    doc = load_gold(back).documents[0]
    quotes = {q.id: q for q in doc.quotes}
    for qid in ("q04", "q09", "q12"):  # the joining comma stays outside
        q = quotes[qid]
        assert doc.text[q.end:q.end + 2] == ",\u201d", qid
    entities = {e.id: e for e in doc.entities}
    # pronouns and descriptions are not made aliases; aliases absent from the text travel
    assert entities["leonid_volkov"].aliases == ["Leonid Volkov", "Volkov"]
    assert entities["vladimir_milov"].aliases == ["Vladimir Milov", "Milov"]
    assert "the opposition" in entities["russian_opposition_in_exile"].aliases
    assert "it" not in entities["russian_opposition_in_exile"].aliases
    assert_same_documents(back, GOLD)
    assert sha256(GOLD) == before


# --------------------------------------------------------------------------
# A synthetic gold set with what the committed one lacks


def at(text: str, phrase: str, nth: int = 0) -> Span:
    i = -1
    for _ in range(nth + 1):
        i = text.index(phrase, i + 1)
    return Span(i, i + len(phrase))


def synthetic_gold(folder: Path) -> Path:
    """Two documents with: entities listed out of text order; aliases that
    the text never uses; pronoun and description mentions; an entity that
    never speaks; a fragmented direct quote whose joining comma is outside;
    a quote nested in another; quote ids out of text order; a quote without
    speaker; a quote whose speaker has no speaker_mention; per-quote
    attributes (and an empty attributes object); a direct quote across a line
    break; astral characters (UTF-16 offsets in Label Studio); direct quotes
    that the validator accepts by its other conventions (a span that holds
    its quotation marks, an indented block quote without marks)."""
    t1 = (
        "Maria Lopez \U0001F642 met Leonid Volkov in Brussels. "
        "\u201cThe Kremlin says 85% back Putin, but we doubt it,\u201d Volkov said. "
        "\u201cWe will not stop,\u201d he said, \u201cuntil the vote is free.\u201d "
        "The former chief of staff said the election was a farce. The results were rigged, a statement claimed. "
        "She said Putin was afraid.\n"
    )
    he = Span(at(t1, "he said").start, at(t1, "he said").start + 2)
    volkov = Entity(
        "leonid_volkov", "Leonid Volkov", "person", ["Leonid Volkov", "Volkov", "Lyonya"],
        [at(t1, "Leonid Volkov"), at(t1, "Volkov", 1), he, at(t1, "The former chief of staff")],
    )
    lopez = Entity("maria_lopez", "Maria Lopez", "person", ["Maria Lopez", "Lopez"], [at(t1, "Maria Lopez"), at(t1, "She")])
    kremlin = Entity("kremlin", "Kremlin", "organization", ["Kremlin", "the Kremlin", "Kremlin press office"], [at(t1, "The Kremlin")])
    putin = Entity("vladimir_putin", "Vladimir Putin", "person", ["Vladimir Putin", "Putin"], [at(t1, "Putin"), at(t1, "Putin", 1)])
    q_direct = at(t1, "The Kremlin says 85% back Putin, but we doubt it")
    fragments = [at(t1, "We will not stop"), at(t1, "until the vote is free.")]
    doc1 = Document(
        "brussels", "brussels.txt", t1, [volkov, putin, lopez, kremlin],
        [
            Quote("q02", q_direct.start, q_direct.end, "direct", "leonid_volkov", at(t1, "Volkov", 1), at(t1, "said"),
                  attributes={"nested_quotes": 1, "verified": True, "tags": ["claim", "number"], "note": None}),
            Quote("q01", at(t1, "85% back Putin").start, at(t1, "85% back Putin").end, "indirect", "kremlin",
                  at(t1, "The Kremlin"), at(t1, "says")),
            Quote("q03", fragments[0].start, fragments[1].end, "direct", "leonid_volkov", he, at(t1, "said", 1), fragments,
                  attributes={}),
            Quote("q04", *_ends(at(t1, "the election was a farce")), "indirect", "leonid_volkov", None, at(t1, "said", 2)),
            Quote("q05", *_ends(at(t1, "The results were rigged")), "indirect", None, None, at(t1, "claimed")),
            Quote("q06", *_ends(at(t1, "Putin was afraid")), "indirect", "maria_lopez", at(t1, "She"), at(t1, "said", 3)),
        ],
    )
    t2 = "The agency said in a statement: \u201cPrices will rise.\nWages will not.\u201d\nIt called the plan \u2018reckless\u2019 and unfair.\n"
    agency = Entity("doc2:the_agency:0", "The agency", "organization", [], [at(t2, "The agency"), at(t2, "It")])
    doc2 = Document(
        "doc2", "doc2.txt", t2, [agency],
        [
            Quote("q01", *_ends(at(t2, "Prices will rise.\nWages will not.")), "direct", "doc2:the_agency:0", at(t2, "The agency"), at(t2, "said")),
            Quote("q02", *_ends(at(t2, "the plan \u2018reckless\u2019 and unfair")), "mixed", "doc2:the_agency:0", at(t2, "It"), at(t2, "called")),
        ],
    )
    t3 = "The mayor spoke: \u201cWe are not done.\u201d\n\n    We will build the bridge and the road.\n"
    mayor = Entity("doc3:the_mayor:0", "The mayor", "person", [], [at(t3, "The mayor")])
    doc3 = Document(
        "doc3", "doc3.txt", t3, [mayor],
        [
            Quote("q01", *_ends(at(t3, "\u201cWe are not done.\u201d")), "direct", mayor.id, at(t3, "The mayor"), at(t3, "spoke")),
            Quote("q02", *_ends(at(t3, "We will build the bridge and the road.")), "direct", mayor.id, None, None),
        ],
    )
    for doc in (doc1, doc2, doc3):
        (folder / doc.source).write_text(doc.text, encoding="utf-8", newline="")
    path = folder / "synthetic.jsonl"
    write_gold([doc1, doc2, doc3], path)
    assert load_gold(path).documents[0].quotes[2].fragments is not None
    return path


def _ends(span: Span) -> tuple[int, int]:
    return span.start, span.end


@pytest.mark.parametrize("fmt", FORMATS)
def test_synthetic_gold_round_trips_exactly(fmt, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    gold = synthetic_gold(tmp_path)
    back = round_trip(capsys, fmt, gold, tmp_path)
    assert_same_documents(back, gold)


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_does_not_change_scores(fmt, tmp_path, capsys, monkeypatch):
    """Predictions that name their speaker only by a pronoun are credited
    through spans, never by name: the same figures before and after."""
    monkeypatch.chdir(tmp_path)
    gold = synthetic_gold(tmp_path)
    back = round_trip(capsys, fmt, gold, tmp_path)
    rows = [
        {"doc_id": "brussels", "quote_id": "q03", "speaker": "he"},
        {"doc_id": "brussels", "quote_id": "q06", "speaker": "She"},
        {"doc_id": "doc2", "quote_id": "q02", "speaker": "It"},
        {"doc_id": "brussels", "quote_id": "q02", "speaker": "Lyonya"},
    ]
    predictions = tmp_path / "pred.jsonl"
    predictions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    figures = []
    for g in (gold, back):
        out = tmp_path / f"{g.stem}.json"
        code, _, err = run(capsys, "score", predictions, "--name", "pronouns", "--gold", g, "--json", out,
                           "--no-leaderboard", "--results", tmp_path / "results", "--track", "attribution")
        assert code == 0, err
        result = json.loads(out.read_text(encoding="utf-8"))
        figures.append((result["micro"], result["n_gold"]))
    assert figures[0] == figures[1]
    assert figures[0][0]["tp"] == 1  # only "Lyonya", an alias absent from the text


# --------------------------------------------------------------------------
# Export into a folder that is not empty


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_refuses_a_folder_that_is_not_empty(fmt, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    gold = synthetic_gold(tmp_path)
    folder = tmp_path / "work"
    folder.mkdir()
    edited = folder / ("brussels.ann" if fmt == "brat" else "tasks.json")
    edited.write_text("T1\tQuote 0 5\tMaria\n", encoding="utf-8")
    code, out, err = run(capsys, "gold", "export", fmt, folder, "--gold", gold)
    assert code == 2
    assert err.count("\n") == 1 and "not empty" in err and "--force" in err and "Traceback" not in err
    assert sorted(p.name for p in folder.iterdir()) == [edited.name]
    assert edited.read_text(encoding="utf-8") == "T1\tQuote 0 5\tMaria\n"
    code, _, err = run(capsys, "gold", "export", fmt, folder, "--gold", gold, "--force")
    assert code == 0, err
    assert edited.read_text(encoding="utf-8") != "T1\tQuote 0 5\tMaria\n"


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_into_an_empty_or_new_folder(fmt, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    gold = synthetic_gold(tmp_path)
    (tmp_path / "empty").mkdir()
    for folder in (tmp_path / "empty", tmp_path / "new" / "deeper"):
        code, _, err = run(capsys, "gold", "export", fmt, folder, "--gold", gold)
        assert code == 0, err


def test_export_to_an_existing_file_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    gold = synthetic_gold(tmp_path)
    target = tmp_path / "a-file"
    target.write_text("keep\n", encoding="utf-8")
    for fmt in FORMATS:
        code, _, err = run(capsys, "gold", "export", fmt, target, "--gold", gold, "--force")
        assert code == 2 and f"{target}:0:" in err and "Traceback" not in err
    assert target.read_text(encoding="utf-8") == "keep\n"


# --------------------------------------------------------------------------
# brat: mentions of entities that never speak


def test_brat_labels_mentions_of_silent_entities_mention(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    gold = synthetic_gold(tmp_path)
    folder = tmp_path / "brat"
    code, _, err = run(capsys, "gold", "export", "brat", folder, "--gold", gold)
    assert code == 0, err
    lines = (folder / "brussels.ann").read_text(encoding="utf-8").splitlines()
    labels = {line.split("\t")[2]: line.split("\t")[1].split()[0] for line in lines if line.startswith("T")}
    assert labels["Putin"] == "Mention"  # Putin never speaks
    assert labels["Maria Lopez"] == labels["She"] == labels["Leonid Volkov"] == "Speaker"
    conf = (folder / "annotation.conf").read_text(encoding="utf-8")
    assert "\nMention\n" in conf
    # the import reads both labels: Putin's mentions come back as his
    back = tmp_path / "back.jsonl"
    code, _, err = run(capsys, "gold", "import", "brat", folder, "--out", back)
    assert code == 0, err
    putin = load_gold(back).documents[0].entity("vladimir_putin")
    assert putin is not None and [putin.name, putin.kind] == ["Vladimir Putin", "person"] and len(putin.mentions) == 2


def test_the_committed_gold_exports_putin_as_mention(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    folder = tmp_path / "brat"
    code, _, err = run(capsys, "gold", "export", "brat", folder, "--gold", GOLD)
    assert code == 0, err
    ann = next(folder.glob("*.ann")).read_text(encoding="utf-8").splitlines()
    labels = {line.split("\t")[0]: line.split("\t")[1].split()[0] for line in ann if line.startswith("T")}

    def keys_of(entity_id: str) -> set[str]:
        return {line.split("\t")[1].split()[1] for line in ann if line.startswith("N") and line.split("\t")[1].endswith(f"quotebench:{entity_id}")}

    assert len(keys_of("vladimir_putin")) == 13 and {labels[k] for k in keys_of("vladimir_putin")} == {"Mention"}
    assert len(keys_of("leonid_volkov")) == 5 and {labels[k] for k in keys_of("leonid_volkov")} == {"Speaker"}


def test_an_annotator_edit_keeps_carried_ids_and_numbers_new_quotes(tmp_path, capsys, monkeypatch):
    """A quote added in brat (no note) gets the lowest free id and comes
    after the quotes the export carried, tied to the speaker it was linked to."""
    monkeypatch.chdir(tmp_path)
    gold = synthetic_gold(tmp_path)
    folder = tmp_path / "brat"
    code, _, err = run(capsys, "gold", "export", "brat", folder, "--gold", gold)
    assert code == 0, err
    original = load_gold(gold).document("doc2")
    text = original.text
    wages = at(text, "Wages will not.")
    agency_mention = at(text, "The agency")
    ann = folder / "doc2.ann"
    ann.write_text(
        ann.read_text(encoding="utf-8")
        + f"T90\tQuote {wages.start} {wages.end - 1}\tWages will not\n"
        + "R90\tSpokenBy Arg1:T90 Arg2:T1\n",
        encoding="utf-8",
    )
    back = tmp_path / "back.jsonl"
    code, _, err = run(capsys, "gold", "import", "brat", folder, "--out", back)
    assert code == 0, err
    doc = load_gold(back).document("doc2")
    assert [q.id for q in doc.quotes] == ["q01", "q02", "q03"]
    assert [(q.start, q.end) for q in doc.quotes[:2]] == [(q.start, q.end) for q in original.quotes]
    added = doc.quotes[2]
    assert (added.start, added.end, added.type, added.speaker) == (wages.start, wages.end - 1, "indirect", "doc2:the_agency:0")
    assert added.speaker_mention == agency_mention
