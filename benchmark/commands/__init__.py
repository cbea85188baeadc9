"""The ``quotebench`` command line, one module per command.

Each module in :data:`COMMANDS` defines ``add_parser(subparsers, common)``,
which registers its sub-parser (``common`` is the parent parser with
``--gold`` and ``--results``) and calls ``set_defaults(handler=run)``, and
``run(args) -> int``, which turns the parsed arguments into explicit
keyword arguments of library functions (the library never sees an argparse
Namespace).  ``gold``'s actions are modules ``gold_<action>`` listed in
``GOLD_ACTIONS`` of :mod:`benchmark.commands.gold`.  A new command is a new
module plus its name here.  Heavy libraries (spaCy, datasets, matplotlib)
are imported only inside ``run``, so that the parser builds fast.
"""

from __future__ import annotations

import importlib
from types import ModuleType

COMMANDS = ("baselines", "score", "submit", "leaderboard", "compare", "gold", "site")


def command_modules(names: tuple[str, ...] = COMMANDS) -> list[ModuleType]:
    """The command modules, in order."""
    return [importlib.import_module(f"{__name__}.{name}") for name in names]
