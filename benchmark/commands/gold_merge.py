"""``quotebench gold merge GOLD... --out GOLD``: combine gold files."""

from __future__ import annotations

import argparse

from benchmark.commands.common import HelpFormatter, check_output_file, print_notes
from benchmark.commands.gold_import import summary


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("merge", parents=[common], help="combine gold files", formatter_class=HelpFormatter)
    p.add_argument("inputs", nargs="+", metavar="GOLD", help="gold .jsonl files, in order")
    p.add_argument("--out", required=True, help="gold .jsonl file to write")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from benchmark.annotation.merge import merge_gold
    from benchmark.gold import write_valid_gold

    check_output_file(args.out, "--out")
    documents, notes = merge_gold(args.inputs, args.out)
    print_notes(notes)
    report = write_valid_gold(documents, args.out)
    print(summary(args.out, report, f"merged from {len(args.inputs)} files"))
    return 0
