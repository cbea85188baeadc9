"""``quotebench baselines``: run the baselines on the gold set, keep each one's
predictions as ``results/predictions/<model>.<track>.jsonl`` (the submission
format), score them, record them on the leaderboard and print it.

Documents are parsed once (``nlp.pipe``) and the Docs are shared by every
baseline and both tracks.  Baselines that cannot run here are skipped with a
note on stderr: ``llm`` unless ``--llm-url`` is given, and any baseline whose
optional dependency is not installed (``textacy``).  Nothing is written
before the gold file, the names and the pipeline have been accepted.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from benchmark.errors import UsageError

PREDICTIONS_DIR = "predictions"


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
) -> int:
    """Run the baselines named in ``only`` (comma-separated; default all)
    in each of ``tracks``, score each run with the keyword arguments
    ``scoring`` of :func:`benchmark.scoring.score`, record it under
    ``results_dir`` with the command ``argv``, print the leaderboard and
    redraw its chart; return the exit status."""
    from benchmark.gold import load_gold
    from benchmark.leaderboard import command_line, format_table, leaderboard_rows, record_run
    from benchmark.runner import parse_documents, run_model, write_predictions
    from benchmark.scoring import score
    from benchmark.submission import read_predictions

    names = _selected_names(only)
    gold = load_gold(gold_path)
    models, notes = _build_models(names, baseline_options or {})
    if not models:
        raise UsageError("no baseline to run: " + "; ".join(notes))

    docs = None
    if any(getattr(m, "needs_spacy", False) for m in models):
        from benchmark.models import load_pipeline

        try:
            nlp = load_pipeline(pipeline)
        except OSError as exc:
            raise UsageError(f"--pipeline: {exc}") from None
        docs = parse_documents(nlp, [d.text for d in gold.documents])

    from tqdm import tqdm

    command = command_line(argv)
    runs = [(model, track) for model in models for track in tracks]
    progress = tqdm(runs, desc="baselines", unit="run", file=sys.stderr, leave=False)
    for model, track in progress:
        progress.set_postfix_str(f"{model.name} ({track})")
        rows = run_model(model, gold, track, docs=docs)
        path = write_predictions(rows, predictions_path(results_dir, model.name, track))
        predictions = read_predictions(path, gold, track)
        result = score(gold, predictions, model=model.name, **(scoring or {}))
        record_run(results_dir, result, predictions_path=path, argv=command)
    progress.close()

    for track in tracks:
        rows = leaderboard_rows(results_dir, track)
        if rows:
            print(format_table(rows))
            print()
    from benchmark.report import LEADERBOARD_CHART_FILE, write_leaderboard_chart

    write_leaderboard_chart(leaderboard_rows(results_dir), Path(results_dir) / LEADERBOARD_CHART_FILE)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return 0
