"""``quotebench score PRED --name NAME``: score a predictions file, print the
result, optionally write it as JSON, and record it on the leaderboard."""

from __future__ import annotations

import argparse

from benchmark import contract
from benchmark.commands.common import HelpFormatter, add_scoring_options, check_output_file, check_output_folder, scoring_options


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("score", parents=[common], help="score a predictions file", formatter_class=HelpFormatter)
    p.add_argument("pred", help="predictions file (.jsonl or .csv)")
    p.add_argument("--name", required=True, help="model name for the leaderboard")
    p.add_argument("--track", choices=contract.TRACKS, default=None, help="default: inferred from the file's fields")
    add_scoring_options(p)
    p.add_argument("--json", default=None, metavar="OUT", help="write the full result as JSON")
    p.add_argument("--no-leaderboard", action="store_true", help="do not record the run")
    p.add_argument("--no-cache", action="store_true",
                   help="validate the gold file without reading or writing its cache (.quotebench-cache/ next to it)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import gc
    import os

    # Scoring multiplies only small matrices; starting OpenBLAS's thread pool
    # when numpy is first imported (below) would cost more than they do.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    import sys

    from benchmark.gold_cache import GoldCache, default_cache_folder, load_gold_columns
    from benchmark.scoring import format_result, score
    from benchmark.submission import read_predictions

    contract.check_model_name(args.name)
    check_output_file(args.json, "--json")
    if not args.no_leaderboard:
        check_output_folder(args.results, "--results")
    # Reading builds hundreds of thousands of small dicts and objects and no
    # reference cycles; the cyclic collector would only rescan them, again
    # and again, for about a third of the run time on a large file.
    collecting = gc.isenabled()
    gc.disable()
    try:
        cache = None if args.no_cache else GoldCache(default_cache_folder(args.gold))
        gold = load_gold_columns(args.gold, cache=cache)
        predictions = read_predictions(args.pred, gold, args.track)
        # the entries per unit and per quote only go into what is written
        written = bool(args.json) or not args.no_leaderboard
        result = score(gold, predictions, model=args.name, report=written, **scoring_options(args))
    finally:
        if collecting:
            # What was read lives until the end: move it out of the
            # collector's reach instead of having it rescanned once more.
            gc.freeze()
            gc.enable()
    if cache is not None:
        cache.save()
    for warning in result["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    print(format_result(result))
    if args.json:
        from benchmark.files import write_json_atomic

        write_json_atomic(args.json, result)
    if not args.no_leaderboard:
        from benchmark.leaderboard import command_line, record_run

        record = record_run(args.results, result, predictions_path=args.pred, argv=command_line(args.argv))
        print(f"\nrecorded: {record}")
        from benchmark.site import build_site

        print(f"site: {build_site(args.results, args.gold)}")
    return 0
