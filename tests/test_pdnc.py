"""``quotebench gold import pdnc`` (issue 12) on a small repository written for
these tests in PDNC's exact layout and CSV format (tests/data/pdnc: never
corpus text), covering the corpus's rough edges: spans with white space at
an end or listed out of order, speakers missing from the character list, with
a trailing space or named by an alias, alias cells holding a set, a list, or
a list literal inside a string, an empty quoteType, referring expressions
printed without their punctuation or absent from the text, mentions of
several characters or of unknown names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmark.annotation.pdnc import read_pdnc
from benchmark.cli import main

PDNC = Path(__file__).parent / "data" / "pdnc"
NOVEL = PDNC / "data" / "TheTestNovel"
TEXT = (NOVEL / "novel_text.txt").read_text()


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def span_of(surface: str, text: str = TEXT) -> dict[str, int]:
    start = text.index(surface)
    return {"start": start, "end": start + len(surface)}


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, dict]:
    """The fixture repository imported through the real command line."""
    out = tmp_path_factory.mktemp("pdnc") / "pdnc.jsonl"
    code = main(["gold", "import", "pdnc", str(PDNC), "--out", str(out)])
    assert code == 0
    return {"path": out, **{d["doc_id"]: d for d in map(json.loads, out.read_text().splitlines())}}


def quotes_of(doc: dict) -> dict[str, dict]:
    return {q["id"]: q for q in doc["quotes"]}


def test_one_document_per_novel_with_the_text_exactly(imported):
    assert [k for k in imported if k != "path"] == ["ASecondNovel", "TheTestNovel"]
    doc = imported["TheTestNovel"]
    assert doc["text"] == TEXT
    # the source is the novel's path relative to the gold file's folder
    assert (imported["path"].parent / doc["source"]).resolve() == (NOVEL / "novel_text.txt").resolve()


def test_imported_gold_validates(imported, capsys):
    code, out, err = run(capsys, "gold", "validate", "--gold", imported["path"])
    assert code == 0, err
    assert "2 documents, 7 quotes" in out


def test_characters_become_entities_from_every_kind_of_alias_cell(imported):
    entities = {e["id"]: e for e in imported["TheTestNovel"]["entities"]}
    assert set(entities) == {"TheTestNovel:Mrs_Dale", "TheTestNovel:Mr_Hale", "TheTestNovel:Susan_Dale", "TheTestNovel:The_Stranger"}
    # set literal: main name first, then the aliases sorted
    assert entities["TheTestNovel:Mrs_Dale"]["aliases"] == ["Mrs. Dale", "Margaret", "Margaret Dale"]
    # list literal, order kept
    assert entities["TheTestNovel:Mr_Hale"]["aliases"] == ["Mr. Hale", "Hale"]
    # a list literal inside a string
    assert entities["TheTestNovel:Susan_Dale"]["aliases"] == ["Susan Dale", "Susan"]
    assert all(e["kind"] == "person" for e in entities.values())


def test_speakers_by_main_name_trimmed_name_alias_or_their_own_entity(imported):
    quotes = quotes_of(imported["TheTestNovel"])
    assert quotes["Q0"]["speaker"] == "TheTestNovel:Mrs_Dale"  # main name
    assert quotes["Q1"]["speaker"] == "TheTestNovel:Mr_Hale"  # "Mr. Hale " with a trailing space
    assert quotes["Q3"]["speaker"] == "TheTestNovel:Mr_Hale"  # the alias "Hale"
    assert quotes["Q5"]["speaker"] == "TheTestNovel:Mrs_Dale"  # the alias "Margaret"
    assert quotes["Q4"]["speaker"] == "TheTestNovel:The_Stranger"  # missing from character_info.csv
    stranger = next(e for e in imported["TheTestNovel"]["entities"] if e["id"] == "TheTestNovel:The_Stranger")
    assert stranger["name"] == "The Stranger" and stranger["aliases"] == ["The Stranger"]


def test_sub_quotations_become_trimmed_fragments_in_text_order(imported):
    quotes = quotes_of(imported["TheTestNovel"])
    q0 = quotes["Q0"]
    assert q0["fragments"] == [span_of("Good morning, Mr. Hale,"), span_of("is it not a fine\nday?")]
    assert (q0["start"], q0["end"]) == (q0["fragments"][0]["start"], q0["fragments"][1]["end"])
    # listed as [[156, 168], [117, 125]] in the table
    assert quotes["Q2"]["fragments"] == [span_of("And yet,"), span_of("I fear rain.")]
    # published as 'Perhaps,  ' and ' Will you walk with me?'
    assert (quotes["Q3"]["start"], quotes["Q3"]["end"]) == tuple(span_of("Perhaps,").values())
    assert (quotes["Q4"]["start"], quotes["Q4"]["end"]) == tuple(span_of("Will you walk with me?").values())
    assert "fragments" not in quotes["Q3"]
    assert {q["type"] for q in quotes.values()} == {"direct"}


def test_quote_type_and_addressees_kept_as_attributes(imported):
    quotes = quotes_of(imported["TheTestNovel"])
    assert quotes["Q0"]["attributes"] == {"quote_type": "Explicit", "addressees": ["Mr. Hale"]}
    assert quotes["Q2"]["attributes"] == {"quote_type": "Explicit", "addressees": ["Mrs. Dale", "Mr. Hale"]}
    assert quotes["Q5"]["attributes"] == {"quote_type": None, "addressees": ["The Stranger"]}  # quoteType "nan"


def test_referring_expression_located_as_the_speaker_mention(imported):
    doc = imported["TheTestNovel"]
    quotes = quotes_of(doc)
    # between the two sub-quotations, found although PDNC drops the full stop
    assert quotes["Q0"]["speaker_mention"] == span_of("said Mrs. Dale")
    # "Mrs Dales sister went on" for "Mrs. Dale's sister went on"
    assert quotes["Q2"]["speaker_mention"] == span_of("Mrs. Dale's sister went on")
    assert quotes["Q1"]["speaker_mention"] == span_of("replied he")
    assert quotes["Q3"]["speaker_mention"] == span_of("he said at last")
    assert quotes["Q4"]["speaker_mention"] is None  # "cried the stranger" is not in the text
    assert quotes["Q5"]["speaker_mention"] is None  # no referring expression
    hale = next(e for e in doc["entities"] if e["id"] == "TheTestNovel:Mr_Hale")
    # the two referring expressions, and the mention inside Q0 that PDNC gives
    assert hale["mentions"] == [span_of("Mr. Hale"), span_of("replied he"), span_of("he said at last")]


def test_notes_count_everything_changed_or_left_out():
    result = read_pdnc(PDNC, out=PDNC / "unused.jsonl")
    notes = "\n".join(result.notes)
    assert "2 novel(s), 7 quotation(s), 4 character(s)" in notes
    assert "2 sub-quotation span(s) had white space at an end, trimmed" in notes
    assert "1 quotation(s) listed their spans out of text order, sorted" in notes
    assert "3 speaker name(s) matched a character by an alias or after trimming" in notes
    assert (
        "1 speaker name(s) naming no single character became entities of their own (1 quotation(s)): TheTestNovel: 'The Stranger'" in notes
    )
    assert "1 quotation(s) without a quoteType" in notes
    assert "5 of 6 referring expression(s) located as the speaker mention; 1 not found" in notes
    assert "2 of 3 mention(s) inside quotations left out (1 of several characters, 1 of a name that names no single character" in notes


def test_documents_option_by_names_and_by_list_file(tmp_path, capsys):
    out = tmp_path / "one.jsonl"
    code, _, err = run(capsys, "gold", "import", "pdnc", PDNC, "--out", out, "--documents", "ASecondNovel")
    assert code == 0, err
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    assert [d["doc_id"] for d in docs] == ["ASecondNovel"]
    assert docs[0]["quotes"][0]["speaker_mention"] == span_of("said Tom", docs[0]["text"])
    listing = tmp_path / "novels.txt"
    listing.write_text("TheTestNovel\n\nASecondNovel\n")
    out2 = tmp_path / "two.jsonl"
    code, _, err = run(capsys, "gold", "import", "pdnc", PDNC, "--out", out2, "--documents", f"@{listing}")
    assert code == 0, err
    assert [json.loads(line)["doc_id"] for line in out2.read_text().splitlines()] == ["TheTestNovel", "ASecondNovel"]


def test_unknown_novel_is_a_usage_error(tmp_path, capsys):
    out = tmp_path / "g.jsonl"
    code, _, err = run(capsys, "gold", "import", "pdnc", PDNC, "--out", out, "--documents", "Emma")
    assert code == 2
    assert "no such novel: Emma" in err and "Traceback" not in err
    assert not out.exists()


def copy_repository(tmp_path: Path) -> Path:
    root = tmp_path / "pdnc"
    shutil.copytree(PDNC, root)
    return root


def test_a_cell_that_is_not_a_python_literal_names_file_line_and_column(tmp_path, capsys):
    root = copy_repository(tmp_path)
    table = root / "data" / "TheTestNovel" / "quotation_info.csv"
    table.write_text(table.read_text().replace('"[[95, 101]]"', '"[[95, 101]"'))
    out = tmp_path / "g.jsonl"
    code, _, err = run(capsys, "gold", "import", "pdnc", root, "--out", out)
    assert code == 2
    assert err.strip().splitlines() == [f"error: {table}:4: quoteByteSpans: not a Python literal: '[[95, 101]'"]
    assert not out.exists()


def test_a_literal_is_never_evaluated(tmp_path, capsys):
    root = copy_repository(tmp_path)
    table = root / "data" / "TheTestNovel" / "character_info.csv"
    marker = tmp_path / "evaluated"
    table.write_text(table.read_text().replace("\"['Mr. Hale', 'Hale']\"", f"\"open('{marker}', 'w')\""))
    code, _, err = run(capsys, "gold", "import", "pdnc", root, "--out", tmp_path / "g.jsonl")
    assert code == 2 and f"{table}:3: Aliases: not a Python literal" in err
    assert not marker.exists()


def test_a_span_outside_the_text_is_refused(tmp_path, capsys):
    root = copy_repository(tmp_path)
    table = root / "data" / "ASecondNovel" / "quotation_info.csv"
    table.write_text(table.read_text().replace('"[[17, 29]]"', '"[[17, 2900]]"'))
    code, _, err = run(capsys, "gold", "import", "pdnc", root, "--out", tmp_path / "g.jsonl")
    assert code == 2
    assert f"{table}:2: quoteByteSpans: [17, 2900] is not a [start, end] span within the text (0-41)" in err


def test_a_quotation_without_quotation_marks_is_imported_as_indirect_with_a_note(tmp_path):
    root = copy_repository(tmp_path)
    table = root / "data" / "TheTestNovel" / "quotation_info.csv"
    start = TEXT.index("They went in.")
    table.write_text(table.read_text().replace('"[[282, 285]]"', f'"[[{start}, {start + 13}]]"'))
    result = read_pdnc(root, out=tmp_path / "g.jsonl", documents="TheTestNovel")
    q5 = next(q for q in result.documents[0].quotes if q.id == "Q5")
    assert (q5.type, q5.start, q5.end) == ("indirect", start, start + 13)
    assert any("1 quotation(s) that no typographic convention" in n and "TheTestNovel:Q5" in n for n in result.notes)


def test_not_a_pdnc_repository(tmp_path, capsys):
    code, _, err = run(capsys, "gold", "import", "pdnc", tmp_path, "--out", tmp_path / "g.jsonl")
    assert code == 2
    assert "no data/ folder" in err


def test_missing_and_duplicate_quote_ids_are_named_and_counted(tmp_path):
    root = copy_repository(tmp_path)
    table = root / "data" / "TheTestNovel" / "quotation_info.csv"
    table.write_text(table.read_text().replace('"Q1","It is,"', '"","It is,"').replace('"Q3","Perhaps,"', '"Q2","Perhaps,"'))
    result = read_pdnc(root, out=tmp_path / "g.jsonl", documents="TheTestNovel")
    assert [q.id for q in result.documents[0].quotes] == ["Q0", "row4", "Q2", "Q2_2", "Q4", "Q5"]
    assert "pdnc: 1 quotation(s) without a quoteID given the id rowLINE" in result.notes
    assert "pdnc: 1 duplicate quoteID(s) given a suffix _2, _3, …" in result.notes
