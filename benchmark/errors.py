"""The errors that the command line turns into exit status 2: bad input
(:class:`InputError`, or several at once as :class:`InputErrors`) and bad
usage (:class:`UsageError`).

Every problem with a user's input is reported as ``FILE:LINE: field: problem``
so that it can be found and fixed without reading a traceback.
"""

from __future__ import annotations

import os


class InputError(Exception):
    """Bad input: a file, the line in it (1-based, 0 when the file as a whole
    is wrong), the field, and what is wrong with it."""

    def __init__(self, path: str | os.PathLike | None, line: int, field: str, problem: str):
        self.path = os.fspath(path) if path is not None else "<input>"
        self.line = line
        self.field = field
        self.problem = problem
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.problem}"


class InputErrors(Exception):
    """Several input problems found in one pass, reported together."""

    def __init__(self, errors: list[InputError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class UsageError(Exception):
    """A command-line usage problem that is not tied to a file line (exit 2)."""
