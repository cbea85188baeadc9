"""``quotebench submit MODULE:ATTR --name NAME``: run a user's Python model on
the gold set, score it and record it.

``MODULE`` is an importable module (``my_package.models``) or a Python file
(``path/to/model.py``); ``ATTR`` names, in it, a class implementing
:class:`benchmark.models.Model` (instantiated with no arguments) or an
already-built model object; dotted attributes (``Outer.Inner``) work.

The model runs in every track it declares (an optional attribute
``tracks``, e.g. ``("attribution",)``; without it, both), or in the tracks
asked for.  Its rows are validated in memory exactly as a predictions file
(:meth:`benchmark.submission.Predictions.from_rows`), so a bad row gets the
usual ``SOURCE:ROW: field: problem`` message, ``SOURCE`` being
``<NAME TRACK rows>`` and ``ROW`` the row's 1-based position in the
model's output.  Every track is run, validated and scored before anything
is written: a rejected submission, or a model that raises (reported with
its name and the document), changes nothing under ``results/`` and leaves
no file anywhere.  Accepted predictions are kept next to each run's record
as ``predictions.jsonl``.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from benchmark.contract import TRACKS, check_model_name
from benchmark.errors import InputError, UsageError

PREDICTIONS_FILE = "predictions.jsonl"


def _import_module(module_spec: str):
    if module_spec.endswith(".py") or "/" in module_spec or "\\" in module_spec:
        path = Path(module_spec)
        if not path.is_file():
            raise InputError(path, 0, "file", "no such Python file")
        # A name of its own per file, so that two files called model.py do not clash.
        name = f"quotebench_user_{path.stem}_{hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:8]}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise InputError(path, 0, "file", "cannot be imported as a Python module")
        module = importlib.util.module_from_spec(spec)
        # Registered before running, as dataclasses and pickling expect; the
        # file's folder goes on the path so that it can import its neighbours.
        sys.modules[name] = module
        sys.path.insert(0, str(path.resolve().parent))
        try:
            spec.loader.exec_module(module)
        except SyntaxError as exc:
            del sys.modules[name]
            raise InputError(path, exc.lineno or 0, "syntax", exc.msg) from None
        except BaseException:
            del sys.modules[name]
            raise
        return module
    try:
        return importlib.import_module(module_spec)
    except SyntaxError as exc:
        raise InputError(exc.filename, exc.lineno or 0, "syntax", exc.msg) from None
    except ModuleNotFoundError as exc:
        if exc.name and module_spec.startswith(exc.name):
            raise UsageError(f"no module named {module_spec!r} (give an installed module or a path/to/file.py)") from None
        raise


def load_model(spec: str) -> Any:
    """The model object that ``MODULE:ATTR`` names, checked against the
    :class:`benchmark.models.Model` protocol."""
    from benchmark.models import Model

    module_spec, colon, attr = spec.rpartition(":")
    if not colon or not module_spec or not attr:
        raise UsageError(f"model {spec!r}: expected MODULE:ATTR, e.g. examples/nearest_person.py:NearestPerson")
    obj: Any = _import_module(module_spec)
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise UsageError(f"model {spec!r}: {module_spec} has no attribute {attr!r}")
        obj = getattr(obj, part)
    if isinstance(obj, type):
        try:
            obj = obj()
        except TypeError as exc:
            raise UsageError(f"model {spec!r}: the class must be constructible without arguments ({exc})") from None
    missing = [member for member in ("name", "needs_spacy", "predict") if not hasattr(obj, member)]
    if missing or not callable(getattr(obj, "predict")) or not isinstance(obj, Model):
        raise UsageError(
            f"model {spec!r} does not implement benchmark.models.Model "
            f"(needs: name, needs_spacy, predict(item, track)){'; missing: ' + ', '.join(missing) if missing else ''}"
        )
    return obj


class ModelFailure(Exception):
    """A model's ``predict`` raised: which model, on which document."""


class _NamingFailures:
    """A model whose ``predict`` failures name the model and the document;
    everything else is the model's own."""

    def __init__(self, model: Any):
        self._model = model

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._model, attribute)

    def predict(self, item, track: str) -> Any:
        try:
            return self._model.predict(item, track)
        except Exception as exc:
            raise ModelFailure(
                f"model {self._model.name!r} failed on document {item.doc_id!r} ({track} track): {type(exc).__name__}: {exc}"
            ) from exc


def model_tracks(model: Any, spec: str) -> tuple[str, ...]:
    """The tracks a model declares in its optional ``tracks`` attribute
    (default: both), checked."""
    declared = getattr(model, "tracks", TRACKS)
    if isinstance(declared, str) or not declared or any(t not in TRACKS for t in declared):
        raise UsageError(f"model {spec!r}: tracks = {declared!r}: give a tuple of {', '.join(TRACKS)}")
    return tuple(t for t in TRACKS if t in declared)


def run_submit(
    model_spec: str,
    name: str,
    *,
    gold_path: str | Path,
    results_dir: str | Path,
    tracks: tuple[str, ...] | list[str] | None = None,
    pipeline: str | None = None,
    scoring: dict[str, Any] | None = None,
    argv: list[str] | None = None,
) -> int:
    """Run the model ``model_spec`` (``MODULE:ATTR``) on the gold set in each
    of ``tracks`` (None: every track the model declares), score each run
    with the keyword arguments ``scoring`` of :func:`benchmark.scoring.score`,
    record them as ``name`` under ``results_dir`` with the command ``argv``;
    return the exit status."""
    from benchmark.gold import load_gold

    check_model_name(name)
    model = load_model(model_spec)
    supported = model_tracks(model, model_spec)
    if tracks is None:
        tracks = supported
    unsupported = [t for t in tracks if t not in supported]
    if unsupported:
        raise UsageError(f"model {model_spec!r} declares tracks = {supported!r}: it does not run {', '.join(unsupported)}")
    gold = load_gold(gold_path)

    from benchmark.leaderboard import command_line, new_run_dir, record_run
    from benchmark.runner import run_models, write_predictions
    from benchmark.scoring import format_result, score
    from benchmark.submission import Predictions

    nlp = None
    if model.needs_spacy:
        from benchmark.models import load_pipeline

        nlp = load_pipeline(pipeline)
    rows = run_models([_NamingFailures(model)], gold, list(tracks), nlp=nlp)
    scored = []
    for track in tracks:
        track_rows = rows[(model.name, track)]
        # A bad row stops here, before anything is written.
        predictions = Predictions.from_rows(track_rows, gold, track, source=f"<{name} {track} rows>")
        scored.append((track_rows, score(gold, predictions, model=name, **(scoring or {}))))

    command = command_line(argv)
    for track_rows, result in scored:
        for warning in result["warnings"]:
            print(f"warning: {name} ({result['track']}): {warning}", file=sys.stderr)
        print(format_result(result))
        run_dir = new_run_dir(results_dir, name, result["track"])
        kept = write_predictions(track_rows, run_dir / PREDICTIONS_FILE)
        record = record_run(results_dir, result, predictions_path=kept, argv=command, run_dir=run_dir)
        print(f"\nrecorded: {record}\n")
    return 0
