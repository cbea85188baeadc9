"""Synthetic gold files, prediction files and score results for the tests of
recording, the leaderboard, the report, compare and submit."""

from __future__ import annotations

import json
import random
from pathlib import Path

SIGNATURE = "gold=0123456789ab|track=attribution|speaker=entity|version=0.1.0"
PEOPLE = [
    ("ana_lima", "Ana Lima"),
    ("ben_okafor", "Ben Okafor"),
    ("chen_wei", "Chen Wei"),
    ("dara_ruiz", "Dara Ruiz"),
    ("eli_novak", "Eli Novak"),
]


def write_gold_file(path: Path, n_docs: int, quotes_per_doc: int, seed: int = 0) -> list[dict]:
    """A valid gold file of direct quotes ("Ana Lima said: “…”. "), each by a
    person drawn with a fixed seed; returns the documents."""
    rng = random.Random(seed)
    docs = []
    for d in range(n_docs):
        text, mentions, quotes = "", {eid: [] for eid, _ in PEOPLE}, []
        for q in range(quotes_per_doc):
            eid, name = PEOPLE[rng.randrange(len(PEOPLE))]
            mention = {"start": len(text), "end": len(text) + len(name)}
            text += name + " said: “"
            start = len(text)
            text += f"Statement {q} of document {d} is on the record"
            quotes.append({"id": f"q{q:03d}", "start": start, "end": len(text), "type": "direct", "speaker": eid,
                           "speaker_mention": mention, "cue": None})
            mentions[eid].append(mention)
            text += "”.\n"
        entities = [{"id": eid, "name": name, "kind": "person", "aliases": [name, name.split()[-1]], "mentions": mentions[eid]}
                    for eid, name in PEOPLE if mentions[eid]]
        docs.append({"doc_id": f"doc{d:03d}", "source": "synthetic://quotebench-tests", "text": text, "entities": entities, "quotes": quotes})
    path.write_text("".join(json.dumps(doc, ensure_ascii=False) + "\n" for doc in docs), encoding="utf-8")
    return docs


def write_attribution_predictions(path: Path, docs: list[dict], accuracy: float = 1.0, seed: int = 0) -> int:
    """Attribution rows naming the gold speaker with probability ``accuracy``,
    else another person; returns how many are right."""
    rng = random.Random(seed)
    names = dict(PEOPLE)
    right = 0
    with open(path, "w", encoding="utf-8") as fh:
        for doc in docs:
            for q in doc["quotes"]:
                if rng.random() < accuracy:
                    speaker, right = names[q["speaker"]], right + 1
                else:
                    speaker = rng.choice([n for eid, n in PEOPLE if eid != q["speaker"]])
                fh.write(json.dumps({"doc_id": doc["doc_id"], "quote_id": q["id"], "speaker": speaker}) + "\n")
    return right


def f1_of(tp: int, predicted: int, gold: int) -> float:
    return 2 * tp / (predicted + gold) if predicted + gold else 0.0


def make_result(model: str, units: list[tuple[int, int, int]], *, signature: str = SIGNATURE, track: str = "attribution",
                benchmark_version: str = "0.1.0", unit: str = "quote") -> dict:
    """A score result of the COMMON.md shape whose counts come from ``units``
    (tp, predicted, gold), one gold quote per unit by the speaker ana_lima."""
    tp, predicted, gold = (sum(u[i] for u in units) for i in range(3))
    precision, recall = (tp / predicted if predicted else 0.0), (tp / gold if gold else 0.0)
    f1 = f1_of(tp, predicted, gold)
    ratios = {"precision": precision, "recall": recall, "f1": f1}
    return {
        "model": model, "track": track, "signature": signature,
        "gold_sha256": signature.split("|")[0].removeprefix("gold=") + "0" * 52, "benchmark_version": benchmark_version,
        "settings": {"match": "overlap", "min_overlap": 0.5, "speaker_match": "entity", "n_bootstrap": 1000, "seed": 0},
        "n_documents": 1, "n_gold": len(units), "n_gold_with_speaker": gold, "n_predicted": predicted, "n_abstained": 0,
        "micro": {**ratios, "tp": tp, "predicted": predicted, "gold": gold},
        "macro": {"precision": precision / 2, "recall": recall / 2, "f1": f1 / 2},
        "per_speaker": [
            {"speaker": "ana_lima", "name": "Ana Lima", **ratios, "tp": tp, "predicted": predicted, "gold": gold},
            {"speaker": "<unresolved>", "name": None, "precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "predicted": 0, "gold": 0},
        ],
        "ci": {"level": 0.95, "n_bootstrap": 1000, "seed": 0, "unit": unit,
               "precision": [precision * 0.9, min(1.0, precision * 1.1)], "recall": [recall * 0.9, min(1.0, recall * 1.1)],
               "f1": [f1 * 0.9, min(1.0, f1 * 1.1)]},
        "detection": None,
        "recall_by_type": {"direct": {"recall": recall, "tp": tp, "gold": gold}},
        "units": [{"unit": f"q{i:03d}", "tp": u[0], "predicted": u[1], "gold": u[2]} for i, u in enumerate(units)],
        "quotes": [{"doc_id": "doc000", "quote_id": f"q{i:03d}", "type": "direct", "gold_speaker": "ana_lima",
                    "predicted_speaker": "Ana Lima" if u[0] else ("Ben Okafor" if u[1] else None),
                    "resolved_speaker": "ana_lima" if u[0] else ("ben_okafor" if u[1] else None),
                    "matched": bool(u[1]), "correct": bool(u[0])} for i, u in enumerate(units)],
    }


def units_with(right: int, wrong: int, abstained: int = 0) -> list[tuple[int, int, int]]:
    return [(1, 1, 1)] * right + [(0, 1, 1)] * wrong + [(0, 0, 1)] * abstained
