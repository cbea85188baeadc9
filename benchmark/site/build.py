"""``results/site/``: the leaderboard and every run as static HTML that opens
from disk, with no server and nothing fetched from the network.

Layout of the site (every link relative, every file inside the site folder):

- ``index.html``: the leaderboard, one sortable table per signature;
- ``runs/<model>/<stamp>-<track>/index.html``: one page per leaderboard row's
  run (the folder of its record under ``results/runs/``);
- ``runs/.../view.html#d=<doc>``, ``runs/.../data/``, ``texts/<gold sha>/``:
  the document view of that run (see :mod:`benchmark.site.documents`);
- ``assets/site.css``, ``assets/site.js``.

A run's documents can only be shown against the gold set it was scored on:
runs of another gold file (a different ``gold_sha256``) get their page
without document views, and say so.

The whole site is written to a temporary folder beside it and swapped in
under a lock, so a reader never sees half a site and two commands writing it
at once do not mix their files.  A run's folder depends only on its record
(never changed), the gold set and this code: when those match the stamp of
the previous site's folder, it is carried over by hard links instead of
being drawn again.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

from benchmark.forked import SHARED, can_fork, map_forked
from benchmark.site import assets, documents
from benchmark.site.html import (
    OUTCOME_LABELS,
    OUTCOMES,
    bar_chart,
    esc,
    interval_svg,
    num_cell,
    number,
    page,
    plural,
    table,
)

SITE_FOLDER = "site"
LOCK_FILE = "site.lock"  # results/*.lock is ignored by git
PAGE_CHARACTERS = 20_000
"""A document view shows about this many characters at a time."""

CHART_SPEAKERS = 30
"""The per-speaker chart shows the speakers with the most gold quotes, up to this many."""

_BREAK = re.compile(r"\n\s*\n|\n")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


# --------------------------------------------------------------------------
# Rules the pages rely on


def quote_outcome(entry: dict[str, Any]) -> str:
    """What happened to one gold quote of a run record (``result["quotes"]``):

    - ``missed``: no prediction was paired with it (end-to-end: no predicted
      span matched it; attribution: no row for its ``quote_id``);
    - ``abstained``: the paired prediction's speaker is null or empty;
    - ``correct``: the paired prediction is credited to the gold speaker;
    - ``wrong-speaker``: any other paired prediction, including one naming a
      speaker for a gold quote whose text names none.
    """
    if not entry.get("matched"):
        return "missed"
    if entry.get("predicted_speaker") in (None, ""):
        return "abstained"
    return "correct" if entry.get("correct") else "wrong-speaker"


def page_cuts(text: str, spans: Iterable[tuple[int, int]], target: int = PAGE_CHARACTERS) -> list[int]:
    """Where a document view's pages start and end: ``[0, c1, ..., len(text)]``.

    A page ends at a line break (a blank line preferred by the search, since
    it is one match of the pattern) that falls inside none of ``spans``;
    each page is cut at the last such break within ``target`` characters of
    its start, or at the first one after when there is none within (a page
    is then longer than ``target``).  A text without breaks is one page.
    """
    n = len(text)
    if n <= target:
        return [0, n]
    covered = sorted((s, e) for s, e in spans if e > s)
    merged: list[list[int]] = []
    for s, e in covered:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    starts = [m[0] for m in merged]
    breaks = []
    for match in _BREAK.finditer(text):
        cut = match.end()
        at = bisect.bisect_right(starts, cut) - 1
        inside = at >= 0 and merged[at][0] < cut < merged[at][1]
        if not inside and 0 < cut < n:
            breaks.append(cut)
    cuts = [0]
    while n - cuts[-1] > target:
        start = cuts[-1]
        i = bisect.bisect_right(breaks, start + target) - 1
        if i >= 0 and breaks[i] > start:
            cuts.append(breaks[i])
            continue
        j = bisect.bisect_right(breaks, start)
        if j >= len(breaks):
            break
        cuts.append(breaks[j])
    cuts.append(n)
    return cuts


def safe_names(ids: Iterable[str]) -> dict[str, str]:
    """A file name per id: the id itself when it is made of safe characters
    and unique ignoring case, else a cleaned prefix and a hash of the id."""
    ids = list(dict.fromkeys(ids))
    folded = Counter(i.lower() for i in ids)
    names = {}
    for ident in ids:
        clean = _SAFE_NAME.sub("_", ident)[:80].lstrip(".") or "_"
        if clean != ident or folded[ident.lower()] > 1:
            clean = f"{clean}-{hashlib.sha256(ident.encode('utf-8')).hexdigest()[:10]}"
        names[ident] = clean
    return names


# --------------------------------------------------------------------------
# Reading what the results folder holds


def load_gold_set(gold_path_or_gold: Any):
    from benchmark.gold import GoldSet, load_gold

    if isinstance(gold_path_or_gold, GoldSet):
        return gold_path_or_gold
    return load_gold(gold_path_or_gold)


def _runs(results: Path) -> list[tuple[dict[str, str], bool]]:
    """(leaderboard row, whether its record is there) in the leaderboard's
    order; records are read only for the runs that are drawn."""
    from benchmark.leaderboard import LEADERBOARD_FILE, read_leaderboard

    _, rows = read_leaderboard(results / LEADERBOARD_FILE)
    return [(row, bool(row.get("record")) and (results / row["record"]).is_file()) for row in rows]


def _run_folder(row: dict[str, str]) -> str:
    """The run's folder in the site: its record's folder under results/."""
    parts = PurePosixPath(row.get("record", "").replace("\\", "/")).parent.parts
    if len(parts) >= 2 and all(p not in ("", ".", "..") and not _SAFE_NAME.search(p) for p in parts):
        return "/".join(parts)
    digest = hashlib.sha256(f"{row['model']}|{row['signature']}".encode()).hexdigest()[:12]
    return f"runs/{_SAFE_NAME.sub('_', row['model'])}/{digest}"


def _predictions_file(results: Path, record: dict[str, Any], record_path: Path) -> Path | None:
    """The predictions file a record was scored from, if it is still there
    unchanged (its sha256 is in the record)."""
    info = record.get("predictions") or {}
    named, sha = info.get("path"), info.get("sha256")
    if not named or not sha:
        return None
    candidates = [Path(named)] if os.path.isabs(named) else [Path(named), results.parent / named, results / named]
    candidates.append(record_path.parent / "predictions.jsonl")
    from benchmark.leaderboard import file_sha256

    for candidate in candidates:
        if candidate.is_file() and file_sha256(candidate) == sha:
            return candidate
    return None


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def predicted_mentions(path: Path, track: str) -> dict[tuple, tuple[int, int]]:
    """The speaker spans (``speaker_start``/``speaker_end``) of a predictions
    file, keyed by (doc_id, quote_id) in the attribution track and by
    (doc_id, start, end) end to end.  The file was validated when it was
    scored; rows without a speaker span are left out."""
    import orjson

    rows: Iterable[dict[str, Any]]
    if path.suffix.lower() == ".csv":
        fh = open(path, encoding="utf-8", newline="")
        rows = csv.DictReader(fh)
    else:
        fh = open(path, "rb")
        rows = (orjson.loads(line) for line in fh if b'"speaker_start"' in line)
    spans: dict[tuple, tuple[int, int]] = {}
    with fh:
        for row in rows:
            if not isinstance(row, dict):
                continue
            s, e = _int_or_none(row.get("speaker_start")), _int_or_none(row.get("speaker_end"))
            if s is None or e is None:
                continue
            if track == "attribution":
                key: tuple = (row.get("doc_id"), row.get("quote_id"))
            else:
                key = (row.get("doc_id"), _int_or_none(row.get("start")), _int_or_none(row.get("end")))
            spans.setdefault(key, (s, e))
    return spans


# --------------------------------------------------------------------------
# Pages


def _signature_anchor(signature: str) -> str:
    return "sig-" + hashlib.sha256(signature.encode()).hexdigest()[:10]


def _index_page(runs, run_folders: dict[int, str], gold, gold_label: str) -> str:
    groups: dict[str, list[int]] = {}
    for i, (row, _) in enumerate(runs):
        groups.setdefault(row["signature"], []).append(i)
    body = [
        "<h1>Leaderboard</h1>",
        f'<p class="muted">Ranked by micro F1 within each signature; results of different signatures are never ranked together. '
        f"Current gold set: {esc(gold_label)}, {plural(len(gold.documents), 'document')}, {plural(gold.n_quotes, 'quote')} "
        f"(sha256 <code>{esc(gold.sha256[:12])}</code>). Click or press a column's heading to sort by it.</p>",
    ]
    if not runs:
        body.append("<p>No runs recorded yet: <code>quotebench baselines</code>, <code>score</code> or <code>submit</code> add them.</p>")
    if len(groups) > 1:
        body.append('<nav aria-label="signatures"><ul>')
        body += [f'<li><a href="#{_signature_anchor(s)}"><code>{esc(s)}</code></a></li>' for s in groups]
        body.append("</ul></nav>")
    for signature, members in groups.items():
        first = runs[members[0]][0]
        track = first["track"]
        n_gold = first.get("n_gold", "")
        same_gold = first.get("gold_sha256") == gold.sha256
        size = (
            f"Gold set: <strong>{plural(int(n_gold), 'quote') if str(n_gold).isdigit() else esc(n_gold)}</strong>"
            + (f" in {plural(len(gold.documents), 'document')} (the current gold file)" if same_gold else f" (gold sha256 {esc(first.get('gold_sha256', '')[:12])}, not the current gold file)")
        )
        columns = [("rank", "num"), ("model", "text"), ("P", "num"), ("R", "num"), ("F1, 95% interval", "num"), ("macro F1", "num")]
        if track == "end-to-end":
            columns.append(("detection F1", "num"))
        columns += [("n_gold", "num"), ("submitted", "text")]
        rows = []
        for i in members:
            row, has_record = runs[i]
            model = esc(row["model"])
            name = f'<a href="{esc(run_folders[i])}/index.html">{model}</a>' if has_record else f'{model} <span class="note">(record missing)</span>'
            f1 = _float(row.get("f1"))
            ci = interval_svg(f1, _float(row.get("f1_ci_low")), _float(row.get("f1_ci_high")))
            cells = [
                num_cell(row.get("rank"), 0) if row.get("rank") else '<td class="num">–</td>',
                f'<td data-value="{model}">{name}</td>',
                num_cell(row.get("precision")),
                num_cell(row.get("recall")),
                f'<td class="num" data-value="{esc(row.get("f1", ""))}">{number(row.get("f1"))}{ci}</td>',
                num_cell(row.get("macro_f1")),
            ]
            if track == "end-to-end":
                cells.append(num_cell(row.get("detection_f1")))
            submitted = row.get("submitted_at", "")
            cells += [
                num_cell(row.get("n_gold"), 0),
                f'<td data-value="{esc(submitted)}"><time datetime="{esc(submitted)}" title="{esc(submitted)}">{esc(submitted[:10])}</time></td>',
            ]
            rows.append(f'<tr data-model="{model}" data-track="{esc(row["track"])}">{"".join(cells)}</tr>\n')
        body.append(f'<section id="{_signature_anchor(signature)}" aria-label="{esc(track)} track, {esc(signature)}">')
        body.append(f"<h2>{esc(track)} track</h2>")
        body.append(f'<p class="muted">Signature <code>{esc(signature)}</code></p>')
        body.append(table(columns, rows, caption=f"{plural(len(members), 'run')}. {size}.", table_id=_signature_anchor(signature) + "-table",
                          css_class="leaderboard"))
        body.append("</section>")
    return page("Leaderboard", "\n".join(body), root="", crumbs=[("leaderboard", None)])


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def breakdown_table(title: str, breakdown: dict[str, Any] | list[dict[str, Any]]) -> str:
    """A table of figures per value: ``recall_by_type`` (a mapping value ->
    figures) or one attribute of ``by_attribute`` (a list of rows, each with
    its ``value``), whatever numbers the figures hold."""
    if isinstance(breakdown, dict):
        items = [(value, figures) for value, figures in breakdown.items() if isinstance(figures, dict)]
    else:
        items = [(row.get("value"), row) for row in breakdown if isinstance(row, dict)]
    keys: list[str] = []
    for _, figures in items:
        keys += [
            k for k, v in figures.items()
            if k not in keys and k != "value" and isinstance(v, (int, float)) and not isinstance(v, bool)
        ]
    rows = []
    for value, figures in items:
        cells = "".join(num_cell(figures.get(k), 0 if isinstance(figures.get(k), int) else 4) for k in keys)
        rows.append(f'<tr><td data-value="{esc(value)}">{esc(value)}</td>{cells}</tr>\n')
    columns = [("value", "text")] + [(esc(k.replace("_", " ")), "num") for k in keys]
    return table(columns, rows, caption=esc(title))


def _run_page(row, record, *, root: str, doc_links: dict[str, str] | None, outcome_counts, unmatched_counts, note: str) -> str:
    result = record["result"]
    micro, macro = result["micro"], result["macro"]
    ci = (result.get("ci") or {}).get("f1") or [None, None]
    title = f"{result['model']} ({result['track']})"
    facts = [
        ("model", esc(result["model"])),
        ("track", esc(result["track"])),
        ("signature", f"<code>{esc(result['signature'])}</code>"),
        ("submitted", esc(record.get("submitted_at", ""))),
        ("command", f"<code>{esc(' '.join(map(str, record.get('command') or [])))}</code>"),
        ("micro P / R / F1", f"{number(micro['precision'])} / {number(micro['recall'])} / {number(micro['f1'])} "
         f"{interval_svg(micro['f1'], _float(ci[0]), _float(ci[1]))} (95% interval {number(ci[0])}–{number(ci[1])})"),
        ("macro P / R / F1", f"{number(macro['precision'])} / {number(macro['recall'])} / {number(macro['f1'])}"),
        ("gold quotes", f"{result['n_gold']} ({result.get('n_gold_with_speaker', '?')} with a speaker), {plural(result.get('n_documents', 0), 'document')}"),
        ("predictions", f"{result['n_predicted']} ({result.get('n_abstained', 0)} abstained)"),
    ]
    if result.get("detection"):
        d = result["detection"]
        facts.append(("quote detection P / R / F1", f"{number(d['precision'])} / {number(d['recall'])} / {number(d['f1'])}"))
    body = [f"<h1>{esc(title)}</h1>", '<dl class="facts">', *(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts), "</dl>"]
    if note:
        body.append(f'<p class="note">{esc(note)}</p>')

    per_speaker = result.get("per_speaker") or []
    body.append("<h2>Per speaker</h2>")
    charted = [r for r in per_speaker if r.get("gold", 0) > 0][:CHART_SPEAKERS]
    if charted:
        more = f" (the {len(charted)} with most gold quotes)" if len([r for r in per_speaker if r.get("gold", 0) > 0]) > len(charted) else ""
        body.append(bar_chart([{**r, "label": r.get("name") or r["speaker"]} for r in charted], title=f"Precision, recall and F1 per speaker{more}"))
    rows = [
        f'<tr><td data-value="{esc(r.get("name") or r["speaker"])}">{esc(r.get("name") or "")} <code>{esc(r["speaker"])}</code></td>'
        f'{num_cell(r["precision"])}{num_cell(r["recall"])}{num_cell(r["f1"])}{num_cell(r["tp"], 0)}{num_cell(r["predicted"], 0)}{num_cell(r["gold"], 0)}</tr>\n'
        for r in per_speaker
    ]
    body.append(table(
        [("speaker", "text"), ("P", "num"), ("R", "num"), ("F1", "num"), ("tp", "num"), ("predicted", "num"), ("gold", "num")],
        rows, caption=f"{plural(len(per_speaker), 'speaker')}; gold set: {plural(result['n_gold'], 'quote')}",
    ))
    if result.get("recall_by_type"):
        body.append("<h2>Recall by quote type</h2>")
        body.append(breakdown_table(f"gold set: {plural(result['n_gold'], 'quote')}", result["recall_by_type"]))
    by_attribute = result.get("by_attribute")
    if isinstance(by_attribute, dict) and by_attribute:
        body.append("<h2>Precision and recall by attribute</h2>")
        for attribute, breakdown in by_attribute.items():
            if isinstance(breakdown, (dict, list)):
                body.append(f"<h3>{esc(attribute)}</h3>")
                body.append(breakdown_table(f"by {attribute}; gold set: {plural(result['n_gold'], 'quote')}", breakdown))

    body.append("<h2>Documents</h2>")
    columns = [("document", "text"), ("quotes", "num")] + [(OUTCOME_LABELS[o], "num") for o in OUTCOMES]
    if result["track"] == "end-to-end":
        columns.append(("unmatched predictions", "num"))
    rows = []
    end_to_end = result["track"] == "end-to-end"
    for doc_id, counts in outcome_counts.items():
        link = doc_links.get(doc_id) if doc_links else None
        name = f'<a href="{esc(link)}">{esc(doc_id)}</a>' if link else esc(doc_id)
        figures = [sum(counts.values()), *(counts.get(o, 0) for o in OUTCOMES)] + ([unmatched_counts.get(doc_id, 0)] if end_to_end else [])
        # counts need no escaping, and there may be 10,000 documents
        cells = "".join(f'<td class="num">{n}</td>' for n in figures)
        rows.append(f'<tr><td data-value="{esc(doc_id)}">{name}</td>{cells}</tr>\n')
    body.append(table(columns, rows, caption=f"{plural(len(outcome_counts), 'document')}; what happened to each gold quote"))
    return page(title, "\n".join(body), root=root, crumbs=[("leaderboard", f"{root}index.html"), (title, None)])


# --------------------------------------------------------------------------
# The site


# A run's pages depend only on its record, the gold set and this code: a run
# folder of the previous site whose stamp matches is carried into the new one
# instead of being drawn again (records are never changed).
STAMP_FILE = ".built.json"


def _code_stamp() -> str:
    from benchmark import __version__

    digest = hashlib.sha256(__version__.encode())
    for module in ("build.py", "documents.py", "html.py", "assets.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    return digest.hexdigest()


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _reuse(old_site: Path | None, staging: Path, folder: str, stamp: dict[str, str]) -> bool:
    """Move ``folder`` from the previous site into the new one when it was
    built from the same inputs by the same code."""
    if old_site is None:
        return False
    old = old_site / folder
    try:
        if json.loads((old / STAMP_FILE).read_text(encoding="utf-8")) != stamp:
            return False
    except (OSError, ValueError):
        return False
    # Hard links: the previous site stays whole until the new one replaces
    # it, and no file of a site is ever changed in place.
    shutil.copytree(old, staging / folder, copy_function=_link_or_copy)
    return True


def _link_or_copy(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _render(site: Path, old_site: Path | None, results: Path, gold, gold_label: str, processes: int | None = None,
            drawn_before: Path | None = None) -> None:
    runs = _runs(results)
    folders = {i: _run_folder(row) for i, (row, _) in enumerate(runs)}
    code = _code_stamp()
    _write(site / "assets" / "site.css", assets.CSS)
    _write(site / "assets" / "site.js", assets.JS)
    _write(site / "index.html", _index_page(runs, folders, gold, gold_label))

    texts_folder = f"texts/{gold.sha256[:12] or 'memory'}"
    names: dict[str, str] | None = None
    text_files: dict[str, str] | None = None

    def texts() -> tuple[dict[str, str], dict[str, str]]:
        """The gold set's texts, written (or kept) once for every run that shows them."""
        nonlocal names, text_files
        if text_files is None:
            names = safe_names(d.doc_id for d in gold.documents)
            stamp = {"code": code, "gold": gold.sha256}
            if _reuse(old_site, site, texts_folder, stamp):
                text_files = json.loads((site / texts_folder / "files.json").read_text(encoding="utf-8"))
            else:
                text_files = documents.write_texts(site / texts_folder, gold.documents, names)
                _write(site / texts_folder / "files.json", json.dumps(text_files))
                _write(site / texts_folder / STAMP_FILE, json.dumps(stamp))
        assert names is not None
        return names, text_files

    drawn = []  # (index, stamp) of the runs to draw: the others are carried over
    for i, (row, has_record) in enumerate(runs):
        if not has_record:
            continue
        same_gold = row.get("gold_sha256") == gold.sha256
        stamp = {"code": code, "gold": gold.sha256, "record": row["record"]}
        if same_gold:
            texts()  # its view points at them
        if not (_reuse(old_site, site, folders[i], stamp) or _reuse(drawn_before, site, folders[i], stamp)):
            drawn.append((i, stamp))
    context = {"site": site, "results": results, "runs": runs, "folders": folders, "gold": gold, "texts": texts,
               "texts_written": text_files is not None, "cuts": {}, "processes": processes}
    for i, stamp in _drawn_in_processes(drawn, context):  # those that could not be drawn there
        _draw_run(context, i, stamp, in_process=False)


def _draw_run(context: dict[str, Any], i: int, stamp: dict[str, str], *, in_process: bool) -> bool:
    """Draw the folder of run ``i`` (its page and document view, or a page
    saying its record cannot be read); False, drawing nothing, when
    ``in_process`` (a forked process) and the run needs the gold set's
    texts that the site does not hold yet (only the first process may write
    them)."""
    from benchmark.errors import InputError
    from benchmark.leaderboard import load_record

    site, results, gold, folder = context["site"], context["results"], context["gold"], context["folders"][i]
    row = context["runs"][i][0]
    try:
        record = load_record(results, row)
    except InputError as exc:
        title = f"{row['model']} ({row['track']})"
        root = "../" * len(PurePosixPath(folder).parts)
        _write(site / folder / "index.html", page(title, f"<h1>{esc(title)}</h1><p>The run's record cannot be read: {esc(exc)}</p>",
                                                  root=root, crumbs=[("leaderboard", f"{root}index.html"), (title, None)]))
        return True
    same_gold = record["result"].get("gold_sha256") == gold.sha256
    if same_gold and in_process and not context["texts_written"]:
        return False
    if same_gold:
        context["texts"]()
    _render_run(site / folder, results, row, record, gold, folder, context["texts"] if same_gold else None, context["cuts"])
    _write(site / folder / STAMP_FILE, json.dumps(stamp))
    return True


def draw_run_before(results_dir: str | os.PathLike, gold, record_path: str | os.PathLike, into: str | os.PathLike) -> bool:
    """Draw the site folder of the run recorded at ``record_path`` into the
    folder ``into``, for :func:`build_site` to carry over (``drawn_before``)
    as it carries over the folders of the previous site: the same files as
    it would draw, with the same stamp.  So a process that has just
    recorded a run draws its pages while another records the next
    (``quotebench baselines``).  Only when the leaderboard points at that
    record and the current site already holds the gold set's texts (their
    file names are read from it); else nothing is drawn and False returned
    (:func:`build_site` then draws the run itself)."""
    from benchmark.leaderboard import LEADERBOARD_FILE, read_leaderboard

    results = Path(results_dir)
    texts_folder = results / SITE_FOLDER / f"texts/{gold.sha256[:12] or 'memory'}"
    code = _code_stamp()
    try:
        if json.loads((texts_folder / STAMP_FILE).read_text(encoding="utf-8")) != {"code": code, "gold": gold.sha256}:
            return False
        text_files = json.loads((texts_folder / "files.json").read_text(encoding="utf-8"))
        _, rows = read_leaderboard(results / LEADERBOARD_FILE)
    except (OSError, ValueError):
        return False
    record = Path(record_path).resolve().relative_to(results.resolve()).as_posix()
    row = next((r for r in rows if r.get("record") == record), None)
    if row is None or row.get("gold_sha256") != gold.sha256:
        return False
    names = safe_names(d.doc_id for d in gold.documents)
    context = {"site": Path(into), "results": results, "runs": [(row, True)], "folders": {0: _run_folder(row)}, "gold": gold,
               "texts": lambda: (names, text_files), "texts_written": True, "cuts": {}, "processes": 1}
    return _draw_run(context, 0, {"code": code, "gold": gold.sha256, "record": row["record"]}, in_process=True)


def _drawn_in_processes(drawn: list[tuple[int, dict[str, str]]], context: dict[str, Any]) -> list[tuple[int, dict[str, str]]]:
    """Draw the runs of ``drawn`` in one process per core, where there are
    several and ``fork`` exists (each run's folder is its own: the processes
    share nothing but what they read, and the gold set's texts are written
    before, by this process); return the runs left to draw here (all of
    them without processes)."""
    processes = min(len(drawn), context["processes"] or os.cpu_count() or 1)
    if not can_fork(processes):
        return drawn
    done = map_forked(_draw_in_process, len(drawn), processes, context=context, drawn=drawn)
    return [job for job, ok in zip(drawn, done) if not ok]


def _draw_in_process(k: int) -> bool:
    i, stamp = SHARED["drawn"][k]
    return _draw_run(SHARED["context"], i, stamp, in_process=True)


def _render_run(folder: Path, results: Path, row, record, gold, relative: str, texts, cuts: dict[str, list[int]] | None = None) -> None:
    """Write one run's folder; ``cuts`` keeps each document's
    :func:`page_cuts` (a property of the gold set) for the next run."""
    cuts = {} if cuts is None else cuts
    result = record["result"]
    root = "../" * len(PurePosixPath(relative).parts)
    entries_by_doc: dict[str, list[dict]] = {}
    for entry in result.get("quotes") or []:
        entries_by_doc.setdefault(entry["doc_id"], []).append(entry)
    unmatched_by_doc: dict[str, list[dict]] = {}
    for u in result.get("unmatched_predictions") or []:
        unmatched_by_doc.setdefault(u["doc_id"], []).append(u)
    # a document with predictions but no gold quote is listed too
    for doc_id in unmatched_by_doc:
        entries_by_doc.setdefault(doc_id, [])
    outcome_counts = {doc_id: Counter(quote_outcome(e) for e in entries) for doc_id, entries in entries_by_doc.items()}
    unmatched_counts = {doc_id: len(u) for doc_id, u in unmatched_by_doc.items()}
    title = f"{result['model']} ({result['track']})"
    note = ""
    doc_links = None
    if texts is None:
        note = (
            "This run was scored on another gold file (sha256 " + str(result.get("gold_sha256", ""))[:12]
            + ") than the current one: its documents cannot be shown."
        )
    else:
        names, text_files = texts()
        docs = {d.doc_id: d for d in gold.documents}
        shown = [doc_id for doc_id in entries_by_doc if doc_id in docs]
        doc_links = {doc_id: f"{documents.VIEW_PAGE}#d={names[doc_id]}" for doc_id in shown}
        predictions = _predictions_file(results, record, results / row["record"])
        mentions = predicted_mentions(predictions, result["track"]) if predictions else {}
        if not predictions:
            note = "The predictions file of this run is gone or changed since it was scored: predicted speaker mentions are not shown."
        data = []
        for doc_id in shown:
            doc = docs[doc_id]
            if doc_id not in cuts:
                cuts[doc_id] = page_cuts(doc.text, [(q.start, q.end) for q in doc.quotes])
            data.append((doc_id, names[doc_id], documents.document_data(
                doc, entries_by_doc[doc_id], unmatched_by_doc.get(doc_id, []), mentions, result["track"], cuts[doc_id], quote_outcome
            )))
        texts_href = root + "texts/" + (gold.sha256[:12] or "memory")
        documents.write_run_documents(
            folder, root=root, title=title, track=result["track"], run_href="index.html",
            documents=data, text_files=text_files, texts_href=texts_href,
        )
    _write(folder / "index.html", _run_page(row, record, root=root, doc_links=doc_links, outcome_counts=outcome_counts,
                                            unmatched_counts=unmatched_counts, note=note))


def build_site(results_dir: str | os.PathLike, gold_path_or_gold: Any, *, processes: int | None = None,
               drawn_before: str | os.PathLike | None = None) -> Path:
    """Write ``<results_dir>/site/`` from the leaderboard and the run records
    it points at, against the gold set (a path or a loaded ``GoldSet``);
    return the path of its ``index.html``.  The previous site is replaced as
    a whole; its pages of runs that have not changed are kept, the others
    drawn in up to ``processes`` processes (default: one per core; the
    same files either way), or carried over from ``drawn_before``, a folder
    of run folders drawn beforehand by :func:`draw_run_before`."""
    from filelock import FileLock

    results = Path(results_dir)
    gold = load_gold_set(gold_path_or_gold)
    gold_label = gold.path if isinstance(gold.path, str) else str(gold.path)
    results.mkdir(parents=True, exist_ok=True)
    site = results / SITE_FOLDER
    with FileLock(str(results / LOCK_FILE)):
        # under the lock, a staging folder can only be left over by a build that was killed
        for leftover in results.glob(".site-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=".site-", dir=results))
        old = None
        try:
            _render(staging, site if site.is_dir() else None, results, gold, gold_label, processes,
                    Path(drawn_before) if drawn_before is not None else None)
            mode = 0o777 & ~_umask()
            for folder in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
                folder.chmod(mode)
            if site.exists():
                old = Path(tempfile.mkdtemp(prefix=".site-old-", dir=results))
                os.replace(site, old / SITE_FOLDER)
            os.replace(staging, site)
        finally:
            for leftover in (staging, old):
                if leftover is not None and leftover.exists():
                    shutil.rmtree(leftover, ignore_errors=True)
    return site / "index.html"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
