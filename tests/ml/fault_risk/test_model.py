"""The per-unit model pieces: the weekly refit calendar and the shortcut past Prophet's predict."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ml.fault_risk.config import FaultRiskConfig
from ml.fault_risk.model import REGRESSORS, quiet_stan_logging, training_cutoff, trend_and_seasonality


def test_training_cutoff_holds_out_a_week_and_is_shared_by_the_days_of_a_week():
    config = FaultRiskConfig()
    cutoffs = [training_cutoff(dt.date(2026, 8, d), config) for d in range(9, 17)]
    # Ordinals divisible by 7 are Sundays: scoring days Sun 08-09 .. Sat 08-15 share the fit up to Sun 08-02.
    assert [str(c) for c in cutoffs] == ["2026-08-02"] * 7 + ["2026-08-09"]
    assert all(dt.date(2026, 8, d) - c.astype(dt.date) >= dt.timedelta(days=7) for d, c in zip(range(9, 17), cutoffs))


def test_trend_and_seasonality_equals_prophet_predict_with_regressors_at_their_centres():
    quiet_stan_logging()
    from prophet import Prophet

    rng = np.random.default_rng(0)
    n = 60
    days = np.arange(n)
    train = pd.DataFrame(
        {"ds": pd.date_range("2026-05-01", periods=n), "y": 40 + 0.1 * days + 2 * np.sin(days * 2 * np.pi / 7)}
    )
    for r in REGRESSORS:
        train[r] = rng.normal(size=n)
    model = Prophet(weekly_seasonality=True, yearly_seasonality=False, daily_seasonality=False, uncertainty_samples=0)
    for r in REGRESSORS:
        model.add_regressor(r)
    model.fit(train, seed=1)
    grid = pd.DataFrame({"ds": pd.date_range("2026-05-01", periods=n + 20)})  # 20 days past the history
    for r in REGRESSORS:
        grid[r] = model.extra_regressors[r]["mu"]
    ours = trend_and_seasonality(model, grid["ds"].to_numpy().astype("datetime64[D]"))
    np.testing.assert_allclose(ours, model.predict(grid)["yhat"].to_numpy(), rtol=0, atol=1e-9)
