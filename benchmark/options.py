"""A command-line option that a plug-in declares (an annotation format, a
baseline), so that the command line offers it without knowing the plug-in.

Standard library only: the command line builds its parser from these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Option:
    """``flag`` as typed (``--annotator``); ``dest`` the keyword argument the
    plug-in receives; ``help``; ``default`` (None: not given); ``choices``."""

    flag: str
    dest: str
    help: str
    default: Any = None
    choices: tuple[str, ...] | None = None

    @property
    def cli_dest(self) -> str:
        """The argparse attribute of the flag: ``--llm-url`` -> ``llm_url``.
        Unique per flag, so that plug-ins may share a flag and its meaning."""
        return self.flag.lstrip("-").replace("-", "_")

    def add_to(self, parser) -> None:
        """Add the flag to an argparse parser (once, when plug-ins share it)."""
        if any(self.flag in action.option_strings for action in parser._actions):
            return
        parser.add_argument(self.flag, dest=self.cli_dest, default=self.default, choices=self.choices, help=self.help)
