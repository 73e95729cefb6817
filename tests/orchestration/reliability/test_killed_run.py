"""A killed ingestion (SIGKILL in the middle of a large file) leaves nothing half-loaded: re-running it gives the
same warehouse as a load that was never interrupted, on both engines (issue 10, atomic loads)."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from datagen import generate
from orchestration.ingestion.contract import DATASETS
from orchestration.resources import PROJECT_ROOT
from orchestration.warehouse import RAW_SCHEMA, Warehouse

# Two days of 80,000 customers: two meter-readings files of ~80 k rows each, the large files a kill lands in.
CUSTOMERS, DAYS, END = 80_000, 2, dt.date(2026, 10, 31)
BIG = DATASETS["meter_readings"]

# The ingestion process: the library the ingestion assets call, without Dagster's start-up. Its connections are
# wrapped so that it prints WRITING just before it sends a meter-readings file's rows into the open delivery
# transaction (DuckDB's INSERT … SELECT from the validated file, PostgreSQL's COPY): the test kills it there,
# in the middle of writing a large file.
DRIVER = """
import contextlib, sys
from pathlib import Path
from orchestration.ingestion.contract import DATASETS
from orchestration.ingestion.ingest import load_dataset
from orchestration.warehouse import Warehouse

BIG = DATASETS["meter_readings"].table

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
        if sql.startswith(f"INSERT INTO raw.{BIG} "):
            print("WRITING", flush=True)
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


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_killed_ingestion_then_rerun_equals_an_uninterrupted_load(engine, big_landing, tmp_path, request):
    reference_url = f"duckdb:///{tmp_path / 'reference.duckdb'}"
    assert _ingest(big_landing, reference_url) == 0
    reference = _snapshot(reference_url)
    assert len(reference[BIG.table]) > 150_000

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
