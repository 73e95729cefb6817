"""The warehouse in PostgreSQL: landing files are validated in an in-memory DuckDB, then copied over.

Every write is one PostgreSQL transaction fed by COPY; tables that views read are refilled in place, never
dropped (PostgreSQL refuses to drop a table a view depends on, and readers keep seeing the previous rows until
the commit). Parallel steps of one run serialise their DDL on one advisory lock.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import duckdb

from orchestration.ingestion.contract import DATASETS, Dataset
from orchestration.warehouse.base import Warehouse, delivery_scope, keys_frame, raw_ddl
from orchestration.warehouse.schema import LOAD_LOG_COLUMNS, RAW_SCHEMA, REJECTS_COLUMNS, raw_columns
from orchestration.warehouse.url import DUCKDB_MEMORY_LIMIT

TYPES = {
    "text": "TEXT",
    "code": "TEXT",
    "decimal": "DOUBLE PRECISION",
    "integer": "INTEGER",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}
# Steps of one run write the warehouse from parallel processes, and concurrent `CREATE SCHEMA IF NOT EXISTS` of
# the same schema fails here (a unique violation in the catalog): every DDL transaction of the platform takes
# this advisory lock first, so they run one after another.
PG_DDL_LOCK = 7411


class PostgresWarehouse(Warehouse):
    """PostgreSQL as the warehouse: parallel writers, one transaction per delivery or output."""

    engine = "postgres"

    def pg(self):
        """A psycopg2 connection, committed on success and rolled back on error."""
        import psycopg2

        con = psycopg2.connect(
            host=self.url.host,
            port=self.url.port,
            user=self.url.user,
            password=self.url.password,
            dbname=self.url.dbname,
            application_name="gridcare",
        )
        return committed(con, release=lambda c: c.close())

    def query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self.pg() as con, con.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), tuple(params))
            return cur.fetchall() if cur.description else []

    def frame(self, sql: str, params: Sequence = ()):
        import pandas as pd

        with self.pg() as con, con.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), tuple(params))
            return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])

    def add_column_sql(self, schema: str, table: str, column: str, kind: str) -> str:
        return _add_column(table, column, kind, schema)

    def ensure_raw_schema(self) -> None:
        with self.pg() as con, con.cursor() as cur:
            # Two processes creating the same schema race on PostgreSQL's catalog: serialise them.
            cur.execute(f"SELECT pg_advisory_xact_lock({PG_DDL_LOCK})")
            for stmt in raw_ddl(TYPES, _add_column) + _pg_delivery_indexes():
                cur.execute(stmt)

    def analyze(self, table: str) -> None:
        """Without fresh statistics PostgreSQL plans dbt's joins over a freshly loaded year from the empty
        table's estimates (DuckDB keeps its own as it writes)."""
        with self.pg() as con, con.cursor() as cur:
            cur.execute(f"ANALYZE {RAW_SCHEMA}.{table}")

    @contextlib.contextmanager
    def scratch(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """An in-memory DuckDB whose validated rows `commit_delivery` copies over."""
        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
        try:
            yield con
        finally:
            con.close()

    def known_customer_ids(self, scratch: duckdb.DuckDBPyConnection) -> str:
        """The IDs are copied into the scratch database once per load, so the flag is computed with the rest
        of the file's checks. (An UPDATE of each delivered day inside its transaction wrote every reading twice
        and took ~40 % of a readings file's load.)"""
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

    def commit_delivery(
        self,
        con: duckdb.DuckDBPyConnection,
        dataset: Dataset,
        delivery_date,
        good: str | None,
        rejects: str | None,
        log_row: dict,
    ) -> None:
        table = f"{RAW_SCHEMA}.{dataset.table}"
        where, where_rej, args = delivery_scope(dataset, delivery_date)
        log_cols = [n for n, _ in LOAD_LOG_COLUMNS]
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
                [log_row[n] for n in log_cols],
            )

    def replace_table(self, schema: str, table: str, frame) -> int:
        con = duckdb.connect()
        try:
            con.register("_frame", frame)
            rows = con.execute("SELECT count(*) FROM _frame").fetchone()[0]
            con.execute("CREATE TEMP TABLE _rows AS SELECT * FROM _frame")
            cols = _pg_columns(con, "_rows")
            with self.pg() as pg, pg.cursor() as cur:
                cur.execute(f"CREATE TEMP TABLE _incoming ({_pg_column_defs(cols)}) ON COMMIT DROP")
                _copy_into(con, cur, "_rows", "_incoming", [n for n, _ in cols])
                _pg_refill(cur, schema, table, "_incoming", cols)
            return rows
        finally:
            con.close()

    def replace_table_in_chunks(self, schema: str, table: str, chunks: Iterable) -> int:
        loading, rows, columns = f"{table}__loading", 0, None
        for frame in chunks:
            con = duckdb.connect()
            try:
                con.register("_frame", frame)
                rows += con.execute("SELECT count(*) FROM _frame").fetchone()[0]
                con.execute("CREATE TEMP TABLE _rows AS SELECT * FROM _frame")
                with self.pg() as pg, pg.cursor() as cur:
                    if columns is None:
                        columns = _pg_columns(con, "_rows")
                        cur.execute(f"SELECT pg_advisory_xact_lock({PG_DDL_LOCK})")
                        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                        # Nothing reads the loading table: it can be dropped, unlike the table it refills.
                        cur.execute(f"DROP TABLE IF EXISTS {schema}.{loading}")
                        cur.execute(f"CREATE TABLE {schema}.{loading} ({_pg_column_defs(columns)})")
                    _copy_into(con, cur, "_rows", f"{schema}.{loading}", [n for n, _ in columns])
            finally:
                con.close()
        if columns is None:
            return 0
        with self.pg() as pg, pg.cursor() as cur:
            _pg_refill(cur, schema, table, f"{schema}.{loading}", columns)
            cur.execute(f"DROP TABLE {schema}.{loading}")
        return rows

    def replace_rows(self, schema: str, table: str, frame, key: str, delete_keys: Sequence = ()) -> int:
        keys = keys_frame(frame, key, delete_keys)
        if keys.empty:
            return 0
        target = f"{schema}.{table}"
        con = duckdb.connect()
        try:
            con.register("_frame", frame)
            con.register("_keys_frame", keys)
            con.execute(f'CREATE TEMP TABLE _keys AS SELECT DISTINCT "{key}" FROM _keys_frame')
            key_type = _PG_FROM_DUCKDB.get(str(con.execute("DESCRIBE _keys").fetchone()[1]).split("(")[0], "TEXT")
            with self.pg() as pg, pg.cursor() as cur:
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


def _add_column(table: str, column: str, kind: str, schema: str = RAW_SCHEMA) -> str:
    """Even `ADD COLUMN IF NOT EXISTS` locks the table exclusively on PostgreSQL: ask the catalog first."""
    return (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = "
        f"'{schema}' AND table_name = '{table}' AND column_name = '{column}') THEN "
        f'ALTER TABLE {schema}.{table} ADD COLUMN "{column}" {kind}; END IF; END $$'
    )


def _pg_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    """(name, PostgreSQL type) of a DuckDB relation's columns."""
    described = con.execute(f"DESCRIBE {relation}").fetchall()
    return [(name, _PG_FROM_DUCKDB.get(str(kind).split("(")[0], "TEXT")) for name, kind, *_ in described]


def _pg_column_defs(columns: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f'"{n}" {t}' for n, t in columns)


def _pg_refill(cur, schema: str, table: str, source: str, columns: Sequence[tuple[str, str]]) -> None:
    """Make `schema.table` hold exactly the rows of `source` within the caller's transaction, never dropping it.

    PostgreSQL refuses to drop a table that a view depends on (dbt's staging views over ML outputs, a BI
    view), and a dropped-and-recreated table would invalidate every dependent. So an existing table keeps its
    identity and its column types: new columns are added, absent ones stay NULL, values are cast to the
    existing types (a cast that fails raises, naming the table: changing a column's type is a migration,
    not a nightly reload). Readers see the old rows until the transaction commits.
    """
    target = f"{schema}.{table}"
    cur.execute(f"SELECT pg_advisory_xact_lock({PG_DDL_LOCK})")
    cur.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    cur.execute(
        "SELECT column_name, upper(data_type) FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = %s ORDER BY ordinal_position",
        (schema, table),
    )
    existing = {n: t.replace(" WITHOUT TIME ZONE", "") for n, t in cur.fetchall()}
    if not existing:
        cur.execute(f"CREATE TABLE {target} ({_pg_column_defs(columns)})")
        existing = dict(columns)
    else:
        for name, kind in columns:
            if name not in existing:
                cur.execute(f'ALTER TABLE {target} ADD COLUMN "{name}" {kind}')
                existing[name] = kind
        # Two writers of the same table (two runs of one night) queue here instead of interleaving.
        cur.execute(f"LOCK TABLE {target} IN SHARE ROW EXCLUSIVE MODE")
        cur.execute(f"DELETE FROM {target}")
    names = ", ".join(f'"{n}"' for n, _ in columns)
    values = ", ".join(f'"{n}"' if existing[n] == kind else f'CAST("{n}" AS {existing[n]})' for n, kind in columns)
    try:
        cur.execute(f"INSERT INTO {target} ({names}) SELECT {values} FROM {source}")
    except Exception as exc:  # the caller's transaction rolls back: the table keeps its previous rows
        changed = [f"{n} {existing[n]} -> {k}" for n, k in columns if existing[n] != k]
        raise ValueError(
            f"{target}: the new rows do not fit the existing columns ({'; '.join(changed)}): "
            f"{str(exc).strip().splitlines()[0]}. Migrate the table (dependent views included) before reloading."
        ) from exc


def _copy_into(con: duckdb.DuckDBPyConnection, cur, relation: str, table: str, columns: list[str]) -> None:
    """Stream a DuckDB relation into a PostgreSQL table with COPY (one CSV file, no Python per row)."""
    col_list = ", ".join(f'"{c}"' for c in columns)
    with tempfile.TemporaryDirectory(prefix="gridcare-copy-") as tmp:
        path = os.path.join(tmp, "rows.csv")
        # FORCE_QUOTE keeps empty strings apart from NULLs, which PostgreSQL's CSV COPY reads as unquoted empties.
        con.execute(f"COPY (SELECT {col_list} FROM {relation}) TO '{path}' (HEADER, FORCE_QUOTE *, NULL '')")
        with open(path, "rb") as fh:
            cur.copy_expert(f"COPY {table} ({col_list}) FROM STDIN WITH (FORMAT csv, HEADER true)", fh)


@contextlib.contextmanager
def committed(con, release):
    """`con` committed when the block succeeds, rolled back when it raises, then handed to `release`
    (closed, or returned to a pool)."""
    try:
        yield con
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        release(con)
