"""One warehouse, two engines: the embedded DuckDB file or PostgreSQL, chosen by a URL.

Everything that writes the `raw` schema goes through `Warehouse`, so the ingestion code is written once.
Connections are opened per operation and closed at once: a DuckDB file admits one writing process, and the
dbt subprocess, notebooks and Superset's publisher must be able to open it between two assets.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence
from urllib.parse import parse_qsl, unquote, urlparse

import duckdb

from orchestration.lib.landing.contract import DATASETS, LINEAGE_COLUMNS, Dataset

RAW_SCHEMA = "raw"

# Contract types as each engine spells them.
SQL_TYPES = {
    "duckdb": {
        "text": "VARCHAR",
        "code": "VARCHAR",
        "decimal": "DOUBLE",
        "integer": "INTEGER",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "boolean": "BOOLEAN",
    },
    "postgres": {
        "text": "TEXT",
        "code": "TEXT",
        "decimal": "DOUBLE PRECISION",
        "integer": "INTEGER",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "boolean": "BOOLEAN",
    },
}

# Columns a dataset's raw table has beyond the contract's, computed at load time.
DERIVED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "meter_readings": (("is_unknown_customer", "boolean"),),
}

REJECTS_COLUMNS = (
    ("dataset", "text"),
    ("source_file", "text"),
    ("line", "integer"),
    ("column_name", "text"),
    ("reason", "text"),
    ("raw_record", "text"),
    ("delivery_date", "date"),
    ("rejected_at", "timestamp"),
)
# Steps of one run write the warehouse from parallel processes on PostgreSQL, and concurrent `CREATE SCHEMA IF NOT
# EXISTS` of the same schema fails there (a unique violation in the catalog): every DDL transaction of the
# platform takes this advisory lock first, so they run one after another.
PG_DDL_LOCK = 7411

# DuckDB keeps what it read cached up to its memory limit, 80 % of the machine by default: one process
# loading a year of readings then holds many GB it does not need. The platform's processes (the run and dbt,
# one after the other) each get this much unless WAREHOUSE_URL says otherwise; past it DuckDB spills to disk.
DUCKDB_MEMORY_LIMIT = "3GB"
DUCKDB_SETTINGS = ("memory_limit", "threads")

LOAD_LOG_COLUMNS = (
    ("dataset", "text"),
    ("source_file", "text"),
    ("sha256", "text"),
    ("delivery_date", "date"),
    ("rows_read", "integer"),
    ("rows_loaded", "integer"),
    ("rows_rejected", "integer"),
    ("status", "text"),
    ("message", "text"),
    ("loaded_at", "timestamp"),
)


def raw_columns(dataset: Dataset) -> tuple[tuple[str, str], ...]:
    """(name, contract type) of every column of a dataset's raw table, in table order."""
    return (
        tuple((c.name, c.type) for c in dataset.columns)
        + DERIVED_COLUMNS.get(dataset.name, ())
        + LINEAGE_COLUMNS
    )


@dataclass(frozen=True)
class WarehouseUrl:
    """A parsed `WAREHOUSE_URL`."""

    engine: str  # duckdb | postgres
    path: Path | None = None  # duckdb file
    host: str = "127.0.0.1"
    port: int = 5432
    user: str = "postgres"
    password: str = field(default="", repr=False)
    dbname: str = "postgres"
    # DuckDB settings from the URL's query (`duckdb:///wh.duckdb?memory_limit=8GB&threads=4`), for every
    # connection the platform opens, dbt's included.
    duckdb_settings: tuple[tuple[str, str], ...] = ()

    @property
    def dbt_target(self) -> str:
        return self.engine

    @property
    def duckdb_config(self) -> dict[str, str]:
        return dict(self.duckdb_settings)

    def dbt_env(self) -> dict[str, str]:
        """Environment variables that dbt_project/profiles.yml reads (its only source of connections)."""
        if self.engine == "duckdb":
            return {"GRIDCARE_DUCKDB_PATH": str(self.path), "GRIDCARE_DUCKDB_MEMORY_LIMIT": self.duckdb_config["memory_limit"]}
        return {
            "GRIDCARE_PG_HOST": self.host,
            "GRIDCARE_PG_PORT": str(self.port),
            "GRIDCARE_PG_USER": self.user,
            "GRIDCARE_PG_PASSWORD": self.password,
            "GRIDCARE_PG_DBNAME": self.dbname,
        }

    def redacted(self) -> str:
        """The URL for logs and metadata: never the password."""
        if self.engine == "duckdb":
            return f"duckdb:///{self.path}"
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"


def parse_warehouse_url(url: str) -> WarehouseUrl:
    """Parse `duckdb:///relative/path`, `duckdb:////absolute/path` or `postgresql://user:pw@host:port/db`.

    DuckDB paths follow SQLAlchemy's convention: three slashes and a relative path (resolved against the
    working directory), four slashes for an absolute one.
    """
    if url.startswith("duckdb:///"):
        raw_path, _, query = url[len("duckdb:///") :].partition("?")
        if not raw_path:
            raise ValueError("WAREHOUSE_URL 'duckdb:///' names no file, e.g. duckdb:///data/warehouse.duckdb")
        settings = dict(parse_qsl(query))
        unknown = sorted(set(settings) - set(DUCKDB_SETTINGS))
        if unknown:
            raise ValueError(f"WAREHOUSE_URL: unknown DuckDB setting {unknown[0]!r}; known: {', '.join(DUCKDB_SETTINGS)}")
        settings = {"memory_limit": DUCKDB_MEMORY_LIMIT, **settings}
        return WarehouseUrl(engine="duckdb", path=Path(raw_path).resolve(), duckdb_settings=tuple(sorted(settings.items())))
    parsed = urlparse(url)
    if parsed.scheme in ("postgresql", "postgres", "postgresql+psycopg2"):
        return WarehouseUrl(
            engine="postgres",
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            dbname=(parsed.path or "/postgres").lstrip("/") or "postgres",
        )
    raise ValueError(
        f"WAREHOUSE_URL {url!r} is neither duckdb:///<path> nor postgresql://user@host:port/db"
    )


class Warehouse:
    """The raw layer of the warehouse on either engine."""

    def __init__(self, url: WarehouseUrl | str):
        self.url = parse_warehouse_url(url) if isinstance(url, str) else url
        self.engine = self.url.engine

    # -- connections -------------------------------------------------------------------------
    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A connection to the DuckDB warehouse file with the URL's settings (DuckDB only)."""
        self.url.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.url.path), read_only=read_only)
        # SET, not connect(config=...): a process holding the file through another connection (a notebook, a
        # test) would otherwise be refused for a "different configuration"; these settings are per instance.
        for name, value in self.url.duckdb_settings:
            quoted = value.replace("'", "''")
            con.execute(f"SET {name} = '{quoted}'")
        return con

    @contextlib.contextmanager
    def scratch(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB connection where landing files are read and validated.

        On DuckDB it is the warehouse itself, so validated rows never leave the engine; on PostgreSQL it is
        an in-memory DuckDB whose validated rows are then copied over.
        """
        if self.engine == "duckdb":
            self.url.path.parent.mkdir(parents=True, exist_ok=True)
            con = self.connect()
        else:
            con = duckdb.connect()
            con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
        try:
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def pg(self):
        """A psycopg2 connection (PostgreSQL only), committed on success and rolled back on error."""
        import psycopg2

        con = psycopg2.connect(
            host=self.url.host,
            port=self.url.port,
            user=self.url.user,
            password=self.url.password,
            dbname=self.url.dbname,
            application_name="gridcare",
        )
        try:
            yield con
            con.commit()
        except BaseException:
            con.rollback()
            raise
        finally:
            con.close()

    def query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """Run a read query on the warehouse and return all rows (parameters as `?`)."""
        if self.engine == "duckdb":
            con = self.connect(read_only=self.url.path.exists())
            try:
                return con.execute(sql, list(params)).fetchall()
            finally:
                con.close()
        with self.pg() as con, con.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), tuple(params))
            return cur.fetchall() if cur.description else []

    def frame(self, sql: str, params: Sequence = ()):
        """`query` as a pandas DataFrame with the result's column names (notebooks, ML training reads)."""
        import pandas as pd

        if self.engine == "duckdb":
            con = self.connect(read_only=self.url.path.exists())
            try:
                return con.execute(sql, list(params)).df()
            finally:
                con.close()
        with self.pg() as con, con.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), tuple(params))
            return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])

    # -- schema ------------------------------------------------------------------------------
    def _ddl(self) -> list[str]:
        types = SQL_TYPES[self.engine]

        def cols(spec):
            return ", ".join(f'"{n}" {types[t]}' for n, t in spec)

        stmts = [f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}"]
        for ds in DATASETS.values():
            stmts.append(f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.{ds.table} ({cols(raw_columns(ds))})")
        stmts.append(f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.rejects ({cols(REJECTS_COLUMNS)})")
        stmts.append(f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.load_log ({cols(LOAD_LOG_COLUMNS)})")
        if self.engine == "postgres":
            stmts += _pg_delivery_indexes()
        return stmts

    def _added_columns_ddl(self, existing: set[tuple[str, str]]) -> list[str]:
        """ALTER statements for contract columns a raw table created before them lacks.

        An optional column added to the contract later (service_tickets.callback_at) must reach a raw table
        created before it; loads insert by name, so its place at the end does not matter. Only missing
        columns are altered: an ALTER takes PostgreSQL's strongest lock even when it changes nothing.
        """
        types = SQL_TYPES[self.engine]
        return [
            f'ALTER TABLE {RAW_SCHEMA}.{ds.table} ADD COLUMN "{name}" {types[kind]}'
            for ds in DATASETS.values()
            for name, kind in raw_columns(ds)
            if (ds.table, name) not in existing
        ]

    def ensure_raw_schema(self) -> None:
        """Create the raw schema, its tables, the rejects and the load log where missing."""
        columns = (
            "SELECT table_name, column_name FROM information_schema.columns "
            f"WHERE table_schema = '{RAW_SCHEMA}'"
        )
        if self.engine == "duckdb":
            with self.scratch() as con:
                for stmt in self._ddl():
                    con.execute(stmt)
                for stmt in self._added_columns_ddl(set(con.execute(columns).fetchall())):
                    con.execute(stmt)
        else:
            with self.pg() as con, con.cursor() as cur:
                # Two processes creating the same schema race on PostgreSQL's catalog: serialise them.
                cur.execute(f"SELECT pg_advisory_xact_lock({PG_DDL_LOCK})")
                for stmt in self._ddl():
                    cur.execute(stmt)
                cur.execute(columns)
                for stmt in self._added_columns_ddl(set(cur.fetchall())):
                    cur.execute(stmt)

    def analyze(self, table: str) -> None:
        """Fresh planner statistics for a raw table after a load (PostgreSQL; DuckDB keeps its own as it writes).

        Without them PostgreSQL plans dbt's joins over a freshly loaded year from the empty table's estimates.
        """
        if self.engine == "postgres":
            with self.pg() as con, con.cursor() as cur:
                cur.execute(f"ANALYZE {RAW_SCHEMA}.{table}")

    def last_loads(self, dataset: str) -> dict[str, str]:
        """Latest sha256 per file of a dataset that was loaded, so unchanged files are skipped."""
        rows = self.query(
            f"""SELECT source_file, sha256 FROM (
                  SELECT source_file, sha256, status,
                         row_number() OVER (PARTITION BY source_file ORDER BY loaded_at DESC) AS rn
                  FROM {RAW_SCHEMA}.load_log WHERE dataset = ?) t
                WHERE rn = 1 AND status = 'loaded'""",
            (dataset,),
        )
        return dict(rows)

    def known_customer_ids(self, scratch: duckdb.DuckDBPyConnection) -> str:
        """A relation listing the current snapshot's customer IDs, readable from the `scratch` connection.

        On PostgreSQL the scratch database is a separate in-memory DuckDB: the IDs are copied into it once per
        load, so the flag is computed with the rest of the file's checks. (An UPDATE of each delivered day
        inside its transaction wrote every reading twice and took ~40 % of a readings file's load.)
        """
        if self.engine == "duckdb":
            return f"(SELECT customer_id FROM {RAW_SCHEMA}.raw_cis__customers)"
        with tempfile.TemporaryDirectory(prefix="gridcare-known-") as tmp:
            ids = Path(tmp) / "customer_ids.csv"
            with self.pg() as pg, pg.cursor() as cur, open(ids, "w", encoding="utf-8", newline="") as fh:
                cur.copy_expert(
                    f"COPY (SELECT customer_id FROM {RAW_SCHEMA}.raw_cis__customers) TO STDOUT WITH (FORMAT csv)", fh
                )
            # A table, not a temp table: the files of a load are checked on several connections (cursors).
            scratch.execute(
                f"""CREATE OR REPLACE TABLE _known_customers AS
                    SELECT customer_id FROM read_csv('{ids}', header = false, auto_detect = false, delim = ',',
                                                     quote = '"', escape = '"', columns = {{'customer_id': 'VARCHAR'}})"""
            )
        return "(SELECT customer_id FROM _known_customers)"

    def replace_table(self, schema: str, table: str, frame) -> int:
        """Replace `schema.table` with a pandas/polars/Arrow frame in one transaction; returns its row count.

        For derived outputs (ML scores, work orders) that are recomputed whole; raw data never goes this way.
        """
        return _replace_table(self, schema, table, frame)

    def replace_table_in_chunks(self, schema: str, table: str, chunks: Iterable) -> int:
        """Replace `schema.table` with the concatenation of `chunks` (frames of equal columns) without ever
        holding more than one chunk; returns the row count.

        Chunks are appended to `<table>__loading`, then swapped in with one transaction, so readers see the
        old table until the last chunk is written. Each chunk opens and closes its own connection: producing
        the next chunk may read the same DuckDB file (one process cannot hold it read-write and read-only).
        An empty iterator leaves an existing table untouched and returns 0.
        """
        return _replace_table_in_chunks(self, schema, table, chunks)

    def replace_rows(self, schema: str, table: str, frame, key: str, delete_keys: Sequence = ()) -> int:
        """Replace the rows of an existing `schema.table` whose `key` is in `frame` with `frame`'s rows, and
        delete those whose key is in `delete_keys`, in one transaction; returns the number of rows deleted.

        For derived outputs updated incrementally: a re-run with the same frame deletes what it inserted
        before, so it never duplicates a row. `frame` holds the table's columns (any order).
        """
        return _replace_rows(self, schema, table, frame, key, delete_keys)

    # -- the one write path ------------------------------------------------------------------
    def commit_delivery(
        self,
        con: duckdb.DuckDBPyConnection,
        dataset: Dataset,
        delivery_date,
        good: str | None,
        rejects: str | None,
        log_row: dict,
    ) -> None:
        """Replace a delivery (a day of a daily dataset, or a whole snapshot) in one transaction.

        `good` and `rejects` name relations in the scratch connection `con` holding exactly the raw table's
        and raw.rejects' columns; either may be None (a file rejected whole writes only its load-log row).
        """
        table = f"{RAW_SCHEMA}.{dataset.table}"
        log_cols = [n for n, _ in LOAD_LOG_COLUMNS]
        log_values = [log_row[n] for n in log_cols]
        if dataset.daily:
            where, where_rej, args = "_delivery_date = ?", "dataset = ? AND delivery_date = ?", [delivery_date]
        else:
            where, where_rej, args = "TRUE", "dataset = ?", []
        if self.engine == "duckdb":
            con.execute("BEGIN TRANSACTION")
            try:
                if good is not None:
                    con.execute(f"DELETE FROM {table} WHERE {where}", args)
                    con.execute(f"DELETE FROM {RAW_SCHEMA}.rejects WHERE {where_rej}", [dataset.name] + args)
                    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {good}")
                    con.execute(f"INSERT INTO {RAW_SCHEMA}.rejects BY NAME SELECT * FROM {rejects}")
                con.execute(
                    f"INSERT INTO {RAW_SCHEMA}.load_log ({', '.join(log_cols)}) VALUES ({', '.join('?' * len(log_cols))})",
                    log_values,
                )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return
        with self.pg() as pg, pg.cursor() as cur:
            if good is not None:
                cur.execute(f"DELETE FROM {table} WHERE {where.replace('?', '%s')}", args)
                cur.execute(
                    f"DELETE FROM {RAW_SCHEMA}.rejects WHERE {where_rej.replace('?', '%s')}", [dataset.name] + args
                )
                _copy_into(con, cur, good, table, [n for n, _ in raw_columns(dataset)])
                _copy_into(con, cur, rejects, f"{RAW_SCHEMA}.rejects", [n for n, _ in REJECTS_COLUMNS])
            cur.execute(
                f"INSERT INTO {RAW_SCHEMA}.load_log ({', '.join(log_cols)}) VALUES ({', '.join(['%s'] * len(log_cols))})",
                log_values,
            )


def _pg_delivery_indexes() -> list[str]:
    """Indexes for what each delivery deletes and looks up on PostgreSQL.

    A delivery replaces its day (`commit_delivery`): without an index every file's DELETE reads the whole raw
    table, so a nightly run grew with the history and a year's backfill with its square (the 100k x 365 bench
    loaded telemetry at 49 k rows/s). DuckDB needs none: its zone maps skip the other days.
    """
    stmts = [
        f"CREATE INDEX IF NOT EXISTS {ds.table}__delivery_date ON {RAW_SCHEMA}.{ds.table} (_delivery_date)"
        for ds in DATASETS.values()
        if ds.daily
    ]
    stmts.append(f"CREATE INDEX IF NOT EXISTS rejects__dataset_day ON {RAW_SCHEMA}.rejects (dataset, delivery_date)")
    stmts.append(f"CREATE INDEX IF NOT EXISTS load_log__dataset ON {RAW_SCHEMA}.load_log (dataset, source_file)")
    return stmts


_PG_FROM_DUCKDB = {
    "VARCHAR": "TEXT",
    "DOUBLE": "DOUBLE PRECISION",
    "FLOAT": "REAL",
    "BIGINT": "BIGINT",
    "INTEGER": "INTEGER",
    "SMALLINT": "SMALLINT",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP",
    "TIMESTAMP_NS": "TIMESTAMP",
    "TIMESTAMP_US": "TIMESTAMP",
}


def _replace_table(wh: "Warehouse", schema: str, table: str, frame) -> int:
    """Body of `Warehouse.replace_table` (kept apart so the class reads as the raw layer's API)."""
    con = wh.connect() if wh.engine == "duckdb" else duckdb.connect()
    try:
        con.register("_frame", frame)
        rows = con.execute("SELECT count(*) FROM _frame").fetchone()[0]
        if wh.engine == "duckdb":
            con.execute("BEGIN TRANSACTION")
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.execute(f"CREATE OR REPLACE TABLE {schema}.{table} AS SELECT * FROM _frame")
            con.execute("COMMIT")
            return rows
        con.execute("CREATE TEMP TABLE _rows AS SELECT * FROM _frame")
        described = con.execute("DESCRIBE _rows").fetchall()
        cols = [(name, _PG_FROM_DUCKDB.get(str(kind).split("(")[0], "TEXT")) for name, kind, *_ in described]
        with wh.pg() as pg, pg.cursor() as cur:
            cur.execute(f"SELECT pg_advisory_xact_lock({PG_DDL_LOCK})")
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            cur.execute(
                "SELECT column_name, upper(data_type) FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position", (schema, table),
            )
            existing = [(n, t.replace(" WITHOUT TIME ZONE", "")) for n, t in cur.fetchall()]
            if existing == cols:
                # Same columns and types: keep the table, so views built on it (dbt staging) survive the
                # reload; PostgreSQL refuses to drop a table a view depends on.
                cur.execute(f"DELETE FROM {schema}.{table}")
            else:
                cur.execute(f"DROP TABLE IF EXISTS {schema}.{table}")
                cur.execute(
                    f"CREATE TABLE {schema}.{table} ({', '.join(f'{chr(34)}{n}{chr(34)} {t}' for n, t in cols)})"
                )
            _copy_into(con, cur, "_rows", f"{schema}.{table}", [n for n, _ in cols])
        return rows
    finally:
        con.close()


def _replace_table_in_chunks(wh: "Warehouse", schema: str, table: str, chunks: Iterable) -> int:
    """Body of `Warehouse.replace_table_in_chunks`."""
    loading, rows, columns = f"{table}__loading", 0, None
    for frame in chunks:
        con = wh.connect() if wh.engine == "duckdb" else duckdb.connect()
        try:
            con.register("_frame", frame)
            rows += con.execute("SELECT count(*) FROM _frame").fetchone()[0]
            if wh.engine == "duckdb":
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                if columns is None:
                    con.execute(f"CREATE OR REPLACE TABLE {schema}.{loading} AS SELECT * FROM _frame")
                    columns = [d[0] for d in con.execute("DESCRIBE _frame").fetchall()]
                else:
                    con.execute(f"INSERT INTO {schema}.{loading} BY NAME SELECT * FROM _frame")
                continue
            con.execute("CREATE TEMP TABLE _rows AS SELECT * FROM _frame")
            described = con.execute("DESCRIBE _rows").fetchall()
            with wh.pg() as pg, pg.cursor() as cur:
                if columns is None:
                    columns = [(n, _PG_FROM_DUCKDB.get(str(k).split("(")[0], "TEXT")) for n, k, *_ in described]
                    cur.execute(f"SELECT pg_advisory_xact_lock({PG_DDL_LOCK})")
                    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                    cur.execute(f"DROP TABLE IF EXISTS {schema}.{loading}")
                    cur.execute(f"CREATE TABLE {schema}.{loading} ({', '.join(f'{chr(34)}{n}{chr(34)} {t}' for n, t in columns)})")
                _copy_into(con, cur, "_rows", f"{schema}.{loading}", [n for n, _ in columns])
        finally:
            con.close()
    if columns is None:
        return 0
    swap = [f"DROP TABLE IF EXISTS {schema}.{table}", f"ALTER TABLE {schema}.{loading} RENAME TO {table}"]
    if wh.engine == "duckdb":
        con = wh.connect()
        try:
            con.execute("BEGIN TRANSACTION")
            for stmt in swap:
                con.execute(stmt)
            con.execute("COMMIT")
        finally:
            con.close()
    else:
        with wh.pg() as pg, pg.cursor() as cur:
            for stmt in swap:
                cur.execute(stmt)
    return rows


def _replace_rows(wh: "Warehouse", schema: str, table: str, frame, key: str, delete_keys: Sequence) -> int:
    """Body of `Warehouse.replace_rows`."""
    import pandas as pd

    target = f"{schema}.{table}"
    keys = pd.DataFrame({key: pd.concat([frame[key], pd.Series(list(delete_keys), dtype=object)], ignore_index=True)})
    if keys.empty:
        return 0
    con = wh.connect() if wh.engine == "duckdb" else duckdb.connect()
    try:
        con.register("_frame", frame)
        con.register("_keys_frame", keys)
        con.execute(f'CREATE TEMP TABLE _keys AS SELECT DISTINCT "{key}" FROM _keys_frame')
        if wh.engine == "duckdb":
            con.execute("BEGIN TRANSACTION")
            try:
                deleted = con.execute(
                    f'DELETE FROM {target} WHERE "{key}" IN (SELECT "{key}" FROM _keys)'
                ).fetchone()[0]
                if len(frame):
                    con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _frame")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return deleted
        key_type = _PG_FROM_DUCKDB.get(str(con.execute("DESCRIBE _keys").fetchone()[1]).split("(")[0], "TEXT")
        with wh.pg() as pg, pg.cursor() as cur:
            # Two runs of the same night must not both insert: the second waits, then deletes the first's rows.
            cur.execute(f"LOCK TABLE {target} IN SHARE ROW EXCLUSIVE MODE")
            cur.execute(f'CREATE TEMP TABLE _keys ("{key}" {key_type}) ON COMMIT DROP')
            _copy_into(con, cur, "_keys", "_keys", [key])
            cur.execute(f'DELETE FROM {target} t USING _keys k WHERE t."{key}" = k."{key}"')
            deleted = cur.rowcount
            if len(frame):
                _copy_into(con, cur, "_frame", target, [d[0] for d in con.execute("DESCRIBE _frame").fetchall()])
        return deleted
    finally:
        con.close()


def _copy_into(con: duckdb.DuckDBPyConnection, cur, relation: str, table: str, columns: list[str]) -> None:
    """Stream a DuckDB relation into a PostgreSQL table with COPY (one CSV file, no Python per row)."""
    col_list = ", ".join(f'"{c}"' for c in columns)
    with tempfile.TemporaryDirectory(prefix="gridcare-copy-") as tmp:
        path = os.path.join(tmp, "rows.csv")
        # FORCE_QUOTE keeps empty strings apart from NULLs, which PostgreSQL's CSV COPY reads as unquoted empties.
        con.execute(
            f"COPY (SELECT {col_list} FROM {relation}) TO '{path}' (HEADER, FORCE_QUOTE *, NULL '')"
        )
        with open(path, "rb") as fh:
            cur.copy_expert(f"COPY {table} ({col_list}) FROM STDIN WITH (FORMAT csv, HEADER true)", fh)


__all__ = ["Warehouse", "WarehouseUrl", "parse_warehouse_url", "raw_columns", "RAW_SCHEMA"]
