"""The champion promotion rule of ml.tracking, on real intent models and on a model-agnostic stand-in."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest
from mlflow import MlflowClient

from ml.intent.registry import EVAL_METRIC, GUARD_METRICS, MODEL_NAME, register_intent_model
from ml.tracking import TAG_EVAL_VALUE, TAG_GUARD_PREFIX, is_better_or_equal, load_model, log_and_register


def _champion(tracking_uri: str, name: str) -> int:
    return int(MlflowClient(tracking_uri=tracking_uri).get_model_version_by_alias(name, "champion").version)


def test_champion_moves_only_to_an_equal_or_better_model(
    small_run: tuple[dict, dict], tiny_run: tuple[dict, dict], mlflow_store: tuple[str, str]
) -> None:
    tracking_uri, artifact_location = mlflow_store
    good_metrics, good_objects = small_run
    bad_metrics, bad_objects = tiny_run
    assert (EVAL_METRIC, GUARD_METRICS) == ("eval/accuracy", ("oos/recall",))
    assert bad_metrics["eval/accuracy"] < good_metrics["eval/accuracy"]

    first = register_intent_model(tracking_uri, good_metrics, good_objects, artifact_location=artifact_location)
    assert (first.version, first.promoted, first.previous_champion) == (1, True, None)
    assert _champion(tracking_uri, MODEL_NAME) == 1

    worse = register_intent_model(tracking_uri, bad_metrics, bad_objects, artifact_location=artifact_location)
    assert (worse.version, worse.promoted, worse.previous_champion) == (2, False, 1)
    assert _champion(tracking_uri, MODEL_NAME) == 1

    equal = register_intent_model(tracking_uri, good_metrics, good_objects, artifact_location=artifact_location)
    assert (equal.version, equal.promoted, equal.previous_champion) == (3, True, 1)
    assert _champion(tracking_uri, MODEL_NAME) == 3

    client = MlflowClient(tracking_uri=tracking_uri)
    refused = client.get_model_version(MODEL_NAME, "2").tags
    assert float(refused[TAG_EVAL_VALUE]) == bad_metrics["eval/accuracy"]
    assert float(refused[f"{TAG_GUARD_PREFIX}oos/recall"]) == bad_metrics["oos/recall"]
    run = client.get_run(first.run_id)
    assert run.data.metrics["eval/accuracy"] == good_metrics["eval/accuracy"]
    artifacts = {a.path for a in client.list_artifacts(first.run_id)}
    assert {"confusion_matrices.json", "eval_confusion_matrix.png"} <= artifacts


class _Constant(mlflow.pyfunc.PythonModel):
    """Stand-in for a forecaster: predicts a constant, to exercise a lower-is-better metric."""

    def __init__(self, value: float) -> None:
        self.value = value

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        return pd.DataFrame({"yhat": [self.value] * len(model_input)})


def test_lower_is_better_metrics_promote_the_smaller_error(mlflow_store: tuple[str, str]) -> None:
    tracking_uri, artifact_location = mlflow_store
    registrations = [
        log_and_register(
            tracking_uri,
            "forecast",
            "consumption_forecast",
            _Constant(value),
            artifacts={},
            params={"value": value},
            metrics={"eval/mape": mape},
            data_version="2024-06",
            eval_metric="eval/mape",
            greater_is_better=False,
            artifact_location=artifact_location,
            pip_requirements=["pandas"],
        )
        for value, mape in ((1.0, 0.20), (2.0, 0.25), (3.0, 0.10))
    ]
    assert [r.promoted for r in registrations] == [True, False, True]
    champion = load_model(tracking_uri, "consumption_forecast")
    assert champion.predict(pd.DataFrame({"ds": ["2024-07-01"]}))["yhat"].tolist() == [3.0]


def test_a_guard_metric_below_the_champion_refuses_promotion(mlflow_store: tuple[str, str]) -> None:
    tracking_uri, artifact_location = mlflow_store
    # (in-scope accuracy, out-of-scope recall) of successive versions of an intent model.
    scores = [(0.95, 0.80), (0.97, 0.70), (0.95, 0.80), (0.96, 0.85), (0.93, 0.95)]
    registrations = [
        log_and_register(
            tracking_uri,
            "intent",
            "intent_like",
            _Constant(i),
            artifacts={},
            params={},
            metrics={"eval/accuracy": accuracy, "oos/recall": recall},
            data_version=f"v{i}",
            eval_metric="eval/accuracy",
            guard_metrics=["oos/recall"],
            artifact_location=artifact_location,
            pip_requirements=["pandas"],
        )
        for i, (accuracy, recall) in enumerate(scores)
    ]
    # Better accuracy with worse out-of-scope recall is refused, and so is the reverse; ties promote.
    assert [r.promoted for r in registrations] == [True, False, True, True, False]
    assert _champion(tracking_uri, "intent_like") == 4
    with pytest.raises(KeyError, match="oos/recall"):
        log_and_register(
            tracking_uri,
            "intent",
            "intent_like",
            _Constant(9),
            artifacts={},
            params={},
            metrics={"eval/accuracy": 1.0},
            data_version="v9",
            eval_metric="eval/accuracy",
            guard_metrics=["oos/recall"],
            pip_requirements=["pandas"],
        )


@pytest.mark.parametrize(
    ("new", "current", "greater_is_better", "expected"),
    [
        (0.9, None, True, True),
        (0.9, 0.9, True, True),
        (0.89, 0.9, True, False),
        (0.1, 0.2, False, True),
        (0.3, 0.2, False, False),
        (float("nan"), 0.5, True, False),
        (0.5, float("nan"), True, True),
    ],
)
def test_is_better_or_equal(new: float, current: float | None, greater_is_better: bool, expected: bool) -> None:
    assert is_better_or_equal(new, current, greater_is_better) is expected


def test_missing_eval_metric_is_an_error(mlflow_store: tuple[str, str]) -> None:
    with pytest.raises(KeyError, match="eval/mape"):
        log_and_register(
            mlflow_store[0],
            "forecast",
            "m",
            _Constant(0.0),
            artifacts={},
            params={},
            metrics={"eval/rmse": 1.0},
            data_version="x",
            eval_metric="eval/mape",
        )


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_a_new_store_opened_by_parallel_steps_at_once_is_created_once(store, tmp_path, request) -> None:
    """Training steps of one run open a new store at the same moment; each must find it ready, none fail."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    if store == "sqlite":
        uri = f"sqlite:///{tmp_path / 'mlflow' / 'mlflow.db'}"
    else:
        uri = request.getfixturevalue("pg_url").replace("postgresql://", "postgresql+psycopg2://")
    script = (
        "import sys, time; from ml.tracking import ensure_store, tracking\n"
        "start = float(sys.argv[2]); time.sleep(max(0, start - time.time()))\n"
        "ensure_store(sys.argv[1])\n"
        "with tracking(sys.argv[1]) as client: print(len(client.search_experiments()))\n"
    )
    import time

    start = str(time.time() + 4)  # every process past its imports, then all at once
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, uri, start],
            cwd=tmp_path,
            env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err[-2000:] for _, err in outs]
    assert [out.strip().splitlines()[-1] for out, _ in outs] == ["1"] * 4  # the Default experiment, once
