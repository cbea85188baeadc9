"""``quotebench gold agree A.jsonl B.jsonl [C.jsonl ...]``: how far annotations
of the same documents agree (:mod:`benchmark.annotation.agreement` defines
every figure)."""

from __future__ import annotations

import argparse

from benchmark import contract
from benchmark.commands.common import HelpFormatter, check_output_file


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    # No --gold/--results: the annotations are the gold files, and nothing goes to results/.
    p = subparsers.add_parser(
        "agree", formatter_class=HelpFormatter,
        help="agreement between annotators: quote F1, speaker/cue/type agreement, token-wise Krippendorff's alpha",
    )
    p.add_argument("annotations", nargs="+", metavar="GOLD", help="two or more gold .jsonl files, one per annotator (documents matched by doc_id)")
    p.add_argument("--match", choices=contract.MATCH_MODES, default=contract.DEFAULT_MATCH, help="how two annotators' quotes are paired (as the scorer pairs quotes)")
    p.add_argument("--min-overlap", type=float, default=contract.DEFAULT_MIN_OVERLAP, help="shared characters / longer span needed under --match overlap")
    p.add_argument("--json", default=None, metavar="OUT", help="also write every figure to this JSON file")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from benchmark.annotation.agreement import agreement, format_agreement, load_annotations
    from benchmark.files import write_json_atomic

    check_output_file(args.json, "--json")
    result = agreement(load_annotations(args.annotations), match=args.match, min_overlap=args.min_overlap)
    if args.json is not None:  # before printing: a closed pipe must not lose the file
        write_json_atomic(args.json, result)
    print(format_agreement(result))
    return 0
