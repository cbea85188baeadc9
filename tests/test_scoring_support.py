"""Small gold sets and submissions for the scorer's tests, written to real
files, plus a check that what they build is a valid gold set.

The main document (:func:`volkov_document`) reads, with the labels used by
the tests in brackets:

    “The Kremlin is lying,[q1]” Leonid Volkov[volkov] said. He[he] added that
    the vote was rigged[q2]. “We will win,[q3]” said President Vladimir
    Putin[putin]. Maria Pevchikh[pevchikh] said the results were fake[q4].

Gold speakers: q1 and q2 Leonid Volkov (q2 through the pronoun "He"), q3
Vladimir Putin, q4 Maria Pevchikh.  Four gold quotes, all with a speaker.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmark.gold import Document, Entity, GoldSet, Quote, Span, load_gold, write_gold
from benchmark.scoring import score
from benchmark.submission import read_predictions


class TextBuilder:
    """Builds a text piece by piece and remembers the span of labelled pieces."""

    def __init__(self) -> None:
        self.text = ""
        self.spans: dict[str, Span] = {}

    def add(self, piece: str, label: str | None = None) -> "TextBuilder":
        start = len(self.text)
        self.text += piece
        if label is not None:
            self.spans[label] = Span(start, len(self.text))
        return self


def volkov_document(doc_id: str = "volkov") -> tuple[Document, dict[str, Span]]:
    t = TextBuilder()
    t.add("“").add("The Kremlin is lying,", "q1").add("” ").add("Leonid Volkov", "volkov").add(" said. ")
    t.add("He", "he").add(" added that ").add("the vote was rigged", "q2").add(". ")
    t.add("“").add("We will win,", "q3").add("” said President ").add("Vladimir Putin", "putin").add(". ")
    t.add("Maria Pevchikh", "pevchikh").add(" said ").add("the results were fake", "q4").add(".")
    s = t.spans
    entities = [
        Entity("leonid_volkov", "Leonid Volkov", "person", ["Leonid Volkov", "Volkov"], [s["volkov"], s["he"]]),
        Entity("vladimir_putin", "Vladimir Putin", "person", ["Vladimir Putin", "Putin"], [s["putin"]]),
        Entity("maria_pevchikh", "Maria Pevchikh", "person", ["Maria Pevchikh", "Pevchikh"], [s["pevchikh"]]),
    ]
    quotes = [
        quote("q1", s["q1"], "direct", "leonid_volkov", s["volkov"]),
        quote("q2", s["q2"], "indirect", "leonid_volkov", s["he"]),
        quote("q3", s["q3"], "direct", "vladimir_putin", s["putin"]),
        quote("q4", s["q4"], "indirect", "maria_pevchikh", s["pevchikh"]),
    ]
    return Document(doc_id, f"test://{doc_id}.txt", t.text, entities, quotes), s


def quote(qid: str, span: Span, qtype: str, speaker: str | None, mention: Span | None = None, **kw: Any) -> Quote:
    return Quote(qid, span.start, span.end, qtype, speaker, mention, None, **kw)


def save_gold(documents: list[Document], folder: Path) -> tuple[Path, GoldSet]:
    path = folder / "gold.jsonl"
    write_gold(documents, path)
    return path, load_gold(path)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return path


def score_rows(gold: GoldSet, folder: Path, rows: list[dict[str, Any]], *, track: str | None = None, **settings: Any) -> dict:
    """Write rows as a submission file, read it back and score it."""
    path = write_jsonl(folder / "pred.jsonl", rows)
    settings.setdefault("n_bootstrap", 200)
    return score(gold, read_predictions(path, gold, track), model="m", **settings)


def e2e(doc_id: str, span: Span, speaker: str | None, mention: Span | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"doc_id": doc_id, "start": span.start, "end": span.end, "speaker": speaker}
    if mention is not None:
        row.update(speaker_start=mention.start, speaker_end=mention.end)
    return row


def speaker_row(result: dict, speaker: str) -> dict:
    return next(r for r in result["per_speaker"] if r["speaker"] == speaker)


def counts(block: dict) -> tuple:
    return (block["tp"], block["predicted"], block["gold"])


def test_the_documents_built_here_are_valid_gold(tmp_path: Path) -> None:
    document, spans = volkov_document()
    _, gold = save_gold([document], tmp_path)
    assert gold.n_quotes == 4
    text = gold.documents[0].text
    assert text[spans["q2"].start : spans["q2"].end] == "the vote was rigged"
    assert text[spans["he"].start : spans["he"].end] == "He"
