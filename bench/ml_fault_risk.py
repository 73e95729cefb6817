"""Fits per second scoring a simulated fleet in one process and over the `spawn` pool.

Run with `python -m bench.ml_fault_risk --transformers 200 --days 120` (prints JSON). Prophet's cost is mostly
fixed per fit (a cmdstan process and pandas bookkeeping), so throughput scales with processes, not with data.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import resource

from ml.fault_risk.config import FaultRiskConfig
from ml.fault_risk.score import score_days
from ml.fault_risk.simulate import FleetScenario, simulate


def benchmark(n_transformers: int = 200, days: int = 120, n_jobs: int = 2, weeks: int = 1, seed: int = 7) -> dict:
    """Score a simulated fleet with `n_jobs=1` and with `n_jobs` on the last day of each of the last `weeks`
    weeks: one Prophet fit per unit and week (weeks=1 is the nightly scoring job, more is a short backtest).

    Returns fits per second of each (pool start-up included), the speed-up, the CPU seconds each used and
    whether both runs gave identical scores.
    """
    telemetry, _ = simulate(FleetScenario(seed=seed, n_transformers=n_transformers, days=days))
    last = telemetry["ts"].max().date()
    as_of_days = [last - dt.timedelta(days=7 * k) for k in reversed(range(weeks))]
    config = FaultRiskConfig()
    before = _cpu_seconds()
    single, single_speed = score_days(dataclasses.replace(config, n_jobs=1), telemetry, as_of_days, None)
    middle = _cpu_seconds()
    pooled, pooled_speed = score_days(dataclasses.replace(config, n_jobs=n_jobs), telemetry, as_of_days, None)
    after = _cpu_seconds()
    return {
        "transformers": n_transformers,
        "days": days,
        "weeks_scored": weeks,
        "cpus": os.cpu_count(),
        "fits": single_speed["n_fits"],
        "single_fits_per_second": round(single_speed["fits_per_second"], 2),
        f"pool{n_jobs}_fits_per_second": round(pooled_speed["fits_per_second"], 2),
        "speedup": round(pooled_speed["fits_per_second"] / single_speed["fits_per_second"], 2),
        # CPU seconds spent (cmdstan and pool workers included): equal totals mean the pool adds little
        # overhead, so its wall-clock gain is limited only by the cores other work leaves free.
        "single_cpu_seconds": round(middle - before, 1),
        f"pool{n_jobs}_cpu_seconds": round(after - middle, 1),
        "identical_scores": bool(single.equals(pooled)),
    }


def _cpu_seconds() -> float:
    """User + system CPU time of this process and of its finished children (workers, cmdstan runs)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.ml_fault_risk", description=__doc__)
    parser.add_argument("--transformers", type=int, default=200)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--weeks", type=int, default=1, help="score the last day of this many weeks")
    args = parser.parse_args()
    print(json.dumps(benchmark(args.transformers, args.days, args.n_jobs, args.weeks), indent=2))
