"""The warehouse on DuckDB: one embedded file, or the lake (`lake_warehouse.py`) through the same code.

Landing files are validated in the warehouse itself. Every write is one transaction run by `transaction`,
which starts it again when the lake's catalog refused the commit to a concurrent writer; a single file has
one writer and never sees that.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

import duckdb

from orchestration.ingestion.contract import Dataset
from orchestration.warehouse.base import Warehouse, delivery_scope, keys_frame, raw_ddl
from orchestration.warehouse.schema import LOAD_LOG_COLUMNS, RAW_SCHEMA

TYPES = {
    "text": "VARCHAR",
    "code": "VARCHAR",
    "decimal": "DOUBLE",
    "integer": "INTEGER",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "boolean": "BOOLEAN",
}
T = TypeVar("T")
# Another process's commit held the lake's catalog (SQLite reports it locked, DuckLake a conflict it could not
# resolve by itself): the whole transaction runs again on the new snapshot. Two writers of different days wait
# on each other for about a second at worst, so a minute of retries means something else holds the lock.
RETRY_WITHIN_S = 60.0
RETRYABLE = ("database is locked", "transaction conflict", "could not serialize")


def is_commit_conflict(exc: BaseException) -> bool:
    """Whether `exc` is a commit refused to a concurrent writer, which a new attempt resolves."""
    return isinstance(exc, duckdb.Error) and any(m in str(exc).lower() for m in RETRYABLE)


def retry_on_conflict(attempt: Callable[[], T]) -> T:
    """`attempt()`, called again while it fails on a concurrent writer's commit (`is_commit_conflict`), for up
    to RETRY_WITHIN_S with growing, jittered waits: two writers refused together must not retry in step."""
    deadline, wait = time.monotonic() + RETRY_WITHIN_S, 0.05
    while True:
        try:
            return attempt()
        except BaseException as exc:
            if not is_commit_conflict(exc) or time.monotonic() > deadline:
                raise
        time.sleep(wait * (0.5 + random.random()))
        wait = min(wait * 2, 2.0)


class DuckDBWarehouse(Warehouse):
    """One DuckDB file: one writing process at a time, readers between writes."""

    engine = "duckdb"
    # The raw schema as the scratch connection names it (the lake's staging cursors default to another database).
    raw_schema = RAW_SCHEMA

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A connection to the warehouse with the URL's settings; the caller closes it.

        `read_only` where the warehouse exists: a file not yet created is opened for writing (and created).
        """
        read_only = read_only and self.url.path.exists()
        self.url.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(self.url.path), read_only=read_only)
        except duckdb.IOException as exc:
            if "newer version of DuckDB" not in str(exc):
                raise
            # The platform moved from DuckDB 2.0 to 1.5 (the release DuckLake's offline extensions exist for),
            # which cannot read a 2.0 file; every table in it is derived from the landing files.
            raise RuntimeError(
                f"{self.url.path} was written by a newer DuckDB than this platform's {duckdb.__version__}: "
                f"delete it and run `make run` again, which rebuilds it from the landing files"
            ) from exc
        # SET, not connect(config=...): a process holding the file through another connection (a notebook, a
        # test) would otherwise be refused for a "different configuration"; these settings are per instance.
        for name, value in self.url.duckdb_settings:
            quoted = value.replace("'", "''")
            con.execute(f"SET {name} = '{quoted}'")
        return con

    def query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        con = self.connect(read_only=True)
        try:
            return con.execute(sql, list(params)).fetchall()
        finally:
            con.close()

    def frame(self, sql: str, params: Sequence = ()):
        con = self.connect(read_only=True)
        try:
            return con.execute(sql, list(params)).df()
        finally:
            con.close()

    def transaction(self, con: duckdb.DuckDBPyConnection, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """`work(con)` in one transaction, committed; run again from the start while a concurrent writer's
        commit makes the lake refuse this one (`retry_on_conflict`)."""

        def attempt() -> T:
            con.execute("BEGIN TRANSACTION")
            try:
                result = work(con)
                con.execute("COMMIT")
                return result
            except BaseException:
                with contextlib.suppress(duckdb.Error):  # a failed COMMIT has ended the transaction already
                    con.execute("ROLLBACK")
                raise

        return retry_on_conflict(attempt)

    def add_column_sql(self, schema: str, table: str, column: str, kind: str) -> str:
        return _add_column(table, column, kind, schema)

    def ensure_raw_schema(self) -> None:
        def create(con: duckdb.DuckDBPyConnection) -> None:
            for stmt in raw_ddl(TYPES, _add_column):
                con.execute(stmt)

        with self.scratch() as con:
            self.transaction(con, create)

    def analyze(self, table: str) -> None:
        """Nothing to do: DuckDB keeps its statistics as it writes."""

    @contextlib.contextmanager
    def scratch(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The warehouse itself, so validated rows never leave the engine."""
        con = self.connect()
        try:
            yield con
        finally:
            con.close()

    def known_customer_ids(self, scratch: duckdb.DuckDBPyConnection) -> str:
        return f"(SELECT customer_id FROM {self.raw_schema}.raw_cis__customers)"

    def commit_delivery(
        self,
        con: duckdb.DuckDBPyConnection,
        dataset: Dataset,
        delivery_date,
        good: str | None,
        rejects: str | None,
        log_row: dict,
    ) -> None:
        raw = self.raw_schema
        table = f"{raw}.{dataset.table}"
        where, where_rej, args = delivery_scope(dataset, delivery_date)
        log_cols = [n for n, _ in LOAD_LOG_COLUMNS]

        def replace(con: duckdb.DuckDBPyConnection) -> None:
            if good is not None:
                con.execute(f"DELETE FROM {table} WHERE {where}", args)
                con.execute(f"DELETE FROM {raw}.rejects WHERE {where_rej}", [dataset.name] + args)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {good}")
                con.execute(f"INSERT INTO {raw}.rejects BY NAME SELECT * FROM {rejects}")
            con.execute(
                f"INSERT INTO {raw}.load_log ({', '.join(log_cols)}) VALUES ({', '.join('?' * len(log_cols))})",
                [log_row[n] for n in log_cols],
            )

        self.transaction(con, replace)

    def replace_table(self, schema: str, table: str, frame) -> int:
        # DuckDB binds views by name when they are queried, so replacing the table leaves dbt's views valid.
        con = self.connect()
        try:
            con.register("_frame", frame)
            rows = con.execute("SELECT count(*) FROM _frame").fetchone()[0]

            def replace(con: duckdb.DuckDBPyConnection) -> None:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                con.execute(f"CREATE OR REPLACE TABLE {schema}.{table} AS SELECT * FROM _frame")

            self.transaction(con, replace)
            return rows
        finally:
            con.close()

    def replace_table_in_chunks(self, schema: str, table: str, chunks: Iterable) -> int:
        loading, rows, started = f"{table}__loading", 0, False
        for frame in chunks:
            con = self.connect()
            try:
                con.register("_frame", frame)
                rows += con.execute("SELECT count(*) FROM _frame").fetchone()[0]

                def append(con: duckdb.DuckDBPyConnection, first: bool = not started) -> None:
                    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
                    if first:
                        con.execute(f"CREATE OR REPLACE TABLE {schema}.{loading} AS SELECT * FROM _frame")
                    else:
                        con.execute(f"INSERT INTO {schema}.{loading} BY NAME SELECT * FROM _frame")

                self.transaction(con, append)
                started = True
            finally:
                con.close()
        if not started:
            return 0

        def swap(con: duckdb.DuckDBPyConnection) -> None:
            con.execute(f"DROP TABLE IF EXISTS {schema}.{table}")
            con.execute(f"ALTER TABLE {schema}.{loading} RENAME TO {table}")

        con = self.connect()
        try:
            self.transaction(con, swap)
        finally:
            con.close()
        return rows

    def replace_rows(self, schema: str, table: str, frame, key: str, delete_keys: Sequence = ()) -> int:
        keys = keys_frame(frame, key, delete_keys)
        if keys.empty:
            return 0
        target = f"{schema}.{table}"
        con = self.connect()
        try:
            con.register("_frame", frame)
            con.register("_keys_frame", keys)
            con.execute(f'CREATE TEMP TABLE _keys AS SELECT DISTINCT "{key}" FROM _keys_frame')

            def replace(con: duckdb.DuckDBPyConnection) -> int:
                (deleted,) = con.execute(
                    f'DELETE FROM {target} WHERE "{key}" IN (SELECT "{key}" FROM _keys)'
                ).fetchone()
                if len(frame):
                    con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _frame")
                return deleted

            return self.transaction(con, replace)
        finally:
            con.close()


def _add_column(table: str, column: str, kind: str, schema: str = RAW_SCHEMA) -> str:
    return f'ALTER TABLE {schema}.{table} ADD COLUMN IF NOT EXISTS "{column}" {kind}'
