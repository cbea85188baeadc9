"""A run's report, written next to its record: a bar chart of precision and
recall per gold speaker (``per_speaker.png``) and the list of gold quotes
with the speaker the model gave each one (``errors.md``), wrong ones marked.

matplotlib is imported here only, through its Agg canvas (no pyplot, no
display, and the backend of the calling process is left alone), and only
when a chart is drawn: with a chart cache (a folder, ``chart_cache``) a
chart whose inputs were drawn before is copied from it instead
(:func:`_cached_png`), as ``quotebench baselines`` does when its runs give
the same figures again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from benchmark.contract import UNRESOLVED
from benchmark.files import atomic_open, write_text_atomic

if TYPE_CHECKING:  # the declared shape of a score result; scoring itself is not imported here
    from benchmark.scoring import ScoreResult

CHART_FILE = "per_speaker.png"
ERRORS_FILE = "errors.md"
# Beyond this many speakers the chart shows the ones with most gold quotes.
MAX_CHART_SPEAKERS = 40
PRECISION_COLOR, RECALL_COLOR, UNRESOLVED_COLOR = "#4c72b0", "#dd8452", "#8c8c8c"


def write_report(result: ScoreResult, folder: str | os.PathLike, *, chart_cache: str | os.PathLike | None = None) -> list[Path]:
    """Write the chart and the error list of ``result`` into ``folder``
    (the chart through ``chart_cache``, see :func:`write_speaker_chart`);
    return their paths."""
    out = Path(folder)
    chart = out / CHART_FILE
    errors = out / ERRORS_FILE
    write_speaker_chart(result, chart, chart_cache=chart_cache)
    write_text_atomic(errors, format_errors(result))
    return [chart, errors]


def _speaker_label(row: dict[str, Any]) -> str:
    return f"{row.get('name') or row['speaker']} ({row['gold']})"


def speaker_chart(result: ScoreResult):
    """A matplotlib ``Figure`` (Agg canvas): horizontal bars of precision and
    recall for each gold speaker, most quoted first, labelled with the
    speaker's name and gold quote count; a value of 0 is drawn as a marker
    at 0, so that it is seen (an all-zero run is not a blank chart).  When
    some predictions name no gold entity, a last grey bar, ``<unresolved>``,
    shows their share of all predictions that name a speaker."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = result.get("per_speaker") or []
    speakers = [r for r in rows if r["speaker"] != UNRESOLVED]
    unresolved = sum(r["predicted"] for r in rows if r["speaker"] == UNRESOLVED)
    shown = speakers[:MAX_CHART_SPEAKERS]
    n_rows = len(shown) + (1 if unresolved else 0)
    figure = Figure(figsize=(8, 1.8 + 0.35 * max(n_rows, 1)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(shown)))
    bar = 0.38
    labels = [_speaker_label(r) for r in shown]
    for offset, key, color in ((-bar / 2, "precision", PRECISION_COLOR), (bar / 2, "recall", RECALL_COLOR)):
        ys = [p + offset for p in positions]
        values = [r[key] for r in shown]
        axes.barh(ys, values, height=bar, label=key, color=color)
        zeros = [y for y, v in zip(ys, values) if v == 0]
        if zeros:
            axes.plot([0] * len(zeros), zeros, linestyle="none", marker="|", markersize=9, markeredgewidth=2, color=color)
    if unresolved:
        predicted = result["micro"].get("predicted") or unresolved
        axes.barh([len(shown)], [min(1.0, unresolved / predicted)], height=bar, color=UNRESOLVED_COLOR,
                  label="share of predictions naming no gold entity")
        labels.append(f"{UNRESOLVED} ({unresolved} of {predicted} predictions)")
    axes.set_yticks(list(range(n_rows)), labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(-0.01, 1)
    axes.set_xlabel("precision and recall per speaker (gold quotes)", fontsize=8)
    micro = result["micro"]
    title = f"{result['model']}, {result['track']}: micro P {micro['precision']:.3f}, R {micro['recall']:.3f}, F1 {micro['f1']:.3f}"
    if len(speakers) > len(shown):
        title += f"\n{len(shown)} of {len(speakers)} speakers, most quoted first"
    axes.set_title(title, fontsize=9)
    if n_rows:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    if not shown:
        axes.text(0.5, 0.5, "no gold speakers", ha="center", va="center", transform=axes.transAxes)
    figure.tight_layout()
    return figure


def _save_png(figure, path: str | os.PathLike) -> None:
    # Atomically (a reader never sees half a chart); a fixed "Software"
    # entry keeps the file identical across reruns.
    with atomic_open(path, "wb", encoding=None, newline=None) as fh:
        figure.savefig(fh, format="png", metadata={"Software": "quotebench"})


def _speaker_chart_inputs(result: ScoreResult) -> dict[str, Any]:
    """Everything of ``result`` that :func:`speaker_chart` reads."""
    return {key: result.get(key) for key in ("model", "track", "micro", "per_speaker")}


def write_speaker_chart(result: ScoreResult, path: str | os.PathLike, *, chart_cache: str | os.PathLike | None = None) -> None:
    """Write :func:`speaker_chart` as a PNG; through ``chart_cache`` when
    given (:func:`_cached_png`)."""
    _cached_png("speaker", _speaker_chart_inputs(result), lambda: speaker_chart(result), path, chart_cache)


# --------------------------------------------------------------------------
# The chart cache

CHART_CACHE_ENTRIES = 64
"""A chart cache keeps this many charts, the most recently written."""

_drawing: list[bytes] = []  # what else the pixels depend on, once per process


def _drawing_environment() -> bytes:
    """What a chart's bytes depend on besides its inputs: this module's code,
    the versions of the packages that draw and encode it, and the
    matplotlib settings files that could apply (every one that exists of
    those matplotlib looks for, and the variables that name them), read
    without importing matplotlib."""
    if not _drawing:
        from importlib import metadata

        parts = [Path(__file__).read_bytes()]
        for package in ("matplotlib", "pillow", "numpy"):
            try:
                parts.append(f"{package}={metadata.version(package)}".encode())
            except metadata.PackageNotFoundError:
                parts.append(f"{package}=none".encode())
        variables = ("MATPLOTLIBRC", "MPLCONFIGDIR", "XDG_CONFIG_HOME", "HOME", "MPLBACKEND")
        parts.append(json.dumps({name: os.environ.get(name) for name in variables}).encode())
        home = Path(os.environ.get("HOME") or "~").expanduser()
        config = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
        candidates = [Path("matplotlibrc"), config / "matplotlib" / "matplotlibrc", home / ".matplotlib" / "matplotlibrc"]
        for variable in ("MATPLOTLIBRC", "MPLCONFIGDIR"):
            if os.environ.get(variable):
                candidates += [Path(os.environ[variable]), Path(os.environ[variable]) / "matplotlibrc"]
        for candidate in candidates:
            try:
                parts.append(str(candidate.resolve()).encode() + b"\0" + candidate.read_bytes())
            except OSError:  # absent, or a folder
                pass
        parts.append(sys.version.encode())
        _drawing.append(hashlib.sha256(b"\0".join(parts)).digest())
    return _drawing[0]


def _chart_key(kind: str, inputs: Any) -> str:
    digest = hashlib.sha256(_drawing_environment())
    digest.update(json.dumps([kind, inputs], sort_keys=True, ensure_ascii=False, allow_nan=True, default=repr).encode("utf-8"))
    return digest.hexdigest()


def _cached_png(kind: str, inputs: Any, draw, path: str | os.PathLike, chart_cache: str | os.PathLike | None) -> None:
    """Write the PNG of the figure ``draw()`` makes to ``path``.  With a
    ``chart_cache`` folder, the chart is looked up there first by the
    sha256 of ``inputs`` (all that the drawing reads) and of
    :func:`_drawing_environment`, and a chart drawn is kept there: a chart
    of the same inputs drawn by the same code and packages is the same
    bytes, so it is copied instead of drawn (matplotlib is then not even
    imported).  An entry is named by its key and the sha256 of its own
    bytes, checked when it is read: a damaged entry is drawn again."""
    if chart_cache is None:
        _save_png(draw(), path)
        return
    from benchmark.files import write_bytes_atomic

    folder = Path(chart_cache)
    key = _chart_key(kind, inputs)
    for entry in sorted(folder.glob(f"{key}-*.png")):
        try:
            data = entry.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest()[:16] == entry.stem.rsplit("-", 1)[1]:
            write_bytes_atomic(path, data)
            try:
                os.utime(entry)  # recently used: kept by the pruning below
            except OSError:
                pass
            return
    _save_png(draw(), path)
    data = Path(path).read_bytes()
    try:
        write_bytes_atomic(folder / f"{key}-{hashlib.sha256(data).hexdigest()[:16]}.png", data)
        entries = sorted(folder.glob("*.png"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[:-CHART_CACHE_ENTRIES]:
            old.unlink(missing_ok=True)
    except OSError:  # a cache that cannot be written is no error
        pass


# Markdown that a cell's text could trigger: table pipes, HTML, code, links,
# emphasis (an underscore inside a word, as in entity ids, is harmless).
_MARKDOWN_SPECIAL = re.compile(r"[\\|`*<>\[\]#]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def markdown_cell(value: Any) -> str:
    """Text made safe inside a Markdown table cell."""
    if value is None or value == "":
        return "–"
    text = str(value).replace("\r", " ").replace("\n", " ")
    return _MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _kept_cells() -> Callable[[Any], str]:
    """:func:`markdown_cell` keeping its answer for each string: an error
    list writes the same document ids, quote types and speakers tens of
    thousands of times."""
    kept: dict[str, str] = {}

    def cell(value: Any) -> str:
        if type(value) is not str:
            return markdown_cell(value)
        text = kept.get(value)
        if text is None:
            text = kept[value] = markdown_cell(value)
        return text

    return cell


def format_errors(result: ScoreResult) -> str:
    """The Markdown error list: a summary, then one row per gold quote in gold
    order with the gold speaker, the predicted speaker (as the model wrote it,
    and the entity it resolved to) and whether it was right; in the
    end-to-end track also the predicted span paired with it, and the
    predicted quotes paired with no gold quote.  Quotes without a gold
    speaker are shown but not judged (they are not in recall)."""
    quotes = result.get("quotes") or []
    names = {r["speaker"]: r.get("name") for r in result.get("per_speaker") or [] if r["speaker"] != UNRESOLVED}
    cell = _kept_cells()
    gold_speakers: dict[str | None, str] = {}

    def gold_speaker(entity_id: str | None) -> str:
        text = gold_speakers.get(entity_id)
        if text is None:
            if entity_id is None or not names.get(entity_id):
                text = cell(entity_id)
            else:
                text = f"{cell(names[entity_id])} ({cell(entity_id)})"
            gold_speakers[entity_id] = text
        return text

    judged = [q for q in quotes if q.get("gold_speaker") is not None]
    wrong = [q for q in judged if not q.get("correct")]
    micro = result["micro"]
    lines = [
        f"# Errors of {cell(result['model'])} ({result['track']})",
        "",
        f"Signature: `{result['signature']}`",
        "",
        f"Micro precision {micro['precision']:.4f}, recall {micro['recall']:.4f}, F1 {micro['f1']:.4f}. "
        f"{len(wrong)} of {len(judged)} gold quotes with a speaker are not credited"
        f"{f'; {len(quotes) - len(judged)} gold quotes have no speaker' if len(quotes) > len(judged) else ''}.",
        "",
    ]
    end_to_end = result["track"] == "end-to-end"
    head = ["doc_id", "quote", "type", "gold speaker", "predicted speaker", "resolved to", "right"]
    if end_to_end:
        head.insert(4, "predicted span")
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for q in quotes:
        if q.get("gold_speaker") is None:
            right = "n/a"
        else:
            right = "yes" if q.get("correct") else "**no**"
        if not q.get("matched"):
            predicted = "(no prediction)"
        elif q.get("predicted_speaker") is None:
            predicted = "(abstained)"
        else:
            predicted = cell(q["predicted_speaker"])
        cells = [cell(q.get("doc_id")), cell(q.get("quote_id")), cell(q.get("type")), gold_speaker(q.get("gold_speaker")),
                 predicted, cell(q.get("resolved_speaker")), right]
        if end_to_end:
            paired = q.get("matched") and q.get("predicted_start") is not None
            cells.insert(4, f"{q['predicted_start']}-{q['predicted_end']}" if paired else "–")
        lines.append("| " + " | ".join(cells) + " |")

    extra = result.get("unmatched_predictions") or []
    if extra:
        lines += [
            "",
            f"## Predicted quotes that match no gold quote ({len(extra)})",
            "",
            "They count against the speaker they name.",
            "",
            "| doc_id | predicted span | predicted speaker | resolved to | line |",
            "|---|---|---|---|---|",
        ]
        for u in extra:
            speaker = "(abstained)" if u.get("speaker") is None else cell(u["speaker"])
            lines.append(f"| {cell(u.get('doc_id'))} | {u['start']}-{u['end']} | {speaker} | "
                         f"{cell(u.get('resolved_speaker'))} | {cell(u.get('line'))} |")
    return "\n".join(lines) + "\n"


LEADERBOARD_CHART_FILE = "leaderboard.png"


def leaderboard_chart(rows: list[dict[str, str]]):
    """A matplotlib ``Figure``: one panel per signature, each model's micro F1
    as a dot with its 95% bootstrap interval as a line, best first, titled
    with the track and the gold set's size.  ``rows`` are leaderboard rows
    (strings, as in ``results/leaderboard.csv``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        groups.setdefault(row["signature"], []).append(row)
    panels = sorted(groups.items())
    height = sum(1.2 + 0.32 * len(group) for _, group in panels) or 2
    figure = Figure(figsize=(8, height), dpi=100)
    FigureCanvasAgg(figure)
    axes_list = figure.subplots(len(panels) or 1, 1, squeeze=False)[:, 0]
    for axes, (signature, group) in zip(axes_list, panels):
        group = sorted(group, key=lambda r: (int(r["rank"] or 0), r["model"]))
        positions = list(range(len(group)))
        f1 = [float(r["f1"]) for r in group]
        low = [float(r["f1_ci_low"] or r["f1"]) for r in group]
        high = [float(r["f1_ci_high"] or r["f1"]) for r in group]
        axes.hlines(positions, low, high, color="#4c72b0", linewidth=2)
        axes.plot(f1, positions, "o", color="#4c72b0")
        axes.set_yticks(positions, [r["model"] for r in group], fontsize=8)
        axes.invert_yaxis()
        axes.set_xlim(0, 1)
        axes.set_title(f"{group[0]['track']} (n_gold = {group[0]['n_gold']}): micro F1 and 95% interval\n{signature}", fontsize=8)
    axes_list[-1].set_xlabel("micro F1", fontsize=8)
    figure.tight_layout()
    return figure


_LEADERBOARD_CHART_COLUMNS = ("signature", "track", "n_gold", "rank", "model", "f1", "f1_ci_low", "f1_ci_high")
"""The columns of a leaderboard row that :func:`leaderboard_chart` reads."""


def write_leaderboard_chart(rows: list[dict[str, str]], path: str | os.PathLike, *, chart_cache: str | os.PathLike | None = None) -> None:
    """Write :func:`leaderboard_chart` as a PNG; through ``chart_cache``
    when given (:func:`_cached_png`)."""
    inputs = [[row.get(column) for column in _LEADERBOARD_CHART_COLUMNS] for row in rows]
    _cached_png("leaderboard", inputs, lambda: leaderboard_chart(rows), path, chart_cache)
