"""The static world of a run: customers, transformers (sized for their load), workers, consumption profiles.

Built once per run from the seed; the daily simulation reads it and never changes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from domain.codes import AREA_TYPES, CATEGORIES, TARIFFS

from .consumption import Profiles, build_profiles
from .customers import Customers, draw_customers
from .geography import DISTRICTS
from .network import Transformers, Workers, build_transformers, build_workers
from .randomness import rng_for

STANDARD_KVA = np.array([100, 160, 200, 250, 315, 400, 500, 630, 800, 1000])
POWER_FACTOR = 0.92
HOT_SHARE = 0.03  # transformers that run hot but steady (poor ventilation, sun-exposed kiosks): no fault
# Normalised hourly load shapes (hour 0–23) by category: evening peak at home, daytime in shops and farms.
_SHAPES = np.array(
    [
        [
            0.55,
            0.45,
            0.40,
            0.38,
            0.38,
            0.45,
            0.70,
            0.95,
            0.90,
            0.80,
            0.80,
            0.85,
            0.90,
            0.80,
            0.75,
            0.75,
            0.85,
            1.1,
            1.5,
            1.75,
            1.8,
            1.6,
            1.2,
            0.80,
        ],
        [
            0.35,
            0.30,
            0.30,
            0.30,
            0.30,
            0.35,
            0.50,
            0.80,
            1.2,
            1.45,
            1.55,
            1.6,
            1.6,
            1.55,
            1.55,
            1.5,
            1.5,
            1.45,
            1.4,
            1.35,
            1.2,
            0.90,
            0.60,
            0.45,
        ],
        [
            0.80,
            0.80,
            0.80,
            0.80,
            0.80,
            0.80,
            0.80,
            0.95,
            1.15,
            1.15,
            1.15,
            1.15,
            1.15,
            1.15,
            1.15,
            1.15,
            1.15,
            1.15,
            1.05,
            1.05,
            1.05,
            1.05,
            0.85,
            0.85,
        ],
        [
            0.50,
            0.50,
            0.50,
            0.50,
            0.50,
            0.50,
            1.4,
            1.4,
            1.4,
            1.4,
            1.4,
            1.4,
            1.4,
            1.4,
            1.4,
            1.4,
            1.4,
            1.4,
            1.4,
            0.80,
            0.80,
            0.80,
            0.80,
            0.80,
        ],
    ]
)
HOURLY_SHAPES = _SHAPES / _SHAPES.mean(axis=1, keepdims=True)


@dataclass
class World:
    """Everything static about a run."""

    start: dt.date
    end: dt.date
    customers: Customers
    transformer_of: np.ndarray  # per customer: transformer row
    lat: np.ndarray
    lon: np.ndarray
    transformers: Transformers
    rated_kva: np.ndarray
    base_kw: np.ndarray  # street lighting and other unmetered load
    hourly_shape: np.ndarray  # (transformers, 24), mean 1
    hot_offset_c: np.ndarray  # extra oil temperature of hot-but-steady transformers
    workers: Workers
    profiles: Profiles
    member_order: np.ndarray  # customer rows sorted by transformer
    member_bounds: np.ndarray  # member_order[bounds[j]:bounds[j+1]] are transformer j's customers

    @property
    def days(self) -> int:
        """Number of generated days."""
        return (self.end - self.start).days + 1

    def members(self, transformer: int) -> np.ndarray:
        """Customer rows connected to a transformer."""
        return self.member_order[self.member_bounds[transformer] : self.member_bounds[transformer + 1]]

    def customers_frame(self) -> pl.DataFrame:
        """customers.csv in contract column order."""
        c = self.customers
        return pl.DataFrame(
            {
                "customer_id": c.ids,
                "name": c.name,
                "phone": c.phone,
                "id_card_no": c.id_card_no,
                "address": c.address,
                "district": pl.Series([d.name for d in DISTRICTS]).gather(c.district),
                "area_type": pl.Series(AREA_TYPES).gather(c.area),
                "category": pl.Series(CATEGORIES).gather(c.category),
                "tariff": pl.Series(TARIFFS).gather(c.tariff),
                "transformer_id": self.transformers.ids.gather(self.transformer_of),
                "lat": np.round(self.lat, 6),
                "lon": np.round(self.lon, 6),
                "opened_on": pl.Series(np.datetime64(self.start, "D") + c.opened.astype("timedelta64[D]")),
            }
        )

    def transformers_frame(self) -> pl.DataFrame:
        """transformers.csv in contract column order."""
        t = self.transformers
        return pl.DataFrame(
            {
                "transformer_id": t.ids,
                "district": pl.Series([d.name for d in DISTRICTS]).gather(t.district),
                "lat": np.round(t.lat, 6),
                "lon": np.round(t.lon, 6),
                "rated_kva": self.rated_kva.astype(np.float64),
                "installed_on": pl.Series(t.installed),
            }
        )


def build_world(seed: int, customers: int, start: dt.date, end: dt.date) -> World:
    """Build the static world for `customers` customers over [start, end]."""
    people = draw_customers(seed, customers, start, end)
    transformers, transformer_of, lat, lon = build_transformers(seed, people, start)
    n_t = len(transformers)
    profiles = build_profiles(seed, people, transformer_of, n_t, (end - start).days + 1)

    rng = rng_for(seed, "world.sizing")
    expected = profiles.expected_daily_kwh()
    energy_by_category = np.zeros((n_t, len(CATEGORIES)))
    np.add.at(energy_by_category, (profiles.transformer, profiles.category), expected)
    energy = energy_by_category.sum(axis=1)
    mix = energy_by_category / np.maximum(energy, 1e-9)[:, None]
    mix[energy == 0, 0] = 1.0
    shape = mix @ HOURLY_SHAPES
    base_kw = rng.uniform(1.0, 4.0, n_t)
    peak_kva = (energy / 24.0 * shape.max(axis=1) + base_kw) / POWER_FACTOR
    # Planners size for growth: the usual peak is 45–80 % of the rating, so summer peaks approach full load.
    wanted = peak_kva / rng.uniform(0.45, 0.8, n_t)
    rated = STANDARD_KVA[np.minimum(np.searchsorted(STANDARD_KVA, wanted), len(STANDARD_KVA) - 1)]

    hot = rng.random(n_t) < HOT_SHARE
    hot[rng.integers(0, n_t)] = True
    hot_offset = np.where(hot, rng.uniform(9.0, 16.0, n_t), 0.0)

    order = np.argsort(transformer_of, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(transformer_of, minlength=n_t))])
    return World(
        start=start,
        end=end,
        customers=people,
        transformer_of=transformer_of,
        lat=lat,
        lon=lon,
        transformers=transformers,
        rated_kva=rated,
        base_kw=base_kw,
        hourly_shape=shape,
        hot_offset_c=hot_offset,
        workers=build_workers(seed, people),
        profiles=profiles,
        member_order=order,
        member_bounds=bounds,
    )
