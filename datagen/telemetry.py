"""Hourly SCADA telemetry per transformer: ambient and oil temperature, load and voltage.

Load follows the day's metered energy of the transformer's customers (so telemetry and readings agree)
spread over the hours by the customers' mix of daily shapes, plus unmetered street lighting. Oil temperature
is ambient + no-load rise + k·load² (with an hour of thermal lag) + noise; hot-but-steady transformers carry
a constant excess, degrading ones an excess that grows for days until their fault. An out transformer
reports zero load and voltage and its oil cools to ambient.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from domain.physics import FULL_LOAD_RISE_C, NO_LOAD_RISE_C, OIL_NOISE_C

from .events import DAY, HOUR, Events
from .randomness import rng_for
from .weather import Weather
from .world import POWER_FACTOR, World

_AREA_AMBIENT_C = np.array([0.8, 0.0, -1.2])  # urban heat island; remote sites on hills are cooler
_AREA_VOLTAGE_DROP = np.array([0.0, 2.0, 4.5])  # long rural feeders sag


def daily_telemetry(
    world: World, events: Events, weather: Weather, seed: int, day: dt.date, day_no: int, energy_kwh: np.ndarray
) -> pl.DataFrame:
    """24 rows per transformer for `day`; `energy_kwh` is the day's metered energy per transformer."""
    rng = rng_for(seed, "telemetry", day)
    n_t = len(world.transformers)
    d0 = (day - dt.date(1970, 1, 1)).days * DAY
    hours = np.arange(24)
    z = rng.standard_normal((4, n_t, 24))

    mid = (weather.t_max[day_no] + weather.t_min[day_no]) / 2
    half_range = (weather.t_max[day_no] - weather.t_min[day_no]) / 2
    ambient = (
        mid
        + half_range * np.cos(2 * np.pi * (hours - 15) / 24)[None, :]
        + _AREA_AMBIENT_C[world.transformers.area][:, None]
        + 0.3 * z[0]
    )

    out = events.out_hours(d0, n_t)
    in_service = np.maximum(1.0 - out.mean(axis=1), 1.0 / 24)
    kw = (energy_kwh / (24.0 * in_service))[:, None] * world.hourly_shape + world.base_kw[:, None]
    load = kw / (world.rated_kva * POWER_FACTOR)[:, None] * 100.0 * np.exp(0.04 * z[1])
    load[out] = 0.0
    lagged = np.concatenate([load[:, :1], load[:, :-1]], axis=1)
    effective = (0.6 * load + 0.4 * lagged) / 100.0

    oil = ambient + NO_LOAD_RISE_C + FULL_LOAD_RISE_C * effective**2 + world.hot_offset_c[:, None] + OIL_NOISE_C * z[2]
    ts = d0 + HOUR * hours
    for j, start, fault, extra in zip(events.degrading, events.ramp_start, events.fault_at, events.extra_c):
        progress = np.clip((ts - start) / (fault - start), 0.0, None)
        oil[j] += np.where(ts < fault, extra * progress**1.6, 0.0)
    oil = np.where(out, ambient + 1.0 + 0.3 * z[2], oil)

    voltage = 232.0 - 8.0 * effective - _AREA_VOLTAGE_DROP[world.transformers.area][:, None] + 1.0 * z[3]
    voltage = np.where(out, 0.0, np.clip(voltage, 205.0, 240.0))

    stamps = pl.from_epoch(pl.Series(ts), time_unit="s").dt.strftime("%Y-%m-%d %H:%M:%S")
    return pl.DataFrame(
        {
            "transformer_id": world.transformers.ids.gather(np.repeat(np.arange(n_t), 24)),
            "ts": stamps.gather(np.tile(hours, n_t)),
            "oil_temp_c": np.round(oil, 1).ravel(),
            "load_pct": np.round(load, 1).ravel(),
            "voltage_v": np.round(voltage, 1).ravel(),
            "ambient_temp_c": np.round(ambient, 1).ravel(),
        }
    )
