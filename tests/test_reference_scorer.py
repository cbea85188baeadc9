"""``benchmark.scoring.score`` equals the plain reference scorer of
``tests/reference_scorer.py`` on random gold sets and submissions, in both
tracks, both match modes and all three speaker modes: every count, every
precision, recall and F1 (micro, macro, per speaker, detection, by type) and
the resampling units of the intervals."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmark.gold import Document, Entity, GoldSet, Quote, Span
from benchmark.scoring import score
from benchmark.submission import Predictions
from reference_scorer import reference_score

# Entities shared by the documents: two share the alias "Volkov", two the name
# "Anna Volkov" (ambiguous in every speaker mode), one has an alias that
# normalises to nothing.
ENTITIES = [
    ("anna", "Anna Volkov", ["Volkov", "Ms. Volkov"]),
    ("boris", "Boris Volkov", ["Volkov"]),
    ("clara", "Clara Pevchikh", ["Pevchikh", "the spokeswoman"]),
    ("anna2", "Anna Volkov", ["Anna"]),
    ("kremlin", "The Kremlin", ["Kremlin", "“…”"]),
]
WORDS = ["the", "vote", "was", "“We", "win,”", "said", "he", "she", "Volkov", "—", "“", "”", ".", "rigged", "Anna", "it"]
SPOKEN = ["Anna Volkov", "anna volkov’s", "Volkov", "Boris Volkov", "Pevchikh", "the spokeswoman", "The Kremlin",
          "Anna", "he", "she", "nobody here", "!!", "President Boris Volkov", "kremlin"]


def spans(draw, n_tokens: int, starts: list[int], ends: list[int], max_len: int, n: int) -> list[Span]:
    """``n`` random token ranges as character spans."""
    out = []
    for _ in range(n):
        a = draw(st.integers(0, n_tokens - 1))
        b = draw(st.integers(a, min(n_tokens - 1, a + max_len - 1)))
        out.append(Span(starts[a], ends[b]))
    return out


@st.composite
def gold_sets(draw) -> GoldSet:
    documents = []
    for d in range(draw(st.integers(1, 3))):
        tokens = draw(st.lists(st.sampled_from(WORDS), min_size=4, max_size=30))
        starts, ends, text = [], [], ""
        for token in tokens:
            text += " " if text else ""
            starts.append(len(text))
            text += token
            ends.append(len(text))
        n = len(tokens)
        chosen = draw(st.lists(st.sampled_from(range(len(ENTITIES))), min_size=1, max_size=4, unique=True))
        entities = [
            Entity(ENTITIES[e][0], ENTITIES[e][1], "person", list(ENTITIES[e][2]),
                   sorted(set(spans(draw, n, starts, ends, 2, draw(st.integers(0, 3)))), key=lambda s: (s.start, s.end)))
            for e in chosen
        ]
        quotes = []
        for k in range(draw(st.integers(0, 6))):
            (span,) = spans(draw, n, starts, ends, 8, 1)
            fragments = None
            if draw(st.integers(0, 3)) == 0 and span.end - span.start >= 3:  # two fragments, a gap between
                cut1 = draw(st.integers(span.start + 1, span.end - 2))
                cut2 = draw(st.integers(cut1 + 1, span.end - 1))
                fragments = [Span(span.start, cut1), Span(cut2, span.end)]
            speaker = draw(st.sampled_from([None, *entities]))
            mention = None
            if speaker is not None and speaker.mentions and draw(st.booleans()):
                mention = draw(st.sampled_from(speaker.mentions))
            quotes.append(Quote(f"q{k}", span.start, span.end, draw(st.sampled_from(["direct", "indirect", "mixed"])),
                                speaker.id if speaker else None, mention, None, fragments))
        documents.append(Document(f"d{d}", "nowhere", text, entities, quotes))
    return GoldSet(documents, "<memory>", "0" * 64)


@st.composite
def speaker_fields(draw, doc: Document) -> dict:
    row: dict = {"speaker": draw(st.sampled_from([None, "", " ", *SPOKEN]))}
    mentions = [m for e in doc.entities for m in e.mentions]
    choice = draw(st.integers(0, 2))
    if choice == 1 and mentions:
        m = draw(st.sampled_from(mentions))
        row["speaker_start"], row["speaker_end"] = m.start, m.end
    elif choice == 2:
        a = draw(st.integers(0, len(doc.text) - 1))
        row["speaker_start"], row["speaker_end"] = a, draw(st.integers(a + 1, min(len(doc.text), a + 12)))
    return row


@st.composite
def cases(draw):
    gold = draw(gold_sets())
    track = draw(st.sampled_from(["attribution", "end-to-end"]))
    rows = []
    for doc in gold.documents:
        if track == "attribution":
            for q in doc.quotes:
                if draw(st.integers(0, 4)):
                    rows.append({"doc_id": doc.doc_id, "quote_id": q.id, **draw(speaker_fields(doc))})
            continue
        seen = set()
        for _ in range(draw(st.integers(0, 7))):
            if doc.quotes and draw(st.booleans()):  # near a gold quote
                q = draw(st.sampled_from(doc.quotes))
                start = min(max(0, q.start + draw(st.integers(-3, 3))), len(doc.text) - 1)
                end = min(len(doc.text), max(start + 1, q.end + draw(st.integers(-3, 3))))
            else:
                start = draw(st.integers(0, len(doc.text) - 1))
                end = draw(st.integers(start + 1, len(doc.text)))
            if (start, end) not in seen:
                seen.add((start, end))
                rows.append({"doc_id": doc.doc_id, "start": start, "end": end, **draw(speaker_fields(doc))})
    rows = draw(st.permutations(rows))
    match = draw(st.sampled_from(["overlap", "exact"]))
    min_overlap = draw(st.sampled_from([0.2, 0.5, 0.75, 1.0]))
    speaker_match = draw(st.sampled_from(["entity", "mention", "name"]))
    return gold, track, list(rows), match, min_overlap, speaker_match


def figures(block: dict) -> dict:
    return {k: pytest.approx(v, rel=1e-12, abs=1e-12) if isinstance(v, float) else v for k, v in block.items()}


@settings(max_examples=300, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_score_equals_the_reference_scorer(case) -> None:
    gold, track, rows, match, min_overlap, speaker_match = case
    predictions = Predictions.from_rows(rows, gold, track)
    got = score(gold, predictions, model="m", match=match, min_overlap=min_overlap, speaker_match=speaker_match, n_bootstrap=0)
    want = reference_score(gold, predictions.rows, track, match, min_overlap, speaker_match)

    assert got["micro"] == figures(want["micro"])
    assert got["macro"] == figures(want["macro"])
    assert got["per_speaker"] == [figures(row) for row in want["per_speaker"]]
    assert (got["n_gold"], got["n_predicted"], got["n_abstained"]) == (want["n_gold"], want["n_predicted"], want["n_abstained"])
    assert {t: (v["tp"], v["gold"]) for t, v in got["recall_by_type"].items()} == want["recall_by_type"]
    unit_names = {u["unit"]: u for u in got["units"]}
    if len(gold.documents) == 1:
        unit_names = {("d0", name): u for name, u in unit_names.items()}
    assert {name: (u["tp"], u["predicted"], u["gold"]) for name, u in unit_names.items() if u["tp"] or u["predicted"] or u["gold"]} == {
        name: counts for name, counts in want["units"].items() if any(counts)
    }
    if track == "end-to-end":
        assert got["detection"] == figures(want["detection"])
        assert {t: (v["detected"], v["n_quotes"]) for t, v in got["recall_by_type"].items()} == want["detection_by_type"]
    else:
        assert got["detection"] is None
