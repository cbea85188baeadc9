"""``quotebench gold export FORMAT DIR``: write the gold set (``--gold``) in a
registered annotation format (:mod:`benchmark.annotation`)."""

from __future__ import annotations

import argparse

from benchmark.commands.common import HelpFormatter, check_output_folder, print_notes
from benchmark.commands.gold_import import format_options
from benchmark.wording import counted


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    from benchmark.annotation import formats

    registry = {name: fmt for name, fmt in formats().items() if fmt.write is not None}
    p = subparsers.add_parser(
        "export", parents=[common], help=f"export the gold set (--gold) to {' or '.join(registry)}", formatter_class=HelpFormatter
    )
    p.add_argument("format", choices=tuple(registry), help="; ".join(f"{f.name}: {f.help}" for f in registry.values()))
    p.add_argument("out_dir", metavar="DIR", help="folder to write (brat: DOC_ID.txt/.ann and annotation.conf; labelstudio: tasks.json and labeling_config.xml)")
    p.add_argument("--force", action="store_true", help="write into a folder that is not empty")
    for fmt in registry.values():
        for option in fmt.export_options:
            option.add_to(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from benchmark.annotation import formats
    from benchmark.gold import load_gold

    check_output_folder(args.out_dir, "DIR")
    registry = {name: fmt for name, fmt in formats().items() if fmt.write is not None}
    fmt = registry[args.format]
    options = format_options(fmt, registry, args, "export")
    gold = load_gold(args.gold)
    notes = fmt.write(gold.documents, args.out_dir, force=args.force, **options)
    print_notes(notes)
    print(
        f"{args.out_dir}: {counted(len(gold.documents), 'document')}, {counted(gold.n_quotes, 'quote')} "
        f"exported from {args.gold} for {args.format}"
    )
    return 0
