"""Judge fault-risk scores against recorded faults: precision, recall and lead time of the alerts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ml.fault_risk.config import FaultRiskConfig

PER_FAULT_COLUMNS = (
    "fault_id",
    "transformer_id",
    "fault_at",
    "fault_type",
    "predictable",
    "scored_days",
    "caught",
    "first_alert_on",
    "lead_time_days",
    "max_risk_score",
)


def within_window(detail: pd.DataFrame, faults: pd.DataFrame, window_days: tuple[int, int]) -> np.ndarray:
    """Per row of `detail` (`transformer_id`, `scored_on`): does that transformer have a recorded fault
    `window_days[0]`–`window_days[1]` days after the scoring day?"""
    w0, w1 = window_days
    scored_on = pd.to_datetime(detail["scored_on"]).to_numpy().astype("datetime64[D]")
    ids = detail["transformer_id"].astype(str).to_numpy()
    fault_days = pd.to_datetime(faults["fault_at"]).to_numpy().astype("datetime64[D]")
    fault_ids = faults["transformer_id"].astype(str).to_numpy()
    hit = np.zeros(len(detail), dtype=bool)
    for tid, day in zip(fault_ids, fault_days):
        gap = (day - scored_on).astype(int)
        hit |= (ids == tid) & (gap >= w0) & (gap <= w1)
    return hit


def f1(precision: float, recall: float) -> float:
    """Harmonic mean of precision and recall: the backtest figure a new model version is promoted on.

    0 when no predictable fault was caught (a model that never alerts has no precision but is plainly
    useless); NaN when there was no predictable fault to catch, since nothing was then measured.
    """
    if math.isnan(recall):
        return math.nan
    if recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def evaluate(detail: pd.DataFrame, faults: pd.DataFrame, config: FaultRiskConfig) -> tuple[dict, pd.DataFrame]:
    """Judge scored days against recorded faults.

    An alert on day d is true when the same transformer has a recorded fault (any type) on a day in
    [d + w0, d + w1], `alert_window_days` = (w0, w1). A fault is caught when an alert was raised on one of
    those days before it; its lead time is the fault day minus the first such alert day. Recall counts the
    faults whose window was scored at least once; `recall` is over `predictable_fault_types` (thermal faults
    with a run-up), `recall_all_faults` over every fault; `f1` combines precision and recall (see `f1`).

    Returns:
        metrics and one row per fault: `fault_id`, `transformer_id`, `fault_at`, `fault_type`, `predictable`,
        `scored_days` (days of its window scored), `caught`, `first_alert_on`, `lead_time_days`,
        `max_risk_score` (highest risk in its window).
    """
    w0, w1 = config.alert_window_days
    f = faults.copy()
    f["transformer_id"] = f["transformer_id"].astype(str)
    f["fault_day"] = pd.to_datetime(f["fault_at"]).dt.normalize()
    scored = detail[detail["risk_score"].notna()].copy()
    scored["day"] = pd.to_datetime(scored["scored_on"])

    per_fault = []
    for fault in f.itertuples(index=False):
        lo, hi = fault.fault_day - pd.Timedelta(days=w1), fault.fault_day - pd.Timedelta(days=w0)
        window = scored[(scored["transformer_id"] == fault.transformer_id) & scored["day"].between(lo, hi)]
        alerts = window[window["alert"]]
        first = alerts["day"].min() if len(alerts) else pd.NaT
        per_fault.append(
            {
                "fault_id": fault.fault_id,
                "transformer_id": fault.transformer_id,
                "fault_at": fault.fault_at,
                "fault_type": fault.fault_type,
                "predictable": config.predictable_fault_types is None
                or fault.fault_type in config.predictable_fault_types,
                "scored_days": len(window),
                "caught": len(alerts) > 0,
                "first_alert_on": first.date() if len(alerts) else None,
                "lead_time_days": (fault.fault_day - first).days if len(alerts) else np.nan,
                "max_risk_score": window["risk_score"].max() if len(window) else np.nan,
            }
        )
    per_fault = pd.DataFrame(per_fault, columns=PER_FAULT_COLUMNS).astype({"predictable": bool, "caught": bool})

    true_alert = within_window(scored, faults, config.alert_window_days)
    n_alerts = int(scored["alert"].sum())
    n_true = int((scored["alert"].to_numpy() & true_alert).sum())
    judged = per_fault[per_fault["scored_days"] > 0]
    thermal = judged[judged["predictable"]]
    caught = thermal[thermal["caught"]]
    precision = n_true / n_alerts if n_alerts else math.nan
    recall = len(caught) / len(thermal) if len(thermal) else math.nan
    metrics = {
        "precision": precision,
        "recall": recall,
        "f1": f1(precision, recall),
        "recall_all_faults": float(judged["caught"].mean()) if len(judged) else math.nan,
        "mean_lead_time_days": float(caught["lead_time_days"].mean()) if len(caught) else math.nan,
        "min_lead_time_days": float(caught["lead_time_days"].min()) if len(caught) else math.nan,
        "n_alerts": n_alerts,
        "n_true_alerts": n_true,
        "n_faults": len(judged),
        "n_predictable_faults": len(thermal),
        "n_caught": len(caught),
        "n_scored": len(scored),
        "n_unscored": int(detail["risk_score"].isna().sum()),
    }
    return metrics, per_fault
