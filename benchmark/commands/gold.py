"""``quotebench gold ACTION``: validate, describe, import, export and merge
gold files.  Each action is a module ``gold_<action>`` listed in
:data:`GOLD_ACTIONS`, with the same ``add_parser``/``run`` as a command."""

from __future__ import annotations

import argparse
import importlib

GOLD_ACTIONS = ("validate", "stats", "import", "export", "merge", "agree")


def add_parser(subparsers, common: argparse.ArgumentParser) -> None:
    p = subparsers.add_parser("gold", help="validate, describe, import, export and merge gold files")
    actions = p.add_subparsers(dest="gold_command", required=True, metavar="ACTION")
    for action in GOLD_ACTIONS:
        importlib.import_module(f"{__package__}.gold_{action}").add_parser(actions, common)
