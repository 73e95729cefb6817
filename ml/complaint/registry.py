"""Register a trained complaint-risk model in MLflow under `complaint_risk`, promoted on its test lift."""

from __future__ import annotations

import tempfile
from dataclasses import asdict
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from ml.complaint.predict import ARTIFACT_KEY, ComplaintPyfunc
from ml.tracking import Registration, log_and_register

MODEL_NAME = "complaint_risk"
EXPERIMENT = "complaint_risk"
# Greater is better: the supervisor calls the top 5 %, so what counts is how many of them would complain.
EVAL_METRIC = "eval/lift_top5pct"
SKLEARN_STACK = ("scikit-learn", "joblib", "mlflow", "pandas", "numpy")


def register_complaint_model(
    tracking_uri: str,
    metrics: dict[str, float],
    objects: dict[str, Any],
    *,
    data_version: str | None = None,
    model_name: str = MODEL_NAME,
    experiment: str = EXPERIMENT,
    artifact_location: str | None = None,
) -> Registration:
    """Log the output of `ml.complaint.train.train` as a pyfunc and register it, promoting it to `champion`
    when its test lift in the top 5 % is at least the champion's (`ml.tracking` promotion rule)."""
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = objects["model"].save(Path(tmp) / ARTIFACT_KEY)
        return log_and_register(
            tracking_uri, experiment, model_name, ComplaintPyfunc(), {ARTIFACT_KEY: str(model_dir)},
            asdict(objects["config"]), {k: float(v) for k, v in metrics.items()},
            data_version or objects["data_version"], EVAL_METRIC,
            json_artifacts={"split.json": objects["split"]},
            pip_requirements=[f"{name}=={installed_version(name)}" for name in SKLEARN_STACK],
            artifact_location=artifact_location,
        )
