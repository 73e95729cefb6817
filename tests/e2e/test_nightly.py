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
    settings = dataclasses.replace(SETTINGS, landing_dir=landing_dir, warehouse_url=url)
    result = run_pipeline(settings, instance=dg.DagsterInstance.ephemeral())
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
    _TAGS[engine] = set(wh.query("SELECT customer_id, tag FROM marts.customer_tags"))
    assert "marts.customer_360" in summary(settings)


def test_both_engines_tag_the_same_customers():
    if len(_TAGS) < 2:
        pytest.skip("needs both engine runs of test_nightly_builds_every_mart")
    assert _TAGS["duckdb"] == _TAGS["postgres"]
    assert {tag for _, tag in _TAGS["duckdb"]} >= {"high_consumption", "tou_candidate"}
