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
