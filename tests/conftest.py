"""Fixtures shared by every test module; plain helpers live in tests/support/.

- ``repo_root``: the repository's root folder.
- ``nlp``: the spaCy pipeline the baselines use (:func:`benchmark.models.load_pipeline`),
  loaded once per test session.
- ``run_cli``: :func:`support.cli.run_cli`, the real command line in a subprocess.
- ``cli``: :func:`support.cli.run_main` bound to ``capsys``: the command line in
  this process, returning (exit status, stdout, stderr).

Optional extras are skipped, not failed, when absent: use
``pytest.importorskip("textacy")`` in the tests that need one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from support.cli import ROOT, run_main
from support.cli import run_cli as _run_cli


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def nlp():
    from benchmark.models import load_pipeline

    return load_pipeline()


@pytest.fixture()
def run_cli():
    return _run_cli


@pytest.fixture()
def cli(capsys):
    def run(*args: object) -> tuple[int, str, str]:
        return run_main(capsys, *args)

    return run
