"""Transformer fault risk: `score` one day, `backtest` past days against recorded faults, `train` for MLflow.

Per transformer, Prophet expects the daily max oil temperature from the unit's own history, with the day's
max and mean ambient temperature and its peak load² as regressors (`ml.forecast.model`). A unit that runs
hotter than its load, the weather and the rest of the fleet explain, and increasingly so, gets a high
`risk_score`; an `alert` means a fault is likely within the next week. Fitting is spread over this process
and `n_jobs − 1` `spawn` workers (`ml.forecast.pool`), one Prophet fit per transformer and week.

Run a backtest on the built-in simulated fleet with `python -m ml.forecast.train` (prints the metrics).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd

from ml.forecast.evaluate import evaluate, within_window
from ml.forecast.features import daily_features
from ml.forecast.model import (
    REGRESSORS,
    UnitHistory,
    fit_baseline,
    measure,
    quiet_stan_logging,
    risk,
    training_cutoff,
)
from ml.forecast.pool import map_units

SCORE_COLUMNS = ("transformer_id", "scored_on", "horizon_days", "risk_score", "alert", "predicted_max_oil_temp_c")
EVIDENCE_COLUMNS = ("excess_c", "trend_c_per_day", "sigma_c")
EXPLAIN_COLUMNS = ("excess_c", "fleet_excess_c", "trend_c_per_day", "fleet_trend_c_per_day", "sigma_c", "z")
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
    # Residual spread widening for in-sample optimism, see `ml.forecast.model.fit_baseline`.
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
    # Processes that fit: this one and `n_jobs − 1` `spawn` workers (`ml.forecast.pool`).
    n_jobs: int = 2


_NO_FAULTS = np.array([], dtype="datetime64[D]")


def _fault_days(faults: pd.DataFrame | None) -> dict[str, np.ndarray]:
    """Days (datetime64[D], ascending) of each transformer's recorded faults."""
    if faults is None or faults.empty:
        return {}
    days = pd.to_datetime(faults["fault_at"]).to_numpy().astype("datetime64[D]")
    ids = faults["transformer_id"].astype(str).to_numpy()
    return {tid: np.sort(days[ids == tid]) for tid in np.unique(ids)}


def _skip_days(fault_days: np.ndarray, cutoff: np.datetime64, config: FaultRiskConfig) -> np.ndarray:
    """Training days to leave out: the `exclude_before_fault_days` before, the day of and the day after each
    fault recorded by `cutoff` (known by then), since a degrading or just-failed unit is not its normal."""
    known = fault_days[fault_days <= cutoff]
    offsets = np.arange(-1, config.exclude_before_fault_days + 1)
    return (known[:, None] - offsets[None, :]).ravel()


def _last_fault(fault_days: np.ndarray, day: dt.date) -> np.datetime64 | None:
    """The latest fault day on or before `day` (its fault is recorded by the end of that day), if any."""
    past = fault_days[fault_days <= np.datetime64(day, "D")]
    return past[-1] if len(past) else None


def _score_unit(
    unit: UnitHistory, as_of_days: Sequence[dt.date], fault_days: np.ndarray, config: FaultRiskConfig
) -> tuple[list[dict], int]:
    """Score one unit on each day of `as_of_days`; one Prophet fit per distinct training cutoff."""
    rows, fits = [], 0
    by_cutoff: dict[np.datetime64, list[dt.date]] = {}
    for day in as_of_days:
        by_cutoff.setdefault(training_cutoff(day, config), []).append(day)
    for cutoff, days in by_cutoff.items():
        until = np.datetime64(max(days), "D") + config.horizon_days
        baseline = fit_baseline(unit, cutoff, until, config, _skip_days(fault_days, cutoff, config))
        fits += baseline is not None
        for day in days:
            evidence = measure(unit, baseline, day, config, _last_fault(fault_days, day))
            rows.append({"transformer_id": unit.transformer_id, "scored_on": day, **evidence})
    return rows, fits


def _score_units(
    config: FaultRiskConfig, as_of_days: Sequence[dt.date], units: list[tuple[UnitHistory, np.ndarray]]
) -> list[tuple[list[dict], int]]:
    """Pool task: `_score_unit` on each (unit, its fault days)."""
    quiet_stan_logging()
    return [_score_unit(unit, as_of_days, fault_days, config) for unit, fault_days in units]


def _units(daily: pd.DataFrame, transformer_ids: Sequence[str]) -> list[UnitHistory]:
    """`UnitHistory.from_frame` of each transformer (empty without usable days), from one sort of `daily`.

    One pass over the whole frame instead of a dropna and a sort per unit, which cost as much as 40 fits at
    1,000 units, all of it before any worker could start. The arrays match `from_frame`'s exactly, layout too.
    """
    usable = daily.dropna(subset=["y", *REGRESSORS]).sort_values(["transformer_id", "ds"], kind="stable")
    ids = usable["transformer_id"].to_numpy()
    days = usable["ds"].to_numpy().astype("datetime64[D]")
    y = usable["y"].to_numpy(dtype=float)
    x = usable.loc[:, list(REGRESSORS)].to_numpy(dtype=float)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.array([], dtype=int)
    spans = dict(zip(ids[starts], zip(starts, [*starts[1:], len(ids)])))
    units = []
    for tid in transformer_ids:
        a, b = spans.get(tid, (0, 0))
        units.append(UnitHistory(tid, days[a:b].copy(), y[a:b].copy(), np.asfortranarray(x[a:b])))
    return units


def _run(
    config: FaultRiskConfig,
    daily: pd.DataFrame,
    transformer_ids: Sequence[str],
    as_of_days: Sequence[dt.date],
    faults: pd.DataFrame | None,
) -> tuple[pd.DataFrame, dict]:
    """Score every transformer on every day, in this process and `n_jobs − 1` `spawn` workers."""
    started = time.perf_counter()
    units = _units(daily, transformer_ids)
    fault_days = _fault_days(faults)
    items = [(unit, fault_days.get(unit.transformer_id, _NO_FAULTS)) for unit in units]
    results = map_units(partial(_score_units, config, list(as_of_days)), items, config.n_jobs)
    rows = [row for unit_rows, _ in results for row in unit_rows]
    fits = sum(n for _, n in results)
    seconds = time.perf_counter() - started
    columns = ["transformer_id", "scored_on", "predicted_max_oil_temp_c", *EVIDENCE_COLUMNS]
    frame = pd.DataFrame(rows, columns=columns).sort_values(["transformer_id", "scored_on"], kind="stable")
    speed = {"n_fits": fits, "seconds": seconds, "fits_per_second": fits / seconds if seconds else math.nan}
    return _with_risk(frame.reset_index(drop=True), config), speed


def _with_risk(frame: pd.DataFrame, config: FaultRiskConfig) -> pd.DataFrame:
    """Add the fleet's common excess and each unit's z, risk_score and alert to the per-unit evidence."""
    assessed = frame[frame["excess_c"].notna()]
    fleet = assessed.groupby("scored_on").agg(
        n=("excess_c", "size"),
        fleet_excess_c=("excess_c", "median"),
        fleet_trend_c_per_day=("trend_c_per_day", "median"),
    )
    # All units share the weather, so an excess most of the fleet shows on the same day is the weather model's
    # miss (a heat wave beyond the training range, a calm humid evening), not a failing unit. The median is
    # untouched by the few degrading units; with too few units it would be their own excess, so it is skipped.
    fleet.loc[fleet["n"] < config.min_fleet_size, ["fleet_excess_c", "fleet_trend_c_per_day"]] = 0.0
    frame = frame.merge(fleet.drop(columns="n"), left_on="scored_on", right_index=True, how="left")
    common = ["fleet_excess_c", "fleet_trend_c_per_day"]
    frame[common] = frame[common].fillna(0.0)
    z, score, alert = risk(
        frame["excess_c"].to_numpy() - frame["fleet_excess_c"].to_numpy(),
        frame["trend_c_per_day"].to_numpy() - frame["fleet_trend_c_per_day"].to_numpy(),
        frame["sigma_c"].to_numpy(),
        config,
    )
    frame["z"], frame["risk_score"], frame["alert"] = z, score, alert
    frame["horizon_days"] = config.horizon_days
    return frame.loc[:, [*SCORE_COLUMNS, *EXPLAIN_COLUMNS]].reset_index(drop=True)


def score(
    config: FaultRiskConfig, telemetry: pd.DataFrame, as_of: dt.date, faults: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Risk of each transformer at the end of `as_of`: one row per transformer in `telemetry`.

    Each unit is judged against its own Prophet baseline (load and weather) and, when at least
    `min_fleet_size` units are assessed, net of the excess the whole fleet shows that day (the weather
    model's miss). Score the whole fleet in one call: a single unit scored alone loses that correction.

    Args:
        config: model settings.
        telemetry: hourly rows (`transformer_id`, `ts`, `oil_temp_c`, `load_pct`, `voltage_v`,
            `ambient_temp_c`); rows after `as_of` are ignored.
        as_of: the scoring day (its telemetry is complete).
        faults: recorded faults (`transformer_id`, `fault_at`), optional. Those recorded by the end of `as_of`
            keep the run-up to a past fault out of the unit's normal, and restart the reading of a repaired
            unit after its fault.

    Returns:
        Columns `transformer_id`, `scored_on` (date), `horizon_days`, `risk_score` ([0, 1]; NaN when the unit
        has under `min_history_days` usable days or no telemetry in the last `stale_days` days), `alert` (bool)
        and `predicted_max_oil_temp_c` (the highest daily max oil temperature forecast over the horizon).
    """
    frame, _ = score_days(config, telemetry, [as_of], faults)
    return frame.loc[:, list(SCORE_COLUMNS)]


def score_days(
    config: FaultRiskConfig,
    telemetry: pd.DataFrame,
    as_of_days: Sequence[dt.date],
    faults: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict]:
    """`score` on several days at once, with the evidence behind each score.

    Returns one row per transformer and day with the score columns plus `excess_c`, `fleet_excess_c`,
    `trend_c_per_day`, `fleet_trend_c_per_day`, `sigma_c` and `z` (what an operator reads to see why), and
    the run's speed: `n_fits`, `seconds`, `fits_per_second`. Telemetry after the last day and faults recorded
    after it are ignored; each day sees only what was known by its end.
    """
    daily = daily_features(telemetry, config.min_hours_in_service)
    daily = daily[daily["ds"] <= pd.Timestamp(max(as_of_days))]
    ids = sorted(telemetry["transformer_id"].astype(str).unique())
    if faults is not None:
        last = pd.Timestamp(max(as_of_days)) + pd.Timedelta(days=1)
        faults = faults[pd.to_datetime(faults["fault_at"]) < last]
    return _run(config, daily, ids, list(as_of_days), faults)


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
    detail, speed = _run(config, daily, ids, days, faults)
    metrics, _ = evaluate(detail, faults, config)
    detail["is_true_alert"] = detail["alert"].to_numpy() & within_window(detail, faults, config.alert_window_days)
    return {**metrics, **speed}, detail


def _figure(
    config: FaultRiskConfig,
    telemetry: pd.DataFrame,
    faults: pd.DataFrame,
    detail: pd.DataFrame,
    per_fault: pd.DataFrame,
):
    """The backtest plot for the first caught thermal fault (else the first thermal fault scored); None if none."""
    from ml.forecast.plot import backtest_figure  # matplotlib stays out of the pool workers

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
    fault_days = _fault_days(faults)[tid]
    cutoff = training_cutoff(as_of, config)
    until = np.datetime64(as_of, "D") + config.horizon_days
    baseline = fit_baseline(unit, cutoff, until, config, _skip_days(fault_days, cutoff, config))
    if baseline is None:
        return None
    evidence = measure(unit, baseline, as_of, config, _last_fault(fault_days, as_of))
    unit_scores = detail[detail["transformer_id"] == tid]
    return backtest_figure(
        unit, baseline, as_of, evidence["excess_c"], evidence["trend_c_per_day"], unit_scores, fault, config
    )


def train(config: FaultRiskConfig, telemetry: pd.DataFrame, faults: pd.DataFrame) -> tuple[dict, dict]:
    """Backtest the fault-risk model and return what a training run logs, LHT style.

    Args:
        config: model settings (also the backtest's step, `backtest_step_days`).
        telemetry: hourly telemetry of the whole period.
        faults: recorded faults, the ground truth.

    Returns:
        metrics: `backtest`'s (precision, recall, recall_all_faults, mean/min lead time, counts, fits/s).
        objects: `model` (the `FaultRiskModel` pyfunc to log as `transformer_fault_risk`), `backtest` (the
        per-day detail), `faults` (per-fault outcome, lead times) and `figure` (a matplotlib Figure: actual
        vs forecast oil temperature of one degrading transformer with its fault marked; None without one).
    """
    metrics, detail = backtest(config, telemetry, faults, config.backtest_step_days)
    _, per_fault = evaluate(detail, faults, config)
    from ml.forecast.pyfunc import FaultRiskModel  # mlflow stays out of the pool workers

    figure = _figure(config, telemetry, faults, detail, per_fault)
    return metrics, {"model": FaultRiskModel(config), "backtest": detail, "faults": per_fault, "figure": figure}


def main(argv: list[str] | None = None) -> None:
    """Backtest on the simulated fleet of `ml.forecast.simulate` and print the metrics as JSON."""
    from ml.forecast.simulate import FleetScenario, simulate

    parser = argparse.ArgumentParser(prog="python -m ml.forecast.train", description=main.__doc__)
    parser.add_argument("--n-jobs", type=int, default=FaultRiskConfig.n_jobs)
    parser.add_argument("--seed", type=int, default=FleetScenario.seed, help="simulation seed")
    args = parser.parse_args(argv)
    telemetry, faults = simulate(FleetScenario(seed=args.seed))
    metrics, objects = train(FaultRiskConfig(n_jobs=args.n_jobs), telemetry, faults)
    print(json.dumps(metrics, indent=2, default=float))
    print(objects["faults"].to_string(index=False))


if __name__ == "__main__":
    main()
