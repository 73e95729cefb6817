"""Production operation: runs on Dagster's PostgreSQL instance, scaled out to a Celery worker, failures on record.

Each run goes the way a deployment runs it: `python -m orchestration run` in its own process, DAGSTER_HOME
holding orchestration/instance/dagster.postgres.yaml (run, event-log and schedule storage in a fresh PostgreSQL
database), the warehouse in another. Then the test reads what the Dagster UI reads: the run and its events
through an instance opened anew on that storage, and the storage's own tables.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import dagster as dg
import psutil
import psycopg2
import pytest

from datagen import generate
from orchestration.cli import resolve_job, run_pipeline
from orchestration.ingestion.contract import DATASETS
from orchestration.resources import PRELOAD_MODULES, SETTINGS
from orchestration.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[2]
# 2026-11-25: with 60 customers x 5 days, seeds 2-4 make the generator raise IndexError in tickets._lifecycle
# (no outage in the window); seed 1 has one.
CUSTOMERS, DAYS, SEED, END = 60, 5, 1, dt.date(2026, 10, 31)
FIRST = END - dt.timedelta(days=DAYS - 1)
INGESTION_STEPS = {ds.table for ds in DATASETS.values()}
RUN_TIMEOUT_S = 420


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ops_landing")
    generate(root, CUSTOMERS, DAYS, SEED, END, progress=None)
    return root


@dataclasses.dataclass(frozen=True)
class Deployment:
    """A production-shaped deployment on this machine: its Dagster home, storage, warehouse and environment."""

    home: Path
    storage_url: str
    warehouse_url: str
    env: dict

    def instance(self) -> dg.DagsterInstance:
        """The instance as the webserver opens it: from DAGSTER_HOME's dagster.yaml (DAGSTER_PG_URL is set)."""
        return dg.DagsterInstance.from_config(str(self.home))

    def storage_rows(self, sql: str, *params) -> list[tuple]:
        """Rows read straight from Dagster's tables in PostgreSQL, bypassing Dagster."""
        con = psycopg2.connect(self.storage_url.replace("+psycopg2", ""))
        try:
            with con.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        finally:
            con.close()


@pytest.fixture
def deployment(tmp_path, landing, make_pg_database, monkeypatch) -> Deployment:
    # SQLAlchemy 2 maps a bare postgresql:// to psycopg 3; the platform ships psycopg2.
    storage = make_pg_database().replace("postgresql://", "postgresql+psycopg2://")
    warehouse = make_pg_database()
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "orchestration" / "instance" / "dagster.postgres.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_PG_URL", storage)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TICKETING_", "DAGSTER_", "CELERY_"))}
    env.update(
        DAGSTER_HOME=str(home),
        DAGSTER_PG_URL=storage,
        WAREHOUSE_URL=warehouse,
        LANDING_DIR=str(landing),
        MLFLOW_TRACKING_URI=f"sqlite:///{tmp_path / 'mlflow.db'}",
        PYTHONPATH=str(ROOT),
        PYTHONWARNINGS="ignore",
    )
    return Deployment(home=home, storage_url=storage, warehouse_url=warehouse, env=env)


def run_cli(
    env: dict,
    job: str,
    worker: subprocess.Popen | None = None,
    worker_log: Path | None = None,
) -> tuple[int, str, str]:
    """`python -m orchestration run --job JOB` as a deployment starts it: (its pid, run id, output).

    With a worker, a worker that dies fails the test at once (with its log) instead of leaving the run waiting.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "orchestration", "run", "--job", job],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + RUN_TIMEOUT_S
    out = None
    while out is None:
        try:
            out, _ = proc.communicate(timeout=2)
        except subprocess.TimeoutExpired:
            dead = worker is not None and worker.poll() is not None
            if dead or time.monotonic() > deadline:
                proc.kill()
                out, _ = proc.communicate()
                why = (
                    f"the worker exited ({worker.returncode}):\n{worker_log.read_text()[-3000:]}"
                    if dead
                    else f"no end in {RUN_TIMEOUT_S} s"
                )
                pytest.fail(f"`orchestration run --job {job}`: {why}\n{out[-3000:]}")
    found = re.search(r"^Run (\S+) (succeeded|FAILED)", out, re.MULTILINE)
    assert proc.returncode == 0 and found and found.group(2) == "succeeded", out[-4000:]
    return proc.pid, found.group(1), out


def events(instance: dg.DagsterInstance, run_id: str, kind: dg.DagsterEventType) -> list[dg.EventLogEntry]:
    return instance.all_logs(run_id, of_type=kind)


def test_nightly_build_on_postgres_storage_runs_each_step_in_its_own_process(deployment):
    """build_warehouse (ingestion + dbt) on the production instance with the multiprocess executor."""
    cli_pid, run_id, _ = run_cli(deployment.env, "build_warehouse")

    with deployment.instance() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        run = instance.get_run_by_id(run_id)
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags["gridcare/writes"] == "warehouse"
        assert (run.tags["dagster/asset_partition_range_start"], run.tags["dagster/asset_partition_range_end"]) == (
            FIRST.isoformat(),
            END.isoformat(),
        )
        materialized = events(instance, run_id, dg.DagsterEventType.ASSET_MATERIALIZATION)
        starts = events(instance, run_id, dg.DagsterEventType.STEP_START)

    # Every asset of the job was materialized: the 8 raw tables and every dbt model and seed.
    expected = resolve_job("build_warehouse").asset_layer.selected_asset_keys
    assert {e.asset_materialization.asset_key for e in materialized} == expected
    readings = [
        e.asset_materialization.partition
        for e in materialized
        if e.asset_materialization.asset_key == dg.AssetKey("raw_ami__meter_readings")
    ]
    assert sorted(readings) == [(FIRST + dt.timedelta(days=i)).isoformat() for i in range(DAYS)]
    # The multiprocess executor: one process per step, none of them the run's own.
    # (the BPMN steps load beside the raw tables; the marts that read ML tables, and those that read the notices
    # sent, are dbt selections of their own)
    assert {e.step_key for e in starts} == INGESTION_STEPS | {
        "raw_bpmn__process_steps",
        "warehouse_dbt_assets",
        "warehouse_ml_marts",
        "warehouse_serving_marts",
    }
    step_pids = {e.dagster_event.pid for e in starts}
    assert len(step_pids) == len(starts) and cli_pid not in step_pids

    # The records live in PostgreSQL, where the webserver and the daemon read them.
    assert deployment.storage_rows("SELECT status FROM runs WHERE run_id = %s", run_id) == [("SUCCESS",)]
    assert deployment.storage_rows(
        "SELECT count(*) FROM event_logs WHERE run_id = %s AND dagster_event_type = 'ASSET_MATERIALIZATION'", run_id
    ) == [(len(materialized),)]
    assert Warehouse(deployment.warehouse_url).query("SELECT count(*) FROM marts.customer_360") == [(CUSTOMERS,)]


@contextlib.contextmanager
def celery_worker(env: dict, queue: str, name: str, log: Path):
    """A dagster-celery worker on `queue`, stopped (its whole process group) when the block ends, even on failure."""
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "dagster_celery.app",
                "worker",
                "-Q",
                queue,
                "-n",
                name,
                "--concurrency",
                "2",
                "--prefetch-multiplier",
                "1",
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "INFO",
                "-I",
                ",".join(PRELOAD_MODULES),
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        _delete_queue(env, queue)


def require_broker(url: str) -> None:
    """Skip (or, under CI=true, fail) when the Celery broker does not answer."""
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as con:
            con.ensure_connection(max_retries=1)
    except Exception as exc:  # any failure to connect means: no broker for this test
        why = f"Celery broker {url} is unreachable: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(why + " (CI=true: the Celery test must run)")
        pytest.skip(why)


def _delete_queue(env: dict, queue: str) -> None:
    """Remove the test's queue from the broker so test runs leave nothing behind."""
    from kombu import Connection

    with contextlib.suppress(Exception), Connection(env["CELERY_BROKER_URL"]) as con:
        con.default_channel.queue_delete(queue)


def test_ingestion_scales_out_to_a_celery_worker(deployment, tmp_path):
    """The celery executor sends every step through RabbitMQ to a worker process started here."""
    require_broker(SETTINGS.celery_broker_url)
    queue = f"gridcare-test-{uuid.uuid4().hex[:8]}"
    worker_name = f"{queue}@ci"
    env = {
        **deployment.env,
        "DAGSTER_EXECUTOR": "celery",
        "DAGSTER_CELERY_QUEUE": queue,
        "CELERY_BROKER_URL": SETTINGS.celery_broker_url,
    }
    log = tmp_path / "worker.log"
    with celery_worker(env, queue, worker_name, log) as worker:
        cli_pid, run_id, _ = run_cli(env, "ingestion", worker, log)
        worker_pids = {worker.pid} | {c.pid for c in psutil.Process(worker.pid).children(recursive=True)}

    with deployment.instance() as instance:
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.SUCCESS
        handed = [
            e
            for e in events(instance, run_id, dg.DagsterEventType.ENGINE_EVENT)
            if "in celery worker" in (e.message or "")
        ]
        starts = events(instance, run_id, dg.DagsterEventType.STEP_START)
        successes = events(instance, run_id, dg.DagsterEventType.STEP_SUCCESS)

    # Each step was picked up by this worker, and ran in its processes, not in the run's.
    assert {e.step_key for e in handed} == INGESTION_STEPS
    assert {e.dagster_event.engine_event_data.metadata["Celery worker"].value for e in handed} == {worker_name}
    assert {e.step_key for e in successes} == INGESTION_STEPS
    step_pids = {e.dagster_event.pid for e in starts}
    assert step_pids <= worker_pids - {worker.pid} and cli_pid not in step_pids
    assert len(re.findall(r"Task execute_plan\[[0-9a-f-]+\] succeeded", log.read_text())) == len(INGESTION_STEPS)
    assert Warehouse(deployment.warehouse_url).query("SELECT count(*) FROM raw.raw_cis__customers") == [(CUSTOMERS,)]


def test_failed_step_is_recorded_with_its_key(deployment, landing):
    """A step that fails leaves a FAILURE run whose failing step and error the UI shows; the others load."""
    warehouse = Warehouse(deployment.warehouse_url)
    warehouse.ensure_raw_schema()
    # The warehouse refuses writes to one raw table, as when a DBA freezes it: only that step can fail.
    with warehouse.pg() as con, con.cursor() as cur:
        cur.execute("""
            CREATE FUNCTION raw.refuse_write() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'raw_crm__workers is frozen for the roster migration'; END $$;
            CREATE TRIGGER frozen BEFORE INSERT OR DELETE ON raw.raw_crm__workers
                FOR EACH STATEMENT EXECUTE FUNCTION raw.refuse_write();
        """)
    settings = dataclasses.replace(
        SETTINGS, landing_dir=landing, warehouse_url=deployment.warehouse_url, ticketing_url=None
    )
    with deployment.instance() as instance:
        result = run_pipeline(settings, job_name="ingestion", instance=instance)
    assert not result.success

    with deployment.instance() as instance:
        run = instance.get_run_by_id(result.run_id)
        failed_runs = instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))
        failures = events(instance, run.run_id, dg.DagsterEventType.STEP_FAILURE)
        successes = events(instance, run.run_id, dg.DagsterEventType.STEP_SUCCESS)
        run_failure = events(instance, run.run_id, dg.DagsterEventType.RUN_FAILURE)
    assert run.status == dg.DagsterRunStatus.FAILURE
    assert [r.dagster_run.run_id for r in failed_runs] == [run.run_id]
    assert [e.step_key for e in failures] == ["raw_crm__workers"]
    error = failures[0].dagster_event.step_failure_data.error
    assert "raw_crm__workers is frozen for the roster migration" in str(error.to_string())
    assert {e.step_key for e in successes} == INGESTION_STEPS - {"raw_crm__workers"}
    assert len(run_failure) == 1
    assert warehouse.query("SELECT count(*) FROM raw.raw_crm__workers") == [(0,)]
    assert warehouse.query("SELECT count(*) FROM raw.raw_cis__customers") == [(CUSTOMERS,)]
