"""The lake as the warehouse: its URL, the Warehouse interface on it, and many processes reading and writing at once.

On both catalogs: SQLite (the embedded default) and PostgreSQL (a database the test creates and drops).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from orchestration.warehouse import Warehouse, parse_warehouse_url
from orchestration.warehouse.duckdb_warehouse import is_commit_conflict
from orchestration.warehouse.lake_warehouse import DuckLakeWarehouse
from tests.conftest import lake_pg_url, lake_url

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def lake(request, tmp_path) -> str:
    """A lake's WAREHOUSE_URL on each catalog."""
    if request.param == "sqlite":
        return lake_url(tmp_path / "lake")
    return lake_pg_url(request.getfixturevalue("make_pg_database")(), tmp_path / "lake-data")


def test_a_lake_url_names_its_catalog_and_data_and_never_shows_a_password(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    local = parse_warehouse_url("ducklake:///data/lake?threads=1")
    assert (local.engine, local.lake, local.path, local.data_path) == (
        "duckdb",
        "sqlite",
        tmp_path / "data" / "lake",
        str(tmp_path / "data" / "lake" / "data"),
    )
    assert local.lake_catalog() == f"sqlite:{tmp_path / 'data' / 'lake' / 'catalog.sqlite'}"
    assert (local.dbt_target, local.concurrent_writers, local.duckdb_config) == (
        "ducklake",
        True,
        {"memory_limit": "3GB", "threads": "1"},
    )
    assert local.redacted() == f"ducklake:///{tmp_path / 'data' / 'lake'}"

    shared = parse_warehouse_url("ducklake+postgresql://etl:s%40cret@db.local:6543/lake_catalog?data_path=/mnt/lake")
    assert (shared.engine, shared.lake, shared.data_path, shared.password) == (
        "duckdb",
        "postgres",
        "/mnt/lake",
        "s@cret",
    )
    assert shared.lake_catalog() == "postgres:dbname=lake_catalog host=db.local port=6543 user=etl password=s@cret"
    assert shared.redacted() == "ducklake+postgresql://etl@db.local:6543/lake_catalog?data_path=/mnt/lake"
    env = shared.dbt_env()
    assert env["GRIDCARE_LAKE_CATALOG"] == "postgres:dbname=lake_catalog host=db.local port=6543 user=etl"
    assert env["GRIDCARE_LAKE_PASSWORD"] == "s@cret"
    assert "s@cret" not in repr(shared) and "s@cret" not in shared.redacted()
    # A single DuckDB file admits one writer; the executor follows this.
    assert parse_warehouse_url("duckdb:///w.duckdb").concurrent_writers is False
    assert parse_warehouse_url("postgresql://etl@db/gridcare").concurrent_writers is True


def test_bad_lake_urls_say_what_is_expected():
    with pytest.raises(ValueError, match=r"needs \?data_path="):
        parse_warehouse_url("ducklake+postgresql://etl@db:5432/lake_catalog")
    with pytest.raises(ValueError, match="names no folder"):
        parse_warehouse_url("ducklake:///")
    with pytest.raises(ValueError, match="unknown DuckDB setting 'data_pth'"):
        parse_warehouse_url("ducklake:///data/lake?data_pth=/x")
    with pytest.raises(ValueError, match="scheme 'mysql'") as exc:
        parse_warehouse_url("mysql://etl:secret@db/gridcare")
    assert "secret" not in str(exc.value)


def test_the_warehouse_interface_on_the_lake(lake):
    wh = Warehouse(lake)
    assert isinstance(wh, DuckLakeWarehouse) and wh.engine == "duckdb"
    wh.ensure_raw_schema()
    wh.ensure_raw_schema()  # again: nothing to create, nothing fails
    assert wh.query("SELECT count(*) FROM raw.load_log") == [(0,)]
    frame = pd.DataFrame({"customer_id": ["C1", "C2"], "score": [0.5, 0.25]})
    assert wh.replace_table("ml", "scores", frame) == 2
    before = wh.snapshot_id()
    assert (
        wh.replace_rows(
            "ml", "scores", pd.DataFrame({"customer_id": ["C2", "C3"], "score": [0.75, 1.0]}), "customer_id", ["C1"]
        )
        == 2
    )
    assert wh.query("SELECT * FROM ml.scores ORDER BY customer_id") == [("C2", 0.75), ("C3", 1.0)]
    assert wh.snapshot_id() == before + 1  # one transaction, one snapshot
    chunks = iter([pd.DataFrame({"n": [1, 2]}), pd.DataFrame({"n": [3]})])
    assert wh.replace_table_in_chunks("ml", "pages", chunks) == 3
    assert wh.frame("SELECT sum(n) AS total FROM ml.pages")["total"].tolist() == [6]
    # Time travel: the rows as the snapshot before replace_rows left them.
    con = wh.connect(read_only=True)
    try:
        assert con.execute(f"SELECT * FROM ml.scores AT (VERSION => {before}) ORDER BY 1").fetchall() == [
            ("C1", 0.5),
            ("C2", 0.25),
        ]
        # Reads go through a read-only attachment: a query can never write.
        with pytest.raises(Exception, match="read-only|READ_ONLY|read only"):
            con.execute("CREATE TABLE ml.sneaky AS SELECT 1 AS x")
    finally:
        con.close()


def test_a_refused_commit_is_retried_and_any_other_error_is_not(tmp_path):
    wh = Warehouse(lake_url(tmp_path / "lake"))
    con = wh.connect()
    try:
        con.execute("CREATE TABLE t (n INTEGER)")
        attempts = []

        def work(con):
            attempts.append(1)
            con.execute("INSERT INTO t VALUES (?)", [len(attempts)])
            if len(attempts) < 3:
                import duckdb

                raise duckdb.TransactionException("Failed to commit DuckLake transaction: database is locked")

        wh.transaction(con, work)
        assert con.execute("SELECT * FROM t").fetchall() == [(3,)]  # the refused attempts left nothing
        with pytest.raises(ZeroDivisionError):
            wh.transaction(con, lambda con: 1 / 0)
    finally:
        con.close()
    assert not is_commit_conflict(ValueError("database is locked"))  # only DuckDB's own errors


WRITER = """
import sys
from orchestration.warehouse import Warehouse
url, day, rounds, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
wh = Warehouse(url)
con = wh.connect()
for i in range(rounds):
    def replace(con):
        con.execute("DELETE FROM raw.days WHERE day = ?", [day])
        con.execute("INSERT INTO raw.days SELECT ?, ?, range FROM range(?)", [day, i, rows])
    wh.transaction(con, replace)
con.close()
"""

READER = """
import json, sys, time
from orchestration.warehouse import Warehouse
wh = Warehouse(sys.argv[1])
seen, errors, until = [], [], time.monotonic() + float(sys.argv[2])
while time.monotonic() < until:
    try:
        seen.append(wh.query("SELECT day, round, count(*), sum(n) FROM raw.days GROUP BY ALL ORDER BY ALL"))
    except Exception as exc:
        errors.append(str(exc)[:200])
print(json.dumps({"seen": seen, "errors": errors}))
"""


def test_two_writers_of_different_days_and_a_reader_at_once(lake):
    """Each writer replaces its day 8 times in one transaction each; the reader must only ever see whole days."""
    rows, rounds = 20_000, 8
    wh = Warehouse(lake)
    con = wh.connect()
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE TABLE raw.days (day INTEGER, round INTEGER, n BIGINT)")
    con.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.monotonic()
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, lake, "15"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, lake, str(day), str(rounds), str(rows)],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for day in (1, 2)
    ]
    for w in writers:
        assert w.wait(timeout=300) == 0, w.stderr.read()
    took = time.monotonic() - start
    out, err = reader.communicate(timeout=300)
    assert reader.returncode == 0, err
    report = json.loads(out)
    assert report["errors"] == []
    whole = rows * (rows - 1) // 2
    for result in report["seen"]:
        # A day is absent, or present with all its rows from one round: never half of one, never two rounds.
        assert all(count == rows and total == whole for _, _, count, total in result), result
        assert len({day for day, *_ in result}) == len(result)
    assert len(report["seen"]) > 5, "the reader read while the writers wrote"
    assert wh.query("SELECT day, round, count(*) FROM raw.days GROUP BY ALL ORDER BY ALL") == [
        (1, rounds - 1, rows),
        (2, rounds - 1, rows),
    ]
    print(f"two writers × {rounds} rounds of {rows} rows: {took:.1f} s; reader saw {len(report['seen'])} snapshots")


def test_materializations_name_the_lake_snapshot_they_are_readable_at(tmp_path):
    import dagster as dg

    from orchestration.warehouse.assets import with_lake_snapshot

    lake = Warehouse(lake_url(tmp_path / "lake"))
    lake.replace_table("ml", "t", pd.DataFrame({"n": [1, 2, 3]}))
    events = [dg.Output(None, metadata={"rows": 3}), dg.AssetCheckResult(passed=True, asset_key="t", check_name="c")]
    output, check = with_lake_snapshot(events, lake)
    snapshot = lake.snapshot_id()
    assert output.metadata["rows"].value == 3 and output.metadata["lake_snapshot_id"].value == snapshot
    assert check is events[1]  # checks pass through unchanged
    assert lake.query(f"SELECT sum(n) FROM ml.t AT (VERSION => {snapshot})") == [(6,)]
    # Engines without snapshots add nothing.
    assert Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}").snapshot_metadata() == {}


PROCESSES = 6
ATTACH_AT = """
import sys, time
from orchestration.warehouse import Warehouse
url, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
wh = Warehouse(url)
wh.replace_table("ml", f"attached_{sys.argv[3]}", __import__("pandas").DataFrame({"n": [int(sys.argv[3])]}))
"""


@pytest.mark.postgres
def test_processes_attaching_a_new_postgres_catalog_at_once_all_succeed(make_pg_database, tmp_path):
    # Celery workers starting on an empty catalog database: each ATTACH would create the catalog's tables.
    url = lake_pg_url(make_pg_database(), tmp_path / "lake-data")
    start = time.time() + 8  # past every child's imports and extension loading
    procs = [
        subprocess.Popen([sys.executable, "-c", ATTACH_AT, url, str(start), str(i)], stderr=subprocess.PIPE, text=True)
        for i in range(PROCESSES)
    ]
    errors = [p.communicate(timeout=180)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * PROCESSES, "\n".join(errors)
    assert sorted(
        Warehouse(url).query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'ml'")
    ) == [(f"attached_{i}",) for i in range(PROCESSES)]
