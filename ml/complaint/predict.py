"""The fitted complaint-risk model, the reasons behind each score in Chinese, and its MLflow pyfunc.

The pyfunc's input is one row per customer: `customer_id` and the columns of `ml.complaint.features.FEATURES`
as of the scoring day; its output `customer_id`, `risk` (probability of a complaint in the next 30 days) and
`reasons_zh` (up to three reasons, "；"-separated, strongest first; empty when nothing stands out).
"""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import mlflow.pyfunc
import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ml.complaint.features import FEATURES, REASONS_ZH

MODEL_FILE, META_FILE = "model.joblib", "meta.json"
ARTIFACT_KEY = "complaint_model"
OUTPUT_COLUMNS = ["customer_id", "risk", "reasons_zh"]
TOP_REASONS = 3
# A feature is a reason only when it adds at least this much to the log-odds (about +10% on the odds).
MIN_REASON_LOGIT = 0.1


class ComplaintModel:
    """A fitted pipeline (standard scaling, then logistic regression) over FEATURES, with its reasons."""

    def __init__(self, pipeline: Pipeline, features: tuple[str, ...] = FEATURES) -> None:
        """Wrap a fitted `Pipeline([("scale", StandardScaler), ("model", LogisticRegression)])`."""
        self.pipeline = pipeline
        self.features = tuple(features)

    def risk(self, rows: pd.DataFrame) -> np.ndarray:
        """Probability of a complaint within 30 days, per row of `rows` (which holds the feature columns)."""
        return self.pipeline.predict_proba(self._matrix(rows))[:, 1]

    def _matrix(self, rows: pd.DataFrame) -> np.ndarray:
        missing = set(self.features) - set(rows.columns)
        if missing:
            raise ValueError(f"complaint_risk input lacks feature columns {sorted(missing)}")
        return rows[list(self.features)].to_numpy(dtype=float)

    def contributions(self, rows: pd.DataFrame) -> np.ndarray:
        """Each feature's share of each row's log-odds against the average customer (n, features): the
        coefficient times the standardised value, exact for a logistic regression."""
        scaler, model = self.pipeline.named_steps["scale"], self.pipeline.named_steps["model"]
        if not hasattr(model, "coef_"):  # the base-rate model of a history without complaints: no reasons
            return np.zeros((len(rows), len(self.features)))
        return scaler.transform(self._matrix(rows)) * model.coef_[0][None, :]

    def reasons(self, rows: pd.DataFrame) -> list[str]:
        """Up to TOP_REASONS reasons per row in Chinese, strongest first, "；"-separated."""
        contrib = self.contributions(rows)
        order = np.argsort(-contrib, axis=1)[:, :TOP_REASONS]
        out = []
        for i, picks in enumerate(order):
            out.append("；".join(REASONS_ZH[self.features[j]] for j in picks if contrib[i, j] >= MIN_REASON_LOGIT))
        return out

    def score(self, rows: pd.DataFrame) -> pd.DataFrame:
        """`customer_id`, `risk`, `reasons_zh` for every row of `rows`."""
        return pd.DataFrame(
            {
                "customer_id": rows["customer_id"].astype(str).to_numpy(),
                "risk": self.risk(rows),
                "reasons_zh": self.reasons(rows),
            }
        )

    def save(self, directory: str | Path) -> Path:
        """Write the pipeline and its feature order to `directory` (created if missing)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        joblib.dump(self.pipeline, directory / MODEL_FILE)
        (directory / META_FILE).write_text(json.dumps({"features": list(self.features)}), encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> ComplaintModel:
        """Read a model written by `save` (a pickle: load only what this platform registered)."""
        directory = Path(directory)
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        return cls(joblib.load(directory / MODEL_FILE), tuple(meta["features"]))


class ComplaintPyfunc(mlflow.pyfunc.PythonModel):
    """MLflow wrapper: `predict(features frame)` -> `customer_id, risk, reasons_zh`."""

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        """Load the model from the logged artifact."""
        self.model = ComplaintModel.load(context.artifacts[ARTIFACT_KEY])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        """Score every row of `model_input`."""
        return self.model.score(model_input)
