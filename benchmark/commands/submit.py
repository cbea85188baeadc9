"""``quotebench submit MODULE:ATTR --name NAME``: run a Python model on the
gold set, score it and record it (:func:`benchmark.submit.run_submit`)."""

from __future__ import annotations

import argparse

from benchmark import contract
from benchmark.commands.common import HelpFormatter, add_pipeline_option, add_scoring_options, check_output_folder, scoring_options

BOTH = "both"


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "submit", parents=[common], help="run a Python model on the gold set, score it, record it", formatter_class=HelpFormatter
    )
    p.add_argument("model", metavar="MODULE:ATTR", help="an importable module or path/to/file.py, and the model class or object")
    p.add_argument("--name", required=True, help="model name for the leaderboard")
    p.add_argument(
        "--track", choices=(*contract.TRACKS, BOTH), default=None,
        help="track(s) to run (default: the tracks the model declares in its `tracks` attribute, else both)",
    )
    add_pipeline_option(p)
    add_scoring_options(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from benchmark.site import build_site
    from benchmark.submit import run_submit

    check_output_folder(args.results, "--results")
    tracks = None if args.track is None else contract.TRACKS if args.track == BOTH else (args.track,)
    status = run_submit(
        args.model, args.name, gold_path=args.gold, results_dir=args.results, tracks=tracks,
        pipeline=args.pipeline, scoring=scoring_options(args), argv=args.argv,
    )
    print(f"site: {build_site(args.results, args.gold)}")
    return status
