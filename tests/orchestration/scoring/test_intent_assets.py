"""The interaction_intents asset reads the champion from MLflow and scores only what is new (DuckDB)."""

from __future__ import annotations

import dagster as dg
import mlflow
import pandas as pd

from orchestration.resources import MlflowResource, WarehouseResource
from orchestration.scoring.assets import INTENT_MODEL, interaction_intents
from orchestration.warehouse import Warehouse


class _Keywords(mlflow.pyfunc.PythonModel):
    """Stand-in for the intent classifier: `billing` when the text mentions 电费."""

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        bill = model_input["text"].str.contains("电费")
        return pd.DataFrame({"intent": bill.map({True: "billing", False: "fault_repair"}), "confidence": 0.8})


def _register(uri: str, artifacts: str) -> int:
    from ml.tracking import log_and_register

    return log_and_register(
        uri,
        "intents",
        INTENT_MODEL,
        _Keywords(),
        artifacts={},
        params={},
        metrics={"eval/macro_f1": 0.5},
        data_version="test",
        eval_metric="eval/macro_f1",
        artifact_location=artifacts,
        pip_requirements=["pandas"],
    ).version


def _stage(wh: Warehouse, n: int) -> None:
    wh.replace_table(
        "staging",
        "stg_crm__interactions",
        pd.DataFrame(
            {
                "interaction_id": [f"I{i}" for i in range(n)],
                "customer_id": "C1",
                "channel": "app",
                "interaction_at": pd.Timestamp("2026-10-30 09:00"),
                "message_text": ["电费太高", "停电了", "停电了", "电费", "停电"][:n],
                "agent_intent": ["billing"] + [None] * (n - 1),
            }
        ),
    )


def _materialize(wh_url: str, uri: str) -> dict:
    result = dg.materialize(
        [interaction_intents],
        resources={"warehouse": WarehouseResource(url=wh_url), "mlflow": MlflowResource(tracking_uri=uri)},
    )
    (mat,) = result.asset_materializations_for_node("interaction_intents")
    return {k: v.value for k, v in mat.metadata.items()}


def test_the_asset_scores_new_interactions_and_rescores_for_a_new_champion(tmp_path):
    before = mlflow.get_tracking_uri() if mlflow.is_tracking_uri_set() else None
    uri, artifacts = f"sqlite:///{tmp_path}/mlflow.db", str(tmp_path / "artifacts")
    wh_url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    wh = Warehouse(wh_url)
    try:
        assert _register(uri, artifacts) == 1
        _stage(wh, 3)
        first = _materialize(wh_url, uri)
        assert (first["rows_scored"], first["rows_kept"], first["full_rescore"], first["model_version"]) == (
            3,
            0,
            True,
            1,
        )
        assert first["agreement_with_agents"] == 1.0

        _stage(wh, 5)
        second = _materialize(wh_url, uri)
        assert (second["rows_scored"], second["rows_kept"], second["rows_removed"], second["full_rescore"]) == (
            2,
            3,
            0,
            False,
        )
        assert second["reason"] == "2 new and 0 changed interactions"

        assert _register(uri, artifacts) == 2  # an equal metric promotes
        third = _materialize(wh_url, uri)
        assert (third["rows_scored"], third["rows_kept"], third["full_rescore"]) == (5, 0, True)
        assert third["reason"] == "champion version 2 replaces 1"
        assert wh.query(
            "SELECT interaction_id, predicted_intent, model_version FROM ml.interaction_intents ORDER BY 1"
        ) == [
            ("I0", "billing", 2),
            ("I1", "fault_repair", 2),
            ("I2", "fault_repair", 2),
            ("I3", "billing", 2),
            ("I4", "fault_repair", 2),
        ]
    finally:
        mlflow.set_tracking_uri(before)
