"""What BI may read: the DuckDB copy holds marts and ml only and is swapped atomically; the lake is read where
it lies; PostgreSQL's bi_reader reads marts and ml and nothing else."""

from __future__ import annotations

import duckdb
import psycopg2
import pytest

from orchestration.bi.publish import grant_bi_reader, publish_duckdb_snapshot, snapshot_path, superset_connection

SCHEMAS = ("raw", "staging", "intermediate", "marts", "ml")


def _warehouse(path, marker: int) -> None:
    con = duckdb.connect(str(path))
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.execute(f"CREATE OR REPLACE TABLE {schema}.t AS SELECT range AS n, {marker} AS marker FROM range(3)")
    con.execute("CREATE OR REPLACE VIEW staging.v AS SELECT * FROM raw.t")
    con.close()


def test_snapshot_holds_marts_and_ml_only(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    _warehouse(wh, 1)
    rows = publish_duckdb_snapshot(wh)
    target = snapshot_path(wh)
    assert target == tmp_path / "bi" / "warehouse.duckdb"
    assert rows == {"marts.t": 3, "ml.t": 3}
    con = duckdb.connect(str(target), read_only=True)
    schemas = {r[0] for r in con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
    con.close()
    assert schemas == {"marts", "ml"}
    assert sorted(p.name for p in target.parent.iterdir()) == ["warehouse.duckdb"]


def test_superset_reads_the_lake_itself_the_copy_of_a_file_and_bi_reader_on_postgres(tmp_path):
    from orchestration.warehouse import parse_warehouse_url

    lake = superset_connection(parse_warehouse_url(f"ducklake:///{tmp_path / 'lake'}"))
    assert lake == {
        "SUPERSET_WAREHOUSE_URI": "duckdb:///:memory:",
        "GRIDCARE_LAKE_CATALOG": f"sqlite:{tmp_path / 'lake' / 'catalog.sqlite'}",
    }
    copy = superset_connection(parse_warehouse_url(f"duckdb:///{tmp_path / 'warehouse.duckdb'}"))
    assert copy == {"SUPERSET_WAREHOUSE_URI": f"duckdb:///{tmp_path / 'bi' / 'warehouse.duckdb'}"}
    # PostgreSQL: the bi_reader role's password is the operator's, never printed by the platform.
    assert superset_connection(parse_warehouse_url("postgresql://etl:secret@db:5432/wh")) == {}


def test_republishing_swaps_the_copy_under_an_open_reader(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    _warehouse(wh, 1)
    publish_duckdb_snapshot(wh)
    reader = duckdb.connect(str(snapshot_path(wh)), read_only=True)
    # A build writes the warehouse while BI holds the old copy open: neither waits for the other.
    _warehouse(wh, 2)
    publish_duckdb_snapshot(wh)
    assert reader.execute("SELECT max(marker) FROM marts.t").fetchone() == (1,)
    reader.close()
    fresh = duckdb.connect(str(snapshot_path(wh)), read_only=True)
    assert fresh.execute("SELECT max(marker) FROM marts.t").fetchone() == (2,)
    fresh.close()


def test_bi_reader_reads_marts_and_ml_and_nothing_else(pg_url):
    dbname = pg_url.rsplit("/", 1)[1]
    con = psycopg2.connect(host="127.0.0.1", user="postgres", dbname=dbname)
    with con, con.cursor() as cur:
        for schema in SCHEMAS:
            cur.execute(f"CREATE SCHEMA {schema}")
            cur.execute(f"CREATE TABLE {schema}.t AS SELECT generate_series(1, 3) AS n")
        grant_bi_reader(cur)
    con.close()

    bi = psycopg2.connect(host="127.0.0.1", user="bi_reader", dbname=dbname)
    bi.autocommit = True
    try:
        with bi.cursor() as cur:
            for schema in ("marts", "ml"):
                cur.execute(f"SELECT count(*) FROM {schema}.t")
                assert cur.fetchone() == (3,)
            for schema in ("raw", "staging", "intermediate"):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cur.execute(f"SELECT count(*) FROM {schema}.t")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("CREATE TABLE marts.mine (n int)")
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("DELETE FROM marts.t")
    finally:
        bi.close()
