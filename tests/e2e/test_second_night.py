"""The nightly job's second night: a fresh warehouse and MLflow store, one night, then the next day's files.

The first night creates every table, view and model; the second replaces the tables that dbt's views read
(ML scores, serving, raw) while those views exist, and must bring the marts and scores up to the new day.
On PostgreSQL, which tracks view dependencies, the run goes the production way: `python -m orchestration run`
in its own process, each step in a process of its own (multiprocess executor), MLflow's store in PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from datagen import generate
from datagen.manifest import good_rows
from orchestration.ingestion.contract import DAILY
from orchestration.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[2]
# The consumption forecaster's quick preset needs about five weeks of history to train on.
CUSTOMERS, DAYS, SEED, END = 80, 40, 5, dt.date(2026, 10, 31)
NIGHT_ONE = END - dt.timedelta(days=1)
RUN_TIMEOUT_S = 1800
# Schemas whose tables the platform writes itself (dbt writes staging, intermediate and marts).
PLATFORM_SCHEMAS = ("raw", "ml", "serving")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("two_nights_generated")
    generate(out, CUSTOMERS, DAYS, SEED, END, progress=None)
    return out


def land(generated: Path, landing: Path, through: dt.date) -> None:
    """Deliver the snapshots and every daily file up to `through`, as the source systems would by that night."""
    landing.mkdir(exist_ok=True)
    for item in generated.iterdir():
        if item.is_file():
            shutil.copy2(item, landing / item.name)
    for ds in DAILY:
        (landing / ds.name).mkdir(exist_ok=True)
        for f in (generated / ds.name).iterdir():
            if dt.date.fromisoformat(f.stem) <= through:
                shutil.copy2(f, landing / ds.name / f.name)


def production_env(tmp_path: Path, warehouse_url: str, mlflow_url: str, **extra: str) -> dict[str, str]:
    """The environment of a scheduled run: a local Dagster instance under tmp_path, this checkout's code, and
    nothing inherited that would send work orders, pick an executor or a store."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "orchestration" / "instance" / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TICKETING_", "DAGSTER_", "CELERY_", "MLFLOW_"))}
    env.update(
        DAGSTER_HOME=str(home),
        WAREHOUSE_URL=warehouse_url,
        LANDING_DIR=str(tmp_path / "landing"),
        MLFLOW_TRACKING_URI=mlflow_url,
        PYTHONPATH=str(ROOT),
        PYTHONWARNINGS="ignore",
        **extra,
    )
    return env


def run_night(env: dict, cwd: Path) -> str:
    """`python -m orchestration run --quick-training` as the schedule's run would start it; returns its output."""
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration", "run", "--quick-training"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )
    assert proc.returncode == 0 and re.search(r"^Run \S+ succeeded", proc.stdout, re.M), proc.stdout[-5000:]
    return proc.stdout


def pin_dependent_views(wh: Warehouse) -> list[str]:
    """A view over every table the platform writes, as a BI tool or an analyst would leave one; its names."""
    tables = wh.query(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        f"AND table_schema IN ({', '.join(repr(s) for s in PLATFORM_SCHEMAS)}) ORDER BY 1, 2"
    )
    views = []
    with wh.pg() as con, con.cursor() as cur:
        cur.execute("CREATE SCHEMA IF NOT EXISTS analyst")
        for schema, table in tables:
            view = f"analyst.{schema}__{table}"
            cur.execute(f'CREATE VIEW {view} AS SELECT * FROM {schema}."{table}"')
            views.append(view)
    return views


def assert_reflects(wh: Warehouse, day: dt.date, customers: int, generated: Path) -> None:
    """Marts and scores are as of `day`: built from its readings, forecasting from the day after."""
    iso = day.isoformat()
    assert wh.query("SELECT count(*), min(as_of_date)::VARCHAR, max(as_of_date)::VARCHAR FROM marts.customer_360") == [
        (customers, iso, iso)
    ]
    assert wh.query("SELECT max(reading_date)::VARCHAR FROM marts.fct_daily_consumption") == [(iso,)]
    # The month's bill counts every day read so far and forecasts the rest of the month.
    month = day.replace(day=1).isoformat()
    assert wh.query(
        "SELECT max(days_read), max(days_read + days_forecast) FROM marts.bill_forecast "
        "WHERE CAST(bill_month AS VARCHAR) LIKE ?",
        (month[:7] + "%",),
    ) == [(day.day, 31)]
    assert wh.query(
        "SELECT min(forecast_date)::VARCHAR, min(scored_on)::VARCHAR, max(scored_on)::VARCHAR FROM ml.consumption_forecast"
    ) == [((day + dt.timedelta(days=1)).isoformat(), iso, iso)]
    # Every interaction delivered so far has its intent, the new day's included.
    assert wh.query("SELECT count(*) FROM ml.interaction_intents") == wh.query(
        "SELECT count(DISTINCT interaction_id) FROM raw.raw_crm__interactions"
    )
    # The day's own delivery is in raw: every good line of its file (a small utility may have none that day).
    manifest = json.loads((generated / "_manifest.json").read_text())
    name = f"interactions/{day.isoformat()}.jsonl"
    assert wh.query("SELECT count(*) FROM raw.raw_crm__interactions WHERE _delivery_date = ?", (day,)) == [
        (good_rows(manifest, name),)
    ]


def test_postgres_nightly_survives_its_second_night(generated, tmp_path, make_pg_database):
    warehouse_url = make_pg_database()
    mlflow_url = make_pg_database().replace("postgresql://", "postgresql+psycopg2://")
    landing = tmp_path / "landing"
    env = production_env(tmp_path, warehouse_url, mlflow_url, DAGSTER_EXECUTOR="multiprocess")
    wh = Warehouse(warehouse_url)

    land(generated, landing, NIGHT_ONE)
    run_night(env, cwd=tmp_path)  # artifacts of a database-backed MLflow store land under the working directory
    assert_reflects(wh, NIGHT_ONE, CUSTOMERS, generated)
    views = pin_dependent_views(wh)
    assert "analyst.ml__consumption_forecast" in views and "analyst.raw__raw_bpmn__process_steps" in views
    # dbt's own staging views over the platform's tables are there too.
    assert ("stg_ml__consumption_forecasts",) in wh.query(
        "SELECT table_name FROM information_schema.views WHERE table_schema = 'staging'"
    )

    land(generated, landing, END)
    run_night(env, cwd=tmp_path)
    assert_reflects(wh, END, CUSTOMERS, generated)
    # Every view still stands and reads the refilled table.
    for view in views:
        schema_table = view.split(".", 1)[1].replace("__", ".", 1)
        assert wh.query(f"SELECT count(*) FROM {view}") == wh.query(f"SELECT count(*) FROM {schema_table}"), view
    models = wh.query("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'ml'")
    assert models[0][0] >= 3
    # The models live in the PostgreSQL-backed registry, each with a champion.
    import psycopg2

    con = psycopg2.connect(mlflow_url.replace("+psycopg2", ""))
    try:
        with con.cursor() as cur:
            cur.execute("SELECT name, alias FROM registered_model_aliases ORDER BY name")
            aliases = cur.fetchall()
    finally:
        con.close()
    assert aliases == [
        ("complaint_risk", "champion"),
        ("consumption_forecaster", "champion"),
        ("intent_classifier", "champion"),
        ("transformer_fault_risk", "champion"),
    ]


def test_lake_nightly_survives_its_second_night(generated, tmp_path):
    """The embedded default the production way: `python -m orchestration run` with the lake's default executor,
    each step in a process of its own, every process reading and writing the same lake (SQLite catalog)."""
    lake = tmp_path / "lake"
    landing, home = tmp_path / "landing", tmp_path / "dagster_home"
    env = production_env(tmp_path, f"ducklake:///{lake}", f"sqlite:///{tmp_path / 'mlflow' / 'mlflow.db'}")
    (tmp_path / "mlflow").mkdir()
    wh = Warehouse(env["WAREHOUSE_URL"])
    for through in (NIGHT_ONE, END):
        land(generated, landing, through)
        run_night(env, cwd=tmp_path)
        assert_reflects(wh, through, CUSTOMERS, generated)
    # The steps ran in processes of their own: the lake's default executor, not the DuckDB file's in-process one.
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (run, *_) = instance.get_runs(limit=1)
        kinds = {e.dagster_event.event_type_value for e in instance.all_logs(run.run_id) if e.dagster_event}
        snapshots = {
            key: instance.get_latest_materialization_event(dg.AssetKey(key)).asset_materialization.metadata
            for key in ("raw_ami__meter_readings", "fct_daily_consumption", "consumption_forecast")
        }
    assert "STEP_WORKER_STARTED" in kinds or "STEP_WORKER_STARTING" in kinds, sorted(kinds)
    # Each materialization names the lake snapshot it is readable at; reading the table as of that snapshot gives
    # what the table holds now, since nothing rewrote these tables after their step.
    tables = {"raw_ami__meter_readings": "raw", "fct_daily_consumption": "marts", "consumption_forecast": "ml"}
    latest = wh.snapshot_id()
    for key, meta in snapshots.items():
        snapshot = meta["lake_snapshot_id"].value
        assert 0 < snapshot <= latest, (key, snapshot, latest)
        table = f"{tables[key]}.{key}"
        (then,) = wh.query(f"SELECT count(*) FROM {table} AT (VERSION => {snapshot})")
        assert then == wh.query(f"SELECT count(*) FROM {table}")[0] and then[0] > 0, key
    # The training runs log the snapshot they read as their data version.
    import mlflow

    client = mlflow.MlflowClient(env["MLFLOW_TRACKING_URI"])
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    versions = {r.data.tags.get("data_version", "") for r in runs}
    assert versions and all(v.startswith("lake-snapshot-") for v in versions), versions
    # The lake's files are Parquet under its data path, its catalog a SQLite file beside them.
    assert (lake / "catalog.sqlite").is_file() and list((lake / "data").rglob("*.parquet"))
    # Artifacts live beside the SQLite store, not in the working directory.
    assert list((tmp_path / "mlflow").glob("artifacts/*"))
