"""Register a trained consumption forecaster in MLflow (the forecaster half of `ml.tracking.log_and_register`)."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

import lightning
import mlflow
import numpy as np
import pandas as pd
import torch
from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from ml.consumption.predict import ARTIFACT_KEY, ConsumptionPyfunc
from ml.tracking import Registration, log_and_register

MODEL_NAME = "consumption_forecaster"
EXPERIMENT = "consumption_forecaster"
# Lower is better; every version is scored on the last 30 days of the data it was trained on.
EVAL_METRIC = "eval/mae"


def forecast_figure(evaluation: pd.DataFrame, customers: int = 4) -> Figure:
    """Held-out days of the first customer of each category (up to `customers`): actual, forecast, 80% band."""
    picks = evaluation.drop_duplicates("category")["customer_id"].head(customers).tolist()
    figure, axes = plt.subplots(len(picks), 1, figsize=(8, 2.2 * max(len(picks), 1)), squeeze=False)
    for ax, customer in zip(axes[:, 0], picks):
        rows = evaluation[evaluation["customer_id"] == customer]
        days = pd.to_datetime(rows["reading_date"])
        ax.fill_between(days, rows["kwh_lo"], rows["kwh_hi"], alpha=0.25, label="80% interval")
        ax.plot(days, rows["kwh_pred"], label="LSTM")
        ax.plot(days, rows["kwh_seasonal_naive"], linestyle=":", label="seasonal naive")
        ax.plot(days, rows["kwh_actual"], color="black", marker=".", linewidth=0.8, label="actual")
        ax.set_title(f"{customer} ({rows['category'].iloc[0]})", fontsize=9)
        ax.set_ylabel("kWh")
    axes[0, 0].legend(fontsize=7, ncol=4)
    figure.tight_layout()
    return figure


def register_consumption_model(
    tracking_uri: str,
    metrics: dict[str, float],
    objects: dict[str, Any],
    *,
    data_version: str | None = None,
    model_name: str = MODEL_NAME,
    experiment: str = EXPERIMENT,
    artifact_location: str | None = None,
) -> Registration:
    """Log the output of `ml.consumption.train.train` and register it as a pyfunc, promoting it to
    `champion` when its held-out MAE is at most the current champion's.

    Args:
        tracking_uri: MLflow tracking and registry URI.
        metrics: the metrics returned by `train`.
        objects: the objects returned by `train` (`model`, `evaluation`, `config`, `data_version`).
        data_version: overrides `objects["data_version"]` (e.g. the Dagster run).
        model_name: registered model name.
        experiment: MLflow experiment name.
        artifact_location: artifact root for a newly created experiment.
    """
    params = {k: v for k, v in asdict(objects["config"]).items()}
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = objects["model"].save(Path(tmp) / ARTIFACT_KEY)
        return log_and_register(
            tracking_uri, experiment, model_name, ConsumptionPyfunc(), artifacts={ARTIFACT_KEY: str(model_dir)},
            params=params, metrics=metrics, data_version=data_version or objects["data_version"],
            eval_metric=EVAL_METRIC, greater_is_better=False,
            figures={"holdout_forecasts.png": forecast_figure(objects["evaluation"])},
            pip_requirements=[
                f"torch=={torch.__version__}", f"lightning=={lightning.__version__}",
                f"mlflow=={mlflow.__version__}", f"pandas=={pd.__version__}", f"numpy=={np.__version__}",
            ],
            artifact_location=artifact_location,
        )
