"""Alert judging on hand-made scores: which alerts are true, which faults are caught, and how early."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from ml.fault_risk.config import FaultRiskConfig
from ml.fault_risk.evaluate import evaluate, f1, within_window


def _scores(tid: str, first: str, alerts: list[bool], risk: float = 0.9) -> pd.DataFrame:
    days = pd.date_range(first, periods=len(alerts)).date
    return pd.DataFrame(
        {
            "transformer_id": tid,
            "scored_on": days,
            "risk_score": [risk if a else 0.1 for a in alerts],
            "alert": alerts,
        }
    )


FAULTS = pd.DataFrame(
    {
        "fault_id": ["F1", "F2", "F3"],
        "transformer_id": ["A", "B", "C"],
        "fault_at": pd.to_datetime(["2026-07-10 14:00", "2026-07-10 02:00", "2026-07-20 09:00"]),
        "fault_type": ["绕组过热", "雷击损坏", "绝缘老化"],
    }
)


def test_alerts_faults_and_lead_times():
    # A: alerts on 07-01 (9 days ahead: too early, false), 07-05 .. 07-09 (5 .. 1 days ahead: true).
    a = _scores("A", "2026-07-01", [True, False, False, False, True, True, True, True, True])
    # B: a lightning strike, never alerted. C: scored 07-01..07-09 only, its fault (07-20) out of reach.
    b = _scores("B", "2026-07-01", [False] * 9)
    c = _scores("C", "2026-07-01", [False, False, True] + [False] * 6)
    detail = pd.concat([a, b, c], ignore_index=True)

    metrics, per_fault = evaluate(detail, FAULTS, FaultRiskConfig())

    assert within_window(a, FAULTS, (1, 7)).tolist() == [False, False] + [True] * 7
    assert (metrics["n_alerts"], metrics["n_true_alerts"]) == (7, 5)
    assert metrics["precision"] == 5 / 7
    assert metrics["f1"] == 2 * (5 / 7) * 1.0 / (5 / 7 + 1.0)  # 10/12: recall is 1 (F1 caught)
    # F3's window (07-13..07-19) was never scored: it is not judged.
    assert (metrics["n_faults"], metrics["n_predictable_faults"], metrics["n_caught"]) == (2, 1, 1)
    assert metrics["recall"] == 1.0
    assert metrics["recall_all_faults"] == 0.5
    assert metrics["mean_lead_time_days"] == 5.0
    row = per_fault.set_index("fault_id").loc["F1"]
    assert (row["caught"], row["first_alert_on"], row["lead_time_days"], row["scored_days"]) == (
        True,
        dt.date(2026, 7, 5),
        5,
        7,
    )
    assert per_fault["predictable"].tolist() == [True, False, True]


def test_no_alerts_no_precision():
    metrics, per_fault = evaluate(_scores("A", "2026-07-01", [False] * 9), FAULTS, FaultRiskConfig())
    assert math.isnan(metrics["precision"])
    assert metrics["recall"] == 0.0
    # Never alerting is a useless model, not an unmeasured one: it scores 0 and loses any promotion.
    assert metrics["f1"] == 0.0
    assert per_fault["caught"].tolist() == [False, False, False]


def test_f1_is_undefined_only_without_a_predictable_fault():
    assert f1(0.5, 1.0) == 2 / 3
    assert f1(math.nan, 0.0) == 0.0
    assert math.isnan(f1(math.nan, math.nan))
    assert math.isnan(f1(0.0, math.nan))
