"""The benchmark's contract (SPEC sections 3 to 5), stated once.

The command line builds its choices and defaults from these names, and the
library checks its arguments against them.  Standard library only: the
command line imports this module before it knows which command runs.
"""

from __future__ import annotations

import os

TRACKS = ("attribution", "end-to-end")
"""The two tracks: gold quote spans given (attribution), or found by the model (end-to-end)."""

MATCH_MODES = ("overlap", "exact")
DEFAULT_MATCH = "overlap"
"""How an end-to-end prediction is paired with a gold quote."""

DEFAULT_MIN_OVERLAP = 0.5
"""Under ``overlap``: shared characters / length of the longer span, at least this."""

SPEAKER_MODES = ("entity", "mention", "name")
DEFAULT_SPEAKER_MATCH = "entity"
"""How a predicted speaker is credited."""

DEFAULT_BOOTSTRAP = 1000
DEFAULT_SEED = 0
"""Resamples and seed of the confidence intervals."""

UNRESOLVED = "<unresolved>"
"""The per-speaker row of predictions that name no gold entity."""

DEFAULT_GOLD_PATH = os.path.join("gold", "gold.jsonl")
DEFAULT_RESULTS = "results"

MODEL_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
MODEL_NAME_RULE = "1 to 64 ASCII letters, digits, '.', '_' or '-', starting with an ASCII letter or digit"
"""A model name names a leaderboard row and a folder of records: SPEC's pattern, in words."""


def check_model_name(name: object) -> str:
    """Return ``name`` if it can name a leaderboard row, else raise
    :class:`~benchmark.errors.UsageError` stating the rule."""
    import re

    from benchmark.errors import UsageError

    if not isinstance(name, str) or not re.fullmatch(MODEL_NAME_PATTERN, name):
        raise UsageError(f"invalid model name {name!r}: use {MODEL_NAME_RULE}")
    return name
