"""``quotebench compare NAME_A NAME_B``: paired significance test between
two recorded runs (:mod:`benchmark.significance`)."""

from __future__ import annotations

import argparse

from benchmark import contract
from benchmark.commands.common import HelpFormatter


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "compare", parents=[common], help="paired significance test between two recorded runs", formatter_class=HelpFormatter
    )
    p.add_argument("name_a")
    p.add_argument("name_b")
    p.add_argument("--track", choices=contract.TRACKS, default=None, help="one track (default: every shared signature)")
    p.add_argument("--resamples", type=int, default=10000, help="paired bootstrap resamples")
    p.add_argument("--seed", type=int, default=contract.DEFAULT_SEED, help="random seed")
    p.add_argument("--html", default=None, metavar="OUT", help="also write a page of the quotes on which the two models differ")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from benchmark.significance import run_compare

    status = run_compare(args.results, args.name_a, args.name_b, track=args.track, n_resamples=args.resamples, seed=args.seed)
    if args.html:
        from benchmark.site.compare import write_compare_page

        page = write_compare_page(
            args.html, args.results, args.name_a, args.name_b, track=args.track, gold=args.gold, n_resamples=args.resamples, seed=args.seed
        )
        print(f"page: {page}")
    return status
