"""Public holidays of mainland China, from a small table of festival dates.

The lunisolar festivals (春节, 端午节, 中秋节) and 清明 move every year, so their Gregorian dates are tabled
here; the fixed ones (元旦, 劳动节, 国庆节) follow rules. The calendar is simplified: it has no make-up working
days (调休 Saturdays), and each break has a fixed length. The generator draws holiday behaviour from it and the
consumption forecaster sees the same days as holidays.
"""

from __future__ import annotations

import datetime as dt

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
HOLIDAY_YEARS = (min(FESTIVALS), max(FESTIVALS))
HOLIDAY_NAMES = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
SPRING_FESTIVAL = "春节"


def _md(year: int, month_day: str) -> dt.date:
    month, day = month_day.split("-")
    return dt.date(year, int(month), int(day))


def _span(first: dt.date, days: int) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range(days)]


def holidays_of_year(year: int, strict: bool = True) -> dict[dt.date, str]:
    """Map each public-holiday date of `year` to its name (春节 runs from 除夕 for 8 days).

    A year outside HOLIDAY_YEARS raises ValueError when `strict` (the generator must not silently draw a
    calendar without its moving festivals); otherwise it has no holidays (a forecast must still run in 2031,
    seeing only weekdays and season until the table is extended).
    """
    if year not in FESTIVALS:
        if strict:
            raise ValueError(f"no holiday table for {year}: supported years are {HOLIDAY_YEARS[0]}–{HOLIDAY_YEARS[1]}")
        return {}
    spring, dragon, autumn, qingming = FESTIVALS[year]
    out: dict[dt.date, str] = {dt.date(year, 1, 1): "元旦"}
    out.update({d: SPRING_FESTIVAL for d in _span(_md(year, spring) - dt.timedelta(days=1), 8)})
    out[dt.date(year, 4, qingming)] = "清明节"
    out.update({d: "劳动节" for d in _span(dt.date(year, 5, 1), 5)})
    out[_md(year, dragon)] = "端午节"
    national = _span(dt.date(year, 10, 1), 7)
    autumn_day = _md(year, autumn)
    if autumn_day in national:
        # When 中秋 falls inside the national week the break is extended by one day (as in 2020 and 2025).
        national.append(dt.date(year, 10, 8))
    out.update({d: "国庆节" for d in national})
    out[autumn_day] = "中秋节"
    return out
