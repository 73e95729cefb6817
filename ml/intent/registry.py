"""Register a trained intent classifier in MLflow: its figures and input example over `ml.tracking.register`."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ml.intent.evaluate import confusion_figure
from ml.intent.predict import ARTIFACT_KEY, IntentPyfunc
from ml.tracking import Registration, register

MODEL_NAME = "intent_classifier"
EXPERIMENT = "intent_classifier"
# Promotion: at least the champion's in-scope accuracy on eval_independent (an in-scope message taken for
# out_of_scope counts as wrong, so the guard below cannot be bought by flagging everything) and at least its
# out-of-scope recall on eval_out_of_scope.
EVAL_METRIC = "eval/accuracy"
GUARD_METRICS = ("oos/recall",)
# Shown in the MLflow UI and used by MLflow to record the input/output signature.
INPUT_EXAMPLE = pd.DataFrame({"text": ["停电了，什么时候来电", "我家电表冒烟了", "怎么交电费", "营业厅几点下班"]})


def register_intent_model(
    tracking_uri: str,
    metrics: dict[str, Any],
    objects: dict[str, Any],
    *,
    data_version: str | None = None,
    model_name: str = MODEL_NAME,
    experiment: str = EXPERIMENT,
    eval_metric: str = EVAL_METRIC,
    artifact_location: str | None = None,
    guard_metrics: tuple[str, ...] = GUARD_METRICS,
) -> Registration:
    """Log the output of `ml.intent.train.train` to MLflow and register it, promoting it to `champion` if it
    scores at least as well as the current champion on `eval_metric` (in-scope accuracy on
    eval_independent.jsonl) and on each of `guard_metrics` (out-of-scope recall on eval_out_of_scope.jsonl).

    Args:
        tracking_uri: MLflow tracking and registry URI.
        metrics: the metrics returned by `train`; numeric ones are logged, confusion matrices become a JSON
            artifact and PNG heat maps.
        objects: the objects returned by `train` (`model`, `labels`, `config`, `data_version`).
        data_version: overrides `objects["data_version"]` (e.g. the Dagster partition or run id).
        model_name: registered model name.
        experiment: MLflow experiment name.
        eval_metric: promotion metric, a key of `metrics`.
        artifact_location: artifact root for a newly created experiment.
        guard_metrics: further keys of `metrics` that must not fall below the champion's.

    Returns:
        The Registration (run id, version, promoted flag).
    """
    labels = list(objects["labels"])
    matrices = {k: v for k, v in metrics.items() if k.endswith("confusion_matrix")}
    figures = {
        f"{key.replace('/', '_')}.png": confusion_figure(matrix, labels, title=key)
        for key, matrix in matrices.items()
        if key.startswith(("eval/", "baseline/eval/"))
    }
    return register(
        tracking_uri,
        model_name,
        IntentPyfunc(),
        ARTIFACT_KEY,
        metrics,
        objects,
        eval_metric,
        experiment=experiment,
        data_version=data_version,
        figures=figures,
        json_artifacts={"confusion_matrices.json": {"labels": labels, **matrices}},
        input_example=INPUT_EXAMPLE,
        artifact_location=artifact_location,
        guard_metrics=guard_metrics,
    )
