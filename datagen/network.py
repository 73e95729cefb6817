"""The distribution network and the field crews: transformers, their customers, and workers.

Each (district, area type) group gets about one transformer per 40 customers (at least three per district);
customers sit within a few hundred metres (town) to a few kilometres (remote) of their transformer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from domain.codes import AREA_TYPES

from . import identity
from .customers import Customers
from .geography import CUSTOMER_SPREAD, DISTRICTS, place_around
from .randomness import rng_for

CUSTOMERS_PER_TRANSFORMER = 40
MIN_TRANSFORMERS_PER_DISTRICT = 3
CUSTOMERS_PER_WORKER = 150
MIN_WORKERS_PER_DISTRICT = 3
WORKERS_PER_TEAM = 6
ON_DUTY_SHARE = 0.88
_CHINESE_DIGITS = "零一二三四五六七八九"


@dataclass
class Transformers:
    """Transformer attributes as parallel arrays (index j is transformer `ids[j]`)."""

    ids: pl.Series
    district: np.ndarray
    area: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    installed: np.ndarray  # datetime64[D]
    age_years: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Workers:
    """Field workers: the snapshot frame and, per district, the rows of the workers on duty."""

    frame: pl.DataFrame
    on_duty_by_district: list[np.ndarray]  # worker row numbers per district index


def _padded_ids(prefix: str, count: int, min_width: int) -> pl.Series:
    width = max(min_width, len(str(count)))
    return pl.Series(np.arange(1, count + 1)).cast(pl.Utf8).str.zfill(width).str.pad_start(width + 1, prefix[0])


def chinese_numeral(n: int) -> str:
    """Chinese numeral for 1 ≤ n ≤ 999, as in team names (一班, 十二班, 一百零五班)."""
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = _CHINESE_DIGITS[hundreds] + "百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else _CHINESE_DIGITS[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    return out + (_CHINESE_DIGITS[ones] if ones else "")


def build_transformers(
    seed: int, customers: Customers, start: dt.date
) -> tuple[Transformers, np.ndarray, np.ndarray, np.ndarray]:
    """Create transformers and connect every customer to one in its district and area type.

    Returns the transformers and, per customer, the transformer row, latitude and longitude.
    """
    rng = rng_for(seed, "network.transformers")
    n_areas = len(AREA_TYPES)
    group = customers.district.astype(np.int64) * n_areas + customers.area
    group_sizes = np.bincount(group, minlength=len(DISTRICTS) * n_areas)
    wanted = np.maximum(1, np.round(group_sizes / CUSTOMERS_PER_TRANSFORMER))
    per_group = np.where(group_sizes > 0, wanted, 0).astype(np.int64)
    for d in range(len(DISTRICTS)):
        # Small runs still get a few transformers per district; extra ones go to its largest area group.
        groups = slice(d * n_areas, (d + 1) * n_areas)
        missing = MIN_TRANSFORMERS_PER_DISTRICT - per_group[groups].sum()
        if missing > 0:
            largest = d * n_areas + int(np.argmax(group_sizes[groups] + np.arange(n_areas, 0, -1) * 1e-3))
            per_group[largest] += missing
    first_of_group = np.concatenate([[0], np.cumsum(per_group)[:-1]])
    count = int(per_group.sum())
    t_group = np.repeat(np.arange(len(per_group)), per_group)
    t_district = (t_group // n_areas).astype(np.int8)
    t_area = (t_group % n_areas).astype(np.int8)
    t_lat, t_lon = place_around(rng, t_district, t_area)

    # Split each group's customers over its transformers in random proportions (feeders differ in size).
    order = np.lexsort((rng.random(len(group)), group))
    rank_in_group = np.empty(len(group), dtype=np.int64)
    group_first = np.concatenate([[0], np.cumsum(group_sizes)[:-1]])
    rank_in_group[order] = np.arange(len(group)) - np.repeat(group_first, group_sizes)
    weight = rng.uniform(0.5, 1.5, count)
    cum = np.zeros(count)
    for g in np.flatnonzero(per_group):
        sl = slice(first_of_group[g], first_of_group[g] + per_group[g])
        cum[sl] = np.cumsum(weight[sl]) / weight[sl].sum()
    fraction = (rank_in_group + 0.5) / np.maximum(group_sizes[group], 1)
    offset = np.zeros(len(group), dtype=np.int64)
    for g in np.flatnonzero(per_group):
        members = group == g
        bounds = cum[first_of_group[g] : first_of_group[g] + per_group[g]]
        offset[members] = np.minimum(np.searchsorted(bounds, fraction[members]), per_group[g] - 1)
    transformer = (first_of_group[group] + offset).astype(np.int32)

    spread = np.array([CUSTOMER_SPREAD[a] for a in AREA_TYPES])[customers.area]
    lat = t_lat[transformer] + rng.normal(0, 1, len(group)) * spread
    lon = t_lon[transformer] + rng.normal(0, 1, len(group)) * spread / np.cos(np.radians(32.0))

    # A transformer is older than the oldest account it serves; most date from the 1995–2020 build-out.
    start64 = np.datetime64(start, "D")
    drawn = np.datetime64("1995-01-01") + rng.integers(0, 26 * 365, count).astype("timedelta64[D]")
    first_opened = np.full(count, 10**6, dtype=np.int64)
    np.minimum.at(first_opened, transformer, customers.opened.astype(np.int64))
    earliest = start64 + (first_opened - rng.integers(30, 400, count)).astype("timedelta64[D]")
    installed = np.minimum(drawn, earliest)
    age = (start64 - installed).astype(np.int64) / 365.25
    return (
        Transformers(_padded_ids("T", count, 5), t_district, t_area, t_lat, t_lon, installed, age),
        transformer,
        lat,
        lon,
    )


def build_workers(seed: int, customers: Customers) -> Workers:
    """Field workers: about one per 150 customers, at least three per district, in teams of six."""
    rng = rng_for(seed, "network.workers")
    per_district = np.bincount(customers.district, minlength=len(DISTRICTS))
    counts = np.maximum(MIN_WORKERS_PER_DISTRICT, np.round(per_district / CUSTOMERS_PER_WORKER)).astype(np.int64)
    district = np.repeat(np.arange(len(DISTRICTS)), counts)
    rank = np.arange(len(district)) - np.repeat(np.cumsum(counts) - counts, counts)
    # Every fourth team is an operations team (运维班), the rest are repair crews (抢修班).
    team_no = rank // WORKERS_PER_TEAM
    kind = np.where(team_no % 4 == 3, "运维", "抢修")
    numbers = {t: chinese_numeral(t // 4 * 3 + t % 4 + 1 if t % 4 < 3 else t // 4 + 1) for t in np.unique(team_no)}
    team = [f"{DISTRICTS[d].short}{k}{numbers[t]}班" for d, k, t in zip(district, kind, team_no)]
    lat, lon = place_around(rng, district.astype(np.int8), np.zeros(len(district), dtype=np.int8))
    on_duty = rng.random(len(district)) < ON_DUTY_SHARE
    male = rng.random(len(district)) < 0.85
    frame = pl.DataFrame(
        {
            "worker_id": _padded_ids("W", len(district), 4),
            "name": identity.person_names(rng, male),
            "team": team,
            "district": [DISTRICTS[d].name for d in district],
            "lat": np.round(lat, 6),
            "lon": np.round(lon, 6),
            "on_duty": on_duty,
        }
    )
    on_duty_by_district = []
    for d in range(len(DISTRICTS)):
        rows = np.flatnonzero((district == d) & on_duty)
        # A district whose whole crew is off duty still gets its tickets dispatched (to the stand-by crew).
        on_duty_by_district.append(rows if len(rows) else np.flatnonzero(district == d))
    return Workers(frame, on_duty_by_district)
