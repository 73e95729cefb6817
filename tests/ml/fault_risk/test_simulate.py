"""The simulated fleet the fault-risk tests stand on: its shape and the behaviour it injects."""

from __future__ import annotations

import pandas as pd

from ml.fault_risk.simulate import FULL_LOAD_RISE_C, NO_LOAD_RISE_C, FleetScenario, simulate


def test_fleet_shape_and_recorded_faults(fleet):
    telemetry, faults = fleet
    assert telemetry.shape == (12 * 120 * 24, 6)
    assert list(telemetry.columns) == ["transformer_id", "ts", "oil_temp_c", "load_pct", "voltage_v", "ambient_temp_c"]
    assert faults.values.tolist() == [
        ["F00001", "T0003", pd.Timestamp("2026-07-14 14:17"), "绕组过热"],
        ["F00002", "T0010", pd.Timestamp("2026-07-28 17:17"), "雷击损坏"],
        ["F00003", "T0008", pd.Timestamp("2026-08-12 14:17"), "绝缘老化"],
    ]
    assert list(faults.columns) == ["fault_id", "transformer_id", "fault_at", "fault_type"]


def _unexplained_daily(telemetry: pd.DataFrame) -> pd.DataFrame:
    """Oil temperature minus what ambient and load explain (the simulator's own physics), daily mean per unit."""
    t = telemetry[telemetry["voltage_v"] > 0].copy()
    lagged = telemetry.groupby("transformer_id")["load_pct"].shift(1).fillna(telemetry["load_pct"])
    effective = (0.6 * t["load_pct"] + 0.4 * lagged[t.index]) / 100.0
    t["excess"] = t["oil_temp_c"] - t["ambient_temp_c"] - NO_LOAD_RISE_C - FULL_LOAD_RISE_C * effective**2
    return t.groupby(["transformer_id", t["ts"].dt.normalize()])["excess"].mean().unstack(0)


def test_degrading_units_heat_beyond_load_and_weather_and_the_hot_unit_runs_hot_but_steady(fleet):
    excess = _unexplained_daily(fleet[0]).round(1)
    healthy = excess.drop(columns=["T0003", "T0005", "T0008"])
    assert healthy.abs().max().max() < 0.5
    # Hot but steady: 12 °C more, every day, with no trend.
    assert excess["T0005"].between(11.5, 12.5).all()
    # T0003 climbs over 9 days to ~14 °C at its fault (2026-07-14 14:17), then is repaired.
    t3 = excess["T0003"]
    assert t3["2026-07-04"] < 0.5 < t3["2026-07-07"] < t3["2026-07-10"] < t3["2026-07-13"]
    assert 8.0 < t3["2026-07-13"] < 14.0
    assert abs(t3["2026-07-16"]) < 0.5


def test_same_seed_same_fleet():
    small = FleetScenario(n_transformers=3, days=5, degrading=(), hot_steady=(), outages=())
    first, _ = simulate(small)
    second, _ = simulate(small)
    pd.testing.assert_frame_equal(first, second)
