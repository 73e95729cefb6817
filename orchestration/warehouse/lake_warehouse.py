"""The warehouse as a lake (DuckLake): Parquet files under a data path, their catalog in SQLite or PostgreSQL.

It is DuckDB SQL on a DuckDB connection, so `DuckDBWarehouse` does every read and write and this class only
says how a connection is made: an in-memory DuckDB with the lake attached as `lake` and made the default
database. Unlike a DuckDB file, the lake admits many processes reading and writing at once; each transaction
reads one snapshot and commits a new one, so a reader sees a delivery whole or not at all.

Loading the three extensions (orchestration/warehouse/extensions.py) takes about 1.4 s per process, and the
platform opens a connection per operation: each process keeps one loaded database per lake and hands out
cursors of it (about 50 ms). A cursor sees what other processes committed before its transaction began.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import threading
from pathlib import Path

import duckdb

from orchestration.warehouse.duckdb_warehouse import DuckDBWarehouse, retry_on_conflict
from orchestration.warehouse.extensions import OFFLINE, load_extensions
from orchestration.warehouse.maintenance import maintain
from orchestration.warehouse.postgres_warehouse import PG_DDL_LOCK
from orchestration.warehouse.schema import RAW_SCHEMA
from orchestration.warehouse.url import LAKE_CATALOG_FILE

ALIAS = "lake"
READER_ALIAS = "lake_reader"

# DuckLake settles two commits racing for the next snapshot by retrying the loser, by default 10 times within
# about 11 s; on a loaded machine dbt's two threads and the other steps' commits outlasted that. Forty retries,
# 100 ms growing by 10 % each, wait about 45 s in all, like the platform's own retries (RETRY_WITHIN_S).
COMMIT_RETRY_SETTINGS = {"ducklake_max_retry_count": 40, "ducklake_retry_wait_ms": 100, "ducklake_retry_backoff": 1.1}

_DATABASES: dict[tuple[int, str, str], duckdb.DuckDBPyConnection] = {}
_LOCK = threading.Lock()


def attach_sql(
    catalog: str, data_path: str, alias: str = ALIAS, read_only: bool = False, snapshot: int | None = None
) -> str:
    """The ATTACH statement of a lake whose catalog is `catalog` (`sqlite:…` or `postgres:…`), read-only and as of
    `snapshot` (every table and view as `AT (VERSION => snapshot)` reads it) when one is given.

    DuckLake's default data inlining stays on: a write of at most 10 rows (a load-log row, a few rejects, a
    batch of delivery outcomes) goes into the catalog instead of a Parquet file of its own, so a year of
    nightly runs does not leave thousands of tiny files; larger writes go to Parquet under `data_path`.
    """
    quoted = catalog.replace("'", "''")
    options = [f"DATA_PATH '{data_path}'"] + (["READ_ONLY"] if read_only or snapshot is not None else [])
    if snapshot is not None:
        options.append(f"SNAPSHOT_VERSION {int(snapshot)}")
    return f"ATTACH 'ducklake:{quoted}' AS {alias} ({', '.join(options)})"


def create_sqlite_catalog(path: Path) -> None:
    """Create the SQLite file of a lake's catalog in write-ahead-log mode, or switch an existing one to it.

    In SQLite's default mode a commit locks out every reader of the catalog, and a reader that finds it locked
    fails at once ("database is locked"): dbt's threads and a notebook would fail while a run commits. In WAL
    mode readers read the last commit while a writer writes; the mode is kept in the file. (WAL needs a local
    disk, which a file catalog is on: many machines share a PostgreSQL catalog.)
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=10)
    try:
        con.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        pass  # another process holds the file in the old mode: it still works, its readers wait on commits
    finally:
        con.close()


def configure_lake_connection(database: duckdb.DuckDBPyConnection) -> None:
    """Load the lake's extensions into `database` (offline) and set its commit retries; before any ATTACH."""
    load_extensions(database)
    for name, value in COMMIT_RETRY_SETTINGS.items():
        database.execute(f"SET {name} = {value}")


def _attach(database: duckdb.DuckDBPyConnection, attach: str) -> None:
    """Run `attach`, again while another process's commit holds the catalog (`retry_on_conflict`).

    DuckLake reads the catalog's tables when it attaches; on a SQLite catalog a read that meets a commit in
    progress fails ("database is locked") instead of waiting, and DuckLake reports it as a failure to
    initialize the catalog: a step process of a multiprocess backfill failed so on a loaded machine.
    """
    retry_on_conflict(lambda: database.execute(attach))


class DuckLakeWarehouse(DuckDBWarehouse):
    """The lake: many readers and writers at once, from one machine (SQLite catalog) or many (PostgreSQL)."""

    raw_schema = f"{ALIAS}.{RAW_SCHEMA}"
    pinned_snapshot: int | None = None  # set by `at_snapshot`: every read sees the lake as of this snapshot

    def _database(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """This process's DuckDB database with the extensions loaded and the lake attached, read-only or not.

        Reads and writes get a database each: with both attachments in one, `information_schema` would list every
        table twice. Per process id: a process forked by the multiprocess executor must not share its parent's.
        """
        read_only = read_only or self.pinned_snapshot is not None
        key = (
            os.getpid(),
            self.url.lake_catalog(with_password=False),
            str(self.url.data_path),
            read_only,
            self.pinned_snapshot,
        )
        with _LOCK:
            database = _DATABASES.get(key)
            if database is None:
                if self.url.lake == "sqlite":
                    create_sqlite_catalog(self.url.path / LAKE_CATALOG_FILE)
                if "://" not in str(self.url.data_path):
                    os.makedirs(self.url.data_path, exist_ok=True)
                database = duckdb.connect(config={**OFFLINE, **self.url.duckdb_config})
                configure_lake_connection(database)
                alias = READER_ALIAS if read_only else ALIAS
                attach = attach_sql(
                    self.url.lake_catalog(), str(self.url.data_path), alias, read_only, self.pinned_snapshot
                )
                with self._catalog_creation_lock():
                    try:
                        _attach(database, attach)
                    except duckdb.Error:
                        if not read_only:
                            raise
                        # A read-only attachment cannot create the catalog of a new lake; a writer's creates it.
                        writer = duckdb.connect(config=OFFLINE)
                        configure_lake_connection(writer)
                        _attach(writer, attach_sql(self.url.lake_catalog(), str(self.url.data_path)))
                        writer.close()
                        _attach(database, attach)
                _DATABASES[key] = database
            return database

    @contextlib.contextmanager
    def _catalog_creation_lock(self):
        """On a PostgreSQL catalog, attach under the platform's DDL advisory lock: the first ATTACH of a new lake
        creates the catalog's tables, and several Celery workers or step processes attaching it at once raced to
        create them (duplicate key on pg_type). A SQLite catalog is created before (create_sqlite_catalog)."""
        if self.url.lake != "postgres":
            yield
            return
        import psycopg2

        con = psycopg2.connect(self.url.lake_catalog().removeprefix("postgres:"), application_name="gridcare")
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute("SELECT pg_advisory_lock(%s)", [PG_DDL_LOCK])
            yield
        finally:
            con.close()  # ends the session, and with it the lock

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A connection (cursor) whose default database is the lake; closing it keeps the process's database."""
        read_only = read_only or self.pinned_snapshot is not None
        con = self._database(read_only).cursor()
        con.execute(f"USE {READER_ALIAS if read_only else ALIAS}")
        return con

    def cursor(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        # A cursor starts in DuckDB's in-memory database, not in the one its parent chose with USE.
        cur = con.cursor()
        cur.execute(f"USE {ALIAS}")
        return cur

    def staging_cursor(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        """A cursor left in DuckDB's in-memory database, naming the lake's tables `lake.raw.…` (`raw_schema`).

        A statement whose default database is the lake is a lake transaction, which reads the catalog even when
        it touches only temp tables: a file's two dozen checks cost 3-10 ms each that way, against 0.3-1 ms.
        """
        return con.cursor()

    def maintain(self, retention: dt.timedelta) -> dict:
        """Merge small files, expire snapshots older than `retention`, delete unreferenced files
        (orchestration/warehouse/maintenance.py); returns its report."""
        local = "://" not in str(self.url.data_path)
        con = self.connect()
        try:
            return maintain(con, ALIAS, retention, Path(self.url.data_path) if local else None)
        finally:
            con.close()

    def snapshot_id(self) -> int:
        """The lake's latest snapshot: the data version a materialization produced or a training run read."""
        if self.pinned_snapshot is not None:
            return self.pinned_snapshot
        con = self.connect(read_only=True)
        try:
            return con.execute(f"SELECT max(snapshot_id) FROM {READER_ALIAS}.snapshots()").fetchone()[0]
        finally:
            con.close()

    def at_snapshot(self, snapshot: int) -> DuckLakeWarehouse:
        """The lake as it was at `snapshot`, read-only: each query reads every table and view as of it (DuckLake's
        time travel, `AT (VERSION => snapshot)`), whatever has been committed since."""
        pinned = DuckLakeWarehouse(self.url)
        pinned.pinned_snapshot = snapshot
        return pinned

    def pinned(self) -> tuple[DuckLakeWarehouse, int]:
        snapshot = self.snapshot_id()
        return self.at_snapshot(snapshot), snapshot
