"""The generator's holiday calendar as a frame, from the domain's table (domain/calendar.py)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from domain.calendar import HOLIDAY_NAMES, HOLIDAY_YEARS, holidays_of_year

__all__ = ["HOLIDAY_NAMES", "HOLIDAY_YEARS", "holiday_calendar", "holidays_of_year"]


def holiday_calendar(start: dt.date, end: dt.date) -> pl.DataFrame:
    """One row per day from `start` to `end` inclusive: date, holiday name (null if none), is_weekend, is_holiday."""
    names: dict[dt.date, str] = {}
    for year in range(start.year, end.year + 1):
        names.update(holidays_of_year(year))
    dates = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return pl.DataFrame(
        {
            "date": dates,
            "holiday": [names.get(d) for d in dates],
            "is_weekend": [d.weekday() >= 5 for d in dates],
            "is_holiday": [d in names for d in dates],
        },
        schema={"date": pl.Date, "holiday": pl.Utf8, "is_weekend": pl.Boolean, "is_holiday": pl.Boolean},
    )
