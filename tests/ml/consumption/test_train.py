"""The forecaster on the project's own generated data: it beats the seasonal-naive baseline on held-out days,
its scoring contract holds, and registration promotes only a model at least as good as the champion."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ml.consumption.predict import OUTPUT_COLUMNS
from ml.consumption.registry import MODEL_NAME, register_consumption_model
from ml.tracking import champion_version, load_model, tracking


def test_lstm_beats_the_seasonal_naive_baseline_on_held_out_days(small_run):
    metrics, objects = small_run
    assert metrics["data/holdout_days"] == 30
    assert metrics["data/n_eval_customers"] >= 290
    # Same customers, same 30 held-out days, same history.
    assert metrics["eval/mae"] < metrics["baseline/seasonal_naive/eval/mae"]
    assert metrics["eval/mape"] < metrics["baseline/seasonal_naive/eval/mape"]
    assert 0.5 <= metrics["eval/coverage"] <= 1.0
    evaluation = objects["evaluation"]
    assert len(evaluation) == metrics["data/n_eval_customers"] * 30
    assert (evaluation["kwh_lo"] <= evaluation["kwh_pred"]).all() and (evaluation["kwh_pred"] <= evaluation["kwh_hi"]).all()


def _history(utility, as_of: dt.date, days: int) -> pd.DataFrame:
    readings, customers, temperature = utility
    dates = pd.to_datetime(readings["reading_date"]).dt.date
    recent = readings[(dates > as_of - dt.timedelta(days=days)) & (dates <= as_of)]
    temperature = temperature.assign(reading_date=pd.to_datetime(temperature["reading_date"]).dt.date)
    return (recent.assign(reading_date=pd.to_datetime(recent["reading_date"]).dt.date)
            .merge(customers, on="customer_id").merge(temperature, on="reading_date", how="left")
            .assign(as_of=as_of.isoformat()))


def test_registered_pyfunc_forecasts_30_days_for_every_customer_with_history(small_run, utility, mlflow_store):
    uri, artifacts = mlflow_store
    metrics, objects = small_run
    reg = register_consumption_model(uri, metrics, objects, artifact_location=artifacts)
    assert (reg.version, reg.promoted) == (1, True)
    as_of = dt.date(2026, 10, 31)
    history = _history(utility, as_of, 14)
    # A customer whose only reading is older than the input window gets no forecast.
    stale = history.iloc[[0]].assign(customer_id="STALE", reading_date=as_of - dt.timedelta(days=20))
    out = load_model(uri, MODEL_NAME).predict(pd.concat([history, stale], ignore_index=True))
    assert list(out.columns) == OUTPUT_COLUMNS
    assert set(out["customer_id"]) == set(history["customer_id"])
    assert (out.groupby("customer_id").size() == 30).all()
    assert sorted(set(out["forecast_date"])) == [as_of + dt.timedelta(days=i) for i in range(1, 31)]
    assert (out["kwh_lo"] >= 0).all()
    assert ((out["kwh_lo"] <= out["kwh_pred"]) & (out["kwh_pred"] <= out["kwh_hi"])).all()
    # The forecast follows the customer's level: a 30-day total within a factor 2 of 30 x the recent mean.
    recent = history.groupby("customer_id")["kwh_total"].mean() * 30
    ratio = (out.groupby("customer_id")["kwh_pred"].sum() / recent).replace([np.inf], np.nan).dropna()
    assert ratio.between(0.5, 2.0).mean() >= 0.95


def test_promotion_only_when_at_least_as_good(small_run, untrained_run, mlflow_store):
    uri, artifacts = mlflow_store
    assert untrained_run[0]["eval/mae"] > small_run[0]["eval/mae"]
    first = register_consumption_model(uri, *small_run, artifact_location=artifacts)
    worse = register_consumption_model(uri, *untrained_run, artifact_location=artifacts)
    again = register_consumption_model(uri, *small_run, artifact_location=artifacts)
    assert (first.promoted, worse.promoted, again.promoted) == (True, False, True)
    with tracking(uri) as client:
        assert int(champion_version(client, MODEL_NAME).version) == again.version == 3
