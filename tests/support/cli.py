"""Running the real command line from tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: object, cwd: Path | str = ROOT, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m benchmark ARGS`` in a fresh interpreter (the console
    script's code path, exit status and streams), from ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "benchmark", *map(str, args)], cwd=cwd, capture_output=True, text=True, env=env, timeout=timeout
    )


def run_main(capsys, *args: object) -> tuple[int, str, str]:
    """``benchmark.cli.main(ARGS)`` in this process: (exit status, stdout, stderr)."""
    from benchmark.cli import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err
