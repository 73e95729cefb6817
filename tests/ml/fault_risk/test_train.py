"""Fault-risk scoring and its backtest on the simulated fleet: the outcomes the model exists for."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from matplotlib.figure import Figure

from ml.fault_risk.backtest import backtest_days
from ml.fault_risk.features import daily_features
from ml.fault_risk.score import SCORE_COLUMNS, score

from .conftest import CONFIG

# A day when T0008 (fails 2026-08-12) is already alerted and T0003 was repaired weeks ago.
AS_OF = dt.date(2026, 8, 9)


def test_backtest_catches_both_thermal_faults_3_to_7_days_ahead(trained):
    metrics, objects = trained
    faults = objects["faults"].set_index("fault_id")
    assert faults.loc[["F00001", "F00003"], "caught"].tolist() == [True, True]
    # The window is 1–7 days (see FaultRiskConfig.alert_window_days); the first alert must come 3–7 days ahead.
    assert faults.loc[["F00001", "F00003"], "lead_time_days"].between(3, 7).all()
    assert metrics["recall"] == 1.0
    assert metrics["n_predictable_faults"] == 2
    assert metrics["mean_lead_time_days"] >= 3.0


def test_lightning_strike_is_not_foreseen(trained):
    metrics, objects = trained
    lightning = objects["faults"].set_index("fault_id").loc["F00002"]
    assert (lightning["predictable"], lightning["caught"]) == (False, False)
    assert metrics["recall_all_faults"] == 2 / 3


def test_backtest_precision_and_no_alert_on_healthy_or_hot_units(trained):
    metrics, objects = trained
    detail = objects["backtest"]
    assert metrics["precision"] >= 0.8
    # The promotion metric (ml.fault_risk.registry): recall is 1, so F1 is 2p / (p + 1).
    assert metrics["f1"] == 2 * metrics["precision"] / (metrics["precision"] + 1)
    assert objects["config"] == CONFIG
    alerted = set(detail.loc[detail["alert"], "transformer_id"])
    assert alerted == {"T0003", "T0008"}
    hot = detail[detail["transformer_id"] == "T0005"]
    # Assessed from the third backtest day on (until then its weekly fit has under 28 days of history).
    assert hot["risk_score"].notna().sum() == 76
    assert not hot["alert"].any()
    # Judged against its own hot baseline it looks like any healthy unit.
    assert hot["risk_score"].median() < 0.05


def test_backtest_scores_every_unit_every_day_and_counts_fits(trained, fleet):
    metrics, objects = trained
    days = backtest_days(CONFIG, fleet[0])
    assert (days[0], days[-1], len(days)) == (dt.date(2026, 6, 5), dt.date(2026, 8, 21), 78)
    assert len(objects["backtest"]) == 12 * 78
    # One fit per unit and weekly cutoff (12 × 11), less the first cutoff of each unit (under 28 days).
    assert metrics["n_fits"] == 12 * 11
    assert metrics["fits_per_second"] > 0


@pytest.fixture(scope="module")
def scored(fleet):
    """`score` on AS_OF with recorded faults, over the 2-process pool of the default config."""
    telemetry, faults = fleet
    return score(CONFIG, telemetry, AS_OF, faults)


def test_score_frame_has_one_row_per_transformer(fleet, scored):
    telemetry = fleet[0]
    frame = scored
    assert tuple(frame.columns) == SCORE_COLUMNS
    assert frame["transformer_id"].tolist() == [f"T{i:04d}" for i in range(1, 13)]
    assert set(frame["scored_on"]) == {AS_OF}
    assert set(frame["horizon_days"]) == {7}
    assert frame["risk_score"].between(0.0, 1.0).all()
    assert frame["alert"].dtype == bool
    assert frame.loc[frame["alert"], "transformer_id"].tolist() == ["T0008"]
    # After a hot week the weather cooled: every forecast is below the unit's hottest day of the week except
    # T0008's, which carries its growing excess forward.
    daily = daily_features(telemetry)
    week = daily[daily["ds"].between("2026-08-03", "2026-08-09")].groupby("transformer_id")["y"].max()
    above_week = frame.set_index("transformer_id")["predicted_max_oil_temp_c"] - week
    assert above_week.idxmax() == "T0008"
    assert above_week["T0008"] > 0 > above_week.drop(index="T0008").max()


def test_score_matches_the_backtest_day(trained, scored):
    frame = scored
    detail = trained[1]["backtest"]
    same_day = detail[detail["scored_on"] == AS_OF].loc[:, list(SCORE_COLUMNS)].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame, same_day)


def test_spawn_pool_gives_the_same_scores_as_one_process(fleet, scored):
    telemetry, faults = fleet
    assert CONFIG.n_jobs == 2
    single = score(dataclasses.replace(CONFIG, n_jobs=1), telemetry, AS_OF, faults)
    pd.testing.assert_frame_equal(single, scored)


def test_too_little_history_is_not_assessed(fleet):
    telemetry, _ = fleet
    frame = score(CONFIG, telemetry, dt.date(2026, 5, 20))
    assert len(frame) == 12
    assert frame["risk_score"].isna().all()
    assert not frame["alert"].any()


def test_figure_shows_a_degrading_unit(trained):
    figure = trained[1]["figure"]
    assert isinstance(figure, Figure)
    top, bottom = figure.axes
    assert top.get_title() == "T0003: backtest around fault F00001"
    assert [line.get_label() for line in top.get_lines()][:3] == [
        "actual daily max oil",
        "expected from load and weather",
        f"forecast as of {trained[1]['faults'].loc[0, 'first_alert_on']}",
    ]
