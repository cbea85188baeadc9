"""``quotebench gold stats [PATH]``: counts by type and by speaker."""

from __future__ import annotations

import argparse

from benchmark.commands.common import HelpFormatter


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("stats", parents=[common], help="counts by type and by speaker", formatter_class=HelpFormatter)
    p.add_argument("path", nargs="?", default=None, help="gold file (default: --gold)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from benchmark.gold import format_stats, load_gold

    print(format_stats(load_gold(args.path or args.gold)))
    return 0
