"""Daily features: maxima over the hours in service, thin days dropped, damaged values ignored."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.fault_risk.features import DAILY_COLUMNS, daily_features


def _hours(tid: str, day: str, oil, load, voltage, ambient) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "transformer_id": tid,
            "ts": pd.date_range(day, periods=len(oil), freq="h").strftime("%Y-%m-%d %H:%M:%S"),
            "oil_temp_c": oil,
            "load_pct": load,
            "voltage_v": voltage,
            "ambient_temp_c": ambient,
        }
    )


def test_daily_maxima_skip_outage_hours_and_thin_days():
    oil = np.full(24, 40.0)
    oil[19] = 55.0  # the evening peak
    oil[3] = np.inf  # a damaged reading ("inf" in the CSV)
    voltage = np.full(24, 230.0)
    voltage[[1, 2]] = 0.0  # out for two hours: oil cools, load reads 0
    oil[[1, 2]] = 99.0  # must not count, the unit was out
    load = np.linspace(20.0, 66.0, 24)
    ambient = np.linspace(15.0, 30.0, 24)
    good_day = _hours("T0001", "2026-07-01", oil, load, voltage, ambient)
    # Out for 8 of 24 hours: 16 < 18 hours in service, so the day is dropped.
    thin_voltage = np.where(np.arange(24) < 8, 0.0, 230.0)
    thin_day = _hours("T0001", "2026-07-02", np.full(24, 41.0), load, thin_voltage, ambient)
    other = _hours("T0002", "2026-07-01", np.full(24, 35.0), np.full(24, 50.0), np.full(24, 231.0), np.full(24, 20.0))

    daily = daily_features(pd.concat([thin_day, other, good_day], ignore_index=True))

    assert tuple(daily.columns) == DAILY_COLUMNS
    assert daily[["transformer_id", "ds"]].values.tolist() == [
        ["T0001", pd.Timestamp("2026-07-01")],
        ["T0002", pd.Timestamp("2026-07-01")],
    ]
    first = daily.iloc[0]
    assert first["y"] == 55.0
    assert first["max_load_pct"] == 66.0
    assert first["max_ambient_temp_c"] == 30.0
    assert first["mean_ambient_temp_c"] == 22.5
    # The hottest 3 hours of load: 21:00–23:00 at 62, 64 and 66 %.
    assert first["peak_load_sq"] == pytest.approx((0.62**2 + 0.64**2 + 0.66**2) / 3)
    assert first["hours_in_service"] == 21  # 24 − 2 out − 1 damaged
    assert daily.iloc[1]["peak_load_sq"] == pytest.approx(0.25)
