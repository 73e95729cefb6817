"""The dbt project's shape, read from the manifest of the session's `dbt parse` (conftest.py).

Parsing is what `make dbt-manifest` does before the code location loads (orchestration/prepare.py), so
it must need no database: the session parses against a DuckDB file that does not exist and a
PostgreSQL port nobody listens on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dbt.raw_tables import LINEAGE, RAW_TABLES

REPO_ROOT = Path(__file__).resolve().parents[2]

MARTS = {
    "customer_360",
    "customer_tags",
    "dim_customers",
    "fct_service_tickets",
    "daily_service_kpis",
    "dim_workers",
    "fct_daily_consumption",
    "transformer_daily_load",
    "dim_transformers",
    "bill_forecast",
    "fct_ticket_events",
    "fct_ticket_deviations",
    "ticket_process_conformance",
    "customer_contact_timeline",
    "channel_kpis",
    "process_kpis",
    "assistant_kpis",
    "assistant_answers",
    "notification_kpis",
    "notification_opt_outs",
}
# Raw tables that are not landing datasets: the BPMN process steps (orchestration/process/assets.py).
DERIVED_RAW_TABLES = {"raw_bpmn__process_steps"}
# A second staging view of a raw table: every delivered state of the tickets, beside the latest state.
HISTORY_VIEWS = {"crm__service_ticket_deliveries"}
# Tables the platform's own services write, not landed files (no delivery lineage, no freshness): the
# assistant's conversation log and the OMS's outage reports (raw, personal-data zone), and the notices sent.
SERVICE_SOURCES = {
    "assistant": {"raw_assistant__messages"},
    "oms": {"raw_oms__outages"},
    "serving": {"notifications"},
}
MODEL_COUNT = 49
INCREMENTAL = {
    "fct_daily_consumption",
    "transformer_daily_load",
    "int_meter_readings_aggregated_to_months",
    "int_transformer_degree_days_aggregated_to_months",
}


@pytest.fixture(scope="module")
def manifest(parsed_project) -> dict:
    """manifest.json as parsed for the postgres target."""
    return parsed_project("postgres").manifest_json


@pytest.mark.parametrize("engine", ["ducklake", "duckdb", "postgres"])
def test_parse_needs_no_database_and_warns_of_nothing(parsed_project, engine):
    parsed = parsed_project(engine)
    assert [m for m in parsed.messages if not m.startswith("[info]")] == []
    assert len([n for n in parsed.manifest_json["nodes"].values() if n["resource_type"] == "model"]) == MODEL_COUNT
    # The DuckDB target's file and the lake's catalog were never opened, so never created.
    assert list(parsed.workdir.glob("*.duckdb")) == [] and not (parsed.workdir / "lake").exists()


def _models(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def test_layers_folders_names_and_schemas(manifest):
    layers = {"staging": ("stg_", "staging", "view"), "intermediate": ("int_", "intermediate", "table")}
    for name, node in _models(manifest).items():
        layer = node["original_file_path"].split("/")[1]
        if layer == "marts":
            assert node["schema"] == "marts", name
            assert node["config"]["contract"]["enforced"], name
            materialized = "table"
        else:
            prefix, schema, materialized = layers[layer]
            assert name.startswith(prefix) and node["schema"] == schema, name
        assert node["config"]["materialized"] == ("incremental" if name in INCREMENTAL else materialized), name
        if layer == "staging":
            source = node["original_file_path"].split("/")[2]
            assert name.startswith(f"stg_{source}__"), name
    assert {n for n, node in _models(manifest).items() if node["schema"] == "marts"} == MARTS


def test_one_staging_view_per_raw_table(manifest):
    # Schema ml holds the platform's own predictions read back by marts, not landed data.
    raw_sources = [n for n in manifest["sources"].values() if n["source_name"] not in {"ml", *SERVICE_SOURCES}]
    assert {n["name"] for n in raw_sources} == set(RAW_TABLES) | DERIVED_RAW_TABLES
    assert {n["name"] for n in manifest["sources"].values() if n["source_name"] == "ml"} == {
        "consumption_forecast",
        "complaint_risk",
    }
    for source_name, tables in SERVICE_SOURCES.items():
        assert {n["name"] for n in manifest["sources"].values() if n["source_name"] == source_name} == tables
    service_views = {
        f"{source}__{table.removeprefix('raw_').removeprefix(source + '__')}"
        for source, tables in SERVICE_SOURCES.items()
        for table in tables
    }
    staged = {
        n["name"].removeprefix("stg_")
        for n in _models(manifest).values()
        if n["name"].startswith("stg_") and not n["name"].startswith("stg_ml__")
    }
    assert staged == {t.removeprefix("raw_") for t in set(RAW_TABLES) | DERIVED_RAW_TABLES} | HISTORY_VIEWS | (
        service_views
    )
    for source in raw_sources:
        assert source["schema"] == "raw"
        assert source["loaded_at_field"] == "_loaded_at"
        assert source["freshness"]["warn_after"]["count"], source["name"]


def test_every_model_documented_beside_its_sql_with_grain(manifest):
    for name, node in _models(manifest).items():
        assert node["patch_path"].endswith(node["original_file_path"].removesuffix(".sql") + ".yml"), name
        description = node["description"].lower()
        assert "one row per" in description or "exactly one row" in description, name
        assert node["columns"], name
        undocumented = [c for c, col in node["columns"].items() if not col["description"].strip()]
        assert undocumented == [], name


def test_every_project_macro_documented(manifest):
    macros = [m for m in manifest["macros"].values() if m["package_name"] == "gridcare"]
    assert len(macros) >= 15
    assert [m["name"] for m in macros if not m["description"].strip()] == []


def test_unit_tests_pin_tag_and_sla_logic(manifest):
    tested = {u["model"] for u in manifest["unit_tests"].values()}
    assert {
        "customer_tags",
        "int_service_tickets_sla_evaluated",
        "int_service_tickets_aggregated_to_customers",
        "int_meter_readings_aggregated_to_customers",
        "int_tariff_costs_estimated",
    } <= tested


def test_seeds_are_reference_tables_in_staging(manifest):
    seeds = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "seed"}
    assert set(seeds) == {"repair_commitments", "tariffs"}
    assert {s["schema"] for s in seeds.values()} == {"staging"}


def test_raw_tables_match_the_landing_contract():
    """The test copy of the raw schema against orchestration/ingestion/contract.py."""
    from orchestration.ingestion import contract

    as_stored = {"code": "text"}
    expected = {
        dataset.table: tuple((c.name, as_stored.get(c.type, c.type)) for c in dataset.columns)
        for dataset in contract.DATASETS.values()
    }
    # The ingestion adds the unknown-customer flag to readings (docs/landing_contract.md).
    expected["raw_ami__meter_readings"] += (("is_unknown_customer", "boolean"),)
    assert expected == RAW_TABLES
    assert LINEAGE == contract.LINEAGE_COLUMNS


def test_containment_counts_the_kinds_the_assistant_serves_alone(manifest):
    """The marts' containment (contained_answer_kinds) and the assistant's SELF_SERVED are one list."""
    import re

    from assistant.answers import SELF_SERVED

    macro = next(m for m in manifest["macros"].values() if m["name"] == "contained_answer_kinds")
    assert re.findall(r"'(\w+)'", macro["macro_sql"]) == list(SELF_SERVED)
