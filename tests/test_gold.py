"""The committed gold set, its validation, and its round trip through datasets."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.gold import document_line, from_dataset, load_gold, to_dataset, validate_gold
from benchmark.typography import direct_quote_problem

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "gold" / "gold.jsonl"
SEED = ROOT / "seeds" / "000_d7ba2f87e3eeb8fb.txt"


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmark", *args], cwd=cwd, capture_output=True, text=True)


# --- the committed gold set --------------------------------------------------


def test_seed_is_the_shared_article_byte_for_byte():
    shared = ROOT.parent / "shared" / "seeds" / SEED.name
    if not shared.exists():
        pytest.skip("shared/ is not beside this checkout")
    assert SEED.read_bytes() == shared.read_bytes()


def test_committed_gold_validates_through_the_cli():
    result = run_cli("gold", "validate")
    assert result.returncode == 0, result.stderr
    assert "valid: 1 document, 12 quotes" in result.stdout


def test_gold_text_is_the_seed_including_its_metadata_line():
    doc = load_gold(GOLD).documents[0]
    assert doc.text == SEED.read_bytes().decode("utf-8")
    assert doc.text.startswith(" date 2024-02-17 ")
    # The metadata line is nobody's speech.
    assert all(q.start > len(" date 2024-02-17 ") for q in doc.quotes)


def test_labels_read_as_chosen():
    """Spot checks of the hand labels, by the text the offsets point at."""
    doc = load_gold(GOLD).documents[0]
    quotes = {q.id: q for q in doc.quotes}
    t = doc.text

    def s(span):
        return t[span.start:span.end]

    q04 = quotes["q04"]  # the SPEC's example quote
    assert (q04.start, q04.end, q04.type, q04.speaker) == (862, 987, "direct", "leonid_volkov")
    assert (q04.speaker_mention.start, q04.speaker_mention.end) == (990, 1003)
    assert (q04.cue.start, q04.cue.end) == (1136, 1140)
    assert t[q04.start - 1] == "“" and t[q04.end:q04.end + 2] == ",”"

    assert s(quotes["q08"].cue) == "According to" and s(quotes["q08"].speaker_mention) == "Volkov"
    assert s(quotes["q11"].speaker_mention) == "They"
    assert quotes["q11"].speaker == "european_parliament_event_participants"
    assert quotes["q07"].speaker == "meduza" and s(quotes["q07"].cue) == "reported"
    assert s(quotes["q12"].speaker_mention) == "Prokhorov" and t[quotes["q12"].speaker_mention.start - 5:quotes["q12"].speaker_mention.start] == "said "
    assert [q.type for q in doc.quotes].count("mixed") == 2
    # Headings are not quotes.
    heading = t.index("‘Against Putin at noon’")
    assert not any(q.start <= heading + 1 < q.end for q in doc.quotes)


def test_every_speaker_mention_is_a_mention_of_its_speaker():
    doc = load_gold(GOLD).documents[0]
    for q in doc.quotes:
        assert q.speaker is not None
        assert q.speaker_mention in doc.entity(q.speaker).mentions


def test_gold_stats_counts_by_type_and_speaker():
    result = run_cli("gold", "stats")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "quotes 12" in lines[1] and "documents 1" in lines[1]
    assert any(line.split() == ["direct", "3"] for line in lines)
    assert any(line.split() == ["indirect", "7"] for line in lines)
    assert any(line.split() == ["mixed", "2"] for line in lines)
    assert any(line.split()[:2] == ["leonid_volkov", "4"] for line in lines)


# --- round trip through datasets ----------------------------------------------


def test_round_trip_jsonl_objects_dataset_jsonl_is_identical():
    raw = GOLD.read_text(encoding="utf-8")
    gold = load_gold(GOLD)
    dataset = to_dataset(gold)
    assert len(dataset) == 1
    assert set(dataset.features) == {"doc_id", "source", "text", "entities", "quotes", "cast"}
    assert dataset.features["quotes"].feature["start"].dtype == "int32"
    back = from_dataset(dataset)
    assert "".join(document_line(d) + "\n" for d in back) == raw


def test_round_trip_keeps_nulls_and_fragments(tmp_path):
    doc = {
        "doc_id": "frag",
        "source": "inline",
        "text": "“You should go,” he said, “and teach.” Nobody answered.",
        "entities": [{"id": "he", "name": "He", "kind": "person", "aliases": [], "mentions": [{"start": 17, "end": 19}]}],
        "quotes": [
            {"id": "q1", "start": 1, "end": 36, "type": "direct", "speaker": "he",
             "speaker_mention": {"start": 17, "end": 19}, "cue": None,
             "fragments": [{"start": 1, "end": 14}, {"start": 27, "end": 36}]},
            {"id": "q2", "start": 39, "end": 54, "type": "indirect", "speaker": None, "speaker_mention": None, "cue": None},
        ],
    }
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    gold = load_gold(path)
    assert gold.documents[0].quotes[0].fragments[1].start == 27
    back = from_dataset(to_dataset(gold))
    assert document_line(back[0]) + "\n" == path.read_text(encoding="utf-8")


# --- validation: one test per kind of corruption --------------------------------


@pytest.fixture()
def gold_copy(tmp_path):
    """A copy of the gold set beside a copy of its seed, and its document."""
    (tmp_path / "gold").mkdir()
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEED, tmp_path / "seeds" / SEED.name)
    target = tmp_path / "gold" / "gold.jsonl"
    shutil.copy(GOLD, target)
    return target, json.loads(GOLD.read_text(encoding="utf-8"))


def write(path: Path, *docs) -> None:
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")


def quote(doc, qid):
    return next(q for q in doc["quotes"] if q["id"] == qid)


def entity(doc, eid):
    return next(e for e in doc["entities"] if e["id"] == eid)


def corrupt_text(doc):
    doc["text"] = doc["text"].replace("Volkov added", "Volkov adds.", 1)


def corrupt_out_of_range(doc):
    quote(doc, "q12")["end"] = len(doc["text"]) + 5


def corrupt_reversed(doc):
    q = quote(doc, "q07")
    q["start"], q["end"] = q["end"], q["start"]


def corrupt_empty(doc):
    quote(doc, "q01")["cue"] = {"start": 160, "end": 160}


def corrupt_fragment(doc):
    q = quote(doc, "q09")
    q["fragments"] = [{"start": q["start"], "end": q["start"] + 10}, {"start": q["end"] - 5, "end": q["end"] + 20}]


def corrupt_unknown_speaker(doc):
    quote(doc, "q12")["speaker"] = "vadim_prokorov"


def corrupt_duplicate_quote_id(doc):
    quote(doc, "q02")["id"] = "q01"


def corrupt_duplicate_entity_id(doc):
    entity(doc, "meduza")["id"] = "kremlin"


def corrupt_mention_not_listed(doc):
    quote(doc, "q09")["speaker_mention"] = {"start": 1849, "end": 1854}  # "Putin", not Volkov


def corrupt_direct_not_enclosed(doc):
    quote(doc, "q11")["type"] = "direct"


def corrupt_bad_kind(doc):
    entity(doc, "meduza")["kind"] = "newspaper"


def corrupt_string_offset(doc):
    quote(doc, "q03")["start"] = "677"


CORRUPTIONS = [
    (corrupt_text, "text", "differs from source file"),
    (corrupt_out_of_range, "quotes[11](q12)", "out of range"),
    (corrupt_reversed, "quotes[6](q07)", "is after end"),
    (corrupt_empty, "quotes[0](q01).cue", "empty span"),
    (corrupt_fragment, "quotes[8](q09).fragments[1]", "outside the quote's span"),
    (corrupt_unknown_speaker, "quotes[11](q12).speaker", "unknown entity id 'vadim_prokorov'"),
    (corrupt_duplicate_quote_id, "quotes[1](q01).id", "duplicate quote id"),
    (corrupt_duplicate_entity_id, "entities[3].id", "duplicate entity id"),
    (corrupt_mention_not_listed, "quotes[8](q09).speaker_mention", "not among the mentions of 'leonid_volkov'"),
    # typography's sentence, whatever its wording (the rule is stated there)
    (corrupt_direct_not_enclosed, "quotes[10](q11).start", lambda doc: direct_quote_problem(doc["text"], [(quote(doc, "q11")["start"], quote(doc, "q11")["end"])])[1]),
    (corrupt_bad_kind, "entities[3].kind", "'newspaper' is not one of"),
    (corrupt_string_offset, "quotes[2](q03).start", "must be an integer"),
]


@pytest.mark.parametrize("corrupt,field,problem", CORRUPTIONS, ids=[c[0].__name__ for c in CORRUPTIONS])
def test_each_corruption_exits_2_naming_file_line_field(gold_copy, corrupt, field, problem):
    path, doc = gold_copy
    corrupt(doc)
    write(path, doc)
    if callable(problem):
        problem = problem(doc)
    result = run_cli("gold", "validate", str(path), cwd=path.parent.parent)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert any(line.startswith(f"error: {path}:1: {field}: ") and problem in line for line in errors), result.stderr


def test_bad_json_names_its_line(gold_copy):
    path, doc = gold_copy
    path.write_text(json.dumps(doc, ensure_ascii=False) + "\n{\"doc_id\": \"x\",\n", encoding="utf-8")
    result = run_cli("gold", "validate", str(path), cwd=path.parent.parent)
    assert result.returncode == 2
    assert f"{path}:2: json: not valid JSON" in result.stderr


def test_duplicate_doc_id_names_the_second_line(gold_copy):
    path, doc = gold_copy
    write(path, doc, doc)
    result = run_cli("gold", "validate", str(path), cwd=path.parent.parent)
    assert result.returncode == 2
    assert f"{path}:2: doc_id: duplicate doc_id '000_d7ba2f87e3eeb8fb' (first on line 1)" in result.stderr


def test_all_problems_of_a_file_are_listed_not_just_the_first(gold_copy):
    path, doc = gold_copy
    corrupt_unknown_speaker(doc)
    corrupt_reversed(doc)
    corrupt_bad_kind(doc)
    write(path, doc)
    report = validate_gold(path)
    fields = sorted(e.field for e in report.errors)
    assert fields == ["entities[3].kind", "quotes[11](q12).speaker", "quotes[6](q07)"]


def test_overlapping_quotes_are_warnings_not_errors(gold_copy):
    path, _ = gold_copy
    result = run_cli("gold", "validate", str(path), cwd=path.parent.parent)
    assert result.returncode == 0
    assert "quotes(q04,q05): quotes overlap (862-987 and 939-987)" in result.stderr


def test_missing_file_and_folder_exit_2(tmp_path):
    missing = run_cli("gold", "validate", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "nope.jsonl:0: file: no such file" in missing.stderr
    folder = run_cli("gold", "validate", str(tmp_path))
    assert folder.returncode == 2 and "is a folder" in folder.stderr


def test_a_text_holding_line_separators_round_trips_through_write_and_load(tmp_path):
    """JSON keeps U+2028, U+0085 and form feeds raw inside strings: lines are
    split on "\\n" only, so such a text neither breaks its line nor the next."""
    from benchmark.gold import Document, Entity, Quote, Span, write_gold

    text = "Page one\u2028“Hello there,” Ann said.\x0c\u0085The end."
    start = text.index("Hello")
    doc = Document("sep", "inline", text, [Entity("ann", "Ann", "person", ["Ann"], [Span(text.index("Ann"), text.index("Ann") + 3)])],
                   [Quote("q1", start, start + len("Hello there"), "direct", "ann", Span(text.index("Ann"), text.index("Ann") + 3), None)])
    path = tmp_path / "sep.jsonl"
    write_gold([doc, Document("plain", "inline", "Nothing said.", [], [])], path)
    gold = load_gold(path)
    assert [d.doc_id for d in gold.documents] == ["sep", "plain"]
    assert gold.documents[0].text == text and gold.documents[0].quotes[0].start == start
    merged = tmp_path / "merged.jsonl"
    result = run_cli("gold", "merge", str(path), "--out", str(merged), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert load_gold(merged).documents[0].text == text


# --- sources that cannot be found ---------------------------------------------


def _gold_with_missing_sources(folder: Path) -> Path:
    """A gold file in folder/gold/ whose first three documents name seed files
    that do not exist, whose fourth and fifth name URIs and whose sixth a task
    of a Label Studio export (none of them looked for)."""
    text = "“Hi,” Ann said."
    docs = []
    for name, source in (("a", "seeds/a.txt"), ("b", "seeds/b.txt"), ("c", "elsewhere/c.txt"), ("d", "https://example.org/d"), ("e", "pdnc:Emma"),
                         ("f", "export.json#task=7")):
        docs.append({
            "doc_id": name, "source": source, "text": text,
            "entities": [{"id": "ann", "name": "Ann", "kind": "person", "aliases": ["Ann"], "mentions": [{"start": 6, "end": 9}]}],
            "quotes": [{"id": "q1", "start": 1, "end": 3, "type": "direct", "speaker": "ann",
                        "speaker_mention": {"start": 6, "end": 9}, "cue": {"start": 10, "end": 14}}],
        })
    (folder / "gold").mkdir()
    path = folder / "gold" / "g.jsonl"
    write(path, *docs)
    return path


def test_sources_not_found_give_one_warning_per_file_naming_the_paths_tried(tmp_path):
    path = _gold_with_missing_sources(tmp_path)
    elsewhere = tmp_path / "run"
    elsewhere.mkdir()
    result = run_cli("gold", "validate", str(path), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    tried = ", ".join(str(p) for p in (elsewhere / "seeds/a.txt", tmp_path / "gold/seeds/a.txt", tmp_path / "seeds/a.txt"))
    assert result.stderr.splitlines() == [
        f"warning: {path}:1: source: 'seeds/a.txt' not found (tried {tried}); its text was not checked; "
        "nor were the texts of 2 more documents whose source was not found"
    ]

    strict = run_cli("gold", "validate", "--strict", str(path), cwd=elsewhere)
    assert strict.returncode == 2
    assert strict.stderr.splitlines() == [line.replace("warning: ", "error: ", 1) for line in result.stderr.splitlines()]


def test_load_gold_and_score_say_it_once(tmp_path):
    from benchmark.gold import MissingSourceWarning

    path = _gold_with_missing_sources(tmp_path)
    with pytest.warns(MissingSourceWarning) as record:
        load_gold(path)
    assert len(record) == 1 and "'seeds/a.txt' not found" in str(record[0].message)

    predictions = tmp_path / "pred.jsonl"
    predictions.write_text("".join(json.dumps({"doc_id": d, "quote_id": "q1", "speaker": "Ann"}) + "\n" for d in "abcde"))
    result = run_cli("score", str(predictions), "--name", "m", "--gold", str(path), "--no-leaderboard", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("'seeds/a.txt' not found") == 1
    assert "nor were the texts of 2 more documents" in result.stderr


def test_writing_gold_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    import os
    import stat

    from benchmark.gold import write_gold, write_valid_gold

    doc = load_gold(GOLD).documents[0]
    doc.source = "pdnc:seed"  # no seed beside the copy
    target = tmp_path / "g.jsonl"
    write_gold([doc], target)
    os.chmod(target, 0o640)
    write_gold([doc], target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    os.chmod(target, 0o604)
    write_valid_gold([doc], target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o604
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.jsonl"]  # no temporary file left
    fresh = tmp_path / "new.jsonl"
    write_valid_gold([doc], fresh)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
