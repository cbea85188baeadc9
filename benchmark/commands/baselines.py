"""``quotebench baselines``: run the baselines, score them, update the
leaderboard (:func:`benchmark.run_baselines.run_baselines`).  Each
baseline's own options are declared at its ``@register`` and offered here."""

from __future__ import annotations

import argparse
import os

from benchmark import contract
from benchmark.commands.common import HelpFormatter, add_pipeline_option, add_scoring_options, check_output_folder, scoring_options
from benchmark.parse_cache import CACHE_DIR_NAME

BOTH = "both"


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    import baselines

    p = subparsers.add_parser(
        "baselines", parents=[common], help="run the baselines, score them, update the leaderboard", formatter_class=HelpFormatter
    )
    p.add_argument("--track", choices=(*contract.TRACKS, BOTH), default=BOTH, help="track(s) to run")
    p.add_argument("--only", default=None, help="comma-separated baseline names (default: all)")
    for name in baselines.names():
        for option in baselines.registration(name).options:
            option.add_to(p)
    p.add_argument(
        "--train", default=None, metavar="TRAIN",
        help="gold file the baselines that learn are trained on (then scored on --gold without cross-validation; "
        "default: cross-validation on --gold)",
    )
    p.add_argument("--cache", default=None, metavar="DIR", help="parse cache folder (default: RESULTS/cache)")
    p.add_argument("--no-cache", action="store_true", help="parse every document and validate the gold file, read and write no parse or gold cache")
    add_pipeline_option(p)
    add_scoring_options(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import baselines
    from benchmark.run_baselines import run_baselines

    check_output_folder(args.results, "--results")
    given = vars(args)
    return run_baselines(
        args.gold, args.results,
        tracks=contract.TRACKS if args.track == BOTH else (args.track,),
        only=args.only,
        pipeline=args.pipeline,
        baseline_options={name: baselines.option_values(name, given) for name in baselines.names()},
        scoring=scoring_options(args),
        argv=args.argv,
        train_path=args.train,
        cache_dir=None if args.no_cache else (args.cache or os.path.join(args.results, CACHE_DIR_NAME)),
        site=True,
        gold_cache=not args.no_cache,
    )
