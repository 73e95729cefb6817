"""Spread per-unit work over this process and `spawn` workers, so that nobody waits for a worker to start.

A spawned worker is a fresh interpreter: it imports pandas and Prophet (~0.5 s of CPU) before its first fit,
while this process is warm and a fit takes ~22 ms. So this process starts on the units at the back of the list
at once, one unit at a time, and hands units from the front to a worker only once that worker has said it is
ready; the hand-outs shrink as the two ends meet, so every process runs out of work at about the same time.
`spawn`, not `fork`: a forked child of a process that has already run cmdstan hangs on its first fit.

Only the functions handed to workers (and what they import) are loaded there: this module imports nothing
heavier than the standard library at its top.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Units per worker task at most: large enough that a task's pickling and round trip (~1 ms) stay small next
# to its fits, small enough that the last tasks do not leave one process working alone.
MAX_TASK_UNITS = 8
# Tasks queued per ready worker, so it never waits while this process is busy with a unit of its own.
TASKS_AHEAD = 2


def map_units(fn: Callable[[list[T]], list[R]], items: Sequence[T], n_processes: int) -> list[R]:
    """`fn(items)`, computed by this process and `n_processes − 1` `spawn` workers; one result per item, in order.

    `fn` maps a list of items to a list of results of the same length, must be picklable (a module-level
    function or a `functools.partial` of one) and must give the same result for an item in any process.
    """
    n_workers = min(n_processes, len(items)) - 1
    if n_workers < 1:
        return fn(list(items))
    results: list = [None] * len(items)
    front, back = 0, len(items)
    pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=get_context("spawn"), initializer=_start_worker)
    warming = [pool.submit(_ready) for _ in range(n_workers)]
    try:
        tasks: dict[Future, tuple[int, int]] = {}
        ready = 0
        while front < back:
            started = [f for f in warming if f.done()]
            ready += len(started)
            warming = [f for f in warming if f not in started]
            for done in [f for f in tasks if f.done()]:
                start, stop = tasks.pop(done)
                results[start:stop] = done.result()
            while front < back and len(tasks) < TASKS_AHEAD * ready:
                size = max(1, min(MAX_TASK_UNITS, (back - front) // (2 * TASKS_AHEAD * (ready + 1))))
                tasks[pool.submit(fn, list(items[front : front + size]))] = (front, front + size)
                front += size
            if front < back:
                back -= 1
                results[back] = fn([items[back]])[0]
        for task, (start, stop) in tasks.items():
            results[start:stop] = task.result()
    finally:
        # A worker still starting when this process ran out of work is stopped, not waited for. Leaving it to
        # `shutdown(wait=False)` hung the step process at exit (multiprocess executor): interpreter exit joins the
        # pool, whose late worker waits on its call queue for a task or sentinel that never comes.
        if not all(f.done() for f in warming):
            for process in list((pool._processes or {}).values()):
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
    return results


def _start_worker() -> None:
    """Pool initializer: load what a fit needs, and no more.

    Prophet imports matplotlib (~0.3 s of CPU) for its plotting helpers only and carries on without it, so a
    worker, which never plots, blocks it unless the parent's main module already loaded it in this worker.
    """
    if "matplotlib" not in sys.modules:
        sys.modules["matplotlib"] = None  # type: ignore[assignment]
    from ml.fault_risk.model import quiet_stan_logging

    quiet_stan_logging()
    import prophet  # noqa: F401


def _ready() -> bool:
    """The first task of each worker: it returns once the worker has started, so it can be given units."""
    return True
