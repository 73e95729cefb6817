"""Register a trained complaint-risk model in MLflow under `complaint_risk`, promoted on its test lift."""

from __future__ import annotations

from typing import Any

from ml.complaint.predict import ARTIFACT_KEY, ComplaintPyfunc
from ml.tracking import Registration, output_signature, register

MODEL_NAME = "complaint_risk"
# Greater is better: the supervisor calls the top 5 %, so what counts is how many of them would complain.
EVAL_METRIC = "eval/lift_top5pct"
SKLEARN_STACK = ("scikit-learn", "joblib", "mlflow", "pandas", "numpy")


def register_complaint_model(
    tracking_uri: str, metrics: dict[str, float], objects: dict[str, Any], **options: Any
) -> Registration:
    """Log the output of `ml.complaint.train.train` as a pyfunc and register it, promoting it to `champion`
    when its test lift in the top 5 % is at least the champion's (`ml.tracking` promotion rule).

    `options` are those of `ml.tracking.register` (`data_version`, `model_name`, `artifact_location`, …).
    """
    options.setdefault("model_name", MODEL_NAME)
    return register(
        tracking_uri,
        options.pop("model_name"),
        ComplaintPyfunc(),
        ARTIFACT_KEY,
        metrics,
        objects,
        EVAL_METRIC,
        json_artifacts={"split.json": objects["split"]},
        requirements=SKLEARN_STACK,
        signature=output_signature({"customer_id": "string", "risk": "double", "reasons_zh": "string"}),
        **options,
    )
