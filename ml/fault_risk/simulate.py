"""A small deterministic fleet of transformers for tests and notebooks: hourly telemetry plus recorded faults.

The physics is the platform's synthetic generator's (`datagen/telemetry.py`, constants in domain/physics.py), so
the model is tuned on the same behaviour it will meet in the demo:

* ambient temperature has a seasonal drift, day-to-day weather anomalies and a daily cycle peaking at 15:00;
* load follows an evening-peaked daily shape, rises with hot weather (air conditioning) and dips at weekends;
* oil ≈ ambient + 4 °C no-load rise + 50 °C · (load with an hour of thermal lag)² + 0.6 °C noise;
* hot-but-steady units carry a constant excess (poor ventilation) and never fail;
* degrading units carry an excess `extra_c · progress**1.6` that grows over `ramp_days` until their fault;
* a fault (or any outage) leaves the unit out for some hours: zero load and voltage, oil cooling to ambient.
  After a fault the unit is repaired and its excess is gone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from domain.physics import FULL_LOAD_RISE_C, NO_LOAD_RISE_C, OIL_NOISE_C

# Residential feeders: a small morning bump and the evening peak around 20:00 (share of the daily mean).
_HOURLY_SHAPE = np.array(
    [
        0.55,
        0.5,
        0.47,
        0.45,
        0.46,
        0.55,
        0.75,
        0.95,
        1.0,
        0.95,
        0.92,
        0.95,
        1.0,
        0.98,
        0.95,
        0.98,
        1.08,
        1.25,
        1.45,
        1.6,
        1.62,
        1.48,
        1.15,
        0.8,
    ]
)
_HOURLY_SHAPE = _HOURLY_SHAPE / _HOURLY_SHAPE.mean()


@dataclass(frozen=True)
class Degradation:
    """A unit whose oil runs ever hotter for `ramp_days` before it fails on day `fault_day` at `fault_hour`."""

    unit: int
    fault_day: int
    ramp_days: float
    extra_c: float
    fault_hour: int = 14
    outage_hours: int = 12
    fault_type: str = "绕组过热"


@dataclass(frozen=True)
class Outage:
    """A stretch out of service: a sudden recorded fault (`fault_type` set) or a trip/planned outage (None)."""

    unit: int
    day: int
    hour: int
    hours: int
    fault_type: str | None = None


@dataclass(frozen=True)
class FleetScenario:
    """What to simulate; the defaults are the fleet the tests pin (12 units, 120 summer days)."""

    seed: int = 7
    n_transformers: int = 12
    days: int = 120
    start: dt.date = dt.date(2026, 5, 1)
    degrading: tuple[Degradation, ...] = (
        Degradation(unit=2, fault_day=74, ramp_days=9.0, extra_c=14.0),
        Degradation(unit=7, fault_day=103, ramp_days=6.0, extra_c=13.0, fault_type="绝缘老化"),
    )
    hot_steady: tuple[int, ...] = (4,)
    hot_offset_c: float = 12.0
    outages: tuple[Outage, ...] = field(
        default=(
            Outage(unit=9, day=88, hour=17, hours=6, fault_type="雷击损坏"),  # lightning: no precursor
            Outage(unit=5, day=60, hour=8, hours=8),  # planned maintenance (计划停电), not a fault
        )
    )

    def transformer_id(self, unit: int) -> str:
        """The id of unit number `unit` (0-based), e.g. T0003 for unit 2."""
        return f"T{unit + 1:04d}"


def _daily_weather(rng: np.random.Generator, start: dt.date, days: int) -> tuple[np.ndarray, np.ndarray]:
    doy = np.array([(start + dt.timedelta(days=i)).timetuple().tm_yday for i in range(days)])
    climate = 16.0 + 13.0 * np.cos(2 * np.pi * (doy - 205) / 365.25)
    anomaly = np.zeros(days)
    level = 0.0
    for i, shock in enumerate(rng.normal(0.0, 1.8, days)):  # AR(1): heat waves last several days
        level = 0.75 * level + shock
        anomaly[i] = level
    return climate + anomaly, rng.uniform(6.0, 11.0, days)


def simulate(scenario: FleetScenario = FleetScenario()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate the fleet: returns (telemetry, faults) shaped like the warehouse tables.

    telemetry: transformer_id, ts (hourly, local time), oil_temp_c, load_pct, voltage_v, ambient_temp_c.
    faults: fault_id, transformer_id, fault_at, fault_type, ordered by fault_at.
    """
    rng = np.random.default_rng(scenario.seed)
    n, days = scenario.n_transformers, scenario.days
    hours = days * 24
    t_mean, t_range = _daily_weather(rng, scenario.start, days)
    hour_of_day = np.tile(np.arange(24), days)
    day_no = np.repeat(np.arange(days), 24)
    ambient = (
        t_mean[day_no]
        + t_range[day_no] / 2 * np.cos(2 * np.pi * (hour_of_day - 15) / 24)
        + rng.uniform(-1.0, 1.0, n)[:, None]  # sites differ: heat island, hills
        + 0.3 * rng.standard_normal((n, hours))
    )

    weekday = np.array([(scenario.start + dt.timedelta(days=int(d))).weekday() for d in range(days)])
    cooling = 1.0 + 0.035 * np.clip(t_mean - 22.0, 0.0, None)
    daily_mean = (
        rng.uniform(0.28, 0.42, n)[:, None]
        * cooling[None, :]
        * np.where(weekday >= 5, 1.05, 1.0)[None, :]
        * np.exp(0.05 * rng.standard_normal((n, days)))
    )
    jitter = np.exp(0.04 * rng.standard_normal((n, hours)))
    load = 100.0 * daily_mean[:, day_no] * _HOURLY_SHAPE[hour_of_day][None, :] * jitter

    out = np.zeros((n, hours), dtype=bool)
    excess = np.zeros((n, hours))
    for u in scenario.hot_steady:
        excess[u] += scenario.hot_offset_c
    faults = []
    hour_index = np.arange(hours)
    for d in scenario.degrading:
        fault_h = d.fault_day * 24 + d.fault_hour
        progress = np.clip((hour_index - (fault_h - d.ramp_days * 24)) / (d.ramp_days * 24), 0.0, None)
        excess[d.unit] += np.where(hour_index < fault_h, d.extra_c * progress**1.6, 0.0)
        out[d.unit, fault_h : fault_h + d.outage_hours] = True
        faults.append((d.unit, fault_h, d.fault_type))
    for o in scenario.outages:
        out[o.unit, o.day * 24 + o.hour : o.day * 24 + o.hour + o.hours] = True
        if o.fault_type is not None:
            faults.append((o.unit, o.day * 24 + o.hour, o.fault_type))

    load = np.where(out, 0.0, load)
    lagged = np.concatenate([load[:, :1], load[:, :-1]], axis=1)
    effective = (0.6 * load + 0.4 * lagged) / 100.0
    noise = rng.standard_normal((n, hours))
    oil = ambient + NO_LOAD_RISE_C + FULL_LOAD_RISE_C * effective**2 + excess + OIL_NOISE_C * noise
    oil = np.where(out, ambient + 1.0 + 0.3 * noise, oil)
    voltage = np.where(out, 0.0, 232.0 - 8.0 * effective + rng.standard_normal((n, hours)))

    first = pd.Timestamp(scenario.start)
    telemetry = pd.DataFrame(
        {
            "transformer_id": np.repeat([scenario.transformer_id(u) for u in range(n)], hours),
            "ts": np.tile(first + pd.to_timedelta(hour_index, unit="h"), n),
            "oil_temp_c": np.round(oil, 1).ravel(),
            "load_pct": np.round(load, 1).ravel(),
            "voltage_v": np.round(voltage, 1).ravel(),
            "ambient_temp_c": np.round(ambient, 1).ravel(),
        }
    )
    faults.sort(key=lambda f: f[1])
    fault_frame = pd.DataFrame(
        {
            "fault_id": [f"F{i + 1:05d}" for i in range(len(faults))],
            "transformer_id": [scenario.transformer_id(u) for u, _, _ in faults],
            "fault_at": [first + pd.Timedelta(hours=h) + pd.Timedelta(minutes=17) for _, h, _ in faults],
            "fault_type": [t for _, _, t in faults],
        }
    )
    return telemetry, fault_frame
