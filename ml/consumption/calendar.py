"""The calendar the forecaster sees: public holidays of mainland China (domain/calendar.py, the generator's
table too), weekdays and season. A year beyond the table has weekdays and season but no holidays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

from domain.calendar import FESTIVALS, SPRING_FESTIVAL, holidays_of_year  # noqa: F401  (the forecaster's calendar)

# Columns of `calendar_features`, in order.
CALENDAR_FEATURES = (
    *(f"dow_{d}" for d in range(7)),
    "is_holiday",
    "is_spring_festival",
    "season_sin",
    "season_cos",
)


def calendar_features(days: Iterable[dt.date]) -> np.ndarray:
    """float32 (n_days, len(CALENDAR_FEATURES)): weekday one-hot, holiday flags, day of year on a circle."""
    days = list(days)
    names: dict[dt.date, str] = {}
    for year in {d.year for d in days}:
        names.update(holidays_of_year(year, strict=False))
    out = np.zeros((len(days), len(CALENDAR_FEATURES)), dtype=np.float32)
    for i, day in enumerate(days):
        out[i, day.weekday()] = 1.0
        holiday = names.get(day)
        out[i, 7] = holiday is not None
        out[i, 8] = holiday == SPRING_FESTIVAL
        angle = 2 * np.pi * (day.timetuple().tm_yday - 1) / 365.25
        out[i, 9], out[i, 10] = np.sin(angle), np.cos(angle)
    return out
