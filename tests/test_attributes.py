"""Per-quote ``attributes``: validated with precise messages, kept exactly
through loading, ``to_json``, ``write_gold`` and the ``datasets`` round trip."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.gold import Document, Entity, Quote, Span, document_line, from_dataset, load_gold, to_dataset, validate_gold, write_gold

ROOT = Path(__file__).resolve().parent.parent
TEXT = "“Come in,” said Emma. “No,” said Harriet. Emma thought that Harriet was right."


def _document(*attribute_sets) -> Document:
    emma, harriet = TEXT.index("Emma"), TEXT.index("Harriet")
    quotes = [
        Quote("q1", 1, 8, "direct", "emma", Span(emma, emma + 4), None, None, attribute_sets[0]),
        Quote("q2", TEXT.index("No"), TEXT.index("No") + 2, "direct", "harriet", Span(harriet, harriet + 7), None, None, attribute_sets[1]),
        Quote("q3", TEXT.index("that") + 5, len(TEXT) - 1, "indirect", "emma", None, None, None, attribute_sets[2]),
    ]
    entities = [
        Entity("emma", "Emma", "person", ["Emma"], [Span(emma, emma + 4), Span(TEXT.rindex("Emma"), TEXT.rindex("Emma") + 4)]),
        Entity("harriet", "Harriet", "person", ["Harriet"], [Span(harriet, harriet + 7)]),
    ]
    return Document("emma", "inline", TEXT, entities, quotes)


ATTRIBUTES = (
    {"quote_type": "Explicit", "addressees": ["Harriet", "Mr. Knightley"], "chapter": 3, "confidence": 0.25,
     "checked": True, "note": None, "ünïcode kéy": "“curly”"},
    None,
    {},
)


def test_attributes_are_kept_through_write_load_and_to_json(tmp_path):
    doc = _document(*ATTRIBUTES)
    path = tmp_path / "g.jsonl"
    write_gold([doc], path)
    line = json.loads(path.read_text(encoding="utf-8"))
    assert line["quotes"][0]["attributes"] == ATTRIBUTES[0]
    assert "attributes" not in line["quotes"][1]  # absent stays absent
    assert line["quotes"][2]["attributes"] == {}  # empty stays empty
    back = load_gold(path, check_source=False).documents[0]
    assert back == doc
    assert [q.attributes for q in back.quotes] == list(ATTRIBUTES)
    assert type(back.quotes[0].attributes["chapter"]) is int and type(back.quotes[0].attributes["confidence"]) is float
    assert document_line(back) + "\n" == path.read_text(encoding="utf-8")


def test_dataset_round_trip_gives_back_exactly_the_same_documents(tmp_path):
    doc = _document(*ATTRIBUTES)
    other = _document({"quote_type": "Implicit", "addressees": []}, {"n": -7, "flag": False}, None)
    other.doc_id = "emma2"
    path = tmp_path / "g.jsonl"
    write_gold([doc, other], path)
    gold = load_gold(path, check_source=False)
    dataset = to_dataset(gold)
    assert dataset.features["quotes"].feature["attributes"].dtype == "string"
    back = from_dataset(dataset)
    assert back == [doc, other]
    assert [q.attributes for d in back for q in d.quotes] == [*ATTRIBUTES, {"quote_type": "Implicit", "addressees": []}, {"n": -7, "flag": False}, None]
    assert "".join(document_line(d) + "\n" for d in back) == path.read_text(encoding="utf-8")


def _raw_line(attributes_json: str) -> str:
    """One document whose first quote's attributes are the given JSON text."""
    obj = _document(None, None, None).to_json()
    line = json.dumps(obj, ensure_ascii=False)
    marker = '"speaker": "emma", "speaker_mention": {"start": 16, "end": 20}, "cue": null'
    assert marker in line
    return line.replace(marker, marker + ', "attributes": ' + attributes_json, 1) + "\n"


BAD = [
    ('["Implicit"]', "quotes[0](q1).attributes", "must be an object of named values, got list"),
    ('"Implicit"', "quotes[0](q1).attributes", "must be an object of named values, got str"),
    ('{"": 1}', "quotes[0](q1).attributes", "attribute names must be non-empty strings, got ''"),
    ('{"speaker": {"name": "Emma"}}', "quotes[0](q1).attributes.speaker", "must be a string, number, boolean, null or list of strings, got dict"),
    ('{"addressees": ["Harriet", 2, null]}', "quotes[0](q1).attributes.addressees[1]", "must be a string, got int"),
    ('{"addressees": ["Harriet", 2, null]}', "quotes[0](q1).attributes.addressees[2]", "must be a string, got NoneType"),
    ('{"addressees": [["Harriet"]]}', "quotes[0](q1).attributes.addressees[0]", "must be a string, got list"),
    ('{"score": NaN}', "quotes[0](q1).attributes.score", "must be a finite number, got nan"),
    ('{"score": Infinity}', "quotes[0](q1).attributes.score", "must be a finite number, got inf"),
]


@pytest.mark.parametrize("attributes,field,problem", BAD, ids=[f"{b[0]}->{b[1]}" for b in BAD])
def test_bad_attributes_are_refused_with_a_precise_message(tmp_path, attributes, field, problem):
    path = tmp_path / "g.jsonl"
    path.write_text(_raw_line(attributes), encoding="utf-8")
    report = validate_gold(path, check_source=False)
    assert f"{path}:1: {field}: {problem}" in [str(e) for e in report.errors]


def test_the_command_line_exits_2_naming_the_attribute(tmp_path):
    attributes, field, problem = BAD[4]
    path = tmp_path / "g.jsonl"
    path.write_text(_raw_line(attributes), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "benchmark", "gold", "validate", str(path)], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"error: {path}:1: {field}: {problem}" in result.stderr.splitlines()


def test_null_attributes_are_the_same_as_none(tmp_path):
    path = tmp_path / "g.jsonl"
    path.write_text(_raw_line("null"), encoding="utf-8")
    quote = load_gold(path, check_source=False).documents[0].quotes[0]
    assert quote.attributes is None and "attributes" not in quote.to_json()


def test_stats_count_quotes_by_attribute_value(tmp_path):
    from benchmark.gold import GoldSet, format_stats, gold_stats

    docs = [_document(*ATTRIBUTES), _document({"quote_type": "Implicit", "chapter": 3}, {"quote_type": "Explicit"}, None)]
    docs[1].doc_id = "emma2"
    stats = gold_stats(GoldSet(docs))
    assert stats["by_attribute"] == {
        "addressees": {"<list>": 1},
        "chapter": {"3": 2},
        "checked": {"true": 1},
        "confidence": {"0.25": 1},
        "note": {"null": 1},
        "quote_type": {"Explicit": 2, "Implicit": 1},
        "ünïcode kéy": {"“curly”": 1},
    }
    lines = format_stats(GoldSet(docs)).splitlines()
    at = lines.index("by attribute quote_type (3 quotes)")
    assert [line.split() for line in lines[at + 1:at + 3]] == [["Explicit", "2"], ["Implicit", "1"]]
