"""The document view of a run: one page per run, ``view.html``, that shows
any of its documents (``view.html#d=<doc>``, ``#d=<doc>&q=<quote id>``,
``#d=<doc>&p=<page>``), and the files it loads.

A site holds many runs of the same documents, and a corpus may hold 10,000
documents or a novel of 900,000 characters, so nothing is written once per
(run, document):

- ``texts/<gold sha256[:12]>/tNNNNN.js``: the gold set's texts, shared by all
  runs, bundled into files of about ``TEXT_CHUNK_CHARACTERS`` (a longer
  document is a file of its own);
- ``runs/.../data/dNNNNN.js``: what the run did with each document's quotes,
  bundled into files of about ``DATA_CHUNK_BYTES``;
- ``runs/.../view.html``: the page, with the map of documents to files.

The page loads a document's two files with ``<script>`` elements (browsers
refuse ``fetch`` on ``file:`` URLs) and draws one page of its text at a
time: pages of about ``PAGE_CHARACTERS`` cut at line breaks outside every
gold quote (:func:`benchmark.site.build.page_cuts`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from benchmark.site.html import OUTCOME_LABELS, OUTCOMES, esc, page, script_json

TEXT_CHUNK_CHARACTERS = 2_000_000
DATA_CHUNK_BYTES = 1_000_000
VIEW_PAGE = "view.html"


def _bundles(items: Iterable[tuple[str, str]], limit: int) -> Iterable[list[tuple[str, str]]]:
    """(key, JS source) items grouped in order into bundles of at most
    ``limit`` characters (one item alone may exceed it)."""
    bundle: list[tuple[str, str]] = []
    size = 0
    for key, source in items:
        if bundle and size + len(source) > limit:
            yield bundle
            bundle, size = [], 0
        bundle.append((key, source))
        size += len(source)
    if bundle:
        yield bundle


def write_texts(folder: Path, documents, names: dict[str, str]) -> dict[str, str]:
    """Write the documents' texts as script files in ``folder``; return each
    document's file name."""
    folder.mkdir(parents=True, exist_ok=True)
    where: dict[str, str] = {}
    items = (
        (d.doc_id, f"window.QB_TEXTS[{json.dumps(names[d.doc_id])}]={json.dumps(d.text, ensure_ascii=False)};\n")
        for d in documents
    )
    for n, bundle in enumerate(_bundles(items, TEXT_CHUNK_CHARACTERS), start=1):
        name = f"t{n:05d}.js"
        (folder / name).write_text("window.QB_TEXTS=window.QB_TEXTS||{};\n" + "".join(s for _, s in bundle), encoding="utf-8")
        for doc_id, _ in bundle:
            where[doc_id] = name
    return where


def _columns(columns: dict[str, list]) -> dict[str, list]:
    """Without the columns that hold only nulls (the page reads a missing
    column as nulls)."""
    return {k: v for k, v in columns.items() if any(x is not None for x in v)}


def document_data(doc, entries: list[dict], unmatched: list[dict], mentions: dict, track: str, cuts: list[int], outcome) -> dict[str, Any]:
    """What the page needs to draw one document of a run: its page cuts, its
    entities' names, per gold quote (in text order) the gold and predicted
    sides and the outcome, and the predictions that matched no gold quote.
    Quotes and unmatched predictions are stored by column (a list per
    field), which is smaller and faster to write than an object per quote."""
    gold_quotes = {q.id: q for q in doc.quotes}
    pairs = sorted(
        ((gold_quotes[e["quote_id"]], e) for e in entries if e["quote_id"] in gold_quotes),
        key=lambda pair: (pair[0].start, -pair[0].end),
    )
    doc_id = doc.doc_id
    if track == "attribution":
        mention_of = [mentions.get((doc_id, q.id)) if e.get("matched") else None for q, e in pairs]
    else:
        mention_of = [
            mentions.get((doc_id, e.get("predicted_start"), e.get("predicted_end"))) if e.get("matched") else None for q, e in pairs
        ]
    quotes = _columns({
        "id": [q.id for q, _ in pairs],
        "start": [q.start for q, _ in pairs],
        "end": [q.end for q, _ in pairs],
        "type": [q.type for q, _ in pairs],
        "gold_speaker": [q.speaker for q, _ in pairs],
        "outcome": [outcome(e) for _, e in pairs],
        "matched": [bool(e.get("matched")) for _, e in pairs],
        "predicted_speaker": [e.get("predicted_speaker") for _, e in pairs],
        "resolved_speaker": [e.get("resolved_speaker") for _, e in pairs],
        "ps": [e.get("predicted_start") for _, e in pairs],
        "pe": [e.get("predicted_end") for _, e in pairs],
        "gm_start": [q.speaker_mention.start if q.speaker_mention else None for q, _ in pairs],
        "gm_end": [q.speaker_mention.end if q.speaker_mention else None for q, _ in pairs],
        "pm_start": [m[0] if m else None for m in mention_of],
        "pm_end": [m[1] if m else None for m in mention_of],
        "cue_start": [q.cue.start if q.cue else None for q, _ in pairs],
        "cue_end": [q.cue.end if q.cue else None for q, _ in pairs],
        "attributes": [getattr(q, "attributes", None) or None for q, _ in pairs],
    })
    unmatched = sorted(unmatched, key=lambda u: (u["start"], u["end"]))
    unmatched_mentions = [mentions.get((doc_id, u.get("start"), u.get("end"))) for u in unmatched]
    unmatched_out = _columns({
        "start": [u["start"] for u in unmatched],
        "end": [u["end"] for u in unmatched],
        "speaker": [u.get("speaker") for u in unmatched],
        "resolved_speaker": [u.get("resolved_speaker") for u in unmatched],
        "pm_start": [m[0] if m else None for m in unmatched_mentions],
        "pm_end": [m[1] if m else None for m in unmatched_mentions],
    })
    return {
        "doc_id": doc_id, "length": len(doc.text), "pages": cuts,
        "entities": {e.id: e.name for e in doc.entities},
        "n_quotes": len(pairs), "quotes": quotes, "n_unmatched": len(unmatched), "unmatched": unmatched_out,
    }


def write_run_documents(
    run_folder: Path, *, root: str, title: str, track: str, run_href: str,
    documents: list[tuple[str, str, dict[str, Any]]], text_files: dict[str, str], texts_href: str,
) -> None:
    """Write a run's data files and its ``view.html``; ``documents`` are
    (doc_id, file-safe name, :func:`document_data`) in the run's order."""
    data_folder = run_folder / "data"
    data_folder.mkdir(parents=True, exist_ok=True)
    docs: dict[str, list[str]] = {}
    items = (
        (name, f"window.QB_DOCS[{json.dumps(name)}]={script_json(data)};\n") for doc_id, name, data in documents
    )
    names_to_ids = {name: doc_id for doc_id, name, _ in documents}
    for n, bundle in enumerate(_bundles(items, DATA_CHUNK_BYTES), start=1):
        file_name = f"d{n:05d}.js"
        (data_folder / file_name).write_text("window.QB_DOCS=window.QB_DOCS||{};\n" + "".join(s for _, s in bundle), encoding="utf-8")
        for name, _ in bundle:
            doc_id = names_to_ids[name]
            docs[name] = [doc_id, f"data/{file_name}", f"{texts_href}/{text_files[doc_id]}"]
    view = {"track": track, "title": title, "docs": docs, "order": [name for _, name, _ in documents]}
    (run_folder / VIEW_PAGE).write_text(_view_page(view, root=root, title=title, run_href=run_href), encoding="utf-8")


def _view_page(view: dict[str, Any], *, root: str, title: str, run_href: str) -> str:
    outcome_options = "".join(f'<option value="{o}">{OUTCOME_LABELS[o]}</option>' for o in OUTCOMES)
    if view["track"] == "end-to-end":
        outcome_options += '<option value="unmatched">unmatched predictions</option>'
    body = f"""<h1 id="doc-title">{esc(title)}</h1>
<p class="muted" id="doc-summary">{esc(title)}</p>
<p class="key"><span><mark data-outcome="correct" class="q">correct</mark></span> <span><mark data-outcome="wrong-speaker" class="q">wrong speaker</mark></span> <span><mark data-outcome="abstained" class="q">abstained</mark></span> <span><mark data-outcome="missed" class="q">missed</mark></span> <span><mark class="unmatched">prediction matching no gold quote</mark></span> <span><span class="d-pred">predicted span, where it differs</span></span> <span><span class="d-gm">gold speaker mention</span></span> <span><span class="d-pm">predicted speaker mention</span></span> <span><span class="d-cue">cue</span></span></p>
<div class="controls">
<label for="filter-speaker">Gold speaker<select id="filter-speaker"><option value="">all speakers</option></select></label>
<label for="filter-outcome">Outcome<select id="filter-outcome"><option value="">all outcomes</option>{outcome_options}</select></label>
<div class="pager"><button type="button" id="page-prev">← previous</button><label for="page-select" class="hide-narrow">Page</label><select id="page-select"></select><button type="button" id="page-next">next →</button></div>
</div>
<noscript><p>The document view needs JavaScript.</p></noscript>
<div id="doc-text" aria-label="document text" aria-live="off">Loading…</div>
<div id="detail" role="status" aria-live="polite">Hover over or tab to a quote to compare its gold and predicted speaker.</div>
<details open><summary>Quotes of this document (<span id="list-count">0</span> shown)</summary>
<div class="table-wrap"><table id="quote-list" class="sortable"><thead><tr><th scope="col" class="num" data-sort="num"><button type="button">quote</button></th><th scope="col" data-sort="text"><button type="button">type</button></th><th scope="col" data-sort="text"><button type="button">outcome</button></th><th scope="col" data-sort="text"><button type="button">gold speaker</button></th><th scope="col" data-sort="text"><button type="button">predicted speaker</button></th></tr></thead><tbody></tbody></table></div>
</details>
<script type="application/json" id="qb-view">{script_json(view)}</script>"""
    return page(f"documents · {title}", body, root=root,
                crumbs=[("leaderboard", f"{root}index.html"), (title, run_href), ("documents", None)])
