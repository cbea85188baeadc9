"""``quotebench baselines``: run the baselines on the gold set, keep each one's
predictions as ``results/predictions/<model>.<track>.jsonl`` (the submission
format), score them, record them on the leaderboard and print it.

Runs stream (:mod:`benchmark.runner`): each document is parsed once, in
pieces, or read from the parse cache, and its Doc is shared by every baseline
and both tracks, then dropped.  Baselines that cannot run here are skipped with a
note on stderr: ``llm`` unless ``--llm-url`` is given, and any baseline whose
optional dependency is not installed (``textacy``).  Nothing is written
before the gold file, the names and the pipeline have been accepted.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from benchmark.errors import InputError, InputErrors, UsageError
from benchmark.forked import SHARED, can_fork, map_forked

PREDICTIONS_DIR = "predictions"
DRAWN_BEFORE_PREFIX = ".runs-drawn-"
"""The folder, in the results folder, where the recording processes draw
their runs' site pages (removed once the site is built; not ``.site-*``,
which a site build takes for its own leftovers)."""
CHART_CACHE_DIR = "charts"
"""The folder of the parse cache's folder where the runs' charts are kept,
to be copied when the same chart is drawn again
(:func:`benchmark.report.write_report`)."""


def predictions_path(results_dir: str | Path, model: str, track: str) -> Path:
    return Path(results_dir) / PREDICTIONS_DIR / f"{model}.{track}.jsonl"


def _selected_names(only: str | None) -> list[str]:
    import baselines

    known = baselines.names()
    if not only:
        return known
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise UsageError(f"--only: unknown baseline {', '.join(map(repr, unknown))}; known: {', '.join(known)}")
    if not wanted:
        raise UsageError("--only: give at least one baseline name")
    return list(dict.fromkeys(wanted))


def _build_models(names: list[str], baseline_options: dict[str, dict[str, Any]]) -> tuple[list[Any], list[str]]:
    """The models that can run, and a note for each one that cannot.
    ``baseline_options[name]`` are the constructor keywords of a baseline
    (see :func:`baselines.option_values`)."""
    import baselines

    models, notes = [], []
    for name in names:
        options = baseline_options.get(name, {})
        why = baselines.unavailable(name, options)
        if why is not None:
            notes.append(f"{name} was not run: {why}")
            continue
        try:
            models.append(baselines.get(name, **options))
        except ImportError as exc:  # an optional dependency failed to import
            notes.append(f"{name} was not run: {exc}")
    return models, notes


def run_baselines(
    gold_path: str | Path,
    results_dir: str | Path,
    *,
    tracks: tuple[str, ...] | list[str],
    only: str | None = None,
    pipeline: str | None = None,
    baseline_options: dict[str, dict[str, Any]] | None = None,
    scoring: dict[str, Any] | None = None,
    argv: list[str] | None = None,
    train_path: str | Path | None = None,
    cache_dir: str | Path | None = None,
    n_process: int | None = None,
    site: bool = False,
    gold_cache: bool = False,
) -> int:
    """Run the baselines named in ``only`` (comma-separated; default all)
    in each of ``tracks``, score each run with the keyword arguments
    ``scoring`` of :func:`benchmark.scoring.score`, record it under
    ``results_dir`` with the command ``argv`` (the runs in one process per
    core, :func:`_recorded`), print the leaderboard and redraw its chart,
    and with ``site`` rebuild the report site from the gold set as loaded
    here (:func:`benchmark.site.build_site`); return the exit status.

    Runs stream (:func:`benchmark.runner.run_models`).  The baselines that
    learn are trained on the gold file ``train_path`` when it is given,
    else cross-validated on the gold set; the run record keeps the training
    file's path and sha256 (``result["training"]``).  Parses are read from
    and written to the parse cache in ``cache_dir`` when it is given
    (:class:`benchmark.parse_cache.ParseCache`).  With ``gold_cache`` the
    gold set is read through the gold cache next to the gold file
    (:func:`benchmark.gold_cache.load_gold_set`: validated once per file
    and version), its entry written once the names and the pipeline are
    accepted.
    """
    from benchmark.gold import load_gold
    from benchmark.leaderboard import command_line
    from benchmark.runner import is_trainable, run_models

    names = _selected_names(only)
    if gold_cache:
        from benchmark.gold_cache import default_cache_folder, load_gold_set

        gold, save_gold_entry = load_gold_set(gold_path, default_cache_folder(gold_path))
    else:
        gold, save_gold_entry = load_gold(gold_path), None
    train = load_gold(train_path) if train_path is not None else None
    if train is not None:
        _check_disjoint(train, gold)
    models, notes = _build_models(names, baseline_options or {})
    if not models:
        raise UsageError("no baseline to run: " + "; ".join(notes))
    if train is not None and not any(is_trainable(m) for m in models):
        notes.append(f"--train: none of {', '.join(m.name for m in models)} learns; {train_path} was not used")

    nlp = cache = None
    if any(getattr(m, "needs_spacy", False) for m in models):
        from benchmark.models import load_pipeline

        try:
            nlp = load_pipeline(pipeline)
        except OSError as exc:
            raise UsageError(f"--pipeline: {exc}") from None
        if cache_dir is not None:
            from benchmark.parse_cache import ParseCache

            cache = ParseCache(cache_dir, nlp)
    if save_gold_entry is not None:
        save_gold_entry()

    predictions_by_run = run_models(models, gold, tracks, nlp=nlp, train=train, cache=cache, n_process=n_process)
    if cache is not None and cache.refused:
        notes.append(f"parse cache: {cache.refused} entr{'y' if cache.refused == 1 else 'ies'} could not be trusted and were parsed again")

    runs = [
        _Run(model.name, track, predictions_by_run.pop((model.name, track)),
             {"gold": str(train_path), "gold_sha256": train.sha256} if train is not None and is_trainable(model) else None)
        for model in models for track in tracks
    ]
    del predictions_by_run
    chart_cache = Path(cache_dir) / CHART_CACHE_DIR if cache_dir is not None else None
    # The processes that record the runs also draw their site pages, into
    # this folder, for build_site to carry over (it draws what they did not).
    drawn_before = None
    if site:
        Path(results_dir).mkdir(parents=True, exist_ok=True)
        drawn_before = Path(tempfile.mkdtemp(prefix=DRAWN_BEFORE_PREFIX, dir=results_dir))
    try:
        for run, warnings in zip(runs, _recorded(runs, gold, results_dir, scoring or {}, command_line(argv), chart_cache, drawn_before)):
            for warning in warnings:
                print(f"warning: {run.model} ({run.track}): {warning}", file=sys.stderr)
        _print_and_build_site(results_dir, gold, tracks, site, drawn_before)
    finally:
        if drawn_before is not None:
            shutil.rmtree(drawn_before, ignore_errors=True)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def _print_and_build_site(results_dir, gold, tracks, site: bool, drawn_before: Path | None) -> None:
    from benchmark.leaderboard import format_table, leaderboard_rows

    for track in tracks:
        rows = leaderboard_rows(results_dir, track)
        if rows:
            print(format_table(rows))
            print()
    # The leaderboard's chart was redrawn by record_run with every row.
    if site:
        from benchmark.site import build_site

        print(f"site: {build_site(results_dir, gold, drawn_before=drawn_before)}")


@dataclass
class _Run:
    """One model's predictions in one track, to be written, scored and
    recorded."""

    model: str
    track: str
    rows: list[dict[str, Any]]
    training: dict[str, str] | None


def _record(run: _Run, gold, results_dir, scoring: dict[str, Any], command: list[str], chart_cache: Path | None,
            site_gold=None, drawn_before: Path | None = None) -> list[str]:
    """Write ``run``'s predictions, score them, record the run on the
    leaderboard (its charts through the chart cache folder ``chart_cache``
    when given) and, with ``drawn_before``, draw its site pages there
    (:func:`benchmark.site.build.draw_run_before`, from the gold set
    ``site_gold``); return the scorer's warnings."""
    from benchmark.leaderboard import record_run
    from benchmark.runner import write_predictions
    from benchmark.scoring import score
    from benchmark.submission import read_predictions

    path = write_predictions(run.rows, predictions_path(results_dir, run.model, run.track))
    predictions = read_predictions(path, gold, run.track)
    result = score(gold, predictions, model=run.model, **scoring)
    if run.training is not None:
        result["training"] = run.training
    record = record_run(results_dir, result, predictions_path=path, argv=command, chart_cache=chart_cache)
    if drawn_before is not None:
        from benchmark.site.build import draw_run_before

        try:
            draw_run_before(results_dir, site_gold, record, drawn_before)
        except Exception:  # noqa: BLE001  only a head start: build_site draws the run itself, and says what fails
            pass
    return [str(w) for w in result["warnings"]]


def _recorded(runs: list[_Run], gold, results_dir, scoring: dict[str, Any], command: list[str],
              chart_cache: Path | None = None, drawn_before: Path | None = None) -> Iterator[list[str]]:
    """:func:`_record` every run, in order, yielding each one's warnings.

    Runs are independent once predicted: each writes its own predictions
    file and run folder, and the leaderboard is updated under its file lock
    (the chart redrawn there with every row), so with several runs and
    ``fork`` they are recorded in one process per core (writing, validating
    and scoring a large gold set's predictions and drawing its charts take
    seconds per run).  Every run is recorded before a failure is raised
    here, as it would be in this process, for the first failing run in
    order (so, unlike one run after the other, the runs after a failing one
    are recorded too)."""
    from benchmark.gold_cache import GoldColumns

    # The columns that reading and scoring take from the gold set (the same
    # results as from the set itself), built once rather than for each run.
    columns = GoldColumns.from_gold(gold)
    processes = min(len(runs), os.cpu_count() or 1)
    if not can_fork(processes):
        for run in runs:
            yield _record(run, columns, results_dir, scoring, command, chart_cache)
        return
    # What every process would import on its own, imported once here,
    # before forking; not matplotlib, which only a chart that is not in the
    # chart cache needs (about a second of start-up, on one core).
    import benchmark.leaderboard  # noqa: F401
    import benchmark.report  # noqa: F401
    import benchmark.scoring  # noqa: F401
    import benchmark.submission  # noqa: F401

    outcomes = map_forked(_record_in_process, len(runs), processes, runs=runs, gold=columns, results_dir=results_dir, scoring=scoring,
                          command=command, chart_cache=chart_cache, site_gold=gold, drawn_before=drawn_before)
    for outcome in outcomes:
        yield _outcome(outcome)


def _record_in_process(index: int) -> tuple[str, Any]:
    state = SHARED
    try:
        return "ok", _record(state["runs"][index], state["gold"], state["results_dir"], state["scoring"], state["command"], state["chart_cache"],
                             state["site_gold"], state["drawn_before"])
    except InputErrors as exc:
        return "input-errors", [(e.path, e.line, e.field, e.problem) for e in exc.errors]
    except InputError as exc:
        return "input-error", (exc.path, exc.line, exc.field, exc.problem)
    except UsageError as exc:
        return "usage-error", str(exc)
    except Exception as exc:  # said as the command line says any other failure
        return "error", f"{type(exc).__name__}: {exc}"


def _outcome(outcome: tuple[str, Any]) -> list[str]:
    """The warnings of a run recorded in another process, or its failure
    raised again as the same kind of error."""
    kind, value = outcome
    if kind == "ok":
        return value
    if kind == "input-errors":
        raise InputErrors([InputError(*error) for error in value])
    if kind == "input-error":
        raise InputError(*value)
    if kind == "usage-error":
        raise UsageError(value)
    raise RuntimeError(value)


def _check_disjoint(train, gold) -> None:
    """Refuse a training set that holds a text of the test set: the model
    would be scored on what it was trained on."""
    test_texts = {d.text: d.doc_id for d in gold.documents}
    for document in train.documents:
        if document.text in test_texts:
            raise UsageError(
                f"--train: document {document.doc_id!r} of {train.path} has the text of document "
                f"{test_texts[document.text]!r} of the gold set {gold.path}: train and test must not share a text"
            )
