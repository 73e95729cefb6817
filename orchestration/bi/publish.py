"""What BI users (Superset) may read, and how they read it without getting in a run's way.

DuckDB admits one writing process per file, and a reader holding the warehouse open would block the next
nightly run (or be blocked by it). So on DuckDB the pipeline publishes a read-only copy of the `marts` and
`ml` schemas after each successful build: written to a temporary file beside the copy and moved into place
with one rename, so Superset opens either the old copy or the new one, never half of one. Raw and staging
data (unmasked personal data) never reach the copy.

The lake needs no copy: every reader sees one committed snapshot, so Superset attaches the lake itself,
read-only (superset/superset_config.py), with SQL Lab and sub-queries off on that connection: its charts read
the `marts` and `ml` datasets and nothing a user types can reach `raw` or `staging`.

On PostgreSQL Superset connects as the role `bi_reader`, which may read `marts` and `ml` and nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from orchestration.warehouse.url import WarehouseUrl

BI_SCHEMAS = ("marts", "ml")
# Schemas holding personal data in clear or intermediate joins of it: never readable by BI.
PRIVATE_SCHEMAS = ("raw", "staging", "intermediate", "serving")
BI_READER = "bi_reader"


def snapshot_path(warehouse: Path) -> Path:
    """Where the BI copy of a DuckDB warehouse lives: `bi/` beside it (data/bi/warehouse.duckdb)."""
    return warehouse.parent / "bi" / warehouse.name


def publish_duckdb_snapshot(warehouse_path: Path, target: Path | None = None) -> dict[str, int]:
    """Copy the BI schemas of a DuckDB warehouse into `target` atomically; returns rows per copied table.

    Tables only (the marts and ML outputs are tables); a schema missing from the warehouse is skipped.
    """
    target = target or snapshot_path(warehouse_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    rows: dict[str, int] = {}
    con = duckdb.connect(str(tmp))
    try:
        con.execute(f"ATTACH '{warehouse_path}' AS src (READ_ONLY)")
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'src' "
            f"AND schema_name IN ({', '.join('?' * len(BI_SCHEMAS))}) ORDER BY 1, 2",
            list(BI_SCHEMAS),
        ).fetchall()
        for schema in sorted({s for s, _ in tables}):
            con.execute(f'CREATE SCHEMA "{schema}"')
        for schema, table in tables:
            con.execute(f'CREATE TABLE "{schema}"."{table}" AS SELECT * FROM src."{schema}"."{table}"')
            rows[f"{schema}.{table}"] = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
        con.execute("DETACH src")
        # Fold the write-ahead log into the file, so the renamed file is complete on its own.
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, target)
    return rows


def superset_connection(warehouse: WarehouseUrl) -> dict[str, str]:
    """How Superset reaches what BI may read, as environment variables for `make superset`.

    `SUPERSET_WAREHOUSE_URI`: the BI copy of a DuckDB file, or an in-memory DuckDB for the lake, which
    `GRIDCARE_LAKE_CATALOG` (the lake's catalog) makes superset_config.py attach read-only. PostgreSQL: none
    here, Superset connects as `bi_reader` with its own password (SUPERSET_WAREHOUSE_URI set by hand)."""
    if warehouse.lake:
        return {"SUPERSET_WAREHOUSE_URI": "duckdb:///:memory:", "GRIDCARE_LAKE_CATALOG": warehouse.lake_catalog()}
    if warehouse.engine == "duckdb":
        return {"SUPERSET_WAREHOUSE_URI": f"duckdb:///{snapshot_path(warehouse.path)}"}
    return {}


def grant_bi_reader(cur, password: str | None = None) -> None:
    """Create the `bi_reader` login role if missing and let it read `marts` and `ml` only (PostgreSQL).

    Run after every build: dbt recreates the mart tables, and a recreated table loses its grants.
    `cur` is a psycopg2 cursor of the warehouse's owner.
    """
    # Roles are cluster-wide: two test databases provisioning at once must not both create it.
    cur.execute("SELECT pg_advisory_xact_lock(7412)")
    cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (BI_READER,))
    if cur.fetchone() is None:
        cur.execute(f"CREATE ROLE {BI_READER} LOGIN")
    if password:
        cur.execute(f"ALTER ROLE {BI_READER} PASSWORD %s", (password,))
    cur.execute("SELECT current_database()")
    (dbname,) = cur.fetchone()
    cur.execute(f'GRANT CONNECT ON DATABASE "{dbname}" TO {BI_READER}')
    cur.execute("SELECT nspname FROM pg_namespace")
    existing = {r[0] for r in cur.fetchall()}
    for schema in BI_SCHEMAS:
        if schema in existing:
            cur.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {BI_READER}')
            cur.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {BI_READER}')
    for schema in PRIVATE_SCHEMAS:
        if schema in existing:
            cur.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM {BI_READER}')
            cur.execute(f'REVOKE ALL ON SCHEMA "{schema}" FROM {BI_READER}')
