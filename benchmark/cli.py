"""The ``quotebench`` command line (SPEC section 5): the parser, built from
the command modules of :mod:`benchmark.commands`, and ``main``, which runs
one command and turns its errors into exit statuses.

Exit status: 0 done, 2 bad input or usage (one line on stderr naming file,
line and field), 1 anything else, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

from benchmark import __version__
from benchmark.commands import COMMANDS, command_modules
from benchmark.commands.common import common_parser
from benchmark.errors import InputError, InputErrors, UsageError


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser; with ``only``, that command's sub-parser in full
    and the others as bare names (building some, such as ``baselines``
    with every baseline's options, imports their plug-ins: a command does
    not pay for the others')."""
    common = common_parser()
    parser = argparse.ArgumentParser(prog="quotebench", description="Quote attribution benchmark: who said what.")
    parser.add_argument("--version", action="version", version=f"quotebench {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        if only is None or name == only:
            command_modules((name,))[0].add_parser(subparsers, common)
        else:
            subparsers.add_parser(name)
    return parser


def _command_of(argv: list[str]) -> str | None:
    # The command is the first argument that is not an option (the top
    # level has only --help and --version).
    first = next((a for a in argv if not a.startswith("-")), None)
    return first if first in COMMANDS else None


def _print_warning(message, category, filename, lineno, file=None, line=None) -> None:
    # The library warns through the warnings module (whoever calls it decides
    # what to do); the command line says it in one line, as errors.
    print(f"warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    # Run records store the command as typed, also when main() is called from Python.
    typed = list(argv) if argv is not None else sys.argv[1:]
    args = build_parser(_command_of(typed)).parse_args(typed)
    args.argv = typed
    with warnings.catch_warnings():
        warnings.showwarning = _print_warning
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.handler(args) or 0)
    except InputErrors as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        return 2
    except (InputError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the contract is one line and status 1, not a traceback
        if os.environ.get("QUOTEBENCH_DEBUG"):
            raise
        print(f"error: {type(exc).__name__}: {exc} (set QUOTEBENCH_DEBUG=1 for a traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
