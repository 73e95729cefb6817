"""`FaultRiskModel`: the fault-risk scorer as an MLflow pyfunc, logged as `transformer_fault_risk`.

The model holds no fitted weights: Prophet is refitted per transformer from the telemetry it is given (the
history is the model's input), so what MLflow versions is the configuration, and with it the behaviour.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import mlflow.pyfunc
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.types.schema import ColSpec, ParamSchema, ParamSpec, Schema

from ml.fault_risk.config import FaultRiskConfig
from ml.fault_risk.score import score


def model_signature() -> ModelSignature:
    """The signature to log the model with: telemetry rows in (with an optional `as_of` column), the score
    frame out, and an `as_of` parameter (ISO date; empty means "take it from the column").

    MLflow drops parameters a signature does not declare, so a model logged without it cannot take `as_of`
    as a parameter.
    """
    inputs = Schema(
        [
            ColSpec("string", "transformer_id"),
            ColSpec("datetime", "ts"),
            ColSpec("double", "oil_temp_c"),
            ColSpec("double", "load_pct"),
            ColSpec("double", "voltage_v"),
            ColSpec("double", "ambient_temp_c"),
            ColSpec("string", "as_of", required=False),
        ]
    )
    outputs = Schema(
        [
            ColSpec("string", "transformer_id"),
            ColSpec("string", "scored_on"),
            ColSpec("long", "horizon_days"),
            ColSpec("double", "risk_score"),
            ColSpec("boolean", "alert"),
            ColSpec("double", "predicted_max_oil_temp_c"),
        ]
    )
    return ModelSignature(inputs=inputs, outputs=outputs, params=ParamSchema([ParamSpec("as_of", "string", "")]))


class FaultRiskModel(mlflow.pyfunc.PythonModel):
    """Score transformers with `ml.fault_risk.score.score` under a fixed `FaultRiskConfig`."""

    def __init__(self, config: FaultRiskConfig | None = None):
        self.config = config or FaultRiskConfig()

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Score the transformers in `model_input` (hourly telemetry rows) as of one day.

        Log it with `model_signature()`. The scoring day is `params["as_of"]` (a date or ISO string) or
        else the single value of an `as_of` column in `model_input`. Returns the frame `score` returns, one
        row per transformer. Recorded faults cannot travel in a pyfunc input, so this is `score` without `faults`.
        """
        as_of = (params or {}).get("as_of") or None
        if as_of is None:
            if "as_of" not in model_input.columns:
                raise ValueError("give the scoring day as params={'as_of': ...} or an as_of column")
            days = pd.to_datetime(model_input["as_of"]).dt.date.unique()
            if len(days) != 1:
                raise ValueError(f"model_input must hold one as_of day, got {sorted(days)}")
            as_of = days[0]
        if isinstance(as_of, dt.datetime):
            as_of = as_of.date()
        elif not isinstance(as_of, dt.date):
            as_of = pd.Timestamp(as_of).date()
        return score(self.config, model_input.drop(columns=["as_of"], errors="ignore"), as_of)
