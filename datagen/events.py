"""Grid events: transformer faults (recorded in equipment_faults.csv) and outages of every cause.

* Degrading transformers: for 5–10 days before a recorded fault their oil runs hotter than load and weather
  explain, then they fail and are out for hours (the ground truth a fault-risk model is backtested on).
* Sudden recorded faults: lightning on storm days, short circuits and third-party damage, no precursor.
* Outages that are not transformer faults: line trips in storms, planned maintenance (计划停电).
Every outage makes its customers call; `tickets` turns the outages into bursts of tickets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from .randomness import rng_for
from .weather import Weather
from .world import World

DAY = 86_400
HOUR = 3_600
# Far above a real grid's ~1 %/year, on purpose: the demo's half year must hold enough degrading faults, late
# enough for the fault model's 35 days of history, for its backtest precision and recall to mean something.
DEGRADING_SHARE = 0.06
DEGRADING_FAULT_TYPES = ("绕组过热", "绝缘老化", "油位过低")
SUDDEN_FAULT_TYPES = ("雷击损坏", "低压出线短路", "外力破坏", "熔断器熔断")
CAUSES = ("degradation_fault", "sudden_fault", "storm_trip", "planned")


def epoch_seconds(day: dt.date) -> int:
    """Seconds from 1970-01-01 00:00 to the start of `day`, local wall-clock time (no time zone arithmetic)."""
    return (day - dt.date(1970, 1, 1)).days * DAY


@dataclass
class Events:
    """Outages (parallel arrays) and the degradation behind recorded faults."""

    transformer: np.ndarray
    start: np.ndarray  # epoch seconds
    end: np.ndarray
    cause: np.ndarray  # index into CAUSES
    fault_type: list[str | None]
    degrading: np.ndarray  # transformer rows that degrade before their fault
    ramp_start: np.ndarray  # per degrading transformer: when its oil starts to climb
    fault_at: np.ndarray
    extra_c: np.ndarray  # oil temperature excess reached at the fault

    def faults_frame(self, transformer_ids: pl.Series, until: int | None = None) -> pl.DataFrame:
        """equipment_faults.csv: recorded faults (not line trips nor planned outages) ordered by time, with the
        restoration time when the supply was back by `until` (epoch seconds: the end of the data), else empty."""
        recorded = np.flatnonzero(self.cause <= 1)
        recorded = recorded[np.argsort(self.start[recorded], kind="stable")]
        end = self.end[recorded]
        restored = pl.from_epoch(pl.Series(end), time_unit="s").dt.strftime("%Y-%m-%d %H:%M:%S")
        if until is not None:
            restored = pl.select(pl.when(pl.Series(end) <= until).then(restored)).to_series()
        return pl.DataFrame(
            {
                "fault_id": [f"F{i + 1:05d}" for i in range(len(recorded))],
                "transformer_id": transformer_ids.gather(self.transformer[recorded]),
                "fault_at": pl.from_epoch(pl.Series(self.start[recorded]), time_unit="s").dt.strftime(
                    "%Y-%m-%d %H:%M:%S"
                ),
                "fault_type": [self.fault_type[i] for i in recorded],
                "restored_at": restored.alias("restored_at"),
            }
        )

    def out_share(self, day_start: int, n_transformers: int) -> np.ndarray:
        """Share of the day [day_start, day_start + 1 day) each transformer was out."""
        share = np.zeros(n_transformers)
        hit = (self.start < day_start + DAY) & (self.end > day_start)
        overlap = np.minimum(self.end[hit], day_start + DAY) - np.maximum(self.start[hit], day_start)
        np.add.at(share, self.transformer[hit], overlap / DAY)
        return np.minimum(share, 1.0)

    def out_hours(self, day_start: int, n_transformers: int) -> np.ndarray:
        """(transformers, 24) bool: out during any part of the hour starting at day_start + h hours."""
        out = np.zeros((n_transformers, 24), dtype=bool)
        hours = day_start + HOUR * np.arange(24)
        for k in np.flatnonzero((self.start < day_start + DAY) & (self.end > day_start)):
            out[self.transformer[k]] |= (hours >= self.start[k] - HOUR + 1) & (hours < self.end[k])
        return out


def plan_events(seed: int, world: World, weather: Weather) -> Events:
    """Plan the faults and outages of the whole period, each day from its own random stream."""
    n_t = len(world.transformers)
    days = world.days
    rng = rng_for(seed, "events.degrading")
    hot = world.hot_offset_c > 0
    # The degradation must fit in the period: fault on day 12 or later, after up to 10 days of rising oil.
    n_degrading = max(int(round(DEGRADING_SHARE * n_t)), 2 if days >= 60 else 1) if days >= 14 else 0
    # Old transformers fail more often; hot-but-steady ones are kept apart so "hot" never means "failing".
    weight = np.where(hot, 0.0, world.transformers.age_years + 5.0)
    n_degrading = min(n_degrading, int((weight > 0).sum()))
    degrading = np.sort(rng.choice(n_t, n_degrading, replace=False, p=weight / weight.sum()))
    ramp_days = rng.uniform(5.0, 10.0, len(degrading))
    first = epoch_seconds(world.start)
    # Faults land in the last two thirds of the period (day 12 at the earliest), where a model has history.
    earliest = max(12, min(45, days // 3))
    fault_day = rng.integers(earliest, max(days - 1, earliest + 1), len(degrading))
    fault_at = first + fault_day * DAY + rng.integers(0, DAY // 60, len(degrading)) * 60
    ramp_start = fault_at - (ramp_days * DAY).astype(np.int64)
    extra = rng.uniform(12.0, 25.0, len(degrading))
    fault_types = [DEGRADING_FAULT_TYPES[i] for i in rng.integers(0, len(DEGRADING_FAULT_TYPES), len(degrading))]

    t_list = [degrading]
    s_list = [fault_at]
    e_list = [fault_at + rng.integers(4 * HOUR, 30 * HOUR, len(degrading))]
    c_list = [np.zeros(len(degrading), dtype=np.int8)]
    for i in range(days):
        day = world.start + dt.timedelta(days=i)
        r = rng_for(seed, "events", day)
        d0 = first + i * DAY
        storm = bool(weather.storm[i])
        # Lightning and line trips cluster on storm days; short circuits and digger damage happen any day.
        # Rates give about 1 % of transformers a sudden recorded fault per year, as on real distribution grids.
        n_sudden = r.poisson(n_t * (0.001 if storm else 0.00003))
        n_trip = r.poisson(n_t * 0.012) if storm else 0
        n_planned = r.poisson(n_t * 0.0015) if day.weekday() < 5 else 0
        for n, cause, start, length in (
            (n_sudden, 1, d0 + r.integers(0, DAY, n_sudden), r.integers(2 * HOUR, 10 * HOUR, n_sudden)),
            (n_trip, 2, d0 + r.integers(12 * HOUR, DAY, n_trip), r.integers(HOUR, 6 * HOUR, n_trip)),
            (n_planned, 3, d0 + 8 * HOUR + r.integers(0, 2, n_planned) * HOUR, r.integers(4, 9, n_planned) * HOUR),
        ):
            t_list.append(r.integers(0, n_t, n))
            s_list.append(start)
            e_list.append(start + length)
            c_list.append(np.full(n, cause, dtype=np.int8))
            if cause == 1:
                kinds = np.where(storm, 0, r.integers(1, len(SUDDEN_FAULT_TYPES), n))
                fault_types.extend(SUDDEN_FAULT_TYPES[k] for k in kinds)
            else:
                fault_types.extend([None] * n)
    return Events(
        transformer=np.concatenate(t_list).astype(np.int32),
        start=np.concatenate(s_list).astype(np.int64),
        end=np.concatenate(e_list).astype(np.int64),
        cause=np.concatenate(c_list),
        fault_type=fault_types,
        degrading=degrading.astype(np.int32),
        ramp_start=ramp_start,
        fault_at=fault_at,
        extra_c=extra,
    )
