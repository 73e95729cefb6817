"""The backtest picture logged with each training run: one degrading unit, what it did and what was expected."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure

from ml.forecast.model import Baseline, UnitHistory, forecast_path

if TYPE_CHECKING:
    from ml.forecast.train import FaultRiskConfig


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
