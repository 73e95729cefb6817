"""A stand-in for `intent_classifier`: an MLflow pyfunc with the real model's output columns, whose predictions
are fixed by keyword rules, so the assistant's routing can be tested with exact outcomes.

It is registered in a real MLflow store under the real name and alias, so the service loads it the way it
loads the trained champion; a second registration with other rules plays a newly promoted champion.
"""

from __future__ import annotations

import mlflow
import pandas as pd
from mlflow import MlflowClient

# keyword -> (intent, confidence, out_of_scope, action); the first keyword found in the text decides.
RULES: tuple[tuple[str, tuple[str, float, float, str]], ...] = (
    ("天气", ("praise_suggestion", 0.05, 0.9, "handoff")),
    ("好像", ("outage_inquiry", 0.55, 0.05, "clarify")),
    ("什么时候来电", ("outage_inquiry", 0.91, 0.01, "answer")),
    ("停电", ("fault_repair", 0.93, 0.01, "answer")),
    ("没电", ("fault_repair", 0.92, 0.01, "answer")),
    ("投诉", ("complaint", 0.9, 0.01, "answer")),
    ("电费", ("bill_inquiry", 0.95, 0.01, "answer")),
    ("峰谷", ("tariff_policy", 0.94, 0.01, "answer")),
    ("过户", ("service_application", 0.9, 0.02, "answer")),
)
UNSURE = ("bill_inquiry", 0.31, 0.1, "clarify")


class KeywordIntentModel(mlflow.pyfunc.PythonModel):
    """`predict(DataFrame(text))` -> intent, confidence, out_of_scope, outcome, action by `rules`."""

    def __init__(self, rules=RULES, unsure=UNSURE):
        self.rules, self.unsure = tuple(rules), unsure

    def predict(self, context, model_input: pd.DataFrame, params=None) -> pd.DataFrame:
        rows = self.predict_rows(model_input["text"])
        return pd.DataFrame(rows, columns=["intent", "confidence", "out_of_scope", "outcome", "action"])

    def predict_rows(self, texts) -> list[tuple]:
        """`predict` as tuples, as the real pyfunc offers it (the assistant's path)."""
        rows = []
        for text in texts:
            intent, confidence, oos, action = next((r for k, r in self.rules if k in str(text)), self.unsure)
            outcome = "out_of_scope" if action == "handoff" else intent
            rows.append((intent, confidence, oos, outcome, action))
        return rows


def register_champion(tracking_uri: str, model: KeywordIntentModel, name: str = "intent_classifier") -> str:
    """Log `model`, register it as a new version of `name` and point the `champion` alias at it."""
    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    mlflow.set_tracking_uri(tracking_uri)
    with mlflow.start_run():
        info = mlflow.pyfunc.log_model(name="model", python_model=model, pip_requirements=[])
    if not client.search_registered_models(filter_string=f"name = '{name}'"):
        client.create_registered_model(name)
    version = str(client.create_model_version(name, source=info.model_uri, model_id=info.model_id).version)
    client.set_registered_model_alias(name, "champion", version)
    return version
