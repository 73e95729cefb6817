"""A 30-day backfill on the lake gives the same warehouse whether its steps run side by side or one after another
(issue 18): every raw, intermediate and mart table equal row for row to the serial build.

Each build is `python -m orchestration run --job build_warehouse` over every landed day, as a deployment starts
it: in process (the reference), with the multiprocess executor on a lake with a file catalog, and through two
Celery workers writing one lake whose catalog is in PostgreSQL. When each row was written is left out of the
comparison (`_loaded_at`, the load log's `loaded_at`, the rejects' `rejected_at`).
"""

from __future__ import annotations

import datetime as dt
import shutil
import uuid
from pathlib import Path

import dagster as dg
import psutil
import pytest

from datagen import generate
from orchestration.resources import SETTINGS
from orchestration.warehouse import Warehouse
from tests.conftest import lake_pg_url, lake_url
from tests.e2e.test_second_night import production_env, run_night
from tests.orchestration.test_operations import celery_worker, require_broker, run_cli

CUSTOMERS, DAYS, SEED, END = 40, 30, 5, dt.date(2026, 10, 31)
COMPARED_SCHEMAS = ("raw", "intermediate", "marts")
# When a row was written, not what it holds: differs between any two builds.
WRITE_TIMES = {"_loaded_at", "loaded_at", "rejected_at"}


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("backfill_landing")
    generate(out, CUSTOMERS, DAYS, SEED, END, progress=None)
    return out


def tables(wh: Warehouse) -> dict[str, list]:
    """Every base table of the compared schemas: its rows without write times, order-independent."""
    out = {}
    listed = wh.query(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        f"AND table_schema IN {COMPARED_SCHEMAS} ORDER BY 1, 2"
    )
    for schema, table in listed:
        columns = [
            c
            for (c,) in wh.query(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "ORDER BY ordinal_position",
                (schema, table),
            )
            if c not in WRITE_TIMES
        ]
        quoted = ", ".join(f'"{c}"' for c in columns)
        out[f"{schema}.{table}"] = sorted(wh.query(f'SELECT {quoted} FROM {schema}."{table}"'), key=repr)
    return out


def _deployment(root: Path, landing: Path, warehouse_url: str, **env: str) -> dict:
    """A deployment's environment under `root`: the landing files copied in, a Dagster home of its own."""
    root.mkdir()
    shutil.copytree(landing, root / "landing")
    return production_env(root, warehouse_url, f"sqlite:///{root / 'mlflow.db'}", **env)


def _step_pids(home: Path, run_id: str | None = None) -> set[int]:
    """The processes the run's steps started in (the only run of the instance, unless `run_id` names one)."""
    with dg.DagsterInstance.from_config(str(home)) as instance:
        run_id = run_id or instance.get_runs()[0].run_id
        return {e.dagster_event.pid for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)}


@pytest.fixture(scope="module")
def serial(landing, tmp_path_factory) -> dict[str, list]:
    """The backfill in one process, one step after another, on a lake with a file catalog."""
    root = tmp_path_factory.mktemp("serial") / "build"
    env = _deployment(root, landing, lake_url(root / "lake"), DAGSTER_EXECUTOR="in_process")
    run_night(env, cwd=root, job="build_warehouse")
    assert len(_step_pids(root / "dagster_home")) == 1
    built = tables(Warehouse(env["WAREHOUSE_URL"]))
    assert len(built["marts.customer_360"]) == CUSTOMERS
    assert len(built["marts.fct_daily_consumption"]) > CUSTOMERS * (DAYS - 1)
    return built


def test_a_30_day_backfill_in_parallel_processes_equals_the_serial_build(serial, landing, tmp_path):
    root = tmp_path / "parallel"
    env = _deployment(root, landing, lake_url(root / "lake"), DAGSTER_EXECUTOR="multiprocess")
    run_night(env, cwd=root, job="build_warehouse")
    assert len(_step_pids(root / "dagster_home")) > 5
    parallel = tables(Warehouse(env["WAREHOUSE_URL"]))
    assert sorted(parallel) == sorted(serial)
    for table in serial:
        assert parallel[table] == serial[table], table


def test_a_30_day_backfill_on_two_celery_workers_and_a_postgres_catalog_equals_the_serial_build(
    serial, landing, tmp_path, make_pg_database, monkeypatch
):
    """The steps go through RabbitMQ to two worker processes, each writing the lake (catalog in PostgreSQL,
    Parquet in a shared folder) and reporting to Dagster's PostgreSQL storage."""
    require_broker(SETTINGS.celery_broker_url)
    root, queue = tmp_path / "celery", f"gridcare-test-{uuid.uuid4().hex[:8]}"
    storage = make_pg_database().replace("postgresql://", "postgresql+psycopg2://")
    monkeypatch.setenv("DAGSTER_PG_URL", storage)  # the instance this test opens reads its storage from it
    url = lake_pg_url(make_pg_database(), tmp_path / "shared" / "lake")
    env = _deployment(
        root,
        landing,
        url,
        DAGSTER_EXECUTOR="celery",
        DAGSTER_CELERY_QUEUE=queue,
        CELERY_BROKER_URL=SETTINGS.celery_broker_url,
        DAGSTER_PG_URL=storage,
    )
    home = Path(env["DAGSTER_HOME"])
    shutil.copy(
        Path(__file__).resolve().parents[2] / "orchestration/instance/dagster.postgres.yaml", home / "dagster.yaml"
    )
    with (
        celery_worker(env, queue, f"{queue}-a@ci", tmp_path / "worker-a.log") as first,
        celery_worker(env, queue, f"{queue}-b@ci", tmp_path / "worker-b.log") as second,
    ):
        _, run_id, _ = run_cli(env, "build_warehouse", first, tmp_path / "worker-a.log")
        workers = [{c.pid for c in psutil.Process(w.pid).children(recursive=True)} for w in (first, second)]
    pids = _step_pids(home, run_id)
    # Both workers wrote: each ran some of the steps, in its own processes.
    assert all(pids & children for children in workers), (pids, workers)
    celery = tables(Warehouse(url))
    assert sorted(celery) == sorted(serial)
    for table in serial:
        assert celery[table] == serial[table], table
