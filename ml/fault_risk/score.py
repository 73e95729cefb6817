"""Score transformers: each unit against its own Prophet baseline, net of what the whole fleet shows that day.

`score` rates every transformer on one day, `score_days` on several at once with the evidence behind each
score (what the backtest replays). Fitting is spread over this process and `n_jobs − 1` `spawn` workers
(`ml.fault_risk.pool`), one Prophet fit per transformer and week. Workers import this module: it imports
nothing heavier than pandas (Prophet is imported by the fit itself; MLflow and matplotlib never).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Sequence
from functools import partial

import numpy as np
import pandas as pd

from ml.fault_risk.config import FaultRiskConfig
from ml.fault_risk.features import daily_features, fault_days
from ml.fault_risk.model import (
    REGRESSORS,
    UnitHistory,
    fit_baseline,
    last_fault,
    measure,
    quiet_stan_logging,
    risk,
    skip_days,
    training_cutoff,
)
from ml.fault_risk.pool import map_units

SCORE_COLUMNS = ("transformer_id", "scored_on", "horizon_days", "risk_score", "alert", "predicted_max_oil_temp_c")
EVIDENCE_COLUMNS = ("excess_c", "trend_c_per_day", "sigma_c")
EXPLAIN_COLUMNS = ("excess_c", "fleet_excess_c", "trend_c_per_day", "fleet_trend_c_per_day", "sigma_c", "z")

_NO_FAULTS = np.array([], dtype="datetime64[D]")


def _score_unit(
    unit: UnitHistory, as_of_days: Sequence[dt.date], unit_faults: np.ndarray, config: FaultRiskConfig
) -> tuple[list[dict], int]:
    """Score one unit on each day of `as_of_days`; one Prophet fit per distinct training cutoff."""
    rows, fits = [], 0
    by_cutoff: dict[np.datetime64, list[dt.date]] = {}
    for day in as_of_days:
        by_cutoff.setdefault(training_cutoff(day, config), []).append(day)
    for cutoff, days in by_cutoff.items():
        until = np.datetime64(max(days), "D") + config.horizon_days
        baseline = fit_baseline(unit, cutoff, until, config, skip_days(unit_faults, cutoff, config))
        fits += baseline is not None
        for day in days:
            evidence = measure(unit, baseline, day, config, last_fault(unit_faults, day))
            rows.append({"transformer_id": unit.transformer_id, "scored_on": day, **evidence})
    return rows, fits


def _score_units(
    config: FaultRiskConfig, as_of_days: Sequence[dt.date], units: list[tuple[UnitHistory, np.ndarray]]
) -> list[tuple[list[dict], int]]:
    """Pool task: `_score_unit` on each (unit, its fault days)."""
    quiet_stan_logging()
    return [_score_unit(unit, as_of_days, unit_faults, config) for unit, unit_faults in units]


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


def score_daily(
    config: FaultRiskConfig,
    daily: pd.DataFrame,
    transformer_ids: Sequence[str],
    as_of_days: Sequence[dt.date],
    faults: pd.DataFrame | None,
) -> tuple[pd.DataFrame, dict]:
    """Score every transformer on every day from its `daily_features` rows, in this process and `n_jobs − 1`
    `spawn` workers (what `score_days` and the backtest share).

    `faults` may include faults recorded after a scoring day: each unit and day reads only those known by
    then. Returns the frame `score_days` describes and the run's speed.
    """
    started = time.perf_counter()
    units = _units(daily, transformer_ids)
    days_of_faults = fault_days(faults)
    items = [(unit, days_of_faults.get(unit.transformer_id, _NO_FAULTS)) for unit in units]
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
    return score_daily(config, daily, ids, list(as_of_days), faults)
