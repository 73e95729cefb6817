"""`map_units`: this process and a `spawn` worker share the units, results come back in the units' order."""

from __future__ import annotations

import os
import sys
import time

from ml.fault_risk.pool import map_units


def _who(items: list[int]) -> list[tuple[int, int, bool]]:
    """Each item with the process that handled it and whether that process had matplotlib loaded."""
    time.sleep(0.05 * len(items))
    loaded = sys.modules.get("matplotlib") is not None
    return [(item, os.getpid(), loaded) for item in items]


def test_one_process_runs_everything_itself():
    loaded = sys.modules.get("matplotlib") is not None
    assert map_units(_who, [3, 1, 2], 1) == [(item, os.getpid(), loaded) for item in (3, 1, 2)]


def test_this_process_and_a_worker_share_the_units_in_order():
    # 120 × 50 ms = 6 s of work: long enough for the worker to start (about a second) and take its share.
    items = list(range(120))
    results = map_units(_who, items, 2)
    assert [item for item, _, _ in results] == items
    pids = [pid for _, pid, _ in results]
    assert len(set(pids)) == 2
    # This process works from the back, the worker from the front, so the two never interleave.
    first_own = pids.index(os.getpid())
    assert set(pids[:first_own]) == {pids[0]} and pids[0] != os.getpid()
    assert set(pids[first_own:]) == {os.getpid()}
    # The worker only fits: Prophet's plotting import (matplotlib) is kept out of it.
    assert not any(loaded for _, pid, loaded in results if pid != os.getpid())
