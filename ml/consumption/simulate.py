"""A deterministic utility's daily kWh for benchmarks and notebooks, in the frames `train` and the scorer take.

A compact version of the platform's generator (`datagen/consumption.py`, `weather.py`) with its constants
(domain/physics.py): kWh = level × day-type factor × (1 + cooling·CDD + heating·HDD) × log-normal noise, with
the generator's per-category medians, spreads, weekend, holiday and Spring Festival factors and the lower
Yangtze climate. Left out: transformer outages, vacant homes, accounts opened mid-period, the landing
defects. A few readings are missing, as the head-end drops some.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from domain.physics import (
    ANNUAL_AMPLITUDE_C,
    ANNUAL_MEAN_C,
    ANOMALY_INNOVATION_C,
    ANOMALY_PERSISTENCE,
    COOLING,
    HEATING,
    HOLIDAY,
    LEVEL_SIGMA,
    MEDIAN_KWH,
    NOISE_SIGMA,
    WARMEST_DAY_OF_YEAR,
)
from domain.physics import SPRING_FESTIVAL as SPRING
from ml.consumption.calendar import SPRING_FESTIVAL, holidays_of_year
from ml.consumption.data import CATEGORIES, COOLING_BASE_C, HEATING_BASE_C, TARIFFS

# Per category (residential, commercial, industrial, agricultural), as the generator draws them.
CATEGORY_SHARE = np.array([0.86, 0.09, 0.025, 0.025])
TARIFF_SHARE = np.array([[0.08, 0.77, 0.15], [0.30, 0.15, 0.55], [0.12, 0.00, 0.88], [0.75, 0.10, 0.15]])
MISSING_SHARE = 0.01


@dataclass(frozen=True)
class Utility:
    """`readings` (customer_id, reading_date, kwh_total), `customers` (customer_id, category, tariff) and
    `temperature` (reading_date, ambient_temp_c), the arguments of `ml.consumption.train.train`."""

    readings: pd.DataFrame
    customers: pd.DataFrame
    temperature: pd.DataFrame


def simulate(customers: int, days: int, seed: int = 42, last_day: dt.date = dt.date(2026, 10, 31)) -> Utility:
    """`customers` customers (`C0000001`…) over the `days` days ending on `last_day`; equal arguments give
    equal frames."""
    rng = np.random.default_rng(seed)
    dates = [last_day - dt.timedelta(days=days - 1 - i) for i in range(days)]
    category = rng.choice(len(CATEGORIES), customers, p=CATEGORY_SHARE)
    tariff = (rng.random(customers)[:, None] > TARIFF_SHARE[category].cumsum(axis=1)).sum(axis=1).clip(0, 2)
    level = np.exp(np.log(MEDIAN_KWH[category]) + LEVEL_SIGMA[category] * rng.standard_normal(customers))
    weekend = np.select(  # shops open at weekends, offices close; factories run a reduced weekend shift
        [category == 0, category == 1, category == 2],
        [rng.normal(1.08, 0.05, customers), rng.uniform(0.6, 1.2, customers), rng.uniform(0.45, 0.85, customers)],
        rng.normal(1.0, 0.03, customers),
    )
    cooling = COOLING[category] * rng.lognormal(0, 0.4, customers)
    heating = HEATING[category] * rng.lognormal(0, 0.4, customers)
    sigma = NOISE_SIGMA[category]

    temperature = _temperatures(rng, dates)
    holidays: dict[dt.date, str] = {}
    for year in {d.year for d in dates}:
        holidays.update(holidays_of_year(year, strict=False))
    factor = np.empty((customers, days))
    for j, day in enumerate(dates):
        name = holidays.get(day)
        factor[:, j] = (
            SPRING[category]
            if name == SPRING_FESTIVAL
            else HOLIDAY[category]
            if name
            else weekend
            if day.weekday() >= 5
            else 1.0
        )
    weather = (
        1.0
        + cooling[:, None] * np.maximum(temperature - COOLING_BASE_C, 0.0)
        + heating[:, None] * np.maximum(HEATING_BASE_C - temperature, 0.0)
    )
    noise = np.exp(sigma[:, None] * rng.standard_normal((customers, days)) - sigma[:, None] ** 2 / 2)
    kwh = np.round(level[:, None] * factor * weather * noise, 3)
    seen = rng.random((customers, days)) >= MISSING_SHARE

    ids = np.array([f"C{i:07d}" for i in range(1, customers + 1)], dtype=object)
    rows, cols = np.nonzero(seen)
    return Utility(
        readings=pd.DataFrame(
            {
                "customer_id": ids[rows],
                "reading_date": np.array(dates, dtype=object)[cols],
                "kwh_total": kwh[rows, cols],
            }
        ),
        customers=pd.DataFrame(
            {"customer_id": ids, "category": np.array(CATEGORIES)[category], "tariff": np.array(TARIFFS)[tariff]}
        ),
        temperature=pd.DataFrame({"reading_date": dates, "ambient_temp_c": np.round(temperature, 1)}),
    )


def _temperatures(rng: np.random.Generator, dates: list[dt.date]) -> np.ndarray:
    """Daily mean °C: the seasonal curve plus an AR(1) anomaly."""
    season = np.array(
        [
            ANNUAL_MEAN_C
            + ANNUAL_AMPLITUDE_C * np.cos(2 * np.pi * (d.timetuple().tm_yday - WARMEST_DAY_OF_YEAR) / 365.25)
            for d in dates
        ]
    )
    anomaly = np.empty(len(dates))
    a = rng.normal(0, ANOMALY_INNOVATION_C / np.sqrt(1 - ANOMALY_PERSISTENCE**2))  # the stationary spread
    for j in range(len(dates)):
        a = ANOMALY_PERSISTENCE * a + rng.normal(0, ANOMALY_INNOVATION_C)
        anomaly[j] = a
    return season + anomaly
