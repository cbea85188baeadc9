"""The gold checker's two paths agree: random corruptions of real documents
are accepted and refused alike, with the same messages, by the fast path
(``_Checker.clean_document`` then ``accept``) and by the field-by-field
definition (``_Checker.document``) alone."""

from __future__ import annotations

import copy
import json
import random
import shutil
from pathlib import Path

import pytest

from benchmark import gold as gold_module
from benchmark.gold import _Checker, validate_gold

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "gold" / "gold.jsonl"
SEED = ROOT / "seeds" / "000_d7ba2f87e3eeb8fb.txt"

# A document with what the committed one lacks: fragments, nested and
# overlapping quotes, attributes, a null speaker, a mixed quote, straight marks.
FICTION_TEXT = (
    "“You should go,” he said, “and teach.” Nobody answered.\n\n"
    "Ann wrote: \"I shall 'never' come back,\" and she meant it.\n\n"
    "She said it was ‘over’ for good."
)


def _fiction() -> dict:
    t = FICTION_TEXT
    he = t.index("he said")
    ann = t.index("Ann")
    shall = t.index("I shall")
    never = t.index("never")
    over = t.index("it was")
    return {
        "doc_id": "fiction",
        "source": "inline",
        "text": t,
        "entities": [
            {"id": "he", "name": "He", "kind": "person", "aliases": ["he"], "mentions": [{"start": he, "end": he + 2}]},
            {"id": "ann", "name": "Ann", "kind": "person", "aliases": ["Ann", "she"],
             "mentions": [{"start": ann, "end": ann + 3}, {"start": t.index("She"), "end": t.index("She") + 3}]},
        ],
        "quotes": [
            {"id": "q1", "start": 1, "end": 36, "type": "direct", "speaker": "he",
             "speaker_mention": {"start": he, "end": he + 2}, "cue": {"start": he + 3, "end": he + 7},
             "fragments": [{"start": 1, "end": 14}, {"start": 27, "end": 36}],
             "attributes": {"quote_type": "Explicit", "addressees": ["Ann"], "confidence": 0.5, "checked": True, "note": None}},
            {"id": "q2", "start": shall, "end": t.index(",\" and"), "type": "direct", "speaker": "ann",
             "speaker_mention": {"start": ann, "end": ann + 3}, "cue": {"start": ann + 4, "end": ann + 9},
             "attributes": {"quote_type": "Anaphoric"}},
            {"id": "q3", "start": never, "end": never + 5, "type": "direct", "speaker": None, "speaker_mention": None, "cue": None},
            {"id": "q4", "start": over, "end": over + 14, "type": "mixed", "speaker": "ann", "speaker_mention": None, "cue": None},
        ],
    }


# Fiction's own typography (issue 12): a quotation continued over a paragraph
# without a closing mark, and one interrupted by a stage direction.
NOVEL_TEXT = (
    "“I went to the town,” said Jo, “and saw nobody there.\n\n"
    "“Nobody at all, till the evening.”\n\n"
    "\"Yes--(rather hesitatingly)--I believe I do.\"\n"
)


def _novel() -> dict:
    t = NOVEL_TEXT
    jo = t.index("Jo")
    first, second, third = t.index("I went"), t.index("and saw"), t.index("Nobody at")
    yes, believe = t.index("Yes"), t.index("I believe")
    return {
        "doc_id": "novel",
        "source": "pdnc:Novel",
        "text": t,
        "entities": [{"id": "jo", "name": "Jo", "kind": "person", "aliases": ["Jo"], "mentions": [{"start": jo, "end": jo + 2}]}],
        "quotes": [
            {"id": "q1", "start": first, "end": t.index("evening") + 7, "type": "direct", "speaker": "jo",
             "speaker_mention": {"start": jo, "end": jo + 2}, "cue": {"start": jo - 5, "end": jo - 1},
             "fragments": [{"start": first, "end": first + len("I went to the town")},
                           {"start": second, "end": t.index("there") + 6},
                           {"start": third, "end": t.index("evening") + 7}],
             "attributes": {"quote_type": "Explicit"}},
            {"id": "q2", "start": yes, "end": t.index("I do") + 5, "type": "direct", "speaker": "jo",
             "speaker_mention": None, "cue": None,
             "fragments": [{"start": yes, "end": yes + 3}, {"start": believe, "end": t.index("I do") + 5}],
             "attributes": {"quote_type": "Implicit", "addressees": []}},
        ],
    }


# Values that a corruption puts in place of another: every JSON type, edge
# offsets, names that exist elsewhere in the documents.
REPLACEMENTS = [
    None, True, False, 0, 1, -1, 2, 1.0, 1.5, 2**70, "", " ", "x", "q01", "q1", "he", "kremlin", "leonid_volkov",
    "direct", "indirect", "mixed", "person", "newspaper", [], [1], ["a"], {}, {"start": 1}, {"start": 1, "end": 3},
    {"start": 5, "end": 2}, {"a": 1}, {"": 1}, {"k": [1, "a"]}, {"k": {"x": 1}},
]


def _paths(obj, prefix=()):
    """Every (path, value) in a JSON tree, the root excluded."""
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, list):
        items = enumerate(obj)
    else:
        return
    for key, value in items:
        yield prefix + (key,), value
        yield from _paths(value, prefix + (key,))


def _parent(doc, path):
    for key in path[:-1]:
        doc = doc[key]
    return doc


def corrupt(rng: random.Random, doc: dict) -> dict:
    """One to three random changes to a copy of ``doc``."""
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        paths = [p for p, _ in _paths(doc)]
        if not paths:
            break
        path = rng.choice(paths)
        parent, key = _parent(doc, path), path[-1]
        value = parent[key]
        action = rng.random()
        if isinstance(value, int) and not isinstance(value, bool) and action < 0.45:
            parent[key] = value + rng.choice((-2, -1, 1, 2))  # an offset off by a little
        elif action < 0.6 and isinstance(parent, dict):
            del parent[key]
        elif action < 0.7 and isinstance(parent, list):
            parent.insert(rng.randrange(len(parent) + 1), copy.deepcopy(value))  # a duplicate
        elif action < 0.75 and isinstance(parent, list) and len(parent) > 1:
            i, j = rng.sample(range(len(parent)), 2)
            parent[i], parent[j] = parent[j], parent[i]
        elif action < 0.8 and isinstance(value, dict):
            value[rng.choice(("attributes", "extra", "fragments", "speaker"))] = copy.deepcopy(rng.choice(REPLACEMENTS))
        else:
            parent[key] = copy.deepcopy(rng.choice(REPLACEMENTS))
    return doc


@pytest.fixture(scope="module")
def bases() -> list[dict]:
    return [json.loads(GOLD.read_text(encoding="utf-8")), _fiction(), _novel()]


def _report(path: Path, fast: bool):
    if fast:
        return validate_gold(path)
    original = _Checker.clean_document
    _Checker.clean_document = lambda self, obj: None  # every line takes the field-by-field path
    try:
        return validate_gold(path)
    finally:
        _Checker.clean_document = original


def test_the_uncorrupted_documents_take_the_fast_path(bases):
    checker = _Checker("<memory>", ROOT / "gold", check_source=False)
    for doc in bases:
        built = checker.clean_document(doc)
        assert built is not None, doc["doc_id"]
        assert built == _Checker("<memory>", ROOT / "gold", check_source=False).document(1, doc)


@pytest.mark.parametrize("seed", range(4))
def test_both_paths_accept_and_refuse_alike_with_the_same_messages(tmp_path, bases, seed):
    (tmp_path / "gold").mkdir()
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEED, tmp_path / "seeds" / SEED.name)
    rng = random.Random(seed)
    lines = []
    for i in range(150):
        doc = corrupt(rng, rng.choice(bases))
        lines.append(json.dumps(doc, ensure_ascii=False))
    path = tmp_path / "gold" / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    fast, slow = _report(path, fast=True), _report(path, fast=False)
    assert [str(e) for e in fast.errors] == [str(e) for e in slow.errors]
    assert [str(w) for w in fast.warnings] == [str(w) for w in slow.warnings]

    # Line by line too, without the cross-line checks (duplicate doc ids,
    # entity names): the fast path's document is the definition's.
    n_fast = n_refused = 0
    for line_no, line in enumerate(lines, start=1):
        obj = json.loads(line)
        quick, careful = _Checker(str(path), path.parent, True), _Checker(str(path), path.parent, True)
        built = quick.clean_document(obj)
        defined = careful.document(line_no, obj)
        if built is not None:
            n_fast += 1
            assert quick.accept(line_no, obj, built) == defined, line
            assert (quick.errors, [str(w) for w in quick.warnings]) == (careful.errors, [str(w) for w in careful.warnings])
        n_refused += defined is None
    # The corruptions exercise both outcomes.
    assert n_fast >= 15 and n_refused >= 30, (n_fast, n_refused)


def test_a_refused_document_names_each_problem_once_in_both_paths(tmp_path, bases):
    """A hand-made case of each shared rule, through the whole validator."""
    doc = copy.deepcopy(bases[1])
    q1, q2 = doc["quotes"][0], doc["quotes"][1]
    q1["fragments"].reverse()                      # fragment order
    q2["start"] = doc["text"].index("she meant")  # typography: narration, no quoted word
    q2["end"] = q2["start"] + len("she meant")
    doc["quotes"][2]["cue"] = {"start": 0, "end": len(doc["text"]) + 1}  # span bounds
    doc["quotes"][3]["attributes"] = {"addressees": ["Ann", 3]}          # attributes
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    fast, slow = _report(path, fast=True), _report(path, fast=False)
    fields = [e.field for e in fast.errors]
    assert [str(e) for e in fast.errors] == [str(e) for e in slow.errors]
    assert fields == [
        "quotes[0](q1).fragments[1]",
        "quotes[0](q1).fragments",
        f"quotes[1](q2).{gold_module.direct_quote_problem(doc['text'], [(q2['start'], q2['end'])])[0]}",
        "quotes[2](q3).cue",
        "quotes[3](q4).attributes.addressees[1]",
    ]


def test_a_quote_holding_many_others_names_three_and_counts_the_rest(tmp_path):
    words = " ".join(f"“w{i}”" for i in range(6))
    text = f"“A letter: {words} end.”"
    quotes = [{"id": "letter", "start": 1, "end": len(text) - 1, "type": "direct", "speaker": None, "speaker_mention": None, "cue": None}]
    for i in range(6):
        start = text.index(f"w{i}")
        quotes.append({"id": f"w{i}", "start": start, "end": start + 2, "type": "direct", "speaker": None, "speaker_mention": None, "cue": None})
    path = tmp_path / "g.jsonl"
    path.write_text(json.dumps({"doc_id": "d", "source": "pdnc:d", "text": text, "entities": [], "quotes": quotes}, ensure_ascii=False) + "\n", encoding="utf-8")
    for report in (_report(path, fast=True), _report(path, fast=False)):
        assert not report.errors
        assert [(w.field, w.problem) for w in report.warnings] == [
            ("quotes(letter,w0)", "quotes overlap (1-45 and 12-14)"),
            ("quotes(letter,w1)", "quotes overlap (1-45 and 17-19)"),
            ("quotes(letter,w2)", "quotes overlap (1-45 and 22-24)"),
            ("quotes(letter)", "quote 1-45 also overlaps 3 more quotes that begin inside it"),
        ]
