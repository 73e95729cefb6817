"""Load a dataset's new landing files into the raw schema: the function the ingestion assets call."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.ingestion.contract import Dataset
from orchestration.ingestion.files import FileRejected, LandingFile, as_utf8, detect_encoding, discover, sha256
from orchestration.ingestion.validate import stage_file
from orchestration.warehouse import DERIVED_COLUMNS, Warehouse

# Files of one dataset validated at once, each on its own connection to the scratch database. Reading and
# checking one file keeps DuckDB on about one core (its CSV reader, the line numbering and the per-file
# statements do not parallelise), so a year's backfill ran at ~1 core of 2; the deliveries' transactions
# still commit one at a time.
FILE_WORKERS = 2


@dataclass
class FileLoad:
    """The outcome of one landing file."""

    relpath: str
    status: str  # loaded | rejected | unchanged
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    message: str = ""
    encoding: str = ""
    extra_columns: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    day: dt.date | None = None  # the day a daily file covers
    lines: int = 0  # data lines of the file, counted from its bytes (rows of a Parquet file or workbook)
    lines_accounted: int = 0  # lines in a record loaded or quarantined, or blank
    normalised: dict[str, dict[str, int]] = field(default_factory=dict)  # column -> variant -> values


@dataclass
class DatasetLoad:
    """The outcome of loading a dataset's files in one run."""

    dataset: str
    table: str
    files: list[FileLoad] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def total(self, attr: str, status: str | None = None) -> int:
        return sum(getattr(f, attr) for f in self.files if status is None or f.status == status)

    @property
    def rows_read(self) -> int:
        return self.total("rows_read")

    @property
    def rows_loaded(self) -> int:
        return self.total("rows_loaded")

    @property
    def rows_rejected(self) -> int:
        return self.total("rows_rejected")

    @property
    def files_rejected(self) -> list[FileLoad]:
        return [f for f in self.files if f.status == "rejected"]

    @property
    def lines_unaccounted(self) -> dict[str, int]:
        """Files loaded with lines in no record that loaded or was quarantined: file -> such lines."""
        return {
            f.relpath: f.lines - f.lines_accounted
            for f in self.files
            if f.status == "loaded" and f.lines != f.lines_accounted
        }

    @property
    def rows_conserved(self) -> bool:
        """Every line of every loaded file is in a record that loaded or was quarantined (or is blank), and every
        record read was loaded or quarantined; a file rejected whole says why in its message."""
        return (
            all(f.rows_read == f.rows_loaded + f.rows_rejected for f in self.files)
            and not self.lines_unaccounted
            and all(f.message for f in self.files if f.status == "rejected")
        )

    def normalised(self) -> dict[str, dict[str, int]]:
        """{column: {variant: values}} summed over the files loaded."""
        out: dict[str, dict[str, int]] = {}
        for f in self.files:
            for column, counts in f.normalised.items():
                for variant, n in counts.items():
                    out.setdefault(column, {})[variant] = out.get(column, {}).get(variant, 0) + n
        return out


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def load_file(
    warehouse: Warehouse,
    con: duckdb.DuckDBPyConnection,
    lf: LandingFile,
    digest: str,
    commit_lock: threading.Lock | None = None,
    known_customers: str | None = None,
) -> FileLoad:
    """Validate one file in the scratch connection `con` and replace its delivery, all or nothing.

    `commit_lock`, when given, is held while the delivery is written (files validated in parallel commit
    one after another); `known_customers` is the relation of customer IDs that flags unknown customers'
    readings (`Warehouse.known_customer_ids`)."""
    commit = commit_lock or contextlib.nullcontext()
    loaded_at = _now()
    log = dict(
        dataset=lf.dataset.name,
        source_file=lf.relpath,
        sha256=digest,
        delivery_date=lf.day,
        loaded_at=loaded_at,
    )
    with tempfile.TemporaryDirectory(prefix="gridcare-landing-") as tmp:
        encoding = ""
        try:
            if lf.format in ("csv", "jsonl"):  # text: Parquet and workbooks carry their own encoding
                encoding = detect_encoding(lf.path)
                read_path = as_utf8(lf.path, encoding, Path(tmp))
            else:
                read_path = lf.path
            staged = stage_file(con, lf, read_path, known_customers, loaded_at)
        except FileRejected as exc:
            message = str(exc).replace(lf.path.name, lf.relpath, 1) if lf.relpath not in str(exc) else str(exc)
            with commit:
                warehouse.commit_delivery(
                    con,
                    lf.dataset,
                    lf.day,
                    None,
                    None,
                    {
                        **log,
                        "rows_read": 0,
                        "rows_loaded": 0,
                        "rows_rejected": 0,
                        "status": "rejected",
                        "message": message,
                        "lines": None,
                        "lines_accounted": None,
                        "normalised": None,
                    },
                )
            return FileLoad(lf.relpath, "rejected", message=message, encoding=encoding)
        note = f"extra columns ignored: {', '.join(staged.extra_columns)}" if staged.extra_columns else ""
        with commit:
            warehouse.commit_delivery(
                con,
                lf.dataset,
                lf.day,
                "_stage_good",
                "_stage_rejects",
                {
                    **log,
                    "rows_read": staged.rows_read,
                    "rows_loaded": staged.rows_loaded,
                    "rows_rejected": staged.rows_rejected,
                    "status": "loaded",
                    "message": note,
                    "lines": staged.lines,
                    "lines_accounted": staged.lines_accounted,
                    "normalised": json.dumps(staged.normalised, ensure_ascii=False) if staged.normalised else None,
                },
            )
        return FileLoad(
            lf.relpath,
            "loaded",
            staged.rows_read,
            staged.rows_loaded,
            staged.rows_rejected,
            note,
            encoding,
            staged.extra_columns,
            staged.reasons,
            lf.day,
            staged.lines,
            staged.lines_accounted,
            staged.normalised,
        )


def load_dataset(
    warehouse: Warehouse,
    dataset: Dataset,
    landing_dir: Path,
    days: set[dt.date] | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> DatasetLoad:
    """Load every new or changed file of `dataset` (only `days` for daily data) into its raw table.

    An unchanged file (same path and sha256 as its last successful load) is skipped, so the nightly run
    reads only what is new; a changed one replaces its delivery.
    """
    start = time.perf_counter()
    warehouse.ensure_raw_schema()
    files, problems = discover(landing_dir, dataset, days)
    result = DatasetLoad(dataset.name, dataset.table, problems=problems)
    done = warehouse.last_loads(dataset.name)
    todo = []
    for lf in files:
        digest = sha256(lf.path)
        if done.get(lf.relpath) == digest:
            result.files.append(FileLoad(lf.relpath, "unchanged"))
        else:
            todo.append((lf, digest))
    if todo:
        # One database for all of the run's files: opening and checkpointing a DuckDB file per delivery
        # cost more than reading a day of readings.
        with warehouse.scratch() as con:
            lock = threading.Lock()
            flags = "is_unknown_customer" in dict(DERIVED_COLUMNS.get(dataset.name, ()))
            known = warehouse.known_customer_ids(con) if flags else None

            def load(item: tuple[LandingFile, str]) -> FileLoad:
                # A connection of its own (cursor): the staging temp tables are per connection.
                cur = warehouse.staging_cursor(con)
                try:
                    return load_file(warehouse, cur, item[0], item[1], lock, known)
                finally:
                    cur.close()

            with ThreadPoolExecutor(max_workers=min(FILE_WORKERS, len(todo))) as pool:
                for fl in pool.map(load, todo):
                    result.files.append(fl)
                    if fl.status == "rejected":
                        progress(f"  {fl.relpath}: REJECTED — {fl.message}")
    if any(f.status == "loaded" for f in result.files):
        warehouse.analyze(dataset.table)
    result.files.sort(key=lambda f: f.relpath)
    result.seconds = time.perf_counter() - start
    return result
