"""Work shared out to forked processes, one way for every caller.

The processes inherit :data:`SHARED` by ``fork`` (nothing is pickled on the
way in), read it, and send back only what ``function`` returns."""

from __future__ import annotations

import gc
import multiprocessing
import sys
from typing import Any, Callable

# What the forked processes inherit: set by map_forked for the length of one call.
SHARED: dict[str, Any] = {}


def can_fork(processes: int) -> bool:
    """Whether ``processes`` forked processes are worth starting here: at
    least two, a platform with ``fork``, and not inside a pool's own
    process (which may not start processes)."""
    return (processes >= 2 and "fork" in multiprocessing.get_all_start_methods()
            and not multiprocessing.current_process().daemon)


def map_forked(function: Callable[[int], Any], count: int, processes: int, **shared: Any) -> list[Any]:
    """``[function(i) for i in range(count)]``, computed in ``processes``
    forked processes that find ``shared`` in :data:`SHARED`; one index at a
    time, so a long item does not hold back a queue of others."""
    SHARED.update(shared)
    # The objects alive now are left out of the collector's passes, so that
    # the forked processes do not copy the memory pages of objects they only read.
    gc.freeze()
    sys.stdout.flush()  # or the processes would write what is still buffered again
    sys.stderr.flush()
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            return pool.map(function, range(count), chunksize=1)
    finally:
        gc.unfreeze()
        SHARED.clear()
