"""``quotebench gold import litbank`` on a small repository written for these
tests in LitBank's exact layout and tab-separated formats
(tests/data/litbank_fixture: never corpus text): an excerpt that ends before
its original file does, a name hard-wrapped over a line break, a word split
into two tokens (``do n't``), speech interrupted by narration (two QUOTE
lines), a quotation continued over paragraphs, a nested mark in one token
(``“‘``), dash dialogue and italics, straight marks, a quote without an
ATTRIB line, a speaker id that names no coreference chain, COREF lines before
the MENTION they name, COP and APPOS links, chains of places, a chain of
pronouns only, and a work without quotations."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.annotation.litbank import read_litbank
from benchmark.cli import main

ROOT = Path(__file__).resolve().parents[1]
LITBANK = Path(__file__).parent / "data" / "litbank_fixture"
ORIGINAL = (LITBANK / "original" / "1_the_test_story.txt").read_text(encoding="utf-8")
# The excerpt: the original up to the end of the last token ("slept."), not
# the chapter after it.
STORY = ORIGINAL[: ORIGINAL.index("slept.") + len("slept.")]
HILL = (LITBANK / "original" / "2_the_hill.txt").read_text(encoding="utf-8")[:-1]  # without the final line break


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def span_of(surface: str, text: str = STORY, after: str = "") -> dict[str, int]:
    """The span of ``surface``, first found after the first ``after``."""
    start = text.index(surface, text.index(after) + len(after) if after else 0)
    return {"start": start, "end": start + len(surface)}


def span(surface: str, text: str = STORY, after: str = "") -> tuple[int, int]:
    s = span_of(surface, text, after)
    return s["start"], s["end"]


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, dict]:
    """The fixture repository imported through the real command line."""
    out = tmp_path_factory.mktemp("litbank") / "litbank.jsonl"
    code = main(["gold", "import", "litbank", str(LITBANK), "--out", str(out)])
    assert code == 0
    return {"path": out, **{d["doc_id"]: d for d in map(json.loads, out.read_text(encoding="utf-8").splitlines())}}


def quotes_of(doc: dict) -> dict[str, dict]:
    return {q["id"]: q for q in doc["quotes"]}


def entities_of(doc: dict) -> dict[str, dict]:
    return {e["id"]: e for e in doc["entities"]}


def test_one_document_per_work_with_the_excerpt_exactly(imported):
    assert [k for k in imported if k != "path"] == ["1_the_test_story", "2_the_hill", "3_a_quiet_morning"]
    story = imported["1_the_test_story"]
    assert story["text"] == STORY and len(STORY) == 373
    assert imported["2_the_hill"]["text"] == HILL
    assert imported["3_a_quiet_morning"]["text"] == "A Quiet Morning\n\nI woke early and walked to the river."
    # the original's path relative to the gold file's folder, with the part of it that is the text
    path, fragment = story["source"].split("#")
    assert fragment == "char=0,373"
    assert (imported["path"].parent / path).resolve() == (LITBANK / "original" / "1_the_test_story.txt").resolve()


def test_imported_gold_validates(imported, capsys):
    code, out, err = run(capsys, "gold", "validate", "--gold", imported["path"])
    assert code == 0, err
    assert "3 documents, 10 quotes" in out


def test_quote_spans_leave_out_the_marks_that_set_speech_off(imported):
    story = quotes_of(imported["1_the_test_story"])
    got = {qid: (q["start"], q["end"]) for qid, q in story.items()}
    assert got == {
        "Q1": span("You don't mean it,"),  # "do n't" are two tokens of one word
        "Q2": span("not the whole of\nit?"),  # the interrupted speech's second QUOTE line
        "Q3": span("Every penny,"),
        # continued over a paragraph: no closing mark at its end, an opening one at the next
        "Q4": span("Tom said to me,\n‘Keep it safe,’ and so I did.\n\n“And then the ledger burned."),
        "Q5": span("‘Tis late,"),  # of the token “‘ only the outer mark
    }
    assert got["Q1"] == (121, 139) and got["Q5"] == (300, 310)
    assert {q["type"] for q in story.values()} == {"direct"}
    assert all("fragments" not in q and q["speaker_mention"] is None and q["cue"] is None for q in story.values())
    hill = quotes_of(imported["2_the_hill"])
    assert {qid: (q["start"], q["end"], q["type"]) for qid, q in hill.items()} == {
        "Q1": (*span("Come down, Ned!", HILL), "direct"),  # the dash that opens the line left out
        "Q2": (*span("Not yet,", HILL), "direct"),
        "Q3": (*span("Ahoy there", HILL), "indirect"),  # between italics underscores
        "Q4": (*span("Is it far?", HILL), "direct"),  # straight marks
        "Q5": (*span("Not far,", HILL), "direct"),
    }
    assert imported["3_a_quiet_morning"]["quotes"] == []


def test_whether_the_speaker_has_a_proper_name_is_an_attribute(imported):
    story = quotes_of(imported["1_the_test_story"])
    assert {qid: q["attributes"] for qid, q in story.items()} == {
        "Q1": {"speaker_named": True},  # Martha Harlow
        "Q2": {"speaker_named": True},
        "Q3": {"speaker_named": False},  # her brother: a description and pronouns only
        "Q4": {"speaker_named": False},
        "Q5": {"speaker_named": True},  # Tom
    }
    hill = quotes_of(imported["2_the_hill"])
    assert hill["Q4"]["attributes"] == {"speaker_named": None}  # no speaker
    assert hill["Q3"]["attributes"] == {"speaker_named": False}  # a speaker id with no chain


def test_speakers_are_coreference_chains(imported):
    story = quotes_of(imported["1_the_test_story"])
    assert [story[q]["speaker"] for q in ("Q1", "Q2", "Q3", "Q4", "Q5")] == [
        "1_the_test_story:Martha_Harlow-0",
        "1_the_test_story:Martha_Harlow-0",
        "1_the_test_story:her_brother-1",
        "1_the_test_story:her_brother-1",
        "1_the_test_story:Tom-2",
    ]
    hill = quotes_of(imported["2_the_hill"])
    assert hill["Q4"]["speaker"] is None  # no ATTRIB line
    assert hill["Q3"]["speaker"] == "2_the_hill:The_sailors-9"  # names no chain: an entity of its own
    sailors = entities_of(imported["2_the_hill"])["2_the_hill:The_sailors-9"]
    assert sailors == {"id": "2_the_hill:The_sailors-9", "name": "The sailors", "kind": "person", "aliases": ["The sailors"], "mentions": []}


def test_entities_names_aliases_and_mentions_from_the_chains(imported):
    entities = entities_of(imported["1_the_test_story"])
    # the places' chains (the_inn-3, Dunmore-4) are left out
    assert set(entities) == {"1_the_test_story:Martha_Harlow-0", "1_the_test_story:her_brother-1", "1_the_test_story:Tom-2"}
    harlow = entities["1_the_test_story:Martha_Harlow-0"]
    # "Mrs. Harlow" twice (once hard-wrapped), "Martha Harlow" once: the most frequent proper name, then the others
    assert (harlow["name"], harlow["aliases"], harlow["kind"]) == ("Mrs. Harlow", ["Mrs. Harlow", "Martha Harlow"], "person")
    assert harlow["mentions"] == [
        span_of("Martha Harlow"),
        span_of("her"),
        span_of("Mrs.\nHarlow"),
        span_of("her", after="penny,”"),
        span_of("Mrs. Harlow"),
    ]
    brother = entities["1_the_test_story:her_brother-1"]
    # no proper name: its nominal mentions
    assert (brother["name"], brother["aliases"]) == ("her brother", ["her brother"])
    assert brother["mentions"] == [
        span_of("her brother"),
        span_of("You"),
        span_of("her brother", after="penny,”"),
        span_of("me", after="said to "),
        span_of("I", after="so "),
    ]
    tom = entities["1_the_test_story:Tom-2"]
    # the ostler (COP) and a quiet man (APPOS) are linked to Tom but in no chain: not mentions
    assert tom["mentions"] == [span_of("Tom"), span_of("Tom", after="“"), span_of("Tom", after="late,” said ")]
    assert tom["aliases"] == ["Tom"]
    hill = entities_of(imported["2_the_hill"])
    assert set(hill) == {
        "2_the_hill:the_captain-0",
        "2_the_hill:Ned-1",
        "2_the_hill:sailors-6",  # a person chain that never speaks is kept
        "2_the_hill:the_boy-4",
        "2_the_hill:The_sailors-9",
    }
    # a chain of pronouns only is named after its entity id
    narrator = entities_of(imported["3_a_quiet_morning"])["3_a_quiet_morning:NARRATOR-0"]
    assert (narrator["name"], narrator["aliases"], narrator["mentions"]) == ("NARRATOR", ["NARRATOR"], [{"start": 17, "end": 18}])


def test_notes_count_everything_changed_or_left_out():
    result = read_litbank(LITBANK, out=LITBANK / "unused.jsonl")
    assert result.notes == [
        "litbank: 3 work(s), 10 quotation(s), 6 speaker(s), 9 entities (coreference chains with a PER mention or a "
        "quotation); speaker_mention and cue are null (LitBank does not mark them)",
        "litbank: 1 work(s) without any quotation: 3_a_quiet_morning",
        "litbank: 2 quotation(s) set off by a dash and 1 by italics underscores: the marks are left out of the span",
        "litbank: 1 quotation(s) that no typographic convention of benchmark/typography.py explains as direct speech "
        "(italics are not quotation marks) imported as indirect: 2_the_hill:Q3",
        "litbank: 1 quotation(s) without an ATTRIB line (speaker null)",
        "litbank: 1 speaker id(s) naming no coreference chain became entities of their own (1 quotation(s)): "
        "2_the_hill:The_sailors-9",
        "litbank: 5 coreference chain(s) without a PER mention or a quotation (places, vehicles, organisations) left out, "
        "with their 6 mention(s)",
        "litbank: 2 mention(s) in no coreference chain left out (2 linked only by the 1 COP and 1 APPOS line(s))",
    ]


def test_documents_option(tmp_path, capsys):
    out = tmp_path / "one.jsonl"
    code, _, err = run(capsys, "gold", "import", "litbank", LITBANK, "--out", out, "--documents", "2_the_hill,1_the_test_story")
    assert code == 0, err
    assert [json.loads(line)["doc_id"] for line in out.read_text().splitlines()] == ["2_the_hill", "1_the_test_story"]
    code, _, err = run(capsys, "gold", "import", "litbank", LITBANK, "--out", tmp_path / "none.jsonl", "--documents", "4_missing")
    assert code == 2 and "no such work: 4_missing" in err and "Traceback" not in err
    assert not (tmp_path / "none.jsonl").exists()


# --------------------------------------------------------------------------
# Bad input: exit 2, one line FILE:LINE: field: problem, nothing written


def copy_repository(tmp_path: Path) -> Path:
    root = tmp_path / "litbank"
    shutil.copytree(LITBANK, root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def refused(tmp_path: Path, capsys, root: Path) -> str:
    out = tmp_path / "g.jsonl"
    code, _, err = run(capsys, "gold", "import", "litbank", root, "--out", out)
    assert code == 2
    assert not out.exists()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    return lines[0]


QUOTES = Path("quotations") / "tsv" / "1_the_test_story_brat.ann"
TOKENS = Path("quotations") / "tsv" / "1_the_test_story_brat.txt"
COREF = Path("coref") / "tsv" / "2_the_hill_brat.ann"


@pytest.mark.parametrize(
    "file, old, new, message",
    [
        (TOKENS, "ledger burned", "ledger burnt", "{file}:6: token: token 5 'burnt' is not the next text of {original} "
         "(found 'burned.”\\n\\n“‘Tis' at character 289)"),
        (TOKENS, "Tom was the", "Tom  was the", "{file}:2: token: token 1 is empty (two spaces in a row, or a space at an end)"),
        (QUOTES, "Q3\t3\t0\t3\t4\t", "Q3\t3\t0\t3\t", "{file}:3: fields: expected 7 tab-separated fields (label, quote id, "
         "start sentence, start token, end sentence, end token, quotation), got 6"),
        (QUOTES, "Q3\t3\t0\t3\t4", "Q3\t3\t0\t3\t9", "{file}:3: end token: no token 9: sentence 3 has 9 (0-8)"),
        (QUOTES, "Q3\t3\t0\t3\t4", "Q3\t3\t0\t3\tfour", "{file}:3: end token: not a number: 'four'"),
        (QUOTES, "Q3\t3\t0\t3\t4", "Q3\t3\t0\t2\t4", "{file}:3: end sentence: the end 2:4 is before the start 3:0"),
        (QUOTES, "Q3\t3\t0\t3\t4", "Q3\t30\t0\t3\t4", "{file}:3: start sentence: no sentence 30: "
         "{root}/quotations/tsv/1_the_test_story_brat.txt has 9 (0-8)"),
        (QUOTES, "“ Every penny , ”", "“ Every pound , ”", "{file}:3: quotation: '“ Every pound , ”' is not the tokens "
         "3:0-3:4 ('“ Every penny , ”')"),
        (QUOTES, "QUOTE\tQ3", "QUOTE\tQ2", "{file}:3: quote id: 'Q2' is already the id of the QUOTE line 2"),
        (QUOTES, "ATTRIB\tQ3", "ATTRIB\tQ9", "{file}:8: quote id: 'Q9' is no QUOTE line above"),
        (QUOTES, "ATTRIB\tQ3", "ATTRIB\tQ2", "{file}:8: quote id: 'Q2' is already attributed at line 7"),
        (QUOTES, "ATTRIB\tQ3", "SPEAKER\tQ3", "{file}:8: label: expected QUOTE or ATTRIB, got 'SPEAKER'"),
        (COREF, "COREF\tT7", "COREF\tT70", "{file}:15: mention id: 'T70' is on no MENTION line"),
        (COREF, "COREF\tT7", "CHAIN\tT7", "{file}:15: label: expected MENTION, COREF, COP or APPOS, got 'CHAIN'"),
        (COREF, "\tthe boy\t", "\tthe girl\t", "{file}:7: text: 'the girl' is not the tokens 4:7-4:8 ('the boy')"),
    ],
)
def test_bad_input_names_file_line_and_field(tmp_path, capsys, file, old, new, message):
    root = copy_repository(tmp_path)
    edit(root / file, old, new)
    expected = message.format(file=root / file, root=root, original=root / "original" / "1_the_test_story.txt")
    assert refused(tmp_path, capsys, root) == f"error: {expected}"


def test_missing_files_and_not_a_repository(tmp_path, capsys):
    root = copy_repository(tmp_path)
    (root / "original" / "2_the_hill.txt").unlink()
    assert refused(tmp_path, capsys, root) == f"error: {root / 'original' / '2_the_hill.txt'}:0: file: missing"
    assert refused(tmp_path, capsys, tmp_path / "litbank" / "original").endswith(
        ":0: path: no quotations/tsv/ folder (expected LitBank's repository: quotations/tsv/NAME_brat.ann)"
    )


def test_an_existing_gold_file_is_left_alone_on_bad_input(tmp_path, capsys):
    root = copy_repository(tmp_path)
    edit(root / QUOTES, "ATTRIB\tQ3", "ATTRIB\tQ9")
    out = tmp_path / "kept.jsonl"
    out.write_text("annotator's work\n")
    code, _, _ = run(capsys, "gold", "import", "litbank", root, "--out", out)
    assert code == 2 and out.read_text() == "annotator's work\n"


def test_command_line_in_a_fresh_interpreter(tmp_path):
    out = tmp_path / "gold" / "litbank.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "benchmark", "gold", "import", "litbank", str(LITBANK), "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "3 documents, 10 quotes, 9 entities imported from" in done.stdout
    assert "note: litbank: 3 work(s), 10 quotation(s)" in done.stderr
    stats = subprocess.run(
        [sys.executable, "-m", "benchmark", "gold", "validate", "--gold", str(out)],
        capture_output=True, text=True, cwd=tmp_path, env=env,
    )
    assert stats.returncode == 0, stats.stderr
