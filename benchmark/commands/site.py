"""``quotebench site``: write the static report site, ``results/site/``
(:func:`benchmark.site.build_site`).  ``baselines``, ``score`` and ``submit``
rebuild it themselves whenever they change the leaderboard."""

from __future__ import annotations

import argparse

from benchmark.commands.common import HelpFormatter


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser(
        "site", parents=[common], help="write the report site (results/site/index.html)", formatter_class=HelpFormatter
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from benchmark.site import build_site

    print(f"site: {build_site(args.results, args.gold)}")
    return 0
