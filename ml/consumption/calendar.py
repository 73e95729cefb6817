"""The calendar the forecaster sees: public holidays of mainland China, weekdays and season.

`ml` may not import the synthetic generator, so the festival table is kept here too; a test pins it equal to
`datagen.holidays` for every tabled year, so the generator and the model agree on what a
holiday is. Like the generator's, the calendar has no make-up working days (调休).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np

# Gregorian dates of 春节 (first day of the lunar year), 端午节 and 中秋节, and the day of 清明 in April.
FESTIVALS: dict[int, tuple[str, str, str, int]] = {
    2018: ("02-16", "06-18", "09-24", 5),
    2019: ("02-05", "06-07", "09-13", 5),
    2020: ("01-25", "06-25", "10-01", 4),
    2021: ("02-12", "06-14", "09-21", 4),
    2022: ("02-01", "06-03", "09-10", 5),
    2023: ("01-22", "06-22", "09-29", 5),
    2024: ("02-10", "06-10", "09-17", 4),
    2025: ("01-29", "05-31", "10-06", 4),
    2026: ("02-17", "06-19", "09-25", 5),
    2027: ("02-06", "06-09", "09-15", 5),
    2028: ("01-26", "05-28", "10-03", 4),
    2029: ("02-13", "06-16", "09-22", 4),
    2030: ("02-03", "06-05", "09-12", 5),
}
SPRING_FESTIVAL = "春节"
# Columns of `calendar_features`, in order.
CALENDAR_FEATURES = (
    *(f"dow_{d}" for d in range(7)),
    "is_holiday",
    "is_spring_festival",
    "season_sin",
    "season_cos",
)


def _md(year: int, month_day: str) -> dt.date:
    month, day = month_day.split("-")
    return dt.date(year, int(month), int(day))


def holidays_of_year(year: int) -> dict[dt.date, str]:
    """Map each public-holiday date of `year` to its name; a year outside FESTIVALS has none tabled.

    Unlike the generator, an unknown year is not an error: a forecast must still run in 2031, it then sees
    only weekdays and season until the table is extended.
    """
    if year not in FESTIVALS:
        return {}
    spring, dragon, autumn, qingming = FESTIVALS[year]
    out: dict[dt.date, str] = {dt.date(year, 1, 1): "元旦"}
    eve = _md(year, spring) - dt.timedelta(days=1)
    out.update({eve + dt.timedelta(days=i): SPRING_FESTIVAL for i in range(8)})
    out[dt.date(year, 4, qingming)] = "清明节"
    out.update({dt.date(year, 5, 1 + i): "劳动节" for i in range(5)})
    out[_md(year, dragon)] = "端午节"
    national = [dt.date(year, 10, 1 + i) for i in range(7)]
    autumn_day = _md(year, autumn)
    if autumn_day in national:
        national.append(dt.date(year, 10, 8))
    out.update({d: "国庆节" for d in national})
    out[autumn_day] = "中秋节"
    return out


def calendar_features(days: Iterable[dt.date]) -> np.ndarray:
    """float32 (n_days, len(CALENDAR_FEATURES)): weekday one-hot, holiday flags, day of year on a circle."""
    days = list(days)
    names: dict[dt.date, str] = {}
    for year in {d.year for d in days}:
        names.update(holidays_of_year(year))
    out = np.zeros((len(days), len(CALENDAR_FEATURES)), dtype=np.float32)
    for i, day in enumerate(days):
        out[i, day.weekday()] = 1.0
        holiday = names.get(day)
        out[i, 7] = holiday is not None
        out[i, 8] = holiday == SPRING_FESTIVAL
        angle = 2 * np.pi * (day.timetuple().tm_yday - 1) / 365.25
        out[i, 9], out[i, 10] = np.sin(angle), np.cos(angle)
    return out
