"""Annotator agreement (issue 16): hand-made annotations of tiny texts, with
every expected figure worked out by hand, through the library and the real
command line (``quotebench gold agree``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmark.annotation.agreement import (
    CONTENT,
    CUE,
    NONE,
    SPEAKER,
    agreement,
    krippendorff_alpha,
    load_annotations,
    token_labels,
    token_spans,
)
from benchmark.cli import main
from benchmark.gold import document_from_json

TEXT = "Ann Lee said rain falls today. Bob Hart warned that prices rise. Lee added: \u201cWe win.\u201d\n"


def at(text: str, phrase: str, nth: int = 0) -> dict[str, int]:
    i = -1
    for _ in range(nth + 1):
        i = text.index(phrase, i + 1)
    return {"start": i, "end": i + len(phrase)}


def entity(eid: str, name: str, *mentions: dict, aliases: list[str] | None = None) -> dict:
    return {"id": eid, "name": name, "kind": "person", "aliases": aliases or [name], "mentions": list(mentions)}


def quote(qid: str, content: str, qtype: str, speaker: str | None, mention: dict | None, cue: str | None, text: str = TEXT) -> dict:
    span = at(text, content)
    return {"id": qid, **span, "type": qtype, "speaker": speaker, "speaker_mention": mention,
            "cue": at(text, cue) if cue else None}


def document(quotes: list[dict], entities: list[dict], doc_id: str = "d1", text: str = TEXT) -> dict:
    return {"doc_id": doc_id, "source": f"{doc_id}.txt", "text": text, "entities": entities, "quotes": quotes}


def full_annotation() -> dict:
    """Three quotes of three types, with speakers and cues."""
    ann, bob, lee2 = at(TEXT, "Ann Lee"), at(TEXT, "Bob Hart"), at(TEXT, "Lee", 1)
    return document(
        [
            quote("q01", "rain falls today", "indirect", "ann_lee", ann, "said"),
            quote("q02", "prices rise", "indirect", "bob_hart", bob, "warned"),
            quote("q03", "We win.", "direct", "ann_lee", lee2, "added"),
        ],
        [entity("ann_lee", "Ann Lee", ann, lee2, aliases=["Ann Lee", "Lee"]), entity("bob_hart", "Bob Hart", bob)],
    )


def write(path: Path, *docs: dict) -> Path:
    """A gold file of ``docs``, with each document's source file beside it."""
    for doc in docs:
        (path.parent / doc["source"]).write_text(doc["text"], encoding="utf-8", newline="")
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def figures(tmp_path: Path, *annotations: list[dict], **options):
    paths = [write(tmp_path / f"{name}.jsonl", *docs) for name, docs in zip("ABCDEF", annotations)]
    return agreement(load_annotations(paths), **options)


# --------------------------------------------------------------------------


def test_tokens_are_words_and_single_punctuation_marks():
    text = "Lee added: \u201cWe win.\u201d don't"
    assert [text[s:e] for s, e in token_spans(text)] == ["Lee", "added", ":", "\u201c", "We", "win", ".", "\u201d", "don", "'", "t"]


def test_token_labels_speaker_over_cue_over_content():
    doc = document_from_json(full_annotation())
    tokens = token_spans(TEXT)
    labels = dict(zip((TEXT[s:e] + f"@{s}" for s, e in tokens), token_labels(doc, tokens).tolist()))
    assert labels["Ann@0"] == labels["Lee@4"] == SPEAKER
    assert labels["said@8"] == CUE
    assert labels["rain@13"] == labels["today@24"] == CONTENT
    assert labels[".@29"] == NONE
    # q03's span holds "We win." without the marks
    assert labels["\u201c@76"] == NONE and labels["We@77"] == CONTENT and labels[".@83"] == CONTENT


def test_identical_annotations_agree_fully(tmp_path):
    result = figures(tmp_path, [full_annotation()], [full_annotation()])
    assert result["token_alpha"] == 1.0
    assert result["quote_f1"] == 1.0
    assert result["attribution_agreement"] == 1.0
    assert result["speaker_agreement"] == 1.0
    assert result["cue_agreement"] == 1.0
    assert result["type_agreement"] == {"measure": "cohen_kappa", "value": 1.0, "observed": 1.0}
    assert result["per_pair"][0]["paired"] == 3


def test_disjoint_quotes_agree_not_at_all(tmp_path):
    full = full_annotation()
    a = document([full["quotes"][0]], full["entities"])
    b = document([full["quotes"][1]], full["entities"])
    result = figures(tmp_path, [a], [b])
    pair = result["per_pair"][0]
    assert (pair["quotes_a"], pair["quotes_b"], pair["paired"]) == (1, 1, 0)
    assert result["quote_f1"] == 0.0
    assert result["attribution_agreement"] == 0.0
    # nothing paired: speaker and cue agreement are undefined, not 0 or 1
    assert result["speaker_agreement"] is None and result["cue_agreement"] is None


def test_small_token_alpha_by_hand_and_by_the_package(tmp_path):
    """Text "Ann said rain falls today ." (6 tokens).  A: speaker, cue,
    content, content, content, none; B: the same but "today" is none.
    Coincidences: o(S,S)=2, o(C,C)=2, o(Q,Q)=4, o(Q,N)=o(N,Q)=1, o(N,N)=2; n=12,
    n_N=3, n_Q=5, n_C=2, n_S=2.  D_o = 2/12; D_e = (144 - 9 - 25 - 4 - 4) /
    (12 * 11) = 102/132; alpha = 1 - (2/12) / (102/132) = 40/51."""
    text = "Ann said rain falls today ."
    ann = at(text, "Ann")
    people = [entity("ann", "Ann", ann)]
    a = document([quote("q01", "rain falls today", "indirect", "ann", ann, "said", text)], people, text=text)
    b = document([quote("q01", "rain falls", "indirect", "ann", ann, "said", text)], people, text=text)
    expected = 40 / 51
    by_package = krippendorff_alpha(np.array([[SPEAKER, CUE, CONTENT, CONTENT, CONTENT, NONE],
                                              [SPEAKER, CUE, CONTENT, CONTENT, NONE, NONE]], dtype=float))
    assert by_package == pytest.approx(expected, abs=1e-12)
    result = figures(tmp_path, [a], [b])
    assert result["token_alpha"] == pytest.approx(expected, abs=1e-12)
    assert result["per_document"][0]["token_alpha"] == pytest.approx(expected, abs=1e-12)
    # 10 shared characters of 16 >= 0.5: paired; F1 = 1
    assert result["quote_f1"] == 1.0
    # one type throughout: kappa is undefined
    assert result["type_agreement"]["value"] is None and result["type_agreement"]["observed"] == 1.0
    # --match exact does not pair them
    assert figures(tmp_path, [a], [b], match="exact")["quote_f1"] == 0.0
    # nor does a threshold above 10/16
    assert figures(tmp_path, [a], [b], min_overlap=0.7)["quote_f1"] == 0.0


def test_speaker_cue_and_type_on_paired_quotes(tmp_path):
    """B agrees on q01 (same speaker mention), on q03 through the name only
    (B ties it to "We", a mention of an entity it calls "Ann Lee"), disagrees on
    q02's speaker (a pronoun entity elsewhere) and cue, and calls q03
    indirect.  Speaker 2/3, cue 2/3; types (A, B): (ind, ind), (ind, ind),
    (dir, ind): p_o = 2/3, p_e = (2/3)(3/3) + (1/3)(0) = 2/3, kappa = 0."""
    a = full_annotation()
    ann, we = at(TEXT, "Ann Lee"), at(TEXT, "We")
    that = at(TEXT, "that")
    b = document(
        [
            quote("q01", "rain falls today", "indirect", "ann", ann, "said"),
            quote("q02", "prices rise", "indirect", "d1:that:47", that, "that"),
            quote("q03", "\u201cWe win.\u201d", "indirect", "lee", we, "added"),
        ],
        [entity("ann", "Ann Lee", ann), entity("d1:that:47", "that", that), entity("lee", "Ann Lee", we)],
    )
    result = figures(tmp_path, [a], [b])
    pair = result["per_pair"][0]
    assert pair["paired"] == 3
    assert pair["speaker_agreement"] == pytest.approx(2 / 3)
    assert pair["cue_agreement"] == pytest.approx(2 / 3)
    assert pair["type_kappa"] == pytest.approx(0.0)
    assert result["type_agreement"] == {"measure": "cohen_kappa", "value": pytest.approx(0.0), "observed": pytest.approx(2 / 3)}


def test_pronoun_names_do_not_make_speakers_agree(tmp_path):
    text = "He said rain falls. He said sun shines.\n"
    he1, he2 = at(text, "He"), at(text, "He", 1)
    a = document([quote("q01", "rain falls", "indirect", "x:he:0", he1, "said", text)], [entity("x:he:0", "He", he1)], text=text)
    b = document([quote("q01", "rain falls", "indirect", "x:he:20", he2, "said", text)], [entity("x:he:20", "He", he2)], text=text)
    assert figures(tmp_path, [a], [b])["speaker_agreement"] == 0.0


def test_three_annotators_documents_left_out_and_worst_first(tmp_path):
    """d1: A and B identical, C finds only q01; d2: A and C only, identical;
    d3: A only (left out).  Types over the pairs' paired quotes: all the same
    quote in the same type, so alpha is 1 (two types occur)."""
    full = full_annotation()
    only_q01 = document([full["quotes"][0]], full["entities"])
    d2 = dict(full_annotation(), doc_id="d2", source="d2.txt")
    d3 = dict(full_annotation(), doc_id="d3", source="d3.txt")
    result = figures(tmp_path, [full, d2, d3], [full], [only_q01, d2])
    assert result["n_documents"] == 2 and result["n_documents_left_out"] == 1
    # pairs: A-B on d1 (F1 1), A-C on d1 and d2 (paired 1 + 3 of 3+1 and 3+3: 2*4/10), B-C on d1 (2*1/4)
    f1 = {(p["a"], p["b"]): p["quote_f1"] for p in result["per_pair"]}
    assert f1 == {("A", "B"): 1.0, ("A", "C"): pytest.approx(0.8), ("B", "C"): pytest.approx(0.5)}
    assert result["quote_f1"] == pytest.approx((1.0 + 0.8 + 0.5) / 3)
    assert result["type_agreement"]["measure"] == "krippendorff_alpha"
    assert result["type_agreement"]["value"] == pytest.approx(1.0)
    assert [row["doc_id"] for row in result["per_document"]] == ["d1", "d2"]
    assert result["per_document"][1]["token_alpha"] == 1.0 and result["per_document"][0]["token_alpha"] < 1.0


def test_command_line_prints_and_writes_json(tmp_path, capsys):
    a = write(tmp_path / "alice.jsonl", full_annotation())
    b = write(tmp_path / "bob.jsonl", full_annotation())
    out = tmp_path / "agreement.json"
    code, stdout, err = run(capsys, "gold", "agree", a, b, "--json", out)
    assert code == 0, err
    assert "token alpha" in stdout and "alice" in stdout and "bob" in stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    for key in ("token_alpha", "quote_f1", "speaker_agreement", "per_pair", "per_document"):
        assert key in data
    assert data["token_alpha"] == 1.0 and data["per_pair"][0]["a"] == "alice"


def test_command_line_refuses_differing_texts_and_one_file(tmp_path, capsys):
    a = write(tmp_path / "a.jsonl", full_annotation())
    changed = full_annotation()
    changed["text"] = TEXT.replace("rain", "snow")
    changed["source"] = "d1-b.txt"
    b = write(tmp_path / "b.jsonl", changed)
    out = tmp_path / "agreement.json"
    code, _, err = run(capsys, "gold", "agree", a, b, "--json", out)
    assert code == 2
    assert f"{b}:1: text: document 'd1' differs from its text in {a} (line 1) at character 13" in err
    assert "Traceback" not in err and not out.exists()
    code, _, err = run(capsys, "gold", "agree", a)
    assert code == 2 and "at least two" in err
