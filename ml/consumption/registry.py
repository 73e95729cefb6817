"""Register a trained consumption forecaster in MLflow: its promotion rule and figure over `ml.tracking.register`."""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure

from ml.consumption.predict import ARTIFACT_KEY, ConsumptionPyfunc
from ml.tracking import Registration, output_signature, register

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
    return register(
        tracking_uri,
        model_name,
        ConsumptionPyfunc(),
        ARTIFACT_KEY,
        metrics,
        objects,
        EVAL_METRIC,
        experiment=experiment,
        data_version=data_version,
        greater_is_better=False,
        figures={"holdout_forecasts.png": forecast_figure(objects["evaluation"])},
        signature=output_signature(
            {
                "customer_id": "string",
                "forecast_date": "datetime",
                "kwh_pred": "double",
                "kwh_lo": "double",
                "kwh_hi": "double",
            }
        ),
        artifact_location=artifact_location,
    )
