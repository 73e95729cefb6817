"""`FaultRiskConfig`: every setting that decides a fault-risk score, in one frozen dataclass.

A module of its own, imported by every other module of the package and importing none of them, so that the
model, the scoring, the backtest and the plot can all name the config without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

# Fault types recorded after a thermal run-up (winding overheating, insulation ageing, low oil level); lightning,
# short circuits and third-party damage come without warning, so no telemetry model can foresee them.
THERMAL_FAULT_TYPES = ("绕组过热", "绝缘老化", "油位过低")


@dataclass(frozen=True)
class FaultRiskConfig:
    """Everything that decides a score; equal configs and telemetry give equal scores, in any process count."""

    seed: int = 42
    horizon_days: int = 7
    # Alerts are judged against faults 1–7 days after the scoring day: a unit alerted the day before its fault
    # was still a warning worth a crew, so late alerts count as true; lead times are reported separately.
    alert_window_days: tuple[int, int] = (1, 7)

    # The fit: the last `history_days` up to a cutoff at least `recent_days` back (a degrading unit's run-up,
    # 5–10 days, stays out of its own "normal"), refitted every `refit_every_days`.
    history_days: int = 90
    min_history_days: int = 28
    recent_days: int = 7
    refit_every_days: int = 7
    exclude_before_fault_days: int = 14
    min_hours_in_service: int = 18
    n_changepoints: int = 10
    changepoint_range: float = 0.9
    # A stiff trend: the level should follow seasons and ageing, not chase a week of heating.
    changepoint_prior_scale: float = 0.01
    seasonality_prior_scale: float = 1.0
    algorithm: str = "LBFGS"
    # Residual spread widening for in-sample optimism, see `ml.fault_risk.model.fit_baseline`.
    effective_params: int = 26
    min_sigma_c: float = 0.4

    # The evidence: mean residual of the last `level_days`, slope over `trend_days`, read at the end of the day;
    # a unit with no usable day in the last `stale_days` is not assessed.
    level_days: int = 2
    trend_days: int = 5
    stale_days: int = 2
    min_fleet_size: int = 8

    # The score. Tuned on backtests of the platform's generator physics (2 × 60 units × 150 days with 20
    # degrading, and 124 units × 180 days of the demo data): a larger trend weight or a lower z_mid alerts a
    # day earlier but multiplies false alerts on healthy units whose residuals drift for a day or two.
    trend_weight: float = 0.25
    trend_lead_days: int = 3
    z_mid: float = 4.5
    z_width: float = 1.0
    alert_threshold: float = 0.5

    predictable_fault_types: tuple[str, ...] | None = THERMAL_FAULT_TYPES
    backtest_step_days: int = 1
    # Processes that fit: this one and `n_jobs − 1` `spawn` workers (`ml.fault_risk.pool`).
    n_jobs: int = 2
