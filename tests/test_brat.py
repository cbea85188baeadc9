"""brat import and export (issue 6), through the real command line on real
files: the hand-written fixtures under tests/data/brat_event and
tests/data/brat_relation, and folders written in tmp_path."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark.annotation.common import SpeakerMention as Mention
from benchmark.annotation.common import classify_quote, enclosed, group_entities, speaker_name
from benchmark.cli import main
from benchmark.gold import Document, Entity, Quote, Span, load_gold, validate_gold, write_gold

DATA = Path(__file__).parent / "data"
EVENT = DATA / "brat_event"
RELATION = DATA / "brat_relation"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def by_id(gold) -> dict[str, Document]:
    return {d.doc_id: d for d in gold.documents}


def slices(doc: Document, quote: Quote) -> list[str]:
    return [doc.text[s.start:s.end] for s in quote.spans]


# --------------------------------------------------------------------------
# A gold set with every kind of quote, for the round trips


def at(text: str, phrase: str, nth: int = 0) -> Span:
    """The span of the nth occurrence of a phrase."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(phrase, i + 1)
    return Span(i, i + len(phrase))


def quote(qid: str, text: str, phrase: str, qtype: str, speaker, mention, cue) -> Quote:
    span = at(text, phrase)
    return Quote(qid, span.start, span.end, qtype, speaker, mention, cue)


def round_trip_gold(folder: Path) -> Path:
    """Two documents: a direct quote, a fragmented direct quote, an indirect
    quote whose speaker is a pronoun mention of a named entity, a quote
    without speaker, a mixed quote whose speaker has no speaker_mention, a
    direct quote across a line break, and emoji (astral characters)."""
    t1 = (
        "Maria Lopez \U0001F642 met Leonid Volkov in Brussels. \u201cThe Kremlin is lying,\u201d Volkov said. "
        "\u201cWe will not stop,\u201d he said, \u201cuntil the vote is free.\u201d "
        "She said the election was a farce. The results were rigged, a statement claimed.\n"
    )
    he = Span(at(t1, "he said").start, at(t1, "he said").start + 2)
    volkov = Entity("leonid_volkov", "Leonid Volkov", "person", ["Leonid Volkov", "Volkov"], [at(t1, "Leonid Volkov"), at(t1, "Volkov", 1), he])
    lopez = Entity("maria_lopez", "Maria Lopez", "person", ["Maria Lopez"], [at(t1, "Maria Lopez"), at(t1, "She")])
    fragments = [at(t1, "We will not stop,"), at(t1, "until the vote is free.")]
    doc1 = Document(
        "brussels", "brussels.txt", t1, [lopez, volkov],
        [
            quote("q01", t1, "The Kremlin is lying,", "direct", "leonid_volkov", at(t1, "Volkov", 1), at(t1, "said")),
            Quote("q02", fragments[0].start, fragments[1].end, "direct", "leonid_volkov", he, at(t1, "said", 1), fragments),
            quote("q03", t1, "the election was a farce", "indirect", "maria_lopez", at(t1, "She"), at(t1, "said", 2)),
            quote("q04", t1, "The results were rigged", "indirect", None, None, at(t1, "claimed")),
        ],
    )
    t2 = "The agency said in a statement: \u201cPrices will rise.\nWages will not.\u201d\nIt called the plan \u2018reckless\u2019 and unfair.\n"
    agency = Entity("agency", "The agency", "organization", ["The agency"], [at(t2, "The agency"), at(t2, "It")])
    doc2 = Document(
        "agency", "agency.txt", t2, [agency],
        [
            quote("q01", t2, "Prices will rise.\nWages will not.", "direct", "agency", at(t2, "The agency"), at(t2, "said")),
            quote("q02", t2, "the plan \u2018reckless\u2019 and unfair", "mixed", "agency", None, at(t2, "called")),
        ],
    )
    for doc in (doc1, doc2):
        (folder / doc.source).write_text(doc.text, encoding="utf-8")
    path = folder / "gold.jsonl"
    write_gold([doc1, doc2], path)
    assert not validate_gold(path).errors
    return path


def assert_same_gold(original, back) -> None:
    """Every quote's span, fragments, type, speaker and cue, and every
    entity's id, name, kind and mentions came back."""
    assert sorted(d.doc_id for d in back.documents) == sorted(d.doc_id for d in original.documents)
    for doc in original.documents:
        again = back.document(doc.doc_id)
        assert again.text == doc.text
        assert [(q.start, q.end, q.fragments, q.type, q.speaker, q.cue) for q in again.quotes] == [
            (q.start, q.end, q.fragments, q.type, q.speaker, q.cue) for q in doc.quotes
        ]
        assert {(e.id, e.name, e.kind, tuple(e.mentions)) for e in again.entities} == {
            (e.id, e.name, e.kind, tuple(e.mentions)) for e in doc.entities
        }
    # a speaker without speaker_mention is exported tied to its nearest mention
    # ("It") and comes back without one, as it was
    agency = back.document("agency")
    q02 = agency.quotes[1]
    assert q02.speaker == "agency" and q02.speaker_mention is None
    assert back.document("brussels").quotes[1].speaker_mention == original.document("brussels").quotes[1].speaker_mention


def test_round_trip_gold_brat_gold(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    gold_path = round_trip_gold(tmp_path)
    original = load_gold(gold_path)

    code, out, err = run(capsys, "gold", "export", "brat", tmp_path / "brat", "--gold", gold_path)
    assert code == 0, err
    exported = tmp_path / "brat"
    assert (exported / "annotation.conf").read_text().startswith("# quotebench")
    assert (exported / "brussels.txt").read_bytes() == (tmp_path / "brussels.txt").read_bytes()
    ann = (exported / "agency.ann").read_text(encoding="utf-8").splitlines()
    # the direct quote across a line break is cut there, as brat does
    start = original.document("agency").text.index("Prices")
    assert f"T3\tQuote {start} {start + 17};{start + 18} {start + 33}\tPrices will rise. Wages will not." in ann
    assert "N1\tReference T1 quotebench:agency\tThe agency" in ann
    assert "A1\tKind T1 organization" in ann
    assert "A3\tQuoteType T3 direct" in ann

    code, out, err = run(capsys, "gold", "import", "brat", exported, "--out", tmp_path / "back" / "gold.jsonl")
    assert code == 0, err
    back = load_gold(tmp_path / "back" / "gold.jsonl")
    assert [d.doc_id for d in back.documents] == ["agency", "brussels"]
    assert_same_gold(original, back)
    # source: the gold's own, which the export carries in quotebench-sources.json
    # (it still names the same text from the output's folder)
    assert back.document("agency").source == "agency.txt"
    # once it names another text, the exported .txt, relative to the output file's folder
    (tmp_path / "agency.txt").write_text("another text", encoding="utf-8")
    code, out, err = run(capsys, "gold", "import", "brat", exported, "--out", tmp_path / "back" / "again.jsonl")
    assert code == 0, err
    assert "source 'agency.txt' names" in err and "whose text differs" in err
    assert load_gold(tmp_path / "back" / "again.jsonl").document("agency").source == "../brat/agency.txt"


# --------------------------------------------------------------------------
# The event-style fixture: three documents and every rough edge


@pytest.fixture(scope="module")
def event_gold(tmp_path_factory):
    out = tmp_path_factory.mktemp("event") / "gold.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmark", "gold", "import", "brat", str(EVENT), "--out", str(out)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return out, proc.stdout, proc.stderr


def test_event_fixture_keeps_its_rough_edges():
    """Guard: the fixture really holds what the other tests rely on."""
    senate = (EVENT / "senate_vote.txt").read_bytes().decode("utf-8")
    assert "\r\n" in senate and "\u00a0" in senate and "\u201c" in senate and '"' in senate
    assert (EVENT / "wire" / "quiet_day.ann").read_bytes() == b""
    assert {p.name for p in EVENT.glob("budget_talks*")} == {"budget_talks.txt", "budget_talks_alice.ann", "budget_talks_bob.ann"}


def test_event_import_documents_and_notes(event_gold):
    out, stdout, stderr = event_gold
    gold = load_gold(out)
    assert [d.doc_id for d in gold.documents] == ["budget_talks", "quiet_day", "senate_vote"]
    assert "3 documents, 14 quotes, 9 entities" in stdout
    # one annotator's file per document, said on stderr
    assert "budget_talks: using budget_talks_alice.ann (also there: budget_talks_bob.ann)" in stderr
    assert "ignored events: 1 Discard, 1 Discuss" in stderr
    assert "skipped 1 equivalence(s), 1 note(s)" in stderr
    assert "1 document(s) with an empty .ann imported with no quotes: quiet_day" in stderr
    quiet = by_id(gold)["quiet_day"]
    assert quiet.quotes == [] and quiet.entities == []
    assert quiet.source.endswith("tests/data/brat_event/wire/quiet_day.txt")


def test_event_import_senate_vote(event_gold):
    doc = by_id(load_gold(event_gold[0]))["senate_vote"]
    text = doc.text
    assert text.count("\r\n") == 9  # offsets count \r, as brat reads the file
    got = [(q.type, slices(doc, q), q.speaker, text[q.cue.start:q.cue.end] if q.cue else None) for q in doc.quotes]
    assert got == [
        # content annotated with its quotation marks: shrunk to exclude them and the joining comma
        ("direct", ["This is a good day for working families"], "mitch_mcconnell", "said"),
        # one source and one cue serving two events; a duplicate event (E4) dropped
        ("mixed", ["that the vote \u201cproves the system works\u201d"], "mitch_mcconnell", "added"),
        ("indirect", ["that the Senate would return in March"], "mitch_mcconnell", "added"),
        # discontinuous content written "386 409;322 358": fragments sorted; annotated
        # inside the marks, comma included, which the validator accepts: kept as it is
        ("direct", ["We did not get everything we wanted,", "but we got a fair deal."], "chuck_schumer", "said"),
        # content shared by an Attribution and an Attribution-no-source event: one quote
        ("indirect", ["the bill would add to the deficit"], "senate_vote:critics:414", "said"),
        ("indirect", ["The measure is expected to clear the House next week"], None, "according to"),
        # an Attribution without a Source role
        ("indirect", ["the deal was final"], None, "were told"),
        ("indirect", ["the department expects revenue to rise"], "senate_vote:a_treasury_spokesman:594", "According to"),
        # the source is a T of an unknown type (Organization): its role decides
        ("indirect", ["the president would sign it on Monday"], "white_house", "said"),
        # straight quotes around the span, an apostrophe inside
        ("direct", ["It's a win,"], "senate_vote:it:730", "said"),
    ]
    q04 = doc.quotes[3]
    assert (q04.start, q04.end, q04.fragments) == (322, 409, [Span(322, 358), Span(386, 409)])
    assert (doc.quotes[0].start, doc.quotes[0].end) == (117, 156)
    entities = {e.id: e for e in doc.entities}
    mcconnell = entities["mitch_mcconnell"]
    # "Senate Majority Leader Mitch McConnell" and "McConnell": one entity, titles left out of its name
    assert (mcconnell.name, mcconnell.aliases, mcconnell.mentions) == (
        "Mitch McConnell", ["Mitch McConnell", "McConnell"], [Span(159, 197), Span(219, 228)]
    )
    assert text[365:383] == "Sen.\u00a0Chuck Schumer" and entities["chuck_schumer"].mentions == [Span(365, 383)]
    assert doc.quotes[3].speaker_mention == Span(365, 383)
    assert {e.id: e.kind for e in doc.entities} == {
        "mitch_mcconnell": "person",
        "chuck_schumer": "person",
        "senate_vote:critics:414": "group",
        "senate_vote:a_treasury_spokesman:594": "person",
        "white_house": "organization",
        "senate_vote:it:730": "organization",
    }


def test_event_import_budget_talks_and_annotator_choice(event_gold, tmp_path, capsys, monkeypatch):
    doc = by_id(load_gold(event_gold[0]))["budget_talks"]
    assert [(q.type, slices(doc, q)[0], q.speaker) for q in doc.quotes] == [
        ("indirect", "the talks had stalled", "maria_lopez"),
        ("direct", "We are not there yet,", "budget_talks:she:135"),  # inside the marks: kept
        ("indirect", "she would keep negotiating", "maria_lopez"),
        ("mixed", 'the office was "hopeful" about a deal', "budget_talks:a_spokesman_for_the_governor:206"),
    ]
    lopez = doc.entity("maria_lopez")
    # the appositive is part of the mention, not of the name
    assert doc.text[lopez.mentions[0].start:lopez.mentions[0].end] == "Sen. Maria Lopez, a Democrat from New Mexico"
    assert lopez.aliases == ["Maria Lopez", "Lopez"]

    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "gold", "import", "brat", EVENT, "--out", "bob.jsonl", "--annotator", "bob")
    assert code == 0, err
    assert "budget_talks: using budget_talks_bob.ann (also there: budget_talks_alice.ann)" in err
    bob = by_id(load_gold("bob.jsonl"))["budget_talks"]
    # bob's content includes its straight quotation marks: shrunk
    assert [(q.type, slices(bob, q)[0], q.speaker) for q in bob.quotes] == [
        ("indirect", "the talks had stalled", "maria_lopez"),
        ("direct", "We are not there yet", "maria_lopez"),
    ]
    code, _, err = run(capsys, "gold", "import", "brat", EVENT, "--out", "carol.jsonl", "--annotator", "carol")
    assert code == 2 and "no such annotator" in err and "alice, bob" in err
    assert not Path("carol.jsonl").exists()


def test_event_import_validates_and_scores(event_gold, tmp_path):
    out = event_gold[0]
    proc = subprocess.run([sys.executable, "-m", "benchmark", "gold", "validate", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "valid: 3 documents, 14 quotes" in proc.stdout
    if importlib.util.find_spec("benchmark.run_baselines") is None:
        pytest.skip("the baselines command is not there yet")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmark", "baselines", "--gold", str(out), "--only", "random", "--results", str(tmp_path / "results")],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "results" / "leaderboard.csv").read_text().count("random") >= 1


# --------------------------------------------------------------------------
# Relation style, options and text variants


def test_relation_fixture(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "gold", "import", "brat", RELATION, "--out", "gold.jsonl")
    assert code == 0, err
    assert "interview.ann:9: annotated direct but not enclosed by quotation marks; imported as indirect" in err
    (doc,) = load_gold("gold.jsonl").documents
    assert [(q.type, slices(doc, q), q.speaker, q.speaker_mention, q.cue) for q in doc.quotes] == [
        # two Quote spans tied by a Continues relation: one quote in fragments
        ("direct", ["I never said that,", "and I never will."], "elizabeth_warren", Span(55, 61), Span(62, 66)),
        # SpokenBy written speaker-first: direction does not matter
        ("mixed", ["the vote was \u2018premature\u2019"], "interview:she:98", Span(98, 101), Span(102, 106)),
        ("indirect", ["The memo was leaked"], None, None, Span(167, 174)),
    ]
    # the untied "Elizabeth Warren" joins the entity of "Warren"
    assert doc.entity("elizabeth_warren").mentions == [Span(0, 16), Span(55, 61)]


def test_type_options_and_nested_folders(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    corpus = tmp_path / "corpus" / "2024" / "may"
    corpus.mkdir(parents=True)
    text = "The minister said: \u201eWe can do this.\u201c\n"
    (corpus / "merkel.txt").write_text(text, encoding="utf-8")
    (corpus / "merkel.ann").write_text(
        "T1\tSprecher 0 12\tThe minister\nT2\tZitat 20 35\tWe can do this.\nR1\tSagt Arg1:T2 Arg2:T1\n", encoding="utf-8"
    )
    (tmp_path / "corpus" / "README.txt").write_text("not an article\n")
    code, _, err = run(capsys, "gold", "import", "brat", "corpus", "--out", "gold.jsonl")
    assert code == 0 and "1 .txt file(s) without .ann skipped: README" in err
    assert load_gold("gold.jsonl").documents[0].quotes == []  # unknown types: nothing to import
    code, _, err = run(capsys, "gold", "import", "brat", "corpus", "--out", "gold.jsonl", "--quote-type", "Zitat", "--speaker-type", "Sprecher")
    assert code == 0, err
    (doc,) = load_gold("gold.jsonl").documents
    assert doc.doc_id == "merkel" and doc.source == "corpus/2024/may/merkel.txt"
    assert [(q.type, q.start, q.end, q.speaker) for q in doc.quotes] == [("direct", 20, 35, "merkel:the_minister:0")]
    # two texts of the same name: both are called by their paths
    (tmp_path / "corpus" / "merkel.txt").write_text(text, encoding="utf-8")
    (tmp_path / "corpus" / "merkel.ann").write_text("", encoding="utf-8")
    code, _, err = run(capsys, "gold", "import", "brat", "corpus", "--out", "gold.jsonl", "--quote-type", "Zitat", "--speaker-type", "Sprecher")
    assert code == 0, err
    assert [d.doc_id for d in load_gold("gold.jsonl").documents] == ["2024/may/merkel", "merkel"]
    code, _, err = run(capsys, "gold", "import", "brat", "corpus", "--out", "x.jsonl", "--quote-type", "Zitat", "--speaker-type", "zitat")
    assert code == 2 and "both as a quote type and as a speaker type" in err


def test_texts_and_annotations_in_sibling_folders(tmp_path, capsys, monkeypatch):
    """PolNeAR's layout: dev/text/NAME.txt, dev/attributions/NAME_ANNOTATOR.ann,
    and the same name again under train/ to be told apart by the nearest folder."""
    monkeypatch.chdir(tmp_path)
    text = "Flynn says Trump 'absolutely right' in saying generals reduced to rubble.\n"
    ann = "T1\tSource 0 5\tFlynn\nT2\tCue 6 10\tsays\nT3\tContent 11 72\tTrump 'absolutely right' in saying generals reduced to rubble\nT4\tAttribution 6 10\tsays\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
    for split in ("dev", "train"):
        (tmp_path / "data" / split / "text").mkdir(parents=True)
        (tmp_path / "data" / split / "attributions").mkdir()
        (tmp_path / "data" / split / "text" / "politico_2016-09-08_flynn.txt").write_text(text if split == "dev" else text.upper())
    (tmp_path / "data" / "dev" / "attributions" / "politico_2016-09-08_flynn_4b22.ann").write_text(ann)
    (tmp_path / "data" / "train" / "attributions" / "politico_2016-09-08_flynn_ef2d.ann").write_text(ann.replace("Flynn", "FLYNN").replace("Trump 'absolutely right' in saying generals reduced to rubble", "TRUMP 'ABSOLUTELY RIGHT' IN SAYING GENERALS REDUCED TO RUBBLE").replace("says", "SAYS"))
    code, _, err = run(capsys, "gold", "import", "brat", "data", "--out", "gold.jsonl")
    assert code == 0, err
    dev, train = load_gold("gold.jsonl").documents
    assert (dev.doc_id, train.doc_id) == ("dev/text/politico_2016-09-08_flynn", "train/text/politico_2016-09-08_flynn")
    (q,) = dev.quotes
    assert (q.type, q.start, q.end, q.speaker) == ("mixed", 11, 72, "flynn")
    assert train.quotes[0].speaker == "flynn"


def test_crlf_text_with_offsets_counted_on_unix_line_ends(tmp_path, capsys, monkeypatch):
    """Some exporters count \\r\\n as one character: when only that reading
    makes every span match, offsets are mapped back to the file's characters."""
    monkeypatch.chdir(tmp_path)
    text = "Title\r\n\r\n\u201cWe are ready,\u201d the mayor said.\r\n"
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.txt").write_bytes(text.encode("utf-8"))
    unix = text.replace("\r\n", "\n")
    s = unix.index("We are")
    (tmp_path / "c" / "a.ann").write_text(f"T1\tQuote {s} {s + 13}\tWe are ready,\nT2\tSpeaker {s + 15} {s + 24}\tthe mayor\nR1\tSpokenBy Arg1:T1 Arg2:T2\n")
    code, _, err = run(capsys, "gold", "import", "brat", "c", "--out", "g.jsonl")
    assert code == 0, err
    assert "counting each Windows line end (\\r\\n) as one character" in err
    (doc,) = load_gold("g.jsonl").documents
    q = doc.quotes[0]
    assert (q.start, q.end) == (s + 2, s + 15) and doc.text[q.start:q.end] == "We are ready,"
    assert doc.text[q.speaker_mention.start:q.speaker_mention.end] == "the mayor"


# --------------------------------------------------------------------------
# Broken input: exit 2, FILE:LINE, nothing written


def broken_folder(tmp_path: Path, ann: str, *, txt: str | None = "\u201cNo,\u201d she said.\n", name: str = "doc") -> Path:
    folder = tmp_path / "broken"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    if txt is not None:
        (folder / f"{name}.txt").write_text(txt, encoding="utf-8")
    (folder / f"{name}.ann").write_text(ann, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "ann, txt, message",
    [
        ("T1\tQuote 1 4\tNo,\nT2\tSpeaker 6 9\tshe\nR1\tSpokenBy Arg1:T1 Arg2:T9\n", "default",
         "doc.ann:3: R1: Arg2 refers to T9, which is not defined in this file"),
        ("T1\tContent 1 4\tNo,\nE1\tAttribution:T1 Source:T7 Content:T1\n", "default",
         "doc.ann:2: E1: Source refers to T7, which is not defined in this file"),
        ("T1\tQuote 1 4\tNo,\nT2\tSpeaker 6 90\tshe said\n", "default",
         "doc.ann:2: T2: offsets 6-90 run past the end of"),
        ("T1\tQuote 1 4\tYes\n", "default",
         "doc.ann:1: T1: the .ann says 'Yes' but "),
        ("T1\tQuote one two\tNo,\n", "default",
         "doc.ann:1: T1: cannot read 'TYPE START END[;START END]'"),
        ("T1\tQuote 1 4\tNo,\n", None,
         "doc.ann:0: file: no text file for it (doc.txt, or NAME.txt for NAME_ANNOTATOR.ann)"),
    ],
)
def test_broken_input_exits_2_and_writes_nothing(tmp_path, ann, txt, message):
    folder = broken_folder(tmp_path, ann, txt=None if txt is None else "\u201cNo,\u201d she said.\n")
    out = tmp_path / "gold.jsonl"
    out.write_text("previous content\n")
    proc = subprocess.run(
        [sys.executable, "-m", "benchmark", "gold", "import", "brat", str(folder), "--out", str(out)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert out.read_text() == "previous content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken", "gold.jsonl"]


def test_mismatch_names_both_strings(tmp_path, capsys):
    folder = broken_folder(tmp_path, "T1\tQuote 1 4\tYes\n")
    code, _, err = run(capsys, "gold", "import", "brat", folder, "--out", tmp_path / "g.jsonl")
    assert code == 2
    assert f"{folder / 'doc.ann'}:1: T1: the .ann says 'Yes' but {folder / 'doc.txt'} has 'No,' at 1-4" in err
    assert not (tmp_path / "g.jsonl").exists()


# --------------------------------------------------------------------------
# The rules, one by one


@pytest.mark.parametrize(
    "text, span, expected",
    [
        ("\u201cWe win,\u201d he said.", (1, 8), ("direct", [(1, 8)])),  # marks just outside: kept as it is
        ("\u201cWe win,\u201d he said.", (0, 9), ("direct", [(1, 7)])),  # marks inside: shrunk, joining comma out
        ("\u201cWe win\u201d, he said.", (0, 9), ("direct", [(1, 7)])),  # punctuation after the closing mark
        ("\u201cWe win,\u201d he said.", (1, 7), ("direct", [(1, 7)])),  # stops short of the joining comma: kept (GUIDELINES)
        ("\u201cIs it?\u201d he asked.", (0, 8), ("direct", [(1, 7)])),  # a final question mark is the speaker's
        ("\u201cWe win,\u201d he said.", (1, 6), ("indirect", [(1, 6)])),  # "We wi" is not enclosed

        ("  \u201cWe win.\u201d  ", (0, 13), ("direct", [(3, 10)])),  # white space around
        ("He said the plan was \u2018dead\u2019.", (8, 27), ("mixed", [(8, 27)])),
        ("He said he doesn\u2019t know.", (8, 24), ("indirect", [(8, 24)])),  # an apostrophe is no quote
        ("the workers\u2019 union said no", (0, 18), ("indirect", [(0, 18)])),
        ("\u201cWe win,\u201d he said, \u201cand soon.\u201d", (0, 30), ("mixed", [(0, 30)])),  # closes and reopens
        ("'Tis true,' she said", (0, 11), ("direct", [(1, 9)])),
    ],
)
def test_quote_type_rule(text, span, expected):
    qtype, fragments, _ = classify_quote(text, [Span(*span)])
    assert (qtype, [(f.start, f.end) for f in fragments]) == expected


def test_annotated_type_is_kept_unless_direct_is_impossible():
    text = "\u201cWe win,\u201d he said. Prices rose."
    assert classify_quote(text, [Span(1, 8)], "mixed")[0] == "mixed"
    qtype, _, note = classify_quote(text, [Span(20, 31)], "direct")
    assert qtype == "indirect" and "not enclosed" in note
    # fragments separated only by white space are one span
    assert classify_quote("a \u201cline one\nline two\u201d", [Span(12, 20), Span(3, 11)])[1] == [Span(3, 20)]


@pytest.mark.parametrize(
    "surface, name",
    [
        ("Leonid Volkov, former chief of staff", "Leonid Volkov"),
        ("White House press secretary Sean Spicer", "Sean Spicer"),
        ("FBI Director James Comey", "James Comey"),
        ("President Trump", "President Trump"),
        ("the White House", "White House"),
        ("a White House spokesman", None),
        ("the minister of Defense", None),
        ("Officials", None),
        ("she", None),
    ],
)
def test_speaker_name(surface, name):
    assert speaker_name(surface) == name


def test_short_names_join_only_an_unambiguous_long_name():
    def m(start, surface):
        return Mention(Span(start, start + len(surface)), surface)

    mentions = [m(0, "Bill Clinton"), m(20, "Hillary Clinton"), m(40, "Clinton"), m(60, "Donald J. Trump"), m(80, "Trump"),
                m(90, "Donald Trump"), m(110, "he")]
    entities, span_to_id = group_entities("d", mentions, linked={Span(110, 112)})
    groups = {e.id: [s.start for s in e.mentions] for e in entities}
    assert groups == {
        "bill_clinton": [0], "hillary_clinton": [20], "clinton": [40],
        "donald_trump": [60, 80, 90], "d:he:110": [110],
    }
    assert entities[3].name == "Donald Trump"
    # an untied pronoun is nobody
    entities, _ = group_entities("d", [m(0, "he")], linked=set())
    assert entities == []


def test_enclosed_returns_none_without_marks():
    assert enclosed("plain words", 0, 5) is None


def test_export_refuses_unsafe_doc_ids(tmp_path, capsys):
    doc = Document("../escape", "x.txt", "Hi.\n", [], [])
    write_gold([doc], tmp_path / "g.jsonl")
    code, _, err = run(capsys, "gold", "export", "brat", tmp_path / "out", "--gold", tmp_path / "g.jsonl")
    assert code == 2 and "cannot be used as a file name" in err
    assert not (tmp_path / "out").exists()
    json.loads((tmp_path / "g.jsonl").read_text())  # untouched


def test_a_span_text_that_runs_over_lines_is_read_whole(tmp_path):
    """A content span across a paragraph break: brat writes its text with the
    line breaks in it, so the .ann's next lines (a blank one among them) are
    the rest of that text, not annotations (PolNeAR has such files)."""
    text = 'Smith said the plan works.\n\nIt was never tried before, he added.\n'
    content_end = text.index(" he added")
    (tmp_path / "doc.txt").write_text(text, encoding="utf-8")
    (tmp_path / "doc.ann").write_text(
        "T1\tSource 0 5\tSmith\n"
        "T2\tCue 6 10\tsaid\n"
        f"T3\tContent 11 {content_end}\tthe plan works.\n"
        "\n"
        "It was never tried before,\n"
        "E1\tAttribution:T2 Source:T1 Content:T3\n",
        encoding="utf-8",
    )
    from benchmark.annotation.brat import parse_ann, read_brat

    ann = parse_ann(tmp_path / "doc.ann")
    assert ann.textbounds["T3"].text == "the plan works.\n\nIt was never tried before,"
    document = read_brat(tmp_path, out=tmp_path / "gold.jsonl").documents[0]
    (quote,) = document.quotes
    assert (quote.start, quote.end) == (11, content_end)
    assert document.entity(quote.speaker).name == "Smith"
