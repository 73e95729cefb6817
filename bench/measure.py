"""Measuring a piece of work: wall time, CPU time and peak memory, child processes included.

Every platform case runs in a child process (`python -m bench.worker …`), so its CPU time and memory are
the child's whole process tree (the dbt subprocess, Prophet's cmdstan, pool workers) and nothing of the
harness. CPU time comes from `getrusage(RUSAGE_CHILDREN)`, which counts every descendant that was waited
for; peak memory is sampled: the largest sum of RSS over the tree seen every 0.1 s.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.1


@dataclass
class Measured:
    """What one measured piece of work cost."""

    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    detail: dict = field(default_factory=dict)  # what the worker reported (stage timings, rows)

    def as_dict(self) -> dict:
        return {
            "wall_seconds": round(self.wall_seconds, 2),
            "cpu_seconds": round(self.cpu_seconds, 2),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            **self.detail,
        }


class _TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and all its descendants until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self._halt = threading.Event()

    def run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._halt.is_set():
            total = 0
            try:
                procs = [root] + root.children(recursive=True)
            except psutil.NoSuchProcess:
                break
            for p in procs:
                with contextlib.suppress(psutil.NoSuchProcess):  # a child that ended between the two calls
                    total += p.memory_info().rss
            self.peak = max(self.peak, total)
            self._halt.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_worker(args: list[str], env: dict[str, str], out: Path, log: Path) -> Measured:
    """Run `python -m bench.worker <args> --out <out>` and measure it; fails loudly with the log's tail."""
    cmd = [sys.executable, "-m", "bench.worker", *args, "--out", str(out)]
    cpu0 = _children_cpu()
    start = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen(
            cmd, env={**os.environ, **env}, stdout=fh, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[1]
        )
        sampler = _TreeSampler(proc.pid)
        sampler.start()
        code = proc.wait()
        sampler.stop()
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu0
    if code != 0:
        tail = "".join(Path(log).read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)[-30:])
        raise RuntimeError(f"bench worker {' '.join(args[:1])} failed (exit {code}); log {log}:\n{tail}")
    detail = json.loads(out.read_text()) if out.exists() else {}
    return Measured(wall, cpu, sampler.peak / 2**20, detail)


def in_process(fn, *args, **kwargs) -> tuple[object, Measured]:
    """Call `fn` in this process and measure it (ML cases: their pools are children of this process)."""
    own0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = own0.ru_utime + own0.ru_stime + _children_cpu()
    sampler = _TreeSampler(os.getpid())
    sampler.start()
    start = time.perf_counter()
    try:
        result = fn(*args, **kwargs)
    finally:
        sampler.stop()
    wall = time.perf_counter() - start
    own1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = own1.ru_utime + own1.ru_stime + _children_cpu() - cpu0
    return result, Measured(wall, cpu, sampler.peak / 2**20)
