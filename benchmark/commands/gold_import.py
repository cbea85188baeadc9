"""``quotebench gold import FORMAT PATH --out GOLD``: read annotators' files
in a registered format (:mod:`benchmark.annotation`), validate the result
and write it as a gold file."""

from __future__ import annotations

import argparse

from benchmark.commands.common import HelpFormatter, check_output_file, print_notes
from benchmark.errors import UsageError
from benchmark.wording import counted


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    from benchmark.annotation import formats

    registry = formats()
    p = subparsers.add_parser(
        "import", parents=[common], help=f"import {' or '.join(registry)} annotations", formatter_class=HelpFormatter
    )
    p.add_argument("format", choices=tuple(registry), help="; ".join(f"{f.name}: {f.help}" for f in registry.values()))
    p.add_argument("path", help="what the format reads (see FORMAT)")
    p.add_argument("--out", required=True, help="gold .jsonl file to write")
    p.add_argument("--quote-type", default=None, help="annotation type(s) of quotes, comma-separated, * allowed (default: Quote,Quotation,Content)")
    p.add_argument("--speaker-type", default=None, help="annotation type(s) of speakers, comma-separated (default: Speaker,Source)")
    p.add_argument("--cue-type", default=None, help="annotation type(s) of cues, comma-separated (default: Cue)")
    for fmt in registry.values():
        for option in fmt.import_options:
            option.add_to(p)
    p.set_defaults(handler=run)


def format_options(fmt, registry, args: argparse.Namespace, kind: str) -> dict:
    """The keyword arguments of ``fmt``'s options; an option that only other
    formats declare and that was given is a usage error."""
    own = {o.flag for o in getattr(fmt, f"{kind}_options")}
    foreign: dict[str, list[str]] = {}
    for other in registry.values():
        for option in getattr(other, f"{kind}_options"):
            if option.flag not in own and getattr(args, option.cli_dest, None) != option.default:
                foreign.setdefault(option.flag, []).append(other.name)
    if foreign:
        owners = sorted({name for names in foreign.values() for name in names})
        flags = " and ".join(sorted(foreign))
        raise UsageError(f"{fmt.name} {kind}s do not take {flags} (options that apply to {' and '.join(owners)} {kind}s only)")
    return {o.dest: getattr(args, o.cli_dest) for o in getattr(fmt, f"{kind}_options")}


def summary(path: str, report, extra: str) -> str:
    gold = report.gold
    entities = len({e.id for d in gold.documents for e in d.entities})
    warnings = f"; {counted(len(report.warnings), 'validation warning')} (quotebench gold validate {path})" if report.warnings else ""
    return (
        f"{path}: {counted(len(gold.documents), 'document')}, {counted(gold.n_quotes, 'quote')}, "
        f"{counted(entities, 'entity', 'entities')} {extra}{warnings}"
    )


def run(args: argparse.Namespace) -> int:
    from benchmark.annotation import formats
    from benchmark.annotation.common import ImportedFiles, LabelTypes, write_gold_files
    from benchmark.gold import write_valid_gold

    registry = formats()
    fmt = registry[args.format]
    options = format_options(fmt, registry, args, "import")
    if not fmt.out_is_folder(options):
        check_output_file(args.out, "--out")
    types = LabelTypes.from_options(args.quote_type, args.speaker_type, args.cue_type)
    result = fmt.read(args.path, out=args.out, types=types, **options)
    print_notes(result.notes)
    if isinstance(result, ImportedFiles):
        for path, report in write_gold_files(result.files):
            print(summary(path, report, f"imported from {args.path}"))
        return 0
    report = write_valid_gold(result.documents, args.out)
    print(summary(args.out, report, f"imported from {args.path}"))
    return 0
