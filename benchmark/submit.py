"""``quotebench submit MODULE:ATTR --name NAME``: run a user's Python model on
the gold set, score it and record it.

``MODULE`` is an importable module (``my_package.models``) or a Python file
(``path/to/model.py``); ``ATTR`` names, in it, a class implementing
:class:`benchmark.models.Model` (instantiated with no arguments) or an
already-built model object; dotted attributes (``Outer.Inner``) work.

The model's rows go through the same path as a predictions file: they are
written as JSONL, read back with :func:`benchmark.submission.read_predictions`
and scored, so a bad row gets the usual ``FILE:LINE: field: problem`` message.
Until they are accepted they live in a temporary folder outside the results
(the message names that file, which is kept for inspection); a rejected
submission changes nothing under ``results/``.  Accepted predictions are kept
next to the run's record as ``predictions.jsonl``.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

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


def run_submit(
    model_spec: str,
    name: str,
    *,
    gold_path: str | Path,
    results_dir: str | Path,
    track: str,
    pipeline: str | None = None,
    scoring: dict[str, Any] | None = None,
    argv: list[str] | None = None,
) -> int:
    """Run the model ``model_spec`` (``MODULE:ATTR``) on the gold set in
    ``track``, score it with the keyword arguments ``scoring`` of
    :func:`benchmark.scoring.score`, record it as ``name`` under
    ``results_dir`` with the command ``argv``; return the exit status."""
    from benchmark.gold import load_gold
    from benchmark.submission import read_predictions, validate_model_name

    validate_model_name(name)
    model = load_model(model_spec)
    gold = load_gold(gold_path)

    from benchmark.leaderboard import command_line, new_run_dir, record_run
    from benchmark.runner import run_model, write_predictions
    from benchmark.scoring import format_result, score

    nlp = None
    if model.needs_spacy:
        from benchmark.models import load_pipeline

        nlp = load_pipeline(pipeline)
    rows = run_model(model, gold, track, nlp=nlp)

    staging = Path(tempfile.mkdtemp(prefix="quotebench-submit-"))
    staged = staging / f"{name}.{track}.jsonl"
    write_predictions(rows, staged)
    predictions = read_predictions(staged, gold, track)  # a bad row stops here, results/ untouched
    result = score(gold, predictions, model=name, **(scoring or {}))
    print(format_result(result))

    run_dir = new_run_dir(results_dir, name, track)
    kept = run_dir / PREDICTIONS_FILE
    shutil.move(staged, kept)
    staging.rmdir()
    record = record_run(results_dir, result, predictions_path=kept, argv=command_line(argv), run_dir=run_dir)
    print(f"\nrecorded: {record}")
    return 0
