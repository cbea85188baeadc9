"""``quotebench leaderboard``: print the ranked leaderboard."""

from __future__ import annotations

import argparse

from benchmark import contract
from benchmark.commands.common import HelpFormatter

FORMATS = ("table", "csv", "markdown")


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("leaderboard", parents=[common], help="print the ranked leaderboard", formatter_class=HelpFormatter)
    p.add_argument("--track", choices=contract.TRACKS, default=None, help="one track (default: both)")
    p.add_argument("--format", choices=FORMATS, default=FORMATS[0], help="output format")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from benchmark.leaderboard import print_leaderboard

    return print_leaderboard(args.results, track=args.track, format=args.format)
