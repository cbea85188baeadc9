"""``quotebench gold validate [PATH]``: check a gold file against its seeds."""

from __future__ import annotations

import argparse
import sys

from benchmark.commands.common import HelpFormatter
from benchmark.errors import InputErrors
from benchmark.wording import counted


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("validate", parents=[common], help="check a gold file against its seeds", formatter_class=HelpFormatter)
    p.add_argument("path", nargs="?", default=None, help="gold file (default: --gold)")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors: exit 2 if there is any")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from benchmark.gold import validate_gold

    path = args.path or args.gold
    report = validate_gold(path)
    if args.strict and report.warnings:
        raise InputErrors(sorted(report.errors + report.warnings, key=lambda problem: problem.line))
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if report.errors:
        raise InputErrors(report.errors)
    gold = report.gold
    print(
        f"{path}: valid: {counted(len(gold.documents), 'document')}, {counted(gold.n_quotes, 'quote')}, "
        f"{counted(len(report.warnings), 'warning')}"
    )
    return 0
