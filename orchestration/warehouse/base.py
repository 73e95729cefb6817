"""The warehouse as one interface: what ingestion, scoring, serving and the CLI ask of it, on any engine.

`Warehouse(url)` returns the implementation for the URL (`lake_warehouse.DuckLakeWarehouse`,
`duckdb_warehouse.DuckDBWarehouse` or `postgres_warehouse.PostgresWarehouse`), so callers never branch on the
engine for these operations; the lake is DuckDB SQL, and its `engine` is `duckdb`.
Landing files are always read and validated by DuckDB (`scratch`); each engine then commits the result its
own way. Connections are opened per operation and closed at once: a DuckDB file admits one writing process,
and dbt, notebooks and Superset's publisher must be able to open it between two assets.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Callable, Iterable, Sequence

import duckdb

from orchestration.ingestion.contract import Dataset
from orchestration.warehouse.schema import RAW_SCHEMA, raw_layer_tables
from orchestration.warehouse.url import WarehouseUrl, parse_warehouse_url


class Warehouse(abc.ABC):
    """The platform's reads and writes of the warehouse; `Warehouse(url)` picks the engine's implementation."""

    engine: str  # duckdb | postgres

    def __new__(cls, url: WarehouseUrl | str):
        if cls is Warehouse:
            parsed = parse_warehouse_url(url) if isinstance(url, str) else url
            from orchestration.warehouse.duckdb_warehouse import DuckDBWarehouse
            from orchestration.warehouse.lake_warehouse import DuckLakeWarehouse
            from orchestration.warehouse.postgres_warehouse import PostgresWarehouse

            engines = {"duckdb": DuckDBWarehouse, "postgres": PostgresWarehouse}
            cls = DuckLakeWarehouse if parsed.lake else engines[parsed.engine]
        return super().__new__(cls)

    def __init__(self, url: WarehouseUrl | str):
        self.url = parse_warehouse_url(url) if isinstance(url, str) else url

    # -- reads -------------------------------------------------------------------------------
    @abc.abstractmethod
    def query(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """Run a query on the warehouse and return all rows (parameters as `?`)."""

    @abc.abstractmethod
    def frame(self, sql: str, params: Sequence = ()):
        """`query` as a pandas DataFrame with the result's column names (notebooks, ML training reads)."""

    def snapshot_id(self) -> int | None:
        """The lake's latest snapshot, the data version of what was just written or is about to be read; None on
        an engine without snapshots (a DuckDB file, PostgreSQL)."""
        return None

    def pinned(self) -> tuple[Warehouse, int | None]:
        """A reader of this warehouse's latest snapshot, and that snapshot: reads made through it (a training
        run's frames) all see one data version, which `at_snapshot` reads again later, whatever is committed
        meanwhile. On an engine without snapshots (a DuckDB file, PostgreSQL): the warehouse itself and None,
        its reads seeing whatever is committed when each runs."""
        return self, None

    def at_snapshot(self, snapshot: int) -> Warehouse:
        """The warehouse as it was at `snapshot`, read-only; only the lake keeps snapshots."""
        raise ValueError(f"{self.url.redacted()} keeps no snapshots: it cannot be read as of one")

    def snapshot_metadata(self) -> dict[str, int]:
        """`lake_snapshot_id` for a materialization's metadata, on the lake; nothing elsewhere."""
        snapshot = self.snapshot_id()
        return {} if snapshot is None else {"lake_snapshot_id": snapshot}

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

    # -- the raw layer -----------------------------------------------------------------------
    @abc.abstractmethod
    def add_column_sql(self, schema: str, table: str, column: str, kind: str) -> str:
        """The engine's statement adding `column` of type `kind` to an existing table where it is missing."""

    @abc.abstractmethod
    def ensure_raw_schema(self) -> None:
        """Create the raw schema, its tables, the rejects and the load log where missing."""

    @abc.abstractmethod
    def analyze(self, table: str) -> None:
        """Fresh planner statistics for a raw table after a load, where the engine needs them."""

    @abc.abstractmethod
    def scratch(self) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
        """A DuckDB connection (a context manager) where landing files are read and validated."""

    def cursor(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        """Another connection to `scratch`'s database (a thread's own), reading and writing what `con` does."""
        return con.cursor()

    def staging_cursor(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        """A thread's own connection to `scratch`'s database that validates a file into temp tables and then
        `commit_delivery`s it."""
        return self.cursor(con)

    @abc.abstractmethod
    def known_customer_ids(self, scratch: duckdb.DuckDBPyConnection) -> str:
        """A relation listing the current snapshot's customer IDs, readable from the `scratch` connection."""

    @abc.abstractmethod
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

    # -- derived outputs (ML scores, serving) ------------------------------------------------
    @abc.abstractmethod
    def replace_table(self, schema: str, table: str, frame) -> int:
        """Replace `schema.table` with a pandas/polars/Arrow frame in one transaction; returns its row count.

        For derived outputs recomputed whole (ML scores, work orders, the BPMN steps). Views built on the
        table (dbt's staging, an analyst's) stay valid: the table is refilled, never dropped from under them.
        """

    @abc.abstractmethod
    def replace_table_in_chunks(self, schema: str, table: str, chunks: Iterable) -> int:
        """Replace `schema.table` with the concatenation of `chunks` (frames of equal columns) without ever
        holding more than one chunk; returns the row count.

        Chunks are appended to `<table>__loading`, then swapped in with one transaction, so readers see the
        old rows until the last chunk is written. Each chunk opens and closes its own connection: producing
        the next chunk may read the same DuckDB file. An empty iterator leaves an existing table untouched.
        """

    @abc.abstractmethod
    def replace_rows(self, schema: str, table: str, frame, key: str, delete_keys: Sequence = ()) -> int:
        """Replace the rows of an existing `schema.table` whose `key` is in `frame` with `frame`'s rows, and
        delete those whose key is in `delete_keys`, in one transaction; returns the number of rows deleted.

        For derived outputs updated incrementally: a re-run with the same frame deletes what it inserted
        before, so it never duplicates a row. `frame` holds the table's columns (any order).
        """


def keys_frame(frame, key: str, delete_keys: Sequence):
    """The distinct keys `replace_rows` deletes: those of the new rows and those to delete."""
    import pandas as pd

    return pd.DataFrame({key: pd.concat([frame[key], pd.Series(list(delete_keys), dtype=object)], ignore_index=True)})


def delivery_scope(dataset: Dataset, delivery_date) -> tuple[str, str, list]:
    """What a delivery replaces: (WHERE on the raw table, WHERE on raw.rejects after `dataset = ?`, arguments).

    A daily file replaces its day; a snapshot replaces the whole table."""
    if dataset.daily:
        return "_delivery_date = ?", "dataset = ? AND delivery_date = ?", [delivery_date]
    return "TRUE", "dataset = ?", []


def raw_ddl(types: dict[str, str], add_column: Callable[[str, str, str], str]) -> list[str]:
    """CREATE statements of the raw schema and its tables, in an engine's spelling of the contract types.

    A table created before a column joined the contract (or the load log) gets it, empty for the rows it held:
    `add_column(table, column, type)` is the engine's statement adding a column only where it is missing.
    """
    stmts = [f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}"]
    for table, columns in raw_layer_tables():
        cols = ", ".join(f'"{n}" {types[t]}' for n, t in columns)
        stmts.append(f"CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.{table} ({cols})")
        stmts += [add_column(table, n, types[t]) for n, t in columns]
    return stmts
