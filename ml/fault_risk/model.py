"""One transformer: Prophet's expectation of its daily max oil temperature, and the evidence read from it.

The model answers "how hot should this unit run today, given its own history, its load and the weather?".
It is fitted on the unit's daily history up to a cutoff that leaves the most recent days out, so a unit that
has started to degrade cannot teach the model that running hot is normal. The recent days' residuals
(actual − expected), in units of the unit's own residual spread, then say whether it runs hotter than load
and weather explain, and whether that excess is growing. A hot-but-steady unit has a high baseline, which
Prophet's level absorbs: its residuals stay near zero and it is never at risk.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.fault_risk.config import FaultRiskConfig

REGRESSORS = ("max_ambient_temp_c", "mean_ambient_temp_c", "peak_load_sq")
# The spread of a unit's residuals is a median absolute deviation scaled to match a normal's standard deviation.
_MAD_TO_SD = 1.4826
_log = logging.getLogger(__name__)


def quiet_stan_logging() -> None:
    """Silence cmdstanpy's per-fit INFO lines and Prophet's chatter; warnings still get through.

    cmdstanpy installs its own INFO handler the first time it logs unless its logger already has a handler,
    so a NullHandler goes in first; Prophet's plot module logs an error when plotly is absent (it is optional).
    """
    for name in ("cmdstanpy", "prophet", "prophet.plot"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL if name == "prophet.plot" else logging.WARNING)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())


@dataclass(frozen=True)
class UnitHistory:
    """One unit's daily features as arrays (scoring a day must not cost a pandas round trip per day)."""

    transformer_id: str
    days: np.ndarray  # datetime64[D], ascending
    y: np.ndarray  # daily max oil temperature
    x: np.ndarray  # (days, len(REGRESSORS))

    @classmethod
    def from_frame(cls, transformer_id: str, unit: pd.DataFrame) -> UnitHistory:
        """Build from one unit's `ml.fault_risk.features.daily_features` rows; rows missing a value are dropped."""
        unit = unit.dropna(subset=["y", *REGRESSORS]).sort_values("ds")
        return cls(
            transformer_id=transformer_id,
            days=unit["ds"].to_numpy().astype("datetime64[D]"),
            y=unit["y"].to_numpy(dtype=float),
            x=unit.loc[:, list(REGRESSORS)].to_numpy(dtype=float),
        )

    def frame(self, mask: np.ndarray | slice = slice(None)) -> pd.DataFrame:
        """The selected days as a frame with `ds`, `y` and the regressors (Prophet's input shape)."""
        frame = pd.DataFrame(self.x[mask], columns=list(REGRESSORS))
        frame.insert(0, "y", self.y[mask])
        frame.insert(0, "ds", pd.DatetimeIndex(self.days[mask]).as_unit("ns"))
        return frame


@dataclass(frozen=True)
class Baseline:
    """What Prophet expects of one unit, fitted on its days up to `cutoff`.

    Prophet is additive here, so the expectation for any day and any regressor values is
    `base[day] + Σ coef_r · (x_r − center_r)`: one fit and one predict serve every scoring day
    and every what-if value of the regressors (the horizon's assumed weather and load).
    """

    cutoff: np.datetime64  # day precision
    start: np.datetime64  # first day of `base`
    base: np.ndarray  # trend + weekly seasonality (°C) per day from `start` to the end of the last horizon
    coef: np.ndarray  # °C per unit of each regressor, in REGRESSORS order
    center: np.ndarray
    sigma_c: float  # the unit's own daily residual spread, widened to what new days show
    n_train: int

    def expected(self, days: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Expected daily max oil temperature (°C) on `days` (datetime64[D]) given regressor rows `x`."""
        return self.base[(days - self.start).astype(int)] + (x - self.center) @ self.coef


def training_cutoff(as_of: dt.date, config: FaultRiskConfig) -> np.datetime64:
    """Last day the model scoring `as_of` is fitted on.

    At least `recent_days` are held out; the cutoff then snaps back to a multiple of `refit_every_days`
    (counted from 0001-01-01), so the scoring days of one week share one fit, as a weekly refit would in
    production, and `score` on a single day returns exactly what the backtest returned for it.
    """
    latest = as_of - dt.timedelta(days=config.recent_days)
    return np.datetime64(latest - dt.timedelta(days=latest.toordinal() % config.refit_every_days), "D")


def skip_days(fault_days: np.ndarray, cutoff: np.datetime64, config: FaultRiskConfig) -> np.ndarray:
    """Training days to leave out: the `exclude_before_fault_days` before, the day of and the day after each
    fault recorded by `cutoff` (known by then), since a degrading or just-failed unit is not its normal."""
    known = fault_days[fault_days <= cutoff]
    offsets = np.arange(-1, config.exclude_before_fault_days + 1)
    return (known[:, None] - offsets[None, :]).ravel()


def last_fault(fault_days: np.ndarray, day: dt.date) -> np.datetime64 | None:
    """The latest fault day on or before `day` (its fault is recorded by the end of that day), if any."""
    past = fault_days[fault_days <= np.datetime64(day, "D")]
    return past[-1] if len(past) else None


def fit_baseline(
    unit: UnitHistory,
    cutoff: np.datetime64,
    until: np.datetime64,
    config: FaultRiskConfig,
    skip_days: np.ndarray | None = None,
) -> Baseline | None:
    """Fit Prophet on one unit's days in (cutoff − history_days, cutoff], minus `skip_days`.

    `skip_days` (datetime64[D]) are days known to be abnormal by the cutoff: the run-up to and the day of an
    earlier recorded fault. Returns None when fewer than `min_history_days` days remain or the fit fails.
    `until` is the last day `base` must cover (the end of the latest horizon scored with this fit).
    """
    from prophet import Prophet
    from prophet.utilities import regressor_coefficients

    quiet_stan_logging()
    keep = (unit.days > cutoff - config.history_days) & (unit.days <= cutoff)
    if skip_days is not None and len(skip_days):
        keep &= ~np.isin(unit.days, skip_days)
    n = int(keep.sum())
    if n < config.min_history_days:
        return None
    train = unit.frame(keep)
    span_days = int((train["ds"].iloc[-1] - train["ds"].iloc[0]).days)
    model = Prophet(
        growth="linear",
        n_changepoints=min(config.n_changepoints, n // 4),
        changepoint_range=config.changepoint_range,
        changepoint_prior_scale=config.changepoint_prior_scale,
        yearly_seasonality=span_days >= 365,
        weekly_seasonality=True,
        daily_seasonality=False,
        seasonality_prior_scale=config.seasonality_prior_scale,
        uncertainty_samples=0,
    )
    for r in REGRESSORS:
        model.add_regressor(r)
    try:
        model.fit(train, algorithm=config.algorithm, seed=config.seed)
    except RuntimeError as exc:
        # One unit whose optimisation fails must not sink the scoring of the whole fleet: it goes unassessed.
        _log.warning("Prophet fit failed for %s at cutoff %s: %s", unit.transformer_id, cutoff, exc)
        return None

    coefs = regressor_coefficients(model).set_index("regressor").loc[list(REGRESSORS)]
    coef, center = coefs["coef"].to_numpy(dtype=float), coefs["center"].to_numpy(dtype=float)
    start = unit.days[keep][0]
    base = trend_and_seasonality(model, np.arange(start, until + 1, dtype="datetime64[D]"))
    fitted = Baseline(cutoff=cutoff, start=start, base=base, coef=coef, center=center, sigma_c=math.nan, n_train=n)
    resid = unit.y[keep] - fitted.expected(unit.days[keep], unit.x[keep])
    spread = _MAD_TO_SD * float(np.median(np.abs(resid - np.median(resid))))
    # In-sample residuals flatter the model: a fit with p effective parameters on n days leaves them about
    # sqrt((n − p) / n) as wide as the errors on new days. On the platform's synthetic fleet the out-of-sample
    # spread was 1.77× the in-sample one after 40 days of history and 1.18× after 90: both say p ≈ 26.
    spread *= math.sqrt(n / max(n - config.effective_params, 1))
    return Baseline(
        cutoff=cutoff,
        start=start,
        base=base,
        coef=coef,
        center=center,
        sigma_c=max(spread, config.min_sigma_c),
        n_train=n,
    )


def trend_and_seasonality(model, days: np.ndarray) -> np.ndarray:
    """A fitted additive Prophet model's trend + seasonalities (°C) on `days`: its yhat without regressors.

    The same sums `Prophet.predict` makes (piecewise-linear trend, then the Fourier features of each
    seasonality against the first columns of beta, all × y_scale), without its pandas bookkeeping, which
    cost more than the fit itself. A test pins it to `predict` on a fitted model.
    """
    ds = pd.Series(pd.DatetimeIndex(days).as_unit("ns"))
    t = ((ds - model.start) / model.t_scale).to_numpy(dtype=float)
    k, m = float(np.nanmean(model.params["k"])), float(np.nanmean(model.params["m"]))
    deltas = np.nanmean(model.params["delta"], axis=0)
    beta = np.nanmean(model.params["beta"], axis=0)
    out = model.piecewise_linear(t, deltas, k, m, model.changepoints_t)
    column = 0
    # Seasonalities come first among the feature columns, in the order they were added (holidays, then
    # regressors, follow); every seasonality here is additive and unconditional.
    for props in model.seasonalities.values():
        width = 2 * props["fourier_order"]
        out = out + model.fourier_series(ds, props["period"], props["fourier_order"]) @ beta[column : column + width]
        column += width
    return out * model.y_scale


def _horizon(unit: UnitHistory, baseline: Baseline, as_of: np.datetime64, config: FaultRiskConfig) -> tuple:
    """Days of the horizon after `as_of` and Prophet's expectation for them (see `forecast_path`)."""
    seen = unit.days <= as_of
    days, x = unit.days[seen], unit.x[seen]
    horizon = as_of + np.arange(1, config.horizon_days + 1)
    future = np.repeat(x[-3:].mean(axis=0, keepdims=True), config.horizon_days, axis=0)
    load = REGRESSORS.index("peak_load_sq")
    week_ago = np.searchsorted(days, horizon - 7)
    found = (week_ago < len(days)) & (days[np.minimum(week_ago, len(days) - 1)] == horizon - 7)
    future[:, load] = np.where(found, x[np.minimum(week_ago, len(days) - 1), load], x[-7:, load].mean())
    return horizon, baseline.expected(horizon, future)


def forecast_path(
    unit: UnitHistory,
    baseline: Baseline,
    as_of: dt.date,
    config: FaultRiskConfig,
    excess_c: float,
    trend_c_per_day: float,
) -> pd.DataFrame:
    """Daily max oil temperature over the `horizon_days` after `as_of`: columns `ds`, `expected_c`, `forecast_c`.

    `expected_c` is Prophet's expectation under persistent weather (the mean of the last 3 days' ambient)
    and last week's load on the same weekday (the mean of the last 7 days where that day is missing);
    `forecast_c` adds the unit's current excess, carried forward at its rate of growth when that is positive
    (a degrading unit keeps heating; a noisy one is not extrapolated below its present level).
    """
    horizon, expected = _horizon(unit, baseline, np.datetime64(as_of, "D"), config)
    carried = excess_c + max(trend_c_per_day, 0.0) * np.arange(1, config.horizon_days + 1)
    return pd.DataFrame(
        {"ds": pd.DatetimeIndex(horizon).as_unit("ns"), "expected_c": expected, "forecast_c": expected + carried}
    )


def measure(
    unit: UnitHistory,
    baseline: Baseline | None,
    as_of: dt.date,
    config: FaultRiskConfig,
    last_fault_day: np.datetime64 | None = None,
) -> dict:
    """How one unit runs at the end of `as_of` against `baseline`: the evidence its risk is made of.

    * `excess_c`: mean residual (actual − expected) of the last `level_days` days: how much hotter than
      load and weather explain the unit runs now;
    * `trend_c_per_day`: least-squares slope of the residuals over the last `trend_days` days (0 with
      fewer than 3 such days);
    * `sigma_c`: the unit's own residual spread (`Baseline.sigma_c`);
    * `predicted_max_oil_temp_c`: the highest `forecast_c` of `forecast_path` over the horizon.

    Only days after the cutoff, and after `last_fault_day` (a repaired unit starts afresh), are read.
    A unit with no fit, or no usable day since `as_of − stale_days`, gets NaNs: not assessed.
    """
    day = np.datetime64(as_of, "D")
    out = dict(excess_c=math.nan, trend_c_per_day=math.nan, sigma_c=math.nan, predicted_max_oil_temp_c=math.nan)
    if baseline is None:
        return out
    floor = baseline.cutoff if last_fault_day is None else max(baseline.cutoff, last_fault_day)
    recent = (unit.days > floor) & (unit.days <= day)
    if not recent.any() or unit.days[recent][-1] < day - config.stale_days:
        return out
    resid = unit.y[recent] - baseline.expected(unit.days[recent], unit.x[recent])
    age = (day - unit.days[recent]).astype(int)
    latest = age < config.level_days
    excess = float(resid[latest].mean()) if latest.any() else float(resid[-1])
    in_trend = age < config.trend_days
    trend = float(np.polyfit(-age[in_trend], resid[in_trend], 1)[0]) if in_trend.sum() >= 3 else 0.0
    _, expected = _horizon(unit, baseline, day, config)
    forecast = expected + excess + max(trend, 0.0) * np.arange(1, config.horizon_days + 1)
    return dict(
        excess_c=excess,
        trend_c_per_day=trend,
        sigma_c=baseline.sigma_c,
        predicted_max_oil_temp_c=round(float(forecast.max()), 1),
    )


def risk(excess_c: np.ndarray, trend_c_per_day: np.ndarray, sigma_c: np.ndarray, config: FaultRiskConfig) -> tuple:
    """Turn the evidence into (z, risk_score, alert); NaN evidence gives NaN risk and no alert.

    z = (excess + `trend_weight` · positive trend · `trend_lead_days`) / sigma: the excess the unit is heading
    for a few days from now, in units of its own day-to-day scatter. risk_score = logistic((z − `z_mid`) /
    `z_width`), so an excess of `z_mid` spreads scores 0.5; `alert` when risk_score ≥ `alert_threshold`.
    """
    ahead = config.trend_weight * np.clip(trend_c_per_day, 0.0, None) * config.trend_lead_days
    z = (excess_c + ahead) / sigma_c
    score = 1.0 / (1.0 + np.exp(-(z - config.z_mid) / config.z_width))
    alert = np.nan_to_num(score, nan=0.0) >= config.alert_threshold
    return z, score, alert
