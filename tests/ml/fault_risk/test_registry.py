"""Registering the trained fault-risk model: the run's figures, parameters and the F1 promotion rule."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from mlflow import MlflowClient

from ml.fault_risk.registry import EVAL_METRIC, MODEL_NAME, register_fault_risk_model
from ml.tracking import load_model

AS_OF = dt.date(2026, 8, 9)


def test_registers_promotes_on_f1_and_serves_the_scores(trained, fleet, mlflow_store, capfd, recwarn):
    uri, artifacts = mlflow_store
    metrics, objects = trained

    first = register_fault_risk_model(uri, metrics, objects, data_version="fleet-1", artifact_location=artifacts)
    worse = register_fault_risk_model(
        uri, {**metrics, "f1": metrics["f1"] - 0.1}, objects, data_version="fleet-2", artifact_location=artifacts
    )

    # Logging prints none of MLflow's advice the platform's user cannot act on (pickling, input example).
    logged = capfd.readouterr().err
    assert "CloudPickle" not in logged and not [w for w in recwarn if "input example" in str(w.message)]
    assert (MODEL_NAME, EVAL_METRIC) == ("transformer_fault_risk", "f1")
    assert (first.version, first.promoted, worse.version, worse.promoted) == (1, True, 2, False)
    client = MlflowClient(tracking_uri=uri)
    assert int(client.get_model_version_by_alias(MODEL_NAME, "champion").version) == 1
    run = client.get_run(first.run_id)
    assert run.data.metrics["f1"] == first.eval_value == metrics["f1"]
    assert run.data.metrics["recall"] == 1.0
    # Flags are not metrics; the config's scalars are the run's parameters, its tuples are not.
    assert "n_fits" in run.data.metrics and "caught" not in run.data.metrics
    assert (run.data.params["z_mid"], run.data.params["backtest_step_days"]) == ("4.5", "1")
    assert "alert_window_days" not in run.data.params
    assert "backtest.png" in {a.path for a in client.list_artifacts(first.run_id)}

    # What the `transformer_fault_risk` asset loads: the champion scores exactly as `score` does.
    telemetry = fleet[0]
    scores = load_model(uri, MODEL_NAME).predict(telemetry.assign(as_of=AS_OF.isoformat()))
    expected = objects["model"].predict(None, telemetry.assign(as_of=AS_OF.isoformat()))
    pd.testing.assert_frame_equal(scores, expected)
    # The logged signature declares `as_of` as a parameter, so a caller may pass the day that way too.
    by_param = load_model(uri, MODEL_NAME).predict(telemetry, params={"as_of": AS_OF.isoformat()})
    pd.testing.assert_frame_equal(by_param, expected)
