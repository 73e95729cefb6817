"""The backtest picture logged with each training run: one degrading unit, what it did and what was expected."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ml.fault_risk.config import FaultRiskConfig
from ml.fault_risk.features import daily_features, fault_days
from ml.fault_risk.model import (
    Baseline,
    UnitHistory,
    fit_baseline,
    forecast_path,
    last_fault,
    measure,
    skip_days,
    training_cutoff,
)


def backtest_figure(
    unit: UnitHistory,
    baseline: Baseline,
    as_of: dt.date,
    excess_c: float,
    trend_c_per_day: float,
    unit_scores: pd.DataFrame,
    fault: pd.Series,
    config: FaultRiskConfig,
) -> Figure:
    """Two panels for one transformer around one fault.

    Top: actual daily max oil temperature, what Prophet expected from load and weather (fitted up to the
    cutoff, then out of sample up to `as_of`), the forecast for the horizon after `as_of`, and the fault.
    Bottom: the backtest's daily risk score with the alert threshold and the alerts.

    Args:
        unit: the transformer's daily history.
        baseline: the fit used on `as_of`.
        as_of: the scoring day whose forecast is drawn (the first alert, usually).
        excess_c, trend_c_per_day: that day's evidence, carried into the forecast.
        unit_scores: the backtest rows of this transformer (`scored_on`, `risk_score`, `alert`).
        fault: the fault row (`fault_id`, `fault_at`).
        config: the model settings (horizon, threshold).
    """
    fault_at = pd.Timestamp(fault["fault_at"])
    cutoff = pd.Timestamp(baseline.cutoff)
    lo = cutoff - pd.Timedelta(days=35)
    hi = fault_at.normalize() + pd.Timedelta(days=10)
    days = pd.DatetimeIndex(unit.days)
    shown = (days >= lo) & (days <= hi)
    known = shown & (days <= pd.Timestamp(as_of))
    path = forecast_path(unit, baseline, as_of, config, excess_c, trend_c_per_day)

    fig = Figure(figsize=(10, 6.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 1.4))
    expected = baseline.expected(unit.days[known], unit.x[known])
    top.plot(days[shown], unit.y[shown], color="black", marker=".", lw=1.2, label="actual daily max oil")
    top.plot(days[known], expected, color="tab:blue", ls="--", label="expected from load and weather")
    top.plot(path["ds"], path["forecast_c"], color="tab:orange", marker="o", lw=1.5, label=f"forecast as of {as_of}")
    top.axvspan(lo, cutoff, color="tab:blue", alpha=0.06, label="fitted on")
    for ax in (top, bottom):
        ax.axvline(fault_at, color="tab:red", lw=2)
    top.annotate(f"fault {fault['fault_id']}", (fault_at, top.get_ylim()[1]), color="tab:red", ha="right", va="top")
    top.set_ylabel("oil temperature (°C)")
    top.set_title(f"{unit.transformer_id}: backtest around fault {fault['fault_id']}")
    top.legend(loc="upper left", fontsize=8)

    scores = unit_scores[pd.to_datetime(unit_scores["scored_on"]).between(lo, hi)]
    scored = pd.to_datetime(scores["scored_on"])
    bottom.plot(scored, scores["risk_score"], color="tab:purple", lw=1.5, label="risk score")
    alerts = scores["alert"].to_numpy(dtype=bool)
    bottom.scatter(scored[alerts], scores["risk_score"][alerts], color="tab:red", marker="^", zorder=3, label="alert")
    bottom.axhline(config.alert_threshold, color="grey", ls=":", lw=1)
    bottom.set_ylim(-0.05, 1.05)
    bottom.set_ylabel("risk")
    bottom.legend(loc="upper left", fontsize=8)
    return fig


def figure_of_backtest(
    config: FaultRiskConfig,
    telemetry: pd.DataFrame,
    faults: pd.DataFrame,
    detail: pd.DataFrame,
    per_fault: pd.DataFrame,
) -> Figure | None:
    """`backtest_figure` for the first caught thermal fault (else the first thermal fault scored), refitting
    that unit as it was on its first alert day; None when no thermal fault was scored or the fit fails.

    `detail` and `per_fault` are what `backtest` and `evaluate` returned for `telemetry` and `faults`.
    """
    if per_fault.empty:
        return None
    candidates = per_fault[per_fault["predictable"] & (per_fault["scored_days"] > 0)]
    if candidates.empty:
        return None
    caught = candidates[candidates["caught"]]
    fault = (caught if len(caught) else candidates).iloc[0]
    fault_day = pd.Timestamp(fault["fault_at"]).normalize()
    first = fault["first_alert_on"]
    as_of = (fault_day - pd.Timedelta(days=config.trend_lead_days)).date() if pd.isna(first) else first
    tid = fault["transformer_id"]
    own = telemetry[telemetry["transformer_id"].astype(str) == tid]
    unit = UnitHistory.from_frame(tid, daily_features(own, config.min_hours_in_service))
    unit_faults = fault_days(faults)[tid]
    cutoff = training_cutoff(as_of, config)
    until = np.datetime64(as_of, "D") + config.horizon_days
    baseline = fit_baseline(unit, cutoff, until, config, skip_days(unit_faults, cutoff, config))
    if baseline is None:
        return None
    evidence = measure(unit, baseline, as_of, config, last_fault(unit_faults, as_of))
    unit_scores = detail[detail["transformer_id"] == tid]
    return backtest_figure(
        unit, baseline, as_of, evidence["excess_c"], evidence["trend_c_per_day"], unit_scores, fault, config
    )
