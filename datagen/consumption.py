"""Daily smart-meter readings: a per-customer consumption profile and one vectorised draw per day.

kWh = level × day-type factor × (1 + cooling·CDD + heating·HDD) × log-normal noise × (1 − share of the day
the customer's transformer was out). Day types are working day, weekend, public holiday and the Spring
Festival (when town households leave for their home villages and factories stop). Each register is rounded
to 0.001 kWh and the total is the sum of the rounded registers, as a meter reports them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from domain.physics import COOLING as _COOLING
from domain.physics import COOLING_BASE_C, HEATING_BASE_C
from domain.physics import HEATING as _HEATING
from domain.physics import HOLIDAY as _HOLIDAY
from domain.physics import LEVEL_SIGMA as _LEVEL_SIGMA
from domain.physics import MEDIAN_KWH as _MEDIAN_KWH
from domain.physics import NOISE_SIGMA as _NOISE_SIGMA
from domain.physics import SPRING_FESTIVAL as _SPRING_FESTIVAL

from .customers import Customers, customer_ids
from .randomness import rng_for

VACANT_SHARE = 0.012  # homes bought as investments or left by migrants: near-zero use
NIGHT_USER_SHARE = 0.07  # households charging an EV or running a water heater at night
# Per category (residential, commercial, industrial, agricultural).
_AREA_LEVEL = np.array([1.0, 0.85, 0.65])  # rural and remote homes have fewer appliances
# Beta(a, b) of the valley (23:00–07:00) share: tight for households, so a share of 0.35 or more marks the
# night users (EV, water heater) rather than noise; three-shift factories and pumps run at night too.
_VALLEY_BETA = np.array([[6, 22], [3, 20], [10, 22], [6, 16]])
_PEAK_BETA = np.array([[8, 14], [10, 10], [7, 14], [6, 14]])


@dataclass
class Profiles:
    """Consumption parameters per meter; the first `known` meters are the customers in customers.csv."""

    ids: pl.Series
    known: int
    category: np.ndarray
    transformer: np.ndarray
    first_day: np.ndarray  # first day number with a reading
    level: np.ndarray
    weekend: np.ndarray
    holiday: np.ndarray
    spring: np.ndarray
    cooling: np.ndarray
    heating: np.ndarray
    sigma: np.ndarray
    peak: np.ndarray
    valley: np.ndarray
    vacant: np.ndarray

    def __post_init__(self) -> None:
        # Per day type, the level times the log-normal mean correction exp(-σ²/2), so a day costs one product.
        correction = np.exp(-(self.sigma**2) / 2)
        self._levels = {
            "working": self.level * correction,
            "weekend": self.level * self.weekend * correction,
            "holiday": self.level * self.holiday * correction,
            "spring": self.level * self.spring * correction,
        }
        self.sigma32 = self.sigma.astype(np.float32)

    def day_level(self, kind: str) -> np.ndarray:
        """Expected kWh before weather and noise on a 'working', 'weekend', 'holiday' or 'spring' day."""
        return self._levels[kind]

    def expected_daily_kwh(self) -> np.ndarray:
        """Average daily kWh per meter over a year of this climate (used to size transformers)."""
        return self.level * (1.0 + 2.5 * self.cooling + 3.0 * self.heating)


@dataclass(frozen=True)
class DayType:
    """What drives one day's consumption besides the customer: weather and calendar."""

    t_mean: float
    weekend: bool
    holiday: str | None


def unknown_meter_count(customers: int) -> int:
    """Meters reporting for accounts missing from the customer snapshot (CIS export lags the AMI head-end)."""
    return max(3, customers // 2000)


def build_profiles(
    seed: int, customers: Customers, transformer: np.ndarray, n_transformers: int, days: int
) -> Profiles:
    """Consumption profiles for every customer plus a few meters unknown to the customer file."""
    rng = rng_for(seed, "consumption.profiles")
    n_known = len(customers)
    n_unknown = unknown_meter_count(n_known)
    n = n_known + n_unknown
    category = np.concatenate([customers.category, np.zeros(n_unknown, dtype=np.int8)])
    area = np.concatenate([customers.area, rng.integers(0, 2, n_unknown).astype(np.int8)])
    transformer = np.concatenate([transformer, rng.integers(0, n_transformers, n_unknown)]).astype(np.int32)
    first_day = np.concatenate([np.maximum(customers.opened, 0), rng.integers(0, max(1, days * 2 // 3), n_unknown)])

    level = np.exp(np.log(_MEDIAN_KWH[category]) + _LEVEL_SIGMA[category] * rng.standard_normal(n))
    level *= np.where(category == 0, _AREA_LEVEL[area], 1.0)
    residential = category == 0
    vacant = residential & (rng.random(n) < VACANT_SHARE)
    vacant[n_known:] = False
    level = np.where(vacant, rng.uniform(0.01, 0.25, n), level)

    # Shops open at weekends, offices close; factories run a reduced weekend shift.
    weekend = np.select(
        [category == 0, category == 1, category == 2],
        [rng.normal(1.08, 0.05, n), rng.uniform(0.6, 1.2, n), rng.uniform(0.45, 0.85, n)],
        rng.normal(1.0, 0.03, n),
    )
    holiday = _HOLIDAY[category] * np.where(category == 1, weekend, 1.0)
    # At the Spring Festival town households go home to the countryside, where village use rises.
    spring = np.where(residential & (area > 0), 1.30, _SPRING_FESTIVAL[category])
    has_ac = rng.random(n) < np.where(residential, np.array([0.95, 0.80, 0.60])[area], 1.0)
    cooling = _COOLING[category] * rng.lognormal(0, 0.4, n) * np.where(has_ac, 1.0, 0.1)
    heating = _HEATING[category] * rng.lognormal(0, 0.4, n)
    cooling[vacant] = heating[vacant] = 0.0
    sigma = np.where(vacant, 0.5, _NOISE_SIGMA[category])

    valley = rng.beta(_VALLEY_BETA[category, 0], _VALLEY_BETA[category, 1])
    night_user = residential & ~vacant & (rng.random(n) < NIGHT_USER_SHARE)
    valley = np.where(night_user, rng.uniform(0.38, 0.6, n), valley)
    tou = np.concatenate([customers.tariff == 2, np.zeros(n_unknown, dtype=bool)])
    valley = np.where(tou & ~night_user, valley + 0.04, valley)  # time-of-use prices pay for shifting load
    peak = rng.beta(_PEAK_BETA[category, 0], _PEAK_BETA[category, 1])
    excess = np.maximum(peak + valley - 0.9, 0.0)
    peak = np.maximum(peak - excess, 0.02)

    return Profiles(
        ids=pl.concat([customers.ids, customer_ids(n_known + 1, n_unknown)]),
        known=n_known,
        category=category,
        transformer=transformer,
        first_day=first_day.astype(np.int32),
        level=level,
        weekend=weekend,
        holiday=holiday,
        spring=spring,
        cooling=cooling,
        heating=heating,
        sigma=sigma,
        peak=peak,
        valley=valley,
        vacant=vacant,
    )


@dataclass
class DayReadings:
    """One day's readings: meter rows (into Profiles) and registers in integer Wh (0.001 kWh)."""

    rows: np.ndarray
    total: np.ndarray
    peak: np.ndarray
    flat: np.ndarray
    valley: np.ndarray

    def frame(self, ids: pl.Series, day: dt.date) -> pl.DataFrame:
        """The readings as landing columns; kWh values are exact multiples of 0.001."""
        n = len(self.rows)
        return pl.DataFrame(
            {
                "customer_id": ids if n == len(ids) else ids.gather(self.rows),
                # A string column writes twice as fast as a Date one and prints the same.
                "reading_date": pl.repeat(day.isoformat(), n, eager=True, dtype=pl.Utf8),
                "kwh_total": self.total / 1000.0,
                "kwh_peak": self.peak / 1000.0,
                "kwh_flat": self.flat / 1000.0,
                "kwh_valley": self.valley / 1000.0,
            }
        )


def daily_readings(
    profiles: Profiles, seed: int, day: dt.date, day_no: int, day_type: DayType, out_share: np.ndarray
) -> DayReadings:
    """Readings of every meter active on day number `day_no`; `out_share` is per transformer (0–1)."""
    rng = rng_for(seed, "readings", day)
    n = len(profiles.level)
    z = rng.standard_normal((3, n), dtype=np.float32)
    if day_type.holiday == "春节":
        kind = "spring"
    elif day_type.holiday:
        kind = "holiday"
    else:
        kind = "weekend" if day_type.weekend else "working"
    kwh = profiles.day_level(kind) * np.exp(profiles.sigma32 * z[0])
    cdd = day_type.t_mean - COOLING_BASE_C
    hdd = HEATING_BASE_C - day_type.t_mean
    if cdd > 0:
        kwh *= 1.0 + profiles.cooling * cdd
    elif hdd > 0:
        kwh *= 1.0 + profiles.heating * hdd
    if out_share.any():
        kwh *= 1.0 - out_share[profiles.transformer]
    total = np.rint(kwh * 1000.0)
    # Registers vary a little from day to day around the customer's own split.
    peak_share = profiles.peak * np.exp(np.float32(0.08) * z[1])
    valley_share = profiles.valley * np.exp(np.float32(0.08) * z[2])
    scale = np.minimum(1.0, 0.95 / (peak_share + valley_share))
    peak = np.rint(total * peak_share * scale).astype(np.int64)
    valley = np.rint(total * valley_share * scale).astype(np.int64)
    flat = np.maximum(total.astype(np.int64) - peak - valley, 0)
    active = profiles.first_day <= day_no
    if active.all():
        rows = np.arange(n)
    else:
        rows = np.flatnonzero(active)
        peak, flat, valley = peak[rows], flat[rows], valley[rows]
    return DayReadings(rows=rows, total=peak + flat + valley, peak=peak, flat=flat, valley=valley)
