"""Replay the scoring on past days and judge its alerts against the recorded faults (`equipment_faults`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from ml.fault_risk.config import FaultRiskConfig
from ml.fault_risk.evaluate import evaluate, within_window
from ml.fault_risk.features import daily_features
from ml.fault_risk.score import score_daily


def backtest_days(config: FaultRiskConfig, telemetry: pd.DataFrame, step_days: int = 1) -> list[dt.date]:
    """Scoring days of a backtest: from the first day with enough history to the last day whose whole
    alert window lies inside the telemetry (later alerts could not yet be judged), every `step_days`."""
    ts = pd.to_datetime(telemetry["ts"])
    first, last = ts.min().date(), ts.max().date()
    start = first + dt.timedelta(days=config.min_history_days + config.recent_days)
    end = last - dt.timedelta(days=config.alert_window_days[1])
    return [start + dt.timedelta(days=d) for d in range(0, (end - start).days + 1, step_days)]


def backtest(
    config: FaultRiskConfig,
    telemetry: pd.DataFrame,
    faults: pd.DataFrame,
    step_days: int | Sequence[dt.date] = 1,
) -> tuple[dict, pd.DataFrame]:
    """Replay `score` on past days and judge the alerts against recorded faults (see `evaluate`).

    Each day sees only telemetry up to itself and faults recorded by its end, exactly as `score` would.

    Args:
        config: model settings.
        telemetry: hourly telemetry of the whole period.
        faults: recorded faults (`fault_id`, `transformer_id`, `fault_at`, `fault_type`): the ground truth.
        step_days: score every `step_days` days of `backtest_days`, or the given list of days.

    Returns:
        metrics (`evaluate`'s plus `n_fits`, `fits_per_second`, `seconds`) and one row per transformer and
        scoring day: the score columns, the explanation (`excess_c`, `fleet_excess_c`, `trend_c_per_day`,
        `fleet_trend_c_per_day`, `sigma_c`, `z`) and `is_true_alert`.
    """
    days = backtest_days(config, telemetry, step_days) if isinstance(step_days, int) else sorted(step_days)
    daily = daily_features(telemetry, config.min_hours_in_service)
    ids = sorted(telemetry["transformer_id"].astype(str).unique())
    # Each unit and day filters faults to those recorded by then, so passing all of them leaks nothing.
    detail, speed = score_daily(config, daily, ids, days, faults)
    metrics, _ = evaluate(detail, faults, config)
    detail["is_true_alert"] = detail["alert"].to_numpy() & within_window(detail, faults, config.alert_window_days)
    return {**metrics, **speed}, detail
