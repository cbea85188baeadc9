"""Reading submissions: every malformed file is refused through the real
command line with exit status 2, one line ``FILE:LINE: field: problem``, and
nothing on disk changed; the accepted variants read the same."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmark.cli import main
from benchmark.contract import check_model_name
from benchmark.errors import InputError, UsageError
from benchmark.submission import read_predictions
from test_scoring_support import save_gold, volkov_document, write_jsonl

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def setup(tmp_path):
    """A gold file (document "volkov", quotes q1-q4) and a results folder
    holding a leaderboard and one run record."""
    document, spans = volkov_document()
    gold_path, gold = save_gold([document], tmp_path)
    results = tmp_path / "results"
    (results / "runs" / "old-run").mkdir(parents=True)
    (results / "leaderboard.csv").write_text("rank,model,track\n1,old,attribution\n", encoding="utf-8")
    (results / "runs" / "old-run" / "record.json").write_text('{"model": "old"}\n', encoding="utf-8")
    return {"gold": gold_path, "gold_set": gold, "results": results, "spans": spans, "length": len(document.text), "tmp": tmp_path}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def refuse(setup, capsys, path: Path, line: int, field: str, *extra: str) -> str:
    """Score ``path`` through the CLI and check that it is refused as FILE:LINE: field."""
    before = snapshot(setup["tmp"])
    out = setup["tmp"] / "out.json"
    argv = ["score", str(path), "--name", "m", "--gold", str(setup["gold"]), "--results", str(setup["results"]), "--json", str(out), *extra]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"error: {path}:{line}: {field}: "), lines[0]
    assert "Traceback" not in captured.err
    assert snapshot(setup["tmp"]) == before  # nothing written, nothing changed (out.json included)
    return lines[0]


def jsonl(setup, name: str, *lines: str) -> Path:
    path = setup["tmp"] / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


GOOD = '{"doc_id": "volkov", "quote_id": "q1", "speaker": "Volkov"}'
GOOD_E2E = '{"doc_id": "volkov", "start": 1, "end": 22, "speaker": "Volkov"}'


# --------------------------------------------------------------------------
# Malformed files, each refused with its line and field


@pytest.mark.parametrize(
    "lines, line, field, words",
    [
        ([GOOD, '{"doc_id": "volkov", "quote_id": "q2", "speaker": }'], 2, "json", "not valid JSON"),
        (['[{"doc_id": "volkov", "quote_id": "q1", "speaker": "Volkov"}]'], 1, "json", "JSON array"),
        (["[", "  " + GOOD, "]"], 1, "json", "JSON array"),
        ([GOOD, '"volkov"'], 2, "json", "must be a JSON object, got string"),
        ([GOOD, '{"doc_id": "volkov", "quote_id": "q2"}'], 2, "speaker", "missing (use null to abstain)"),
        (['{"quote_id": "q2", "speaker": "Putin"}'], 1, "doc_id", "missing"),
        (['{"doc_id": "volkov", "quote_id": "q2", "speeker": "Putin"}'], 1, "speeker", "unknown field"),
        ([GOOD, '{"doc_id": "volkov", "quote_id": "q2", "speaker": 42}'], 2, "speaker", "must be a string or null, got integer"),
        (['{"doc_id": "volkov", "quote_id": 2, "speaker": "Putin"}'], 1, "quote_id", "must be a string, got integer"),
        (['{"doc_id": null, "quote_id": "q2", "speaker": "Putin"}'], 1, "doc_id", "must be a string, got null"),
        ([GOOD, '{"doc_id": "elsewhere", "quote_id": "q1", "speaker": "Putin"}'], 2, "doc_id", "unknown doc_id 'elsewhere'"),
        ([GOOD, '{"doc_id": "volkov", "quote_id": "q9", "speaker": "Putin"}'], 2, "quote_id", "unknown quote_id 'q9'"),
        ([GOOD, '{"doc_id": "volkov", "quote_id": "q2", "speaker": "x"}', GOOD], 3, "quote_id", "given twice (first on line 1)"),
        ([GOOD, '{"doc_id": "volkov", "quote_id": "q2", "speaker": "x", "type": "quoted"}'], 2, "type", "is not one of"),
        (['{"doc_id": "volkov", "quote_id": "q2", "speaker": "He", "speaker_start": 60}'], 1, "speaker_end", "missing while speaker_start"),
        (['{"doc_id": "volkov", "quote_id": "q2", "speaker": "He", "speaker_start": true, "speaker_end": 62}'], 1, "speaker_start", "must be an integer, got boolean"),
        ([GOOD, GOOD_E2E], 2, "start", "end-to-end row in a file whose line 1 is an attribution row"),
        ([GOOD, '{"doc_id": "volkov", "quote_id": "q2", "start": 1, "end": 5, "speaker": "x"}'], 2, "quote_id", "not both"),
        ([GOOD, '{"doc_id": "volkov", "speaker": "x"}'], 2, "quote_id", "missing"),
        # end-to-end offsets
        ([GOOD_E2E, '{"doc_id": "volkov", "start": "12", "end": 30, "speaker": "x"}'], 2, "start", "must be an integer, got string '12'"),
        (['{"doc_id": "volkov", "start": 12.0, "end": 30, "speaker": "x"}'], 1, "start", "must be an integer, got number"),
        (['{"doc_id": "volkov", "start": -1, "end": 30, "speaker": "x"}'], 1, "start", "negative offset -1"),
        (['{"doc_id": "volkov", "start": 30, "end": 30, "speaker": "x"}'], 1, "end", "start 30 >= end 30"),
        (['{"doc_id": "volkov", "start": 31, "end": 30, "speaker": "x"}'], 1, "end", "start 31 >= end 30"),
        (['{"doc_id": "volkov", "start": 1, "end": 999, "speaker": "x"}'], 1, "end", "past the end of the text"),
        (['{"doc_id": "volkov", "start": 1, "end": 5, "speaker": "x", "speaker_start": 5, "speaker_end": 999}'], 1, "speaker_end", "past the end"),
        ([GOOD_E2E, GOOD_E2E], 2, "start", "given twice (first on line 1)"),
        (['{"doc_id": "volkov", "end": 30, "speaker": "x"}'], 1, "start", "missing"),
    ],
)
def test_a_malformed_jsonl_file_is_refused(setup, capsys, lines, line, field, words):
    message = refuse(setup, capsys, jsonl(setup, "bad.jsonl", *lines), line, field)
    assert words in message


def test_a_row_of_the_other_track_is_refused_when_the_track_is_given(setup, capsys):
    path = jsonl(setup, "bad.jsonl", GOOD_E2E)
    assert "not a field of the attribution track" in refuse(setup, capsys, path, 1, "start", "--track", "attribution")


def test_blank_lines_keep_the_line_numbers_of_the_file(setup, capsys):
    path = jsonl(setup, "bad.jsonl", GOOD, "", "   ", '{"doc_id": "volkov", "quote_id": "q9", "speaker": "x"}')
    refuse(setup, capsys, path, 4, "quote_id")


def test_a_bad_row_after_many_good_ones_is_found(setup, capsys):
    good = [json.dumps({"doc_id": "volkov", "start": k, "end": k + 5, "speaker": "x"}) for k in range(50)]
    path = jsonl(setup, "bad.jsonl", *good, '{"doc_id": "volkov", "start": 3, "end": 2, "speaker": "x"}', *good[:1])
    refuse(setup, capsys, path, 51, "end")


def test_a_file_that_is_not_utf8_is_refused(setup, capsys):
    path = setup["tmp"] / "bad.jsonl"
    path.write_bytes((GOOD + "\n").encode() + b'{"doc_id": "volkov", "quote_id": "q2", "speaker": "Put\xffn"}\n')
    assert "not UTF-8" in refuse(setup, capsys, path, 2, "file")


def test_a_missing_file_and_a_folder_are_refused(setup, capsys):
    assert "no such file" in refuse(setup, capsys, setup["tmp"] / "nowhere.jsonl", 0, "file")
    folder = setup["tmp"] / "a-folder"
    folder.mkdir()
    assert "is a folder" in refuse(setup, capsys, folder, 0, "file")


@pytest.mark.parametrize(
    "content, line, field, words",
    [
        ("doc_id,quote_id\nvolkov,q1\n", 1, "speaker", "missing column"),
        ("doc_id,quote_id,speaker,confidence\nvolkov,q1,Volkov,0.9\n", 1, "confidence", "unknown column"),
        ("doc_id,start,end,speaker\nvolkov,1,22,Volkov\nvolkov,12.5,30,Putin\n", 3, "start", "must be an integer, got string '12.5'"),
        ("doc_id,start,end,speaker\nvolkov,1,22,Volkov\nvolkov,,30,Putin\n", 3, "start", "must be an integer, got string ''"),
        ("doc_id,quote_id,speaker\nvolkov,q1,Volkov\nvolkov,q2\n", 3, "csv", "row has 2 cells but the header has 3"),
        ("doc_id,quote_id,speaker\nvolkov,q1,Volkov\nvolkov,q1,Putin\n", 3, "quote_id", "given twice"),
        ('doc_id,quote_id,speaker\nvolkov,q1,"Leonid\nVolkov"\nvolkov,q7,Putin\n', 4, "quote_id", "unknown quote_id 'q7'"),
        ("doc_id,start,end,speaker,speaker_start,speaker_end\nvolkov,1,22,He,60,\n", 2, "speaker_end", "missing while speaker_start"),
    ],
)
def test_a_malformed_csv_file_is_refused(setup, capsys, content, line, field, words):
    path = setup["tmp"] / "bad.csv"
    path.write_text(content, encoding="utf-8")
    assert words in refuse(setup, capsys, path, line, field)


def test_a_bad_model_name_is_refused_before_anything_is_read(setup, capsys):
    path = jsonl(setup, "good.jsonl", GOOD)
    before = snapshot(setup["tmp"])
    assert main(["score", str(path), "--name", "../evil", "--gold", str(setup["gold"]), "--results", str(setup["results"])]) == 2
    assert "invalid model name" in capsys.readouterr().err
    assert snapshot(setup["tmp"]) == before
    for name in ("", "-x", "a b", "x" * 65, "naïve"):
        with pytest.raises(UsageError):
            check_model_name(name)
    assert check_model_name("spaCy_3.8-small") == "spaCy_3.8-small"


def test_the_installed_command_reports_the_same(setup):
    path = jsonl(setup, "bad.jsonl", GOOD, '{"doc_id": "volkov", "quote_id": "q2", "speaker": 42}')
    before = snapshot(setup["tmp"])
    done = subprocess.run(
        [sys.executable, "-m", "benchmark", "score", str(path), "--name", "m", "--gold", str(setup["gold"]), "--results", str(setup["results"])],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: {path}:2: speaker: must be a string or null, got integer"]
    assert done.stdout == ""
    assert snapshot(setup["tmp"]) == before


# --------------------------------------------------------------------------
# Accepted variants


def test_a_bom_and_crlf_line_ends_are_accepted(setup):
    rows = [GOOD, '{"doc_id": "volkov", "quote_id": "q3", "speaker": null, "type": "direct"}']
    plain = jsonl(setup, "plain.jsonl", *rows)
    windows = setup["tmp"] / "windows.jsonl"
    windows.write_bytes(b"\xef\xbb\xbf" + "".join(r + "\r\n" for r in rows).encode())
    a = read_predictions(plain, setup["gold_set"])
    b = read_predictions(windows, setup["gold_set"])
    assert a.rows == b.rows
    assert a.track == "attribution"
    assert a.rows[1] == {
        "doc_id": "volkov", "quote_id": "q3", "speaker": None, "type": "direct",
        "speaker_start": None, "speaker_end": None, "line": 2,
    }
    assert a.sha256 != b.sha256  # of the bytes as they are


def test_a_csv_reads_as_the_same_jsonl(setup):
    s = setup["spans"]
    rows = [
        {"doc_id": "volkov", "start": s["q1"].start, "end": s["q1"].end, "speaker": "Volkov, Leonid"},
        {"doc_id": "volkov", "start": s["q2"].start, "end": s["q2"].end, "speaker": "He", "speaker_start": s["he"].start, "speaker_end": s["he"].end, "type": "indirect"},
        {"doc_id": "volkov", "start": s["q3"].start, "end": s["q3"].end, "speaker": None},
    ]
    from_json = read_predictions(write_jsonl(setup["tmp"] / "p.jsonl", rows), setup["gold_set"])
    csv_path = setup["tmp"] / "p.csv"
    csv_text = (
        "doc_id,start,end,speaker,speaker_start,speaker_end,type\r\n"
        f'volkov,{s["q1"].start},{s["q1"].end},"Volkov, Leonid",,,\r\n'
        f'volkov, {s["q2"].start} ,{s["q2"].end},He,{s["he"].start},{s["he"].end},indirect\r\n'
        "\r\n"
        f"volkov,{s['q3'].start},{s['q3'].end},,,,\r\n"
    )
    csv_path.write_bytes(b"\xef\xbb\xbf" + csv_text.encode())
    from_csv = read_predictions(csv_path, setup["gold_set"])
    assert from_csv.track == from_json.track == "end-to-end"
    strip_lines = lambda rows: [{k: v for k, v in r.items() if k != "line"} for r in rows]  # noqa: E731
    assert strip_lines(from_csv.rows) == strip_lines(from_json.rows)
    assert [r["line"] for r in from_csv.rows] == [2, 3, 5]


@pytest.mark.parametrize("speaker", [None, "", "   "])
def test_null_empty_and_blank_speakers_abstain(setup, speaker):
    path = write_jsonl(setup["tmp"] / "p.jsonl", [{"doc_id": "volkov", "quote_id": "q1", "speaker": speaker}])
    predictions = read_predictions(path, setup["gold_set"])
    assert predictions.rows[0]["speaker"] is None
    assert predictions.columns["speaker"] == [None]


@pytest.mark.parametrize("name, content", [("empty.jsonl", ""), ("blank.jsonl", "\n\n"), ("empty.csv", ""), ("header.csv", "doc_id,quote_id,speaker\n")])
def test_an_empty_file_is_valid_and_scores_zeros(setup, capsys, name, content):
    path = setup["tmp"] / name
    path.write_text(content, encoding="utf-8")
    out = setup["tmp"] / "out.json"
    argv = ["score", str(path), "--name", "m", "--gold", str(setup["gold"]), "--json", str(out), "--no-leaderboard"]
    assert main(argv) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["track"] == "attribution"
    assert (result["n_predicted"], result["n_gold"]) == (0, 4)
    assert result["micro"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "predicted": 0, "gold": 4}
    assert "n_gold=4 quotes in 1 document" in capsys.readouterr().out


def test_the_track_is_inferred_or_taken_from_the_option(setup):
    e2e = jsonl(setup, "e2e.jsonl", GOOD_E2E)
    assert read_predictions(e2e, setup["gold_set"]).track == "end-to-end"
    assert read_predictions(e2e, setup["gold_set"], "end-to-end").track == "end-to-end"
    empty = jsonl(setup, "empty.jsonl")
    assert read_predictions(empty, setup["gold_set"], "end-to-end").track == "end-to-end"
    with pytest.raises(UsageError):
        read_predictions(e2e, setup["gold_set"], "both")


# --------------------------------------------------------------------------
# The whole-column check accepts exactly what the row-by-row check accepts

VALUES = {
    "doc_id": ["volkov", "nope", 3, None],
    "quote_id": ["q1", "q2", "q9", 1, None],
    "start": [0, 1, 5, 30, -1, 999, "3", 2.0, True, None],
    "end": [1, 5, 30, 0, 999, "9", None],
    "speaker": ["Volkov", "", " ", None, 3],
    "speaker_start": [44, 45, -2, 999, "44", None],
    "speaker_end": [46, 45, 999, None],
    "type": ["direct", "bogus", None, 1],
    "extra": [1],
}


@st.composite
def submissions(draw):
    """1 to 4 rows, each a valid row of either track with 0 to 2 fields
    changed, removed or added."""
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            row = {"doc_id": "volkov", "quote_id": draw(st.sampled_from(["q1", "q2", "q3", "q4"]))}
        else:
            start = draw(st.integers(0, 80))
            row = {"doc_id": "volkov", "start": start, "end": start + draw(st.integers(1, 20))}
        row["speaker"] = draw(st.sampled_from(["Volkov", "He", None, ""]))
        if draw(st.booleans()):
            row.update(speaker_start=44, speaker_end=46)
        if draw(st.booleans()):
            row["type"] = draw(st.sampled_from(["direct", "indirect", "mixed", None]))
        for _ in range(draw(st.integers(0, 2))):
            key = draw(st.sampled_from(sorted(VALUES)))
            if key in row and draw(st.booleans()):
                del row[key]
            else:
                row[key] = draw(st.sampled_from(VALUES[key]))
        rows.append(row)
    return rows


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=submissions(), track=st.sampled_from([None, "attribution", "end-to-end"]))
def test_the_fast_check_agrees_with_the_row_by_row_check(setup, rows, track):
    from benchmark.errors import InputError
    from benchmark.submission import _RowChecker

    fast = _RowChecker("f", setup["gold_set"], track)._valid_columns([dict(r) for r in rows]) is not None
    slow = _RowChecker("f", setup["gold_set"], track)
    try:
        for line, row in enumerate(rows, start=1):
            slow.check(dict(row), line)
        accepted = True
    except InputError:
        accepted = False
    assert fast == accepted, rows


# --------------------------------------------------------------------------
# A JSON Lines file is read in chunks: the same columns and the same first
# error as when it is read in one


def columns_as_lists(predictions) -> dict:
    return {field: getattr(values, "tolist", lambda: values)() for field, values in predictions.columns.items()}


@pytest.mark.parametrize("track", ["attribution", "end-to-end"])
def test_a_file_read_in_many_chunks_reads_as_in_one(setup, monkeypatch, track):
    import benchmark.submission

    s = setup["spans"]
    if track == "attribution":
        rows = [{"doc_id": "volkov", "quote_id": q, "speaker": speaker} for q, speaker in (("q3", "Putin"), ("q1", None), ("q4", " "), ("q2", "He"))]
    else:
        rows = [{"doc_id": "volkov", "start": k, "end": k + 7, "speaker": ["Volkov", None, "He"][k % 3], "type": "direct"} for k in range(40)]
    rows[1].update(speaker_start=s["he"].start, speaker_end=s["he"].end)
    lines = [json.dumps(row) for row in rows]
    path = setup["tmp"] / "p.jsonl"
    # a BOM, CRLF line ends and blank lines, in the first and in later chunks
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(["", *lines[:2], "  ", *lines[2:], ""]).encode())
    whole = read_predictions(path, setup["gold_set"])
    assert len(path.read_bytes()) < benchmark.submission.CHUNK_BYTES
    for chunk_bytes in (1, 150):  # one line per chunk; a few lines per chunk
        monkeypatch.setattr(benchmark.submission, "CHUNK_BYTES", chunk_bytes)
        chunked = read_predictions(path, setup["gold_set"])
        checker = benchmark.submission._RowChecker(str(path), setup["gold_set"], None)
        assert benchmark.submission._read_jsonl_in_chunks(path.read_bytes(), checker) is not None  # not read whole
        assert chunked.track == whole.track == track
        assert columns_as_lists(chunked) == columns_as_lists(whole)
        assert chunked.rows == whole.rows
    assert whole.columns["line"] == [2, 3, *range(5, len(rows) + 3)]
    assert whole.rows[1]["speaker_start"] == s["he"].start
    if track == "attribution":
        assert whole.columns["gold_quote"].tolist() == [2, 0, 3, 1]
        assert whole.columns["speaker"] == ["Putin", None, None, "He"]


Q2 = '{"doc_id": "volkov", "quote_id": "q2", "speaker": "x"}'


@pytest.mark.parametrize(
    "lines, line, field, words",
    [
        # a repeat whose first occurrence is in an earlier chunk
        ([GOOD, Q2, GOOD], 3, "quote_id", "quote_id 'q1' of document 'volkov' given twice (first on line 1)"),
        ([GOOD_E2E, "", GOOD_E2E.replace("22", "23"), GOOD_E2E], 4, "start", "quote 1-22 of document 'volkov' given twice (first on line 1)"),
        # the repeat comes before a bad row of a later chunk
        ([GOOD, GOOD, '{"doc_id": "volkov", "quote_id": "q9", "speaker": "x"}'], 2, "quote_id", "given twice (first on line 1)"),
        # the track inferred from the first chunk
        ([GOOD, Q2, GOOD_E2E], 3, "start", "end-to-end row in a file whose line 1 is an attribution row"),
        # invalid JSON is reported first, wherever it is, as when the file is read whole
        ([GOOD, GOOD, '{"doc_id": "volkov", "quote_id": "q2", "speaker": }'], 3, "json", "not valid JSON"),
    ],
)
def test_the_first_error_is_the_same_in_many_chunks(setup, capsys, monkeypatch, lines, line, field, words):
    import benchmark.submission

    path = jsonl(setup, "bad.jsonl", *lines)
    whole = refuse(setup, capsys, path, line, field)
    assert words in whole
    monkeypatch.setattr(benchmark.submission, "CHUNK_BYTES", 1)
    assert refuse(setup, capsys, path, line, field) == whole


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_csv_separated_by_semicolons_or_tabs_reads_as_the_comma_separated_one(setup, delimiter):
    comma = "doc_id,quote_id,speaker\nvolkov,q1,\"Volkov; Leonid\"\nvolkov,q3,\n"
    other = f'doc_id{delimiter}quote_id{delimiter}speaker\nvolkov{delimiter}q1{delimiter}"Volkov; Leonid"\nvolkov{delimiter}q3{delimiter}\n'
    (setup["tmp"] / "comma.csv").write_text(comma, encoding="utf-8")
    (setup["tmp"] / "other.csv").write_text(other, encoding="utf-8")
    want = read_predictions(setup["tmp"] / "comma.csv", setup["gold_set"])
    got = read_predictions(setup["tmp"] / "other.csv", setup["gold_set"])
    assert got.rows == want.rows
    assert got.rows[0]["speaker"] == "Volkov; Leonid"


def test_a_csv_header_mixing_separators_is_refused_plainly(setup, capsys):
    path = setup["tmp"] / "mixed.csv"
    path.write_text("doc_id;quote_id,speaker\nvolkov;q1,Volkov\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_predictions(path, setup["gold_set"])
    assert str(caught.value) == f"{path}:1: header: the file is not comma-separated (found ';')"


@pytest.mark.parametrize("rows", [
    [{"doc_id": "volkov", "quote_id": "q1", "speaker": "Volkov"}, {"doc_id": "volkov", "quote_id": "q2", "speaker": None, "speaker_start": 0, "speaker_end": 3}],
    [{"doc_id": "volkov", "start": 1, "end": 9, "speaker": "Volkov", "type": "direct"}],
    [],
])
def test_rows_in_memory_are_read_as_the_same_file(setup, rows):
    from benchmark.submission import Predictions

    from_file = read_predictions(write_jsonl(setup["tmp"] / "p.jsonl", rows), setup["gold_set"])
    in_memory = Predictions.from_rows(rows, setup["gold_set"])
    assert (in_memory.track, in_memory.rows) == (from_file.track, from_file.rows)


@pytest.mark.parametrize("rows, line, field, problem", [
    ([{"doc_id": "volkov", "quote_id": "q1", "speaker": 3}], 1, "speaker", "must be a string or null, got integer"),
    ([{"doc_id": "volkov", "quote_id": "q1", "speaker": "A"}, {"doc_id": "volkov", "quote_id": "q1", "speaker": "B"}],
     2, "quote_id", "quote_id 'q1' of document 'volkov' given twice (first on line 1)"),
    ([{"doc_id": "volkov", "start": 5, "end": 5, "speaker": "A"}], 1, "end", "start 5 >= end 5 (a span must not be empty)"),
    ([{"doc_id": "volkov", "quote_id": "q1", "speeker": "A"}], 1, "speeker", "unknown field (an attribution row has doc_id, quote_id, speaker, speaker_start, speaker_end, type)"),
])
def test_rows_in_memory_are_refused_with_the_file_readers_message(setup, rows, line, field, problem):
    from benchmark.submission import Predictions

    path = write_jsonl(setup["tmp"] / "p.jsonl", rows)
    with pytest.raises(InputError) as from_file:
        read_predictions(path, setup["gold_set"])
    with pytest.raises(InputError) as in_memory:
        Predictions.from_rows(rows, setup["gold_set"], source="model output")
    assert str(from_file.value) == f"{path}:{line}: {field}: {problem}"
    assert str(in_memory.value) == f"model output:{line}: {field}: {problem}"
