"""A killed ingestion (SIGKILL in the middle of a large file) leaves nothing half-loaded: re-running it gives the
same warehouse as a load that was never interrupted, on every engine (issue 10, atomic loads); on the lake, a
process killed while it commits leaves the lake at the snapshot before (issue 18)."""

from __future__ import annotations

import contextlib
import datetime as dt
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from datagen import generate
from orchestration.ingestion.contract import DATASETS
from orchestration.resources import PROJECT_ROOT
from orchestration.warehouse import RAW_SCHEMA, Warehouse, parse_warehouse_url
from tests.conftest import lake_pg_url, lake_url

# Two days of 80,000 customers: two meter-readings files of ~80 k rows each, the large files a kill lands in.
CUSTOMERS, DAYS, END = 80_000, 2, dt.date(2026, 10, 31)
BIG = DATASETS["meter_readings"]

# The ingestion process: the library the ingestion assets call, without Dagster's start-up. Its connections are
# wrapped so that it prints WRITING just before it sends a meter-readings file's rows into the open delivery
# transaction (DuckDB's INSERT … SELECT from the validated file, PostgreSQL's COPY): the test kills it there,
# in the middle of writing a large file. With `--pause`, it prints COMMITTING as it is about to commit the first
# such file's transaction and waits for a line on stdin before it does.
DRIVER = """
import contextlib, re, sys
from pathlib import Path
from orchestration.ingestion.contract import DATASETS
from orchestration.ingestion.ingest import load_dataset
from orchestration.warehouse import Warehouse

BIG = DATASETS["meter_readings"].table
PAUSE = "--pause" in sys.argv
state = {"writes": 0}

class Loud:
    def __init__(self, inner):
        self._inner = inner
    def __getattr__(self, name):
        return getattr(self._inner, name)
    def __enter__(self):
        self._inner.__enter__()
        return self
    def __exit__(self, *exc):
        return self._inner.__exit__(*exc)
    def cursor(self, *a, **k):
        return Loud(self._inner.cursor(*a, **k))
    def execute(self, sql, *a, **k):
        if re.match(rf"INSERT INTO (lake[.])?raw[.]{BIG} ", sql):  # the lake's staging cursors name its catalog
            print("WRITING", flush=True)
            state["writes"] += 1
        elif sql == "COMMIT" and state["writes"] == 1 and PAUSE:
            print("COMMITTING", flush=True)
            sys.stdin.readline()
        return self._inner.execute(sql, *a, **k)
    def copy_expert(self, sql, *a, **k):
        if sql.startswith(f"COPY raw.{BIG} "):
            print("WRITING", flush=True)
        return self._inner.copy_expert(sql, *a, **k)

landing, url = Path(sys.argv[1]), sys.argv[2]
wh = Warehouse(url)
engine = type(wh)  # DuckDBWarehouse or PostgresWarehouse: the PostgreSQL one also opens `pg` connections
for name in ("scratch", "pg"):
    if not hasattr(engine, name):
        continue
    def wrapped(self, _orig=getattr(engine, name)):
        @contextlib.contextmanager
        def cm():
            with _orig(self) as con:
                yield Loud(con)
        return cm()
    setattr(engine, name, wrapped)
for name in DATASETS:
    load_dataset(wh, DATASETS[name], landing)
print("END", flush=True)
"""


@pytest.fixture(scope="module")
def big_landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("big_landing")
    generate(out, CUSTOMERS, DAYS, 5, END, progress=lambda *_: None)
    return out


def _ingest(landing: Path, url: str, kill_at_write: int | None = None) -> int:
    """Run the ingestion process to the end, or SIGKILL it as it starts writing the `kill_at_write`-th
    meter-readings file. Returns its exit code."""
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(landing), url],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    writes = 0
    for line in proc.stdout:
        writes += line.strip() == "WRITING"
        if kill_at_write is not None and writes == kill_at_write:
            proc.send_signal(signal.SIGKILL)
            break
    code = proc.wait(timeout=600)
    assert code in (0, -signal.SIGKILL), proc.stderr.read()
    return code


def _snapshot(url: str) -> dict[str, list]:
    """Every raw table's rows (minus load timestamps), the load log and the rejects, order-independent."""
    wh = Warehouse(url)
    out: dict[str, list] = {}
    for ds in DATASETS.values():
        cols = [
            c
            for (c,) in wh.query(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                "ORDER BY ordinal_position",
                [RAW_SCHEMA, ds.table],
            )
            if c != "_loaded_at"
        ]
        out[ds.table] = sorted(wh.query(f"SELECT {', '.join(cols)} FROM {RAW_SCHEMA}.{ds.table}"), key=repr)
    out["load_log"] = sorted(
        wh.query(
            f"SELECT dataset, source_file, sha256, rows_read, rows_loaded, rows_rejected, status FROM {RAW_SCHEMA}.load_log"
        )
    )
    out["rejects"] = sorted(wh.query(f"SELECT dataset, source_file, line, reason FROM {RAW_SCHEMA}.rejects"), key=repr)
    return out


def _whole_files_only(url: str) -> int:
    """What a kill left: the big table holds exactly the files the load log records as loaded. Returns its rows."""
    wh = Warehouse(url)
    logged = dict(
        wh.query(
            f"SELECT source_file, rows_loaded FROM {RAW_SCHEMA}.load_log WHERE dataset = ? AND status <> 'rejected'",
            [BIG.name],
        )
    )
    present = dict(wh.query(f"SELECT _source_file, count(*) FROM {RAW_SCHEMA}.{BIG.table} GROUP BY 1"))
    assert present == {f: n for f, n in logged.items() if n}
    return sum(present.values())


@pytest.fixture(scope="module")
def reference(big_landing, tmp_path_factory) -> dict[str, list]:
    """What an uninterrupted load of the landing files gives (on a DuckDB file)."""
    url = f"duckdb:///{tmp_path_factory.mktemp('reference') / 'reference.duckdb'}"
    assert _ingest(big_landing, url) == 0
    out = _snapshot(url)
    assert len(out[BIG.table]) > 150_000
    return out


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_killed_ingestion_then_rerun_equals_an_uninterrupted_load(engine, big_landing, reference, tmp_path, request):
    url = f"duckdb:///{tmp_path / 'killed.duckdb'}" if engine == "duckdb" else request.getfixturevalue("pg_url")
    # Killed while writing the first file: nothing of it may remain. Then killed while writing the second
    # (the first is loaded by then): the first is whole, nothing of the second remains.
    assert _ingest(big_landing, url, kill_at_write=1) == -signal.SIGKILL
    assert _whole_files_only(url) == 0
    assert _ingest(big_landing, url, kill_at_write=2) == -signal.SIGKILL
    first_file_rows = _whole_files_only(url)
    assert 0 < first_file_rows < len(reference[BIG.table])

    assert _ingest(big_landing, url) == 0
    assert _snapshot(url) == reference


@contextlib.contextmanager
def _pg_catalog_locked(url: str) -> Iterator[Callable[[], None]]:
    """Hold, for the block, a lock on the PostgreSQL catalog's table of data files that lets readers read and
    blocks a commit's insert of its new files; yields a function that returns once a commit waits on it, in the
    middle of its catalog transaction (it has written other catalog tables already)."""
    import psycopg2

    parsed = parse_warehouse_url(url)
    con = psycopg2.connect(host=parsed.host, port=parsed.port, user=parsed.user, dbname=parsed.dbname)
    try:
        with con.cursor() as cur:
            cur.execute("LOCK TABLE ducklake_data_file IN SHARE MODE")

            def stuck() -> None:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    cur.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                    )
                    waiting = [pid for (pid,) in cur.fetchall()]
                    if waiting:
                        cur.execute(
                            "SELECT count(*) FROM pg_locks WHERE pid = %s AND granted AND mode = 'RowExclusiveLock'",
                            waiting[:1],
                        )
                        assert cur.fetchone()[0] > 0
                        return
                    time.sleep(0.05)
                raise AssertionError("the commit never waited on the catalog lock")

            yield stuck
    finally:
        con.rollback()
        con.close()


@pytest.mark.parametrize("catalog", ["sqlite", "postgres"])
def test_lake_killed_while_committing_stays_at_its_previous_snapshot(
    catalog, big_landing, reference, tmp_path, request
):
    """SIGKILL as the first meter-readings file's transaction commits: its Parquet files are written, the
    catalog never names them, and the lake stays at the snapshot before, its contents unchanged; the re-run
    loads everything as an uninterrupted load does.

    DuckLake writes a transaction's Parquet files as it inserts and its commit is one catalog transaction. The
    driver pauses just before COMMIT; on a SQLite catalog the kill lands there (SQLite's journal makes the
    catalog write itself all or nothing). On a PostgreSQL catalog the commit is let go and killed while it
    waits on a catalog lock the test holds, half-way through its catalog transaction.
    """
    data = tmp_path / "lake" / "data"
    url = lake_url(tmp_path / "lake") if catalog == "sqlite" else lake_pg_url(request.getfixturevalue("pg_url"), data)
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(big_landing), url, "--pause"],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _next_line(proc, "COMMITTING"), proc.stderr.read()
        # The open transaction has written the file's rows to Parquet; readers still see the snapshot before.
        written = set((data / RAW_SCHEMA / BIG.table).glob("*.parquet"))
        assert written
        wh = Warehouse(url)
        before_id, before = wh.snapshot_id(), _snapshot(url)
        assert before[BIG.table] == []
        with _pg_catalog_locked(url) if catalog == "postgres" else contextlib.nullcontext() as commit_stuck:
            if commit_stuck:
                proc.stdin.write("\n")
                proc.stdin.flush()
                commit_stuck()
            assert proc.poll() is None, proc.stderr.read()
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
    assert written <= set((data / RAW_SCHEMA / BIG.table).glob("*.parquet"))
    assert wh.snapshot_id() == before_id
    assert _snapshot(url) == before
    assert _whole_files_only(url) == 0

    assert _ingest(big_landing, url) == 0
    assert wh.snapshot_id() > before_id
    assert _snapshot(url) == reference


def _next_line(proc: subprocess.Popen, expected: str) -> bool:
    """Read the driver's output up to the line `expected`; False if it ended first."""
    return any(line.strip() == expected for line in proc.stdout)
