"""The forecaster's calendar features on known days, and beyond the holiday table."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from ml.consumption.calendar import CALENDAR_FEATURES, calendar_features, holidays_of_year


def test_calendar_features_of_spring_festival_eve_and_a_plain_monday():
    # 2026-02-16 is 除夕 (a Monday, first day of the 春节 break); 2026-03-02 a plain Monday.
    features = dict(zip(CALENDAR_FEATURES, calendar_features([dt.date(2026, 2, 16)])[0]))
    assert (features["dow_0"], features["is_holiday"], features["is_spring_festival"]) == (1.0, 1.0, 1.0)
    plain = calendar_features([dt.date(2026, 3, 2)])[0]
    assert plain[:9].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0]
    assert np.isclose(plain[9] ** 2 + plain[10] ** 2, 1.0)


def test_a_year_beyond_the_table_has_weekdays_but_no_holidays():
    """The forecaster still runs past the table (2031-01-01 is a Wednesday, a holiday once tabled)."""
    assert holidays_of_year(2031, strict=False) == {}
    assert calendar_features([dt.date(2031, 1, 1)])[0][:8].tolist() == [0, 0, 1, 0, 0, 0, 0, 0]


def test_the_generator_refuses_a_year_beyond_the_table():
    with pytest.raises(ValueError, match="no holiday table for 2031"):
        holidays_of_year(2031)
