"""The report site (benchmark/site): built from runs made by hand through the
real CLI, then opened in a real browser (headless chromium, tests/support/
browser.py) and checked in the DOM the browser built."""

from __future__ import annotations

import io
import json
import re
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from benchmark.cli import main
from benchmark.leaderboard import LEADERBOARD_FILE, read_leaderboard
from benchmark.site import build_site
from benchmark.site.build import breakdown_table, page_cuts, quote_outcome, safe_names

sys.path.insert(0, str(Path(__file__).parent))
from support.browser import Browser, find_chromium  # noqa: E402

# --------------------------------------------------------------------------
# A gold document and predictions whose outcomes are known by construction

PARAGRAPHS = [
    'Alice Smith said: "The bridge opens in May."',
    "Bob Jones said the council had agreed to the plan.",
    '"Taxes will rise next year," Carol Wu warned.',
    "Dan Lee said the work was running late.",
    "Nobody in town believed any of it.",
    '"We will open on time," Smith added.',
]
TEXT = "\n\n".join(PARAGRAPHS) + "\n"


def at(needle: str, after: int = 0) -> tuple[int, int]:
    start = TEXT.index(needle, after)
    return start, start + len(needle)


def span(needle: str, after: int = 0) -> dict[str, int]:
    s, e = at(needle, after)
    return {"start": s, "end": e}


LAST = TEXT.index(PARAGRAPHS[-1])
QUOTES = {  # id: (quote text, type, speaker, speaker mention)
    "q1": ("The bridge opens in May.", "direct", "alice_smith", span("Alice Smith")),
    "q2": ("the council had agreed to the plan", "indirect", "bob_jones", span("Bob Jones")),
    "q3": ("Taxes will rise next year,", "direct", "carol_wu", span("Carol Wu")),
    "q4": ("the work was running late", "indirect", "dan_lee", span("Dan Lee")),
    "q5": ("We will open on time,", "direct", "alice_smith", span("Smith", LAST)),
}
# What each run does with each gold quote, and the outcome that must show.
EXPECTED = {"q1": "correct", "q2": "wrong-speaker", "q3": "abstained", "q4": "missed", "q5": "correct"}
UNMATCHED = "Nobody in town believed any of it"


def gold_document() -> dict:
    entities = [
        {"id": "alice_smith", "name": "Alice Smith", "kind": "person", "aliases": ["Alice Smith", "Smith"],
         "mentions": [span("Alice Smith"), span("Smith", LAST)]},
        {"id": "bob_jones", "name": "Bob Jones", "kind": "person", "aliases": ["Bob Jones"], "mentions": [span("Bob Jones")]},
        {"id": "carol_wu", "name": "Carol Wu", "kind": "person", "aliases": ["Carol Wu"], "mentions": [span("Carol Wu")]},
        {"id": "dan_lee", "name": "Dan Lee", "kind": "person", "aliases": ["Dan Lee"], "mentions": [span("Dan Lee")]},
    ]
    quotes = []
    for qid, (words, kind, speaker, mention) in QUOTES.items():
        s, e = at(words)
        quotes.append({"id": qid, "start": s, "end": e, "type": kind, "speaker": speaker, "speaker_mention": mention, "cue": None})
    quotes[0]["cue"] = span("said")
    for quote in quotes:  # what score --by reports on
        quote["attributes"] = {"quote_type": "Explicit" if quote["type"] == "direct" else "Implicit"}
    return {"doc_id": "hand_doc", "source": "hand_doc.txt", "text": TEXT, "entities": entities, "quotes": quotes}


QUIET_DOCUMENT = {"doc_id": "quiet_doc", "source": "quiet_doc.txt", "text": "Nothing was said here, they claimed.\n", "entities": [], "quotes": []}
QUIET_PREDICTION = {"doc_id": "quiet_doc", "start": 0, "end": 22, "speaker": "they"}  # matches no gold quote


def end_to_end_predictions() -> list[dict]:
    def row(words, speaker, mention=None, shift=0):
        s, e = at(words)
        out = {"doc_id": "hand_doc", "start": s + shift, "end": e, "speaker": speaker}
        if mention:
            out["speaker_start"], out["speaker_end"] = mention["start"], mention["end"]
        return out

    return [
        row("The bridge opens in May.", "Alice Smith", span("Alice Smith")),
        row("the council had agreed to the plan", "Carol Wu"),
        row("Taxes will rise next year,", None),
        row(UNMATCHED, "Nobody"),
        row("We will open on time,", "Smith", span("Smith", LAST), shift=3),  # the predicted span differs
        QUIET_PREDICTION,
    ]


def attribution_predictions() -> list[dict]:
    speakers = {"q1": "Alice Smith", "q2": "Carol Wu", "q3": None, "q5": "Smith"}  # no row for q4
    return [{"doc_id": "hand_doc", "quote_id": q, "speaker": s} for q, s in speakers.items()]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    """Also writes each document's source file beside it, so that validation checks the text."""
    for row in rows:
        if "source" in row:
            (path.parent / row["source"]).write_text(row["text"], encoding="utf-8")
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """Two runs scored by the real CLI (which rebuilds the site), a third
    model so that the table has something to sort."""
    root = tmp_path_factory.mktemp("site")
    gold = write_jsonl(root / "gold.jsonl", [gold_document(), QUIET_DOCUMENT])
    results = root / "results"
    runs = [
        ("hand-e2e", "end-to-end", end_to_end_predictions()),
        ("hand-attr", "attribution", attribution_predictions()),
        ("abstainer", "attribution", [{"doc_id": "hand_doc", "quote_id": q, "speaker": None} for q in QUOTES]),
    ]
    for name, track, rows in runs:
        pred = write_jsonl(root / f"{name}.jsonl", rows)
        status = main(["score", str(pred), "--name", name, "--track", track, "--gold", str(gold), "--results", str(results), "--bootstrap", "50",
                       "--by", "quote_type"])
        assert status == 0  # score rebuilt the site: no test builds it for these runs
    return {"root": root, "gold": gold, "results": results, "site": results / "site"}


def run_folder(site: Path, model: str) -> Path:
    (folder,) = (site / "runs" / model).iterdir()
    return folder


# --------------------------------------------------------------------------
# Without a browser


def test_outcome_rule():
    entry = {"matched": True, "predicted_speaker": "X", "correct": True}
    assert quote_outcome(entry) == "correct"
    assert quote_outcome({**entry, "correct": False}) == "wrong-speaker"
    assert quote_outcome({**entry, "predicted_speaker": ""}) == "abstained"
    assert quote_outcome({**entry, "predicted_speaker": None, "correct": False}) == "abstained"
    assert quote_outcome({**entry, "matched": False}) == "missed"


def test_page_cuts_at_breaks_outside_quotes():
    text = "aaaa\nbbbb\ncccc\ndddd\n"  # lines of 5 characters; breaks after 5, 10, 15
    assert page_cuts(text, [], target=12) == [0, 10, 20]
    # a quote over the break at 10 moves the cut back to 5
    assert page_cuts(text, [(8, 12)], target=12) == [0, 5, 15, 20]
    # no break within reach: the first one after it
    assert page_cuts("a" * 30 + "\n" + "b" * 5, [], target=10) == [0, 31, 36]
    assert page_cuts("x" * 50, [], target=10) == [0, 50]
    assert page_cuts("short", [], target=10) == [0, 5]


def test_breakdown_tables_of_both_shapes():
    by_type = breakdown_table("t", {"direct": {"recall": 0.5, "tp": 1, "gold": 2}})
    assert re.search(r'<td data-value="direct">direct</td><td class="num" data-value="0.5">0.5000</td>'
                     r'<td class="num" data-value="1">1</td><td class="num" data-value="2">2</td>', by_type)
    by_attribute = breakdown_table("t", [{"value": "Implicit", "precision": 1.0, "recall": 0.25, "tp": 1, "gold": 4},
                                         {"value": "Explicit", "precision": 0.0, "recall": 0.0, "tp": 0, "gold": 3}])
    assert re.findall(r'<td data-value="(\w+)">', by_attribute) == ["Implicit", "Explicit"]
    assert "<button type=\"button\">value</button>" in by_attribute and "value</button></th><th" in by_attribute
    assert ">0.2500<" in by_attribute and by_attribute.count("<tr><td") == 2


def test_safe_names():
    names = safe_names(["doc1", "a/b", "Doc", "doc", "..x"])
    assert names["doc1"] == "doc1"
    assert re.fullmatch(r"a_b-[0-9a-f]{10}", names["a/b"])
    assert names["Doc"] != names["doc"] and names["Doc"].lower() != names["doc"].lower()
    assert not names["..x"].startswith(".")


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name in ("href", "src", "action", "srcset", "poster", "data") and value]


def test_site_references_nothing_outside_itself(built):
    site = built["site"].resolve()
    pages = list(site.rglob("*.html"))
    assert len(pages) == 1 + 3 + 3  # index, a page per run, a document view per run
    for page in pages:
        parser = _Links()
        source = page.read_text(encoding="utf-8")
        parser.feed(source)
        view = re.search(r'<script type="application/json" id="qb-view">(.*?)</script>', source)
        loaded = [src for _, data, text in json.loads(view.group(1))["docs"].values() for src in (data, text)] if view else []
        for link in parser.links + loaded:
            if link.startswith("#") or link == "data:,":
                continue
            assert not re.match(r"^[a-z][a-z0-9+.-]*:|^//", link, re.I), f"{page}: external reference {link}"
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.is_relative_to(site) and target.is_file(), f"{page}: {link} is not a file of the site"
    code = (site / "assets" / "site.css").read_text() + (site / "assets" / "site.js").read_text()
    assert "url(" not in code and "@import" not in code
    assert not re.search(r"https?:|fetch\(|XMLHttpRequest|import\(", code)


def test_index_lists_every_leaderboard_row(built):
    _, rows = read_leaderboard(built["results"] / LEADERBOARD_FILE)
    index = (built["site"] / "index.html").read_text(encoding="utf-8")
    found = re.findall(r'<tr data-model="([^"]+)" data-track="([^"]+)">', index)
    assert sorted(found) == sorted((r["model"], r["track"]) for r in rows)
    assert "Gold set: <strong>5 quotes</strong>" in index


def test_run_page_shows_figures_by_attribute(built):
    page = (run_folder(built["site"], "hand-attr") / "index.html").read_text(encoding="utf-8")
    assert "<h3>quote_type</h3>" in page
    # hand-attr: direct quotes q1 (correct), q3 (abstained), q5 (correct); indirect q2 (wrong), q4 (missed)
    explicit = re.search(r'<tr><td data-value="Explicit">Explicit</td>(.*?)</tr>', page).group(1)
    implicit = re.search(r'<tr><td data-value="Implicit">Implicit</td>(.*?)</tr>', page).group(1)
    assert ">0.6667<" in explicit and ">0.0000<" in implicit


def test_site_command_and_missing_leaderboard(tmp_path, built, capsys):
    (tmp_path / ".site-left-by-a-killed-build" / "runs").mkdir(parents=True)
    assert main(["site", "--gold", str(built["gold"]), "--results", str(tmp_path)]) == 0
    assert f"site: {tmp_path / 'site' / 'index.html'}" in capsys.readouterr().out
    assert "No runs recorded yet" in (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "site.lock"]


def test_run_scored_on_another_gold_has_no_document_views(tmp_path, built):
    other = gold_document()
    other["doc_id"] = "another_doc"
    other_gold = write_jsonl(tmp_path / "other.jsonl", [other])
    build_site(built["results"], other_gold)
    try:
        page = (run_folder(built["site"], "hand-e2e") / "index.html").read_text(encoding="utf-8")
        assert "scored on another gold file" in page
        assert not (run_folder(built["site"], "hand-e2e") / "view.html").exists()
    finally:
        build_site(built["results"], built["gold"])
    assert (run_folder(built["site"], "hand-e2e") / "view.html").is_file()


def test_compare_html_lists_the_differing_quotes(built, capsys):
    out = built["root"] / "compare.html"
    status = main(["compare", "hand-attr", "abstainer", "--gold", str(built["gold"]), "--results", str(built["results"]),
                   "--resamples", "200", "--html", str(out)])
    assert status == 0
    page = out.read_text(encoding="utf-8")
    # abstainer abstains on every quote: it differs from hand-attr on q1, q2, q5
    # (correct or wrong there) and q4 (missed by hand-attr), not on q3
    assert sorted(re.findall(r'<tr data-quote-id="([^"]+)"', page)) == ["q1", "q2", "q4", "q5"]
    assert "The bridge opens in May." in page
    assert "<link rel=\"stylesheet\"" not in page and "<script src" not in page  # self-contained


# --------------------------------------------------------------------------
# In a real browser

CHROMIUM = find_chromium()
needs_browser = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on this machine (.ci/install-browser installs Debian's with apt)"
)


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no chromium on this machine (.ci/install-browser installs Debian's with apt)")
    with Browser(CHROMIUM) as b:
        yield b


def fresh(browser: Browser, path: Path, fragment: str = "") -> None:
    """Open a page with the event log cleared, so that problems are its own;
    a document view is waited for until it has drawn its document."""
    browser.open("about:blank")
    browser.events.clear()
    browser.open(path, fragment)
    if path.name == "view.html":
        browser.wait_for("document.body.hasAttribute('data-ready')")


def no_problems(browser: Browser, site: Path) -> None:
    assert browser.problems() == []
    site_url = site.resolve().as_uri() + "/"
    outside = [u for u in browser.requested_urls() if not u.startswith(site_url)]
    assert outside == [], "requests outside the site"


def pixel_spread(png: bytes) -> float:
    from PIL import Image, ImageStat

    return ImageStat.Stat(Image.open(io.BytesIO(png)).convert("L")).stddev[0]


@needs_browser
def test_index_in_browser(browser, built):
    site = built["site"]
    _, rows = read_leaderboard(built["results"] / LEADERBOARD_FILE)
    fresh(browser, site / "index.html")
    found = browser.evaluate("Array.from(document.querySelectorAll('tr[data-model]')).map(r => [r.dataset.model, r.dataset.track])")
    assert sorted(map(tuple, found)) == sorted((r["model"], r["track"]) for r in rows)
    # sorting by keyboard: focus the "model" heading of the attribution table, press Enter, then Enter again
    table = "document.querySelector('tr[data-track=\"attribution\"]').closest('table')"
    models = f"Array.from({table}.tBodies[0].rows).map(r => r.dataset.model)"
    browser.evaluate(f"{table}.tHead.rows[0].cells[1].querySelector('button').focus()")
    browser.press("Enter")
    assert browser.evaluate(models) == ["abstainer", "hand-attr"]
    assert browser.evaluate(f"{table}.tHead.rows[0].cells[1].getAttribute('aria-sort')") == "ascending"
    browser.press("Enter")
    assert browser.evaluate(models) == ["hand-attr", "abstainer"]
    assert pixel_spread(browser.screenshot()) > 5
    no_problems(browser, site)


@pytest.mark.parametrize("model", ["hand-e2e", "hand-attr"])
@needs_browser
def test_document_view_marks_every_gold_quote(browser, built, model):
    site = built["site"]
    fresh(browser, run_folder(site, model) / "view.html", "d=hand_doc")
    marks = browser.evaluate("Array.from(document.querySelectorAll('mark[data-quote-id]')).map(m => [m.dataset.quoteId, m.dataset.outcome, m.textContent])")
    assert sorted(m[0] for m in marks) == sorted(EXPECTED)  # one mark per gold quote
    assert {m[0]: m[1] for m in marks} == EXPECTED
    assert {m[0]: m[2] for m in marks} == {q: words for q, (words, *_) in QUOTES.items()}
    unmatched = browser.evaluate("Array.from(document.querySelectorAll('mark[data-unmatched]')).map(m => m.textContent)")
    assert unmatched == ([UNMATCHED] if model == "hand-e2e" else [])
    if model == "hand-e2e":
        # q5's predicted span starts 3 characters late; the predicted mention "Smith" comes from the predictions file
        assert browser.evaluate("Array.from(document.querySelectorAll('#doc-text .d-pred')).map(n => n.textContent).join('')") == "will open on time,"
        assert browser.evaluate("Array.from(document.querySelectorAll('#doc-text .d-pm')).map(n => n.textContent)") == ["Alice Smith", "Smith"]
    assert browser.evaluate("Array.from(document.querySelectorAll('#doc-text .d-gm')).map(n => n.textContent).join('|')") == "Alice Smith|Bob Jones|Carol Wu|Dan Lee|Smith"
    # the page's text is the document's text
    assert browser.evaluate("document.getElementById('doc-text').textContent") == TEXT
    no_problems(browser, site)


def choose(browser: Browser, select_id: str, value: str) -> None:
    browser.evaluate(f"(s => {{ s.value = {json.dumps(value)}; s.dispatchEvent(new Event('change')); }})(document.getElementById({json.dumps(select_id)}))")


@needs_browser
def test_a_document_without_gold_quotes_shows_its_unmatched_prediction(browser, built):
    site = built["site"]
    run_page = (run_folder(site, "hand-e2e") / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<a href="view.html#d=quiet_doc">quiet_doc</a></td>(<td class="num">0</td>){5}<td class="num">1</td>', run_page)
    fresh(browser, run_folder(site, "hand-e2e") / "view.html", "d=quiet_doc")
    assert browser.evaluate("document.querySelectorAll('mark[data-quote-id]').length") == 0
    assert browser.evaluate("Array.from(document.querySelectorAll('mark[data-unmatched]')).map(m => m.textContent)") == ["Nothing was said here,"]
    no_problems(browser, site)


@needs_browser
def test_document_view_focus_and_filters(browser, built):
    site = built["site"]
    fresh(browser, run_folder(site, "hand-e2e") / "view.html", "d=hand_doc")
    # Tab from the page's text area reaches the first quote; the detail line compares the speakers
    browser.evaluate("document.getElementById('doc-text').setAttribute('tabindex', '-1'); document.getElementById('doc-text').focus()")
    browser.press("Tab")
    assert browser.evaluate("document.activeElement.dataset.quoteId") == "q1"
    browser.press("Tab")
    assert browser.evaluate("document.activeElement.dataset.quoteId") == "q2"
    detail = browser.evaluate("document.getElementById('detail').textContent")
    assert "Gold: Bob Jones (bob_jones)" in detail and "Predicted: \u201cCarol Wu\u201d \u2192 Carol Wu (carol_wu)" in detail
    # filter by outcome, then by speaker
    dimmed = "Array.from(document.querySelectorAll('mark[data-quote-id]')).filter(m => !m.classList.contains('dim')).map(m => m.dataset.quoteId).sort()"
    choose(browser, "filter-outcome", "correct")
    assert browser.evaluate(dimmed) == ["q1", "q5"]
    assert browser.evaluate("document.getElementById('list-count').textContent") == "2"
    choose(browser, "filter-speaker", "alice_smith")
    choose(browser, "filter-outcome", "")
    assert browser.evaluate(dimmed) == ["q1", "q5"]
    choose(browser, "filter-speaker", "dan_lee")
    assert browser.evaluate(dimmed) == ["q4"]
    assert pixel_spread(browser.screenshot()) > 5
    no_problems(browser, site)


@needs_browser
def test_pages_fit_a_phone(browser, built):
    site = built["site"]
    browser.set_width(360, 740, mobile=True)
    try:
        for page in (site / "index.html", run_folder(site, "hand-e2e") / "index.html", run_folder(site, "hand-e2e") / "view.html"):
            fresh(browser, page, "d=hand_doc" if page.name == "view.html" else "")
            assert browser.evaluate("document.documentElement.scrollWidth") <= 360, page
            no_problems(browser, site)
    finally:
        browser.set_width(1280, 900)


@needs_browser
def test_a_novel_opens_one_page_at_a_time(browser, tmp_path):
    """900,000 characters and 3,000 quotes: the view holds one page of about
    20,000 characters, and a quote's link brings its page."""
    paragraph = 'It was late, and the rain had not stopped. "We should go home now," said Mary. The wind rose over the hills.'
    paragraphs = [paragraph] * 8200
    text = "\n\n".join(paragraphs) + "\n"
    assert len(text) >= 900_000
    quotes, step = [], len(paragraph) + 2
    first = paragraph.index("We should")
    for i in range(3000):
        start = i * 2 * step + first
        quotes.append({"id": f"q{i}", "start": start, "end": start + len("We should go home now,"), "type": "direct",
                       "speaker": "mary", "speaker_mention": None, "cue": None})
    mentions = [{"start": i * 2 * step + paragraph.index("Mary"), "end": i * 2 * step + paragraph.index("Mary") + 4} for i in range(3000)]
    gold = write_jsonl(tmp_path / "novel.jsonl", [{
        "doc_id": "novel", "source": "novel.txt", "text": text,
        "entities": [{"id": "mary", "name": "Mary", "kind": "person", "aliases": ["Mary"], "mentions": mentions}],
        "quotes": quotes,
    }])
    pred = write_jsonl(tmp_path / "pred.jsonl", [{"doc_id": "novel", "quote_id": f"q{i}", "speaker": "Mary" if i % 2 else "John"} for i in range(3000)])
    assert main(["score", str(pred), "--name", "novel", "--gold", str(gold), "--results", str(tmp_path / "results"), "--bootstrap", "20"]) == 0
    site = tmp_path / "results" / "site"
    started = time.monotonic()
    fresh(browser, run_folder(site, "novel") / "view.html", "d=novel")
    n_pages = browser.evaluate("document.getElementById('page-select').options.length")
    cuts = page_cuts(text, [(q["start"], q["end"]) for q in quotes])
    assert n_pages == len(cuts) - 1 >= 45
    shown = browser.evaluate("document.getElementById('doc-text').textContent.length")
    assert 10_000 <= shown <= 20_000
    marks = browser.evaluate("document.querySelectorAll('mark[data-quote-id]').length")
    assert 0 < marks < 200
    browser.evaluate("location.hash = '#d=novel&q=q2999'")
    browser.wait_for("document.activeElement.dataset.quoteId")
    assert browser.evaluate("document.activeElement.dataset.quoteId") == "q2999"
    assert browser.evaluate("document.activeElement.dataset.outcome") == "correct"
    last_quote_page = max(i for i, cut in enumerate(cuts) if cut <= quotes[-1]["start"])
    assert browser.evaluate("document.getElementById('page-select').value") == str(last_quote_page)
    print(f"novel view opened and jumped in {time.monotonic() - started:.2f} s")
    no_problems(browser, site)


@needs_browser
def test_compare_page_in_browser(browser, built):
    out = built["root"] / "compare-browser.html"
    assert main(["compare", "hand-e2e", "hand-e2e", "--gold", str(built["gold"]), "--results", str(built["results"]),
                 "--resamples", "50", "--html", str(out)]) == 0
    fresh(browser, out)
    assert browser.evaluate("document.querySelectorAll('tr[data-quote-id]').length") == 0  # a run never differs from itself
    assert "0 of 5 gold quotes" in browser.evaluate("document.querySelector('caption').textContent")
    assert browser.problems() == [] and browser.requested_urls() == [out.resolve().as_uri()]
