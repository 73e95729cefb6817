"""The code location loads, and the house rules that keep it navigable hold."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import dagster as dg
import pytest

from orchestration.ingestion.contract import DATASETS
from orchestration.warehouse import parse_warehouse_url

ROOT = Path(__file__).resolve().parents[2]


def test_definitions_load_with_every_raw_table_and_mart():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    raw = {ds.table for ds in DATASETS.values()}
    assert raw == {
        "raw_cis__customers",
        "raw_scada__transformers",
        "raw_crm__workers",
        "raw_scada__equipment_faults",
        "raw_crm__notification_preferences",
        "raw_ami__meter_readings",
        "raw_crm__service_tickets",
        "raw_crm__interactions",
        "raw_scada__transformer_telemetry",
    }
    assert raw <= keys
    # dbt sources resolve to the ingestion assets: staging reads exactly its raw table.
    assert graph.get(dg.AssetKey("stg_ami__meter_readings")).parent_keys == {dg.AssetKey("raw_ami__meter_readings")}
    assert {"nightly", "ingestion"} <= {j.name for j in defs.resolve_all_job_defs()}


def test_every_dbt_test_is_an_asset_check():
    """Singular dbt tests reading several models are checks of one asset, and no dbt test sits on a source:
    dagster-dbt logs such tests as observations, with a warning each, since it cannot attach them."""
    from orchestration.definitions import defs

    checks = {(k.asset_key.to_user_string(), k.name) for k in defs.resolve_asset_graph().asset_check_keys}
    assert {
        ("stg_cis__customers", "unique_stg_cis__customers_customer_id"),
        ("customer_360", "assert_customer_360_flags_match_customer_tags"),
        ("customer_360", "assert_marts_hold_no_clear_personal_data"),
        ("daily_service_kpis", "assert_daily_service_kpis_count_every_ticket"),
        ("fct_daily_consumption", "assert_fct_daily_consumption_matches_staging"),
    } <= checks
    from orchestration.warehouse.assets import DBT_MANIFEST

    manifest = json.loads(Path(DBT_MANIFEST).read_text())
    on_sources = [
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "test" and any(d.startswith("source.") for d in node["depends_on"]["nodes"])
    ]
    assert on_sources == []


def test_every_asset_has_a_description():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    missing = [
        k.to_user_string()
        for k in graph.get_all_asset_keys()
        if graph.get(k).is_materializable and not (graph.get(k).description or "").strip()
    ]
    assert missing == []


def _python_files(*folders: str):
    for folder in folders:
        yield from (ROOT / folder).rglob("*.py")


def _imported_roots(path: Path) -> list[tuple[int, str]]:
    """(line, top-level package) of every import in a module."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name.split(".")[0]) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.lineno, node.module.split(".")[0]))
    return out


def test_environment_is_read_in_resources_only():
    offenders = []
    for path in _python_files("orchestration", "ml", "domain", "datagen", "assistant"):
        if (path.name, path.parent.name) in (("resources.py", "orchestration"), ("settings.py", "assistant")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("environ", "getenv")
                and getattr(node.value, "id", "") == "os"
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


# Imports flow one way: domain <- ml, datagen <- orchestration. What each package may not import:
FORBIDDEN_IMPORTS = {
    "domain": {"dagster", "dagster_dbt", "orchestration", "ml", "datagen", "pandas", "polars", "duckdb", "torch"},
    "ml": {"dagster", "dagster_dbt", "orchestration", "datagen"},
    "datagen": {"dagster", "dagster_dbt", "ml"},
}
# The modules of the code location that define Dagster objects; every other module is plain code.
DAGSTER_MODULES = {"definitions.py", "resources.py", "jobs.py", "schedules.py", "partitions.py", "cli.py", "assets.py"}


@pytest.mark.parametrize("package", sorted(FORBIDDEN_IMPORTS))
def test_imports_flow_one_way(package):
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {root}"
        for path in _python_files(package)
        for line, root in _imported_roots(path)
        if root in FORBIDDEN_IMPORTS[package]
    ]
    assert offenders == []


def test_each_domain_keeps_dagster_in_its_assets_module():
    """A domain's plain code (ingestion/validate.py, serving/outbox.py, …) is testable without Dagster."""
    plain = [p for p in _python_files("orchestration") if p.name not in DAGSTER_MODULES and p.name != "__main__.py"]
    assert len(plain) >= 20
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in plain
        for line, root in _imported_roots(path)
        if root in ("dagster", "dagster_dbt")
    ]
    assert offenders == []


def test_warehouse_url_conventions(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rel = parse_warehouse_url("duckdb:///data/warehouse.duckdb")
    assert (rel.engine, rel.path) == ("duckdb", tmp_path / "data" / "warehouse.duckdb")
    assert parse_warehouse_url("duckdb:////srv/wh.duckdb").path == Path("/srv/wh.duckdb")
    pg = parse_warehouse_url("postgresql://etl:s%40cret@db.local:6543/gridcare")
    assert (pg.engine, pg.host, pg.port, pg.user, pg.password, pg.dbname) == (
        "postgres",
        "db.local",
        6543,
        "etl",
        "s@cret",
        "gridcare",
    )
    assert pg.redacted() == "postgresql://etl@db.local:6543/gridcare"
    assert pg.dbt_env()["GRIDCARE_PG_PASSWORD"] == "s@cret"


def test_duckdb_settings_in_the_url_reach_every_connection_and_dbt(tmp_path):
    from orchestration.warehouse import DUCKDB_MEMORY_LIMIT, Warehouse

    default = parse_warehouse_url(f"duckdb:///{tmp_path}/a.duckdb")
    assert default.duckdb_config == {"memory_limit": DUCKDB_MEMORY_LIMIT}
    assert default.dbt_env()["GRIDCARE_DUCKDB_MEMORY_LIMIT"] == DUCKDB_MEMORY_LIMIT
    url = parse_warehouse_url(f"duckdb:///{tmp_path}/b.duckdb?memory_limit=1GB&threads=1")
    assert url.path == tmp_path / "b.duckdb"
    assert url.dbt_env()["GRIDCARE_DUCKDB_MEMORY_LIMIT"] == "1GB"
    wh = Warehouse(url)
    with wh.scratch() as con:
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 1
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit == "953.6 MiB"  # 1 GB as DuckDB prints it
    with pytest.raises(ValueError, match="unknown DuckDB setting 'memroy_limit'"):
        parse_warehouse_url(f"duckdb:///{tmp_path}/c.duckdb?memroy_limit=1GB")


def test_dbt_gets_the_partition_range_in_its_environment():
    from orchestration.warehouse.assets import dbt_range_env

    assert dbt_range_env({}) == {"GRIDCARE_MIN_DATE": "", "GRIDCARE_MAX_DATE": ""}
    assert dbt_range_env(
        {"dagster/asset_partition_range_start": "2026-05-01", "dagster/asset_partition_range_end": "2026-05-03"}
    ) == {"GRIDCARE_MIN_DATE": "2026-05-01", "GRIDCARE_MAX_DATE": "2026-05-03"}
    assert dbt_range_env({"dagster/partition": "2026-05-02"}) == {
        "GRIDCARE_MIN_DATE": "2026-05-02",
        "GRIDCARE_MAX_DATE": "2026-05-02",
    }


def test_ml_intent_codes_equal_the_landing_contract():
    # ml/ may not import orchestration, so it keeps its own copy of the codes: this keeps the two equal.
    from ml.intent.labels import INTENTS as ML_INTENTS
    from orchestration.ingestion.contract import INTENTS

    assert tuple(ML_INTENTS) == INTENTS


def test_asset_modules_name_the_models_ml_registers():
    """The ML assets name registered models without importing ml/ at load time; the names must stay equal."""
    from ml.consumption.registry import MODEL_NAME as CONSUMPTION
    from ml.fault_risk.registry import MODEL_NAME as FAULT_RISK
    from ml.intent import MODEL_NAME
    from orchestration.scoring import assets as ml_assets

    assert ml_assets.INTENT_MODEL == MODEL_NAME
    assert ml_assets.CONSUMPTION_MODEL == CONSUMPTION
    assert ml_assets.FAULT_MODEL == FAULT_RISK


@pytest.mark.parametrize(
    "job, trained",
    [
        ("build_warehouse", set()),
        ("nightly", {"intent_classifier", "transformer_fault_model", "consumption_forecaster", "complaint_model"}),
    ],
)
def test_quick_training_configures_only_the_jobs_own_training_steps(job, trained):
    """`run --quick-training` on a job without models (build_warehouse) was refused: its asset graph holds the
    training assets downstream of its marts, and the run config named them."""
    from orchestration.cli import _quick_training
    from orchestration.definitions import defs

    config = _quick_training(defs.resolve_job_def(job))
    assert config == {"ops": {name: {"config": {"quick": True}} for name in trained}}


def test_loading_the_code_location_does_not_import_torch():
    """Every step process and worker loads the code location; torch/Lightning cost seconds of CPU to import."""
    import subprocess
    import sys

    code = "import sys, orchestration.definitions; print('torch' in sys.modules, 'lightning' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# Run in a fresh interpreter: an audit hook records every process the code below starts (Python raises these
# audit events for subprocess.Popen, os.exec*, os.posix_spawn, os.spawn*, os.system and os.fork).
SPAWN_AUDIT = """
import json, sys
{preload}
SPAWNS = ("subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.system", "os.fork", "os.forkpty")
spawned = []
sys.addaudithook(lambda event, args: spawned.append(f"{event} {args[0]!r}") if event in SPAWNS else None)
{code}
print(json.dumps(spawned))
"""


def _spawned_by(code: str, preload: str = "") -> list[str]:
    import json
    import subprocess
    import sys

    script = SPAWN_AUDIT.replace("{preload}", preload).replace("{code}", code)
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_spawn_audit_sees_a_subprocess():
    assert _spawned_by("import subprocess; subprocess.run(['true'])") == ["subprocess.Popen 'true'"]


def test_importing_the_code_location_starts_no_process_even_with_a_stale_manifest():
    """Loading the definitions only reads dbt's manifest; `make dbt-manifest` writes it. Until issue 17 a
    manifest older than the project made the import run `dbt parse` in a subprocess.

    `import dagster` itself runs `file -b <python>` once (dagster 1.13's vendored croniter asks
    `platform.architecture()` whether Python is 32-bit): it is imported before the audit starts, so this
    counts what the platform's code and every other library start.
    """
    from orchestration.resources import DBT_PROJECT_DIR
    from orchestration.warehouse.dbt_manifest import MANIFEST

    manifest = DBT_PROJECT_DIR / MANIFEST
    times = manifest.stat()
    try:
        os.utime(manifest, (0, 0))  # older than every model: stale
        spawned = _spawned_by("import orchestration.definitions", preload="import dagster")
    finally:
        os.utime(manifest, (times.st_atime, times.st_mtime))
    assert spawned == []
