"""The customer population: who they are, where they live, what they use electricity for.

Attributes are drawn column by column from the run's seed; the transformer, coordinates and consumption
profile are added by `network` and `consumption`, which depend on these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from domain.codes import AREA_TYPES, CATEGORIES

from . import identity
from .geography import DISTRICTS
from .randomness import rng_for

# Category mix by area type (residential, commercial, industrial, agricultural): farms are rural.
_CATEGORY_MIX = {
    "urban": (0.860, 0.110, 0.025, 0.005),
    "rural": (0.860, 0.050, 0.020, 0.070),
    "remote": (0.850, 0.030, 0.010, 0.110),
}
# Tariff mix by category (flat, tiered, tou): households are on the tiered tariff (阶梯电价) by default,
# businesses mostly on time-of-use (峰谷电价), pumping stations on the flat agricultural tariff.
_TARIFF_MIX = {
    "residential": (0.08, 0.77, 0.15),
    "commercial": (0.30, 0.15, 0.55),
    "industrial": (0.12, 0.00, 0.88),
    "agricultural": (0.75, 0.10, 0.15),
}
NEW_CUSTOMER_SHARE = 0.03  # accounts opened during the generated period: no readings before opened_on
SHARED_PHONE_SHARE = 0.03  # accounts registered with a relative's mobile number
FREQUENT_REPAIR_SHARE = 0.004
FREQUENT_COMPLAINT_SHARE = 0.003
_EARLIEST_OPENING = dt.date(1992, 1, 1)


@dataclass
class Customers:
    """Customer attributes as parallel arrays (index i is customer `ids[i]`)."""

    ids: pl.Series
    name: pl.Series
    phone: pl.Series
    id_card_no: pl.Series
    address: pl.Series
    district: np.ndarray  # index into DISTRICTS
    area: np.ndarray  # index into AREA_TYPES
    category: np.ndarray  # index into CATEGORIES
    tariff: np.ndarray  # index into contract.TARIFFS
    opened: np.ndarray  # day number relative to the first generated day (negative: before it)
    frequent_repair: np.ndarray  # bool: reports faults every few weeks
    frequent_complaint: np.ndarray  # bool: complains repeatedly
    shares_phone: np.ndarray  # bool: phone copied from another account

    def __len__(self) -> int:
        return len(self.ids)


def customer_ids(first: int, count: int) -> pl.Series:
    """IDs `C0000001`… for customer numbers first, first+1, …"""
    return pl.Series(np.arange(first, first + count)).cast(pl.Utf8).str.zfill(7).str.pad_start(8, "C")


def _mix(rng: np.random.Generator, groups: np.ndarray, table: dict, group_names: tuple[str, ...]) -> np.ndarray:
    """Draw a category for each row from the probability row of its group."""
    probs = np.array([table[g] for g in group_names])
    cum = probs.cumsum(axis=1)
    u = rng.random(len(groups))
    return (u[:, None] > cum[groups]).sum(axis=1).astype(np.int8)


def draw_customers(seed: int, count: int, start: dt.date, end: dt.date) -> Customers:
    """Draw `count` customers; a few percent open during [start, end], the rest years before."""
    rng = rng_for(seed, "customers")
    shares = np.array([d.population_share for d in DISTRICTS])
    district = rng.choice(len(DISTRICTS), count, p=shares / shares.sum()).astype(np.int8)
    area_mix = {d.name: d.area_mix for d in DISTRICTS}
    area = _mix(rng, district, area_mix, tuple(d.name for d in DISTRICTS))
    category = _mix(rng, area, _CATEGORY_MIX, AREA_TYPES)
    tariff = _mix(rng, category, _TARIFF_MIX, CATEGORIES)

    days = (end - start).days + 1
    years_before = np.minimum(rng.exponential(9.0, count), (start - _EARLIEST_OPENING).days / 365.25)
    opened = -1 - (years_before * 365.25).astype(np.int32)
    is_new = rng.random(count) < NEW_CUSTOMER_SHARE
    opened = np.where(is_new, rng.integers(1, max(days, 2), count), opened).astype(np.int32)

    people = rng_for(seed, "customers.identity")
    male = people.random(count) < 0.52
    person = identity.person_names(people, male)
    organisation = identity.organisation_names(people, np.array(CATEGORIES)[category], district)
    # Half the farms are registered to the farmer personally.
    is_person = (category == 0) | ((category == 3) & (people.random(count) < 0.5))
    name = pl.select(
        pl.when(pl.lit(pl.Series(is_person))).then(pl.lit(person)).otherwise(pl.lit(organisation))
    ).to_series()
    phone = identity.mobile_numbers(people, count)
    shares_phone = np.zeros(count, dtype=bool)
    if count > 1:
        sharer = np.flatnonzero(people.random(count) < SHARED_PHONE_SHARE)
        relative = (sharer + people.integers(1, count, len(sharer))) % count
        phone = phone.scatter(sharer, phone.gather(relative))
        shares_phone[sharer] = True
        shares_phone[relative] = True

    habits = rng_for(seed, "customers.habits")
    # Frequent reporters live on old rural lines more often than in town.
    repair_weight = np.array([0.6, 1.4, 1.8])[area]
    frequent_repair = habits.random(count) < FREQUENT_REPAIR_SHARE * repair_weight
    frequent_complaint = habits.random(count) < FREQUENT_COMPLAINT_SHARE
    if count >= 200:
        # Small runs (tests) still get at least two of each, so the patterns exist in every data set.
        frequent_repair[habits.choice(count, 2, replace=False)] = True
        frequent_complaint[habits.choice(count, 2, replace=False)] = True

    return Customers(
        ids=customer_ids(1, count),
        name=name,
        phone=phone,
        id_card_no=identity.id_numbers(people, district, male, end),
        address=identity.addresses(people, district, area, np.array(CATEGORIES)[category]),
        district=district,
        area=area,
        category=category,
        tariff=tariff,
        opened=opened,
        frequent_repair=frequent_repair,
        frequent_complaint=frequent_complaint & ~frequent_repair,
        shares_phone=shares_phone,
    )
