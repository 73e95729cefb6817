"""Register a trained fault-risk model in MLflow as `transformer_fault_risk`, promoted on the backtest's F1.

The model holds no fitted weights (Prophet is refitted per transformer from the telemetry it scores), so
there is no directory to log: `ml.tracking.log_and_register` logs the pyfunc with its configuration as the
run's parameters, the backtest's metrics and the backtest figure.
"""

from __future__ import annotations

import numbers
from dataclasses import asdict
from typing import Any

from ml.fault_risk.predict import model_signature
from ml.tracking import Registration, log_and_register

MODEL_NAME = "transformer_fault_risk"
EXPERIMENT = "transformer_fault_risk"
# F1 of the backtest's alerts (`ml.fault_risk.evaluate.f1`): precision alone rewards alerting only on sure
# cases, recall alone rewards alerting on every unit; a crew dispatched for nothing and a fault missed both count.
EVAL_METRIC = "f1"


def register_fault_risk_model(
    tracking_uri: str,
    metrics: dict[str, Any],
    objects: dict[str, Any],
    *,
    data_version: str,
    model_name: str = MODEL_NAME,
    experiment: str = EXPERIMENT,
    artifact_location: str | None = None,
) -> Registration:
    """Log the output of `ml.fault_risk.train.train` and register it, promoting it to `champion` when its
    backtest F1 is at least the current champion's.

    Args:
        tracking_uri: MLflow tracking and registry URI.
        metrics: the metrics returned by `train`; the numeric ones are logged (flags such as booleans are not).
        objects: the objects returned by `train` (`model`, `config`, `figure`).
        data_version: what the model was backtested on (e.g. the Dagster run).
        model_name: registered model name.
        experiment: MLflow experiment name.
        artifact_location: artifact root for a newly created experiment.

    Returns:
        The Registration (run id, version, promoted flag).
    """
    numeric = {k: float(v) for k, v in metrics.items() if isinstance(v, numbers.Real) and not isinstance(v, bool)}
    # Tuples (the alert window, the predictable fault types) are not MLflow parameters; they live in the code.
    params = {k: v for k, v in asdict(objects["config"]).items() if isinstance(v, int | float | str | bool)}
    figure = objects.get("figure")
    return log_and_register(
        tracking_uri,
        experiment,
        model_name,
        objects["model"],
        artifacts={},
        params=params,
        metrics=numeric,
        data_version=data_version,
        eval_metric=EVAL_METRIC,
        figures={"backtest.png": figure} if figure is not None else None,
        # Declares the `as_of` parameter: MLflow drops parameters a signature does not name.
        signature=model_signature(),
        artifact_location=artifact_location,
    )
