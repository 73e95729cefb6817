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
import time
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest

from datagen import generate
from datagen.manifest import good_rows
from ml.data_version import fingerprint, logged_training_set
from orchestration.ingestion.contract import DAILY
from orchestration.scoring.training_sets import READERS, reproduce_training_set
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


def run_night(env: dict, cwd: Path, job: str = "nightly") -> str:
    """`python -m orchestration run --job JOB` as the schedule's run would start it (`--quick-training` for the
    nightly job, which trains); returns its output."""
    quick = ["--quick-training"] if job == "nightly" else []
    proc = subprocess.run(
        [sys.executable, "-m", "orchestration", "run", "--job", job, *quick],
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


# A mart's row count and a checksum of its rows (order-independent: a sum of row hashes).
MART_CHECKSUM = "SELECT count(*), CAST(sum(hash(t)) AS VARCHAR) FROM {table} AS t"
# A notebook reading every mart in a loop, one query after another, until the stop file appears: one JSON line
# per query, [table, rows, checksum] or [table, "error", message].
READER = f"""
import json, sys, time
from pathlib import Path
from orchestration.warehouse import Warehouse

url, stop, tables = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
wh = Warehouse(url)
while not stop.exists():
    for table in tables:
        try:
            ((rows, checksum),) = wh.query({MART_CHECKSUM!r}.format(table=table))
            print(json.dumps([table, rows, checksum]), flush=True)
        except Exception as exc:
            print(json.dumps([table, "error", repr(exc)]), flush=True)
    time.sleep(0.1)
"""


def _wait_for_lines(out: Path, lines: int, reader: subprocess.Popen) -> None:
    while len(out.read_text().splitlines()) < lines:
        assert reader.poll() is None, out.read_text()[-3000:]
        time.sleep(0.2)


def read_marts_while(run: Callable[[], object], wh: Warehouse, tmp_path: Path) -> dict[str, tuple[set, tuple, tuple]]:
    """Run `run()` while a reader process queries every mart in a loop; per mart, (every (rows, checksum) the
    reader saw, the mart before the run, the mart after it), before and after read with time travel."""
    tables = [
        f"marts.{t}"
        for (t,) in wh.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' ORDER BY 1")
    ]
    out, stop = tmp_path / "reader.jsonl", tmp_path / "reader.stop"
    with open(out, "w") as sink:
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, str(wh.url.redacted()), str(stop), *tables],
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            _wait_for_lines(out, len(tables), reader)  # a whole pass over the marts before the run starts
            before = wh.snapshot_id()
            run()
            after = wh.snapshot_id()
            # And a whole pass begun after the run ended: the reader has seen every mart as the run left it.
            _wait_for_lines(out, len(out.read_text().splitlines()) + 2 * len(tables), reader)
            stop.touch()
            assert reader.wait(timeout=120) == 0, out.read_text()[-3000:]
        finally:
            if reader.poll() is None:
                reader.kill()
    seen: dict[str, set] = {t: set() for t in tables}
    for line in out.read_text().splitlines():
        table, rows, checksum = json.loads(line)
        assert rows != "error", (table, checksum)
        seen[table].add((rows, checksum))
    return {
        t: (seen[t], *(tuple(wh.at_snapshot(s).query(MART_CHECKSUM.format(table=t))[0]) for s in (before, after)))
        for t in tables
    }


def test_lake_nightly_survives_its_second_night(generated, tmp_path):
    """The embedded default the production way: `python -m orchestration run` with the lake's default executor,
    each step in a process of its own, every process reading and writing the same lake (SQLite catalog).

    While the second night writes, a reader process queries every mart in a loop: it never fails, and each
    answer is the mart as it was before the run or as it is after it, never a half-written state."""
    lake = tmp_path / "lake"
    landing, home = tmp_path / "landing", tmp_path / "dagster_home"
    env = production_env(tmp_path, f"ducklake:///{lake}", f"sqlite:///{tmp_path / 'mlflow' / 'mlflow.db'}")
    (tmp_path / "mlflow").mkdir()
    wh = Warehouse(env["WAREHOUSE_URL"])
    land(generated, landing, NIGHT_ONE)
    run_night(env, cwd=tmp_path)
    assert_reflects(wh, NIGHT_ONE, CUSTOMERS, generated)
    land(generated, landing, END)
    marts = read_marts_while(lambda: run_night(env, cwd=tmp_path), wh, tmp_path)
    assert_reflects(wh, END, CUSTOMERS, generated)
    for table, (seen, before, after) in marts.items():
        assert seen == {before, after}, (table, seen, before, after)
    # The night changed most marts: the reader saw them in both states.
    assert sum(before != after for _, before, after in marts.values()) > len(marts) // 2, marts
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
    # Night one trained every model; the lake has moved on since, and time travel reads each training set again
    # with the row counts and checksums its run logged, while today's data is another set for the forecaster.
    trained = {logged_training_set(r.data.tags)[0]: r for r in runs}
    assert sorted(trained) == sorted(READERS)
    for name, r in trained.items():
        _, snapshot, logged = logged_training_set(r.data.tags)
        assert (
            snapshot < latest
            and fingerprint(reproduce_training_set(wh, env["MLFLOW_TRACKING_URI"], r.info.run_id)) == logged
        ), name
    _, _, logged = logged_training_set(trained["consumption_forecaster"].data.tags)
    assert fingerprint(READERS["consumption_forecaster"](wh))["readings"] != logged["readings"]
    # The lake's files are Parquet under its data path, its catalog a SQLite file beside them.
    assert (lake / "catalog.sqlite").is_file() and list((lake / "data").rglob("*.parquet"))
    # Artifacts live beside the SQLite store, not in the working directory.
    assert list((tmp_path / "mlflow").glob("artifacts/*"))
