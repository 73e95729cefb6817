"""A killed ingestion (SIGKILL in the middle of a large file) leaves nothing half-loaded: re-running it gives the
same warehouse as a load that was never interrupted, on both engines (issue 10, atomic loads)."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.lib.landing.contract import DATASETS
from orchestration.lib.synthetic import generate
from orchestration.lib.warehouse import RAW_SCHEMA, Warehouse
from orchestration.resources import PROJECT_ROOT

# Two days of 80,000 customers: two meter-readings files of ~80 k rows each, the large files a kill lands in.
CUSTOMERS, DAYS, END = 80_000, 2, dt.date(2026, 10, 31)
BIG = DATASETS["meter_readings"]

# The ingestion process: the library the ingestion assets call, without Dagster's start-up, so the test controls
# when the big file's load begins (it prints BEGIN) and can kill the process inside it.
DRIVER = """
import sys
from pathlib import Path
from orchestration.lib.landing.contract import DATASETS
from orchestration.lib.landing.ingest import load_dataset
from orchestration.lib.warehouse import Warehouse
landing, url = Path(sys.argv[1]), sys.argv[2]
wh = Warehouse(url)
for name in DATASETS:
    if name != "meter_readings":
        load_dataset(wh, DATASETS[name], landing)
print("BEGIN", flush=True)
load_dataset(wh, DATASETS["meter_readings"], landing)
print("END", flush=True)
"""


@pytest.fixture(scope="module")
def big_landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("big_landing")
    generate(out, CUSTOMERS, DAYS, 5, END, progress=lambda *_: None)
    return out


def _ingest(landing: Path, url: str, kill_after: float | None = None) -> tuple[int, float]:
    """Run the ingestion process; kill it `kill_after` seconds into the big file. Returns (exit code, seconds
    the big file took — or ran before the kill)."""
    proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(landing), url], cwd=PROJECT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "BEGIN", proc.stderr.read()
    begun = time.perf_counter()
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
    else:
        assert proc.stdout.readline().strip() == "END", proc.stderr.read()
    code = proc.wait(timeout=600)
    return code, time.perf_counter() - begun


def _snapshot(url: str) -> dict[str, list]:
    """Every raw table's rows (minus load timestamps), the load log and the rejects, order-independent."""
    wh = Warehouse(url)
    out: dict[str, list] = {}
    for ds in DATASETS.values():
        cols = [c for (c,) in wh.query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position", [RAW_SCHEMA, ds.table]) if c != "_loaded_at"]
        out[ds.table] = sorted(wh.query(f"SELECT {', '.join(cols)} FROM {RAW_SCHEMA}.{ds.table}"), key=repr)
    out["load_log"] = sorted(wh.query(
        f"SELECT dataset, source_file, sha256, rows_read, rows_loaded, rows_rejected, status FROM {RAW_SCHEMA}.load_log"))
    out["rejects"] = sorted(wh.query(f"SELECT dataset, source_file, line, reason FROM {RAW_SCHEMA}.rejects"), key=repr)
    return out


def _whole_files_only(url: str) -> int:
    """What a kill left: the big table holds exactly the files the load log records as loaded. Returns its rows."""
    wh = Warehouse(url)
    logged = dict(wh.query(f"SELECT source_file, rows_loaded FROM {RAW_SCHEMA}.load_log "
                           f"WHERE dataset = ? AND status <> 'rejected'", [BIG.name]))
    present = dict(wh.query(f"SELECT _source_file, count(*) FROM {RAW_SCHEMA}.{BIG.table} GROUP BY 1"))
    assert present == {f: n for f, n in logged.items() if n}
    return sum(present.values())


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_killed_ingestion_then_rerun_equals_an_uninterrupted_load(engine, big_landing, tmp_path, request):
    reference_url = f"duckdb:///{tmp_path / 'reference.duckdb'}"
    code, seconds = _ingest(big_landing, reference_url)
    assert code == 0
    reference = _snapshot(reference_url)
    assert len(reference[BIG.table]) > 150_000

    if engine == "duckdb":
        url = f"duckdb:///{tmp_path / 'killed.duckdb'}"
    else:
        url = request.getfixturevalue("pg_url")
        # The big file's load time on this engine, measured once, then the warehouse emptied for the kills.
        code, seconds = _ingest(big_landing, url)
        assert code == 0
        with Warehouse(url).pg() as con, con.cursor() as cur:
            cur.execute(f"DROP SCHEMA {RAW_SCHEMA} CASCADE")
    for fraction in (0.3, 0.6):
        code, ran = _ingest(big_landing, url, kill_after=fraction * seconds)
        assert code == -signal.SIGKILL, f"the load finished in {ran:.2f} s, before the kill at {fraction:.0%}"
        # Killed inside a file: the files before it are whole, nothing of it is there, not half of it.
        assert _whole_files_only(url) < len(reference[BIG.table])

    code, _ = _ingest(big_landing, url)
    assert code == 0
    assert _snapshot(url) == reference
