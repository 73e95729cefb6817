"""The whole nightly job (ingestion → dbt) through Dagster on a generated utility, on both engines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import dagster as dg
import pytest

from orchestration.cli import run_pipeline, summary
from orchestration.lib.synthetic import generate
from orchestration.lib.warehouse import Warehouse
from orchestration.resources import SETTINGS

CUSTOMERS, DAYS, END = 300, 40, dt.date(2026, 10, 31)
_TAGS = {}


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("landing")
    generate(out, CUSTOMERS, DAYS, 11, END, progress=lambda *_: None)
    return out, json.loads((out / "_manifest.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_nightly_builds_every_mart(engine, landing, request, tmp_path):
    landing_dir, manifest = landing
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}" if engine == "duckdb" else request.getfixturevalue("pg_url")
    settings = dataclasses.replace(
        SETTINGS, landing_dir=landing_dir, warehouse_url=url, mlflow_tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}"
    )
    # Models train once, on the embedded default; PostgreSQL builds the warehouse (ml tables are written through
    # Warehouse.replace_table, tested on both engines in tests/orchestration/lib).
    job = "nightly" if engine == "duckdb" else "build_warehouse"
    result = run_pipeline(settings, job_name=job, instance=dg.DagsterInstance.ephemeral(), quick_training=True)
    assert result.success
    wh = Warehouse(url)
    customers = manifest["summary"]["rows"]["customers"]
    assert wh.query("SELECT count(*) FROM marts.customer_360") == [(customers,)]
    assert wh.query("SELECT count(*) FROM marts.fct_service_tickets") == wh.query(
        "SELECT count(DISTINCT ticket_id) FROM raw.raw_crm__service_tickets"
    )
    assert wh.query("SELECT max(reading_date)::VARCHAR FROM marts.fct_daily_consumption") == [(END.isoformat(),)]
    # dbt tests ran as asset checks, and all passed.
    checks = result.get_asset_check_evaluations()
    assert len(checks) > 50 and [c.asset_check_key for c in checks if not c.passed] == []
    # The design's example query is one line on the mart.
    rows = wh.query("SELECT customer_id, avg_daily_kwh, service_types_used FROM marts.customer_360")
    assert len(rows) == customers
    if engine == "duckdb":
        _assert_models_scored(wh, manifest, settings)
    _TAGS[engine] = set(wh.query("SELECT customer_id, tag FROM marts.customer_tags"))
    assert "marts.customer_360" in summary(settings)


def _assert_models_scored(wh, manifest, settings):
    """A fresh MLflow store: the run trained, registered and scored with both models."""
    import pandas as pd

    from ml.tracking import load_model

    assert wh.query("SELECT count(*) FROM ml.interaction_intents") == wh.query(
        "SELECT count(*) FROM raw.raw_crm__interactions")
    assert wh.query("SELECT count(*) FROM ml.transformer_fault_risk") == [(manifest["summary"]["transformers"],)]
    assert wh.query("SELECT count(*) FROM ml.interaction_intents WHERE confidence <= 0 OR confidence > 1") == [(0,)]
    model = load_model(settings.mlflow_tracking_uri, "intent_classifier")
    out = model.predict(pd.DataFrame({"text": ["家里停电了，邻居家有电", "这个月电费怎么这么高"]}))
    assert list(out.columns) == ["intent", "confidence"] and len(out) == 2


def test_both_engines_tag_the_same_customers():
    if len(_TAGS) < 2:
        pytest.skip("needs both engine runs of test_nightly_builds_every_mart")
    assert _TAGS["duckdb"] == _TAGS["postgres"]
    assert {tag for _, tag in _TAGS["duckdb"]} >= {"high_consumption", "tou_candidate"}
