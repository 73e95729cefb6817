"""The city's daily weather: temperature with summer and winter extremes, and storm days.

Weather drives meter readings (air conditioning and heating), transformer telemetry (ambient temperature)
and ticket volumes (hot days, cold snaps and storms bring more faults). The climate is that of the lower
Yangtze (January ≈ 3 °C, late July ≈ 29 °C).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from domain.physics import ANNUAL_AMPLITUDE_C as _ANNUAL_AMPLITUDE_C
from domain.physics import ANNUAL_MEAN_C as _ANNUAL_MEAN_C
from domain.physics import ANOMALY_INNOVATION_C as _ANOMALY_INNOVATION_C
from domain.physics import ANOMALY_PERSISTENCE as _ANOMALY_PERSISTENCE
from domain.physics import WARMEST_DAY_OF_YEAR as _WARMEST_DAY_OF_YEAR

from .randomness import rng_for

# Warm-up so a day's anomaly does not depend on the first generated day: 0.75**90 is negligible.
_WARMUP_DAYS = 90
# Probability of a storm day by month (plum rains and typhoons in summer).
_STORM_PROBABILITY = (0.0, 0.005, 0.01, 0.02, 0.03, 0.07, 0.09, 0.09, 0.06, 0.02, 0.005, 0.0)


@dataclass(frozen=True)
class Weather:
    """Daily weather from `start` for len(t_mean) days; arrays are indexed by day number."""

    start: dt.date
    t_mean: np.ndarray
    t_max: np.ndarray
    t_min: np.ndarray
    storm: np.ndarray  # bool

    def day(self, i: int) -> dict:
        """The weather of day number `i` as plain values (for the manifest)."""
        return {
            "t_mean_c": round(float(self.t_mean[i]), 1),
            "t_max_c": round(float(self.t_max[i]), 1),
            "t_min_c": round(float(self.t_min[i]), 1),
            "storm": bool(self.storm[i]),
        }


def simulate_weather(seed: int, start: dt.date, days: int) -> Weather:
    """Simulate `days` days of weather from `start`; each day's random draws come from its own stream."""
    first = start - dt.timedelta(days=_WARMUP_DAYS)
    total = days + _WARMUP_DAYS
    dates = [first + dt.timedelta(days=i) for i in range(total)]
    draws = np.array([rng_for(seed, "weather", d).random(4) for d in dates])
    innovations = _ANOMALY_INNOVATION_C * _normal_from_uniform(draws[:, 0], draws[:, 1])
    anomaly = np.empty(total)
    level = 0.0
    for i in range(total):  # a recursion over a few hundred days, not over rows
        level = _ANOMALY_PERSISTENCE * level + innovations[i]
        anomaly[i] = level
    doy = np.array([d.timetuple().tm_yday for d in dates])
    month = np.array([d.month for d in dates])
    climate = _ANNUAL_MEAN_C + _ANNUAL_AMPLITUDE_C * np.cos(2 * np.pi * (doy - _WARMEST_DAY_OF_YEAR) / 365.25)
    storm = draws[:, 2] < np.asarray(_STORM_PROBABILITY)[month - 1]
    t_mean = climate + anomaly - 2.0 * storm
    # Cloudy storm days have a small daily range; clear days a wide one.
    daily_range = np.where(storm, 4.0, 6.0 + 5.0 * draws[:, 3])
    sl = slice(_WARMUP_DAYS, None)
    return Weather(
        start=start,
        t_mean=np.round(t_mean[sl], 1),
        t_max=np.round(t_mean[sl] + daily_range[sl] / 2, 1),
        t_min=np.round(t_mean[sl] - daily_range[sl] / 2, 1),
        storm=storm[sl],
    )


def _normal_from_uniform(u1: np.ndarray, u2: np.ndarray) -> np.ndarray:
    # Box–Muller, so each day needs a fixed number of uniforms from its own stream.
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2 * np.pi * u2)
