"""What BI users (Superset) may read, and how they read it without getting in a run's way.

DuckDB admits one writing process per file, and a reader holding the warehouse open would block the next
nightly run (or be blocked by it). So on DuckDB the pipeline publishes a read-only copy of the `marts` and
`ml` schemas after each successful build: written to a temporary file beside the copy and moved into place
with one rename, so Superset opens either the old copy or the new one, never half of one. Raw and staging
data (unmasked personal data) never reach the copy.

The lake publishes the same copy for now (Superset's configuration reads that file); a reader of the lake
itself would see whole snapshots too, which is where BI goes next.

On PostgreSQL Superset connects as the role `bi_reader`, which may read `marts` and `ml` and nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from orchestration.warehouse.extensions import OFFLINE, load_extensions
from orchestration.warehouse.lake_warehouse import attach_sql
from orchestration.warehouse.url import WarehouseUrl

BI_SCHEMAS = ("marts", "ml")
# Schemas holding personal data in clear or intermediate joins of it: never readable by BI.
PRIVATE_SCHEMAS = ("raw", "staging", "intermediate", "serving")
BI_READER = "bi_reader"


def snapshot_path(warehouse: Path | WarehouseUrl) -> Path:
    """Where the BI copy of a DuckDB file or a lake lives: `bi/` beside it (data/bi/warehouse.duckdb).

    A lake with a PostgreSQL catalog has no folder of its own: its copy goes to data/bi/ under the working
    directory (the repository when run through make)."""
    if isinstance(warehouse, Path):
        return warehouse.parent / "bi" / warehouse.name
    if warehouse.lake == "postgres":
        return Path("data/bi/warehouse.duckdb").resolve()
    if warehouse.lake == "sqlite":
        return warehouse.path.parent / "bi" / "warehouse.duckdb"
    return snapshot_path(warehouse.path)


def publish_duckdb_snapshot(source: Path | WarehouseUrl, target: Path | None = None) -> dict[str, int]:
    """Copy the BI schemas of a DuckDB file or a lake into `target` atomically; returns rows per copied table.

    Tables only (the marts and ML outputs are tables); a schema missing from the warehouse is skipped. A lake is
    read at one snapshot (one transaction), so the copy never mixes two runs.
    """
    target = target or snapshot_path(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    for stale in (tmp, tmp.with_name(tmp.name + ".wal")):
        stale.unlink(missing_ok=True)
    rows: dict[str, int] = {}
    lake = isinstance(source, WarehouseUrl) and source.lake
    con = duckdb.connect(str(tmp), config=OFFLINE if lake else {})
    try:
        if lake:
            load_extensions(con)
            con.execute(attach_sql(source.lake_catalog(), str(source.data_path), "src", read_only=True))
            con.execute("BEGIN TRANSACTION")
        else:
            path = source.path if isinstance(source, WarehouseUrl) else source
            con.execute(f"ATTACH '{path}' AS src (READ_ONLY)")
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
        if lake:
            con.execute("COMMIT")
        con.execute("DETACH src")
        # Fold the write-ahead log into the file, so the renamed file is complete on its own.
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, target)
    return rows


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
