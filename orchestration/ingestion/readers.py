"""Read one landing file, whatever its format, into the temp table `_landing` (text columns and `_line`).

Each reader also fills `_landing_rejects` with the records it could not read (malformed CSV lines, broken
JSON), so `validate.stage_file` sees every line of the file either as a row to check or as a reject. CSV is
read by DuckDB's reader, and split line-exactly in Python only when its records do not cover its lines.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.ingestion.contract import Dataset
from orchestration.ingestion.files import FileRejected
from orchestration.ingestion.lines import Split, chomp, split_records
from orchestration.ingestion.variants import lit as _lit


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        try:
            return next(csv.reader(fh))
        except StopIteration:
            return []


def read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, dataset: Dataset, lines: int
) -> tuple[list[str], int]:
    """Load a CSV as text into `_landing(_line, <columns>)`; malformed records go to `_landing_rejects`.

    Returns the header and the lines its records account for. DuckDB's reader is trusted when it reads one
    clean record per data line (`lines`, counted from the bytes): the common case, at its full speed. Any
    other file — a malformed record, a quoted value over several lines, a blank line, a line the parser could
    not read — is split line-exactly instead (`lines.split_records`), so no line goes missing.
    """
    header = [h.strip() for h in _header(path)]
    if not header or header == [""]:
        raise FileRejected(f"{name}: line 1: empty file, no header line")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise FileRejected(f"{name}: line 1: column {dupes[0]!r} appears more than once in the header")
    broken = [h for h in header if "\n" in h or "\r" in h]
    if broken:  # the header is one line: a quote left open in it runs into the data
        raise FileRejected(f"{name}: line 1: column name {broken[0]!r} holds a line break (an unclosed quote?)")
    # No contract column holds a NUL, and DuckDB cuts an Arrow column name at one (1.5 then fails on the duplicates).
    nul = [h for h in header if "\0" in h]
    if nul:
        raise FileRejected(
            f"{name}: line 1: column name {nul[0]!r} holds a NUL byte (UTF-16 without its byte-order mark?)"
        )
    cols = "{" + ", ".join(f"{_lit(h)}: 'VARCHAR'" for h in header) + "}"
    con.execute("DROP TABLE IF EXISTS _rej_errors; DROP TABLE IF EXISTS _rej_scans")
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _landing_typed AS
                SELECT row_number() OVER () AS _ordinal, *
                FROM read_csv({_lit(str(path))}, header = true, columns = {cols}, delim = ',', quote = '"',
                              escape = '"', auto_detect = false, store_rejects = true,
                              rejects_table = '_rej_errors', rejects_scan = '_rej_scans',
                              max_line_size = 10000000, strict_mode = true)"""
        )
        records = con.execute("SELECT count(*) FROM _landing_typed").fetchone()[0]
        malformed = con.execute("SELECT count(*) FROM _rej_errors").fetchone()[0]
    except duckdb.Error:
        records, malformed = -1, -1  # e.g. a stray quote that swallowed more than max_line_size
    if malformed == 0 and records == lines - 1:
        con.execute("CREATE OR REPLACE TEMP VIEW _landing AS SELECT *, _ordinal + 1 AS _line FROM _landing_typed")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _landing_rejects (_line BIGINT, column_name VARCHAR, reason VARCHAR, _raw VARCHAR)"
        )
        return header, records
    con.execute("DROP TABLE IF EXISTS _landing_typed")
    split = split_records(path, name, dataset.line_breaks)
    _load_split(con, split)
    return header, split.lines - 1


def _load_split(con: duckdb.DuckDBPyConnection, split: Split) -> None:
    """`_landing` and `_landing_rejects` from a line-exact split, each record on its first line."""
    columns = list(zip(*(values for _, _, values in split.records))) or [()] * len(split.header)
    good = pa.table(
        {"_line": pa.array([r[0] for r in split.records], pa.int64())}
        | {h: pa.array(list(c), pa.string()) for h, c in zip(split.header, columns)}
    )
    bad = pa.table(
        {
            "_line": pa.array([b[0] for b in split.broken], pa.int64()),
            "column_name": pa.array([b[2] for b in split.broken], pa.string()),
            "reason": pa.array([b[3] for b in split.broken], pa.string()),
            "_raw": pa.array([b[4] for b in split.broken], pa.string()),
        }
    )
    con.register("_split_good", good)
    con.register("_split_bad", bad)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _landing AS SELECT * FROM _split_good")
        con.execute("CREATE OR REPLACE TEMP TABLE _landing_rejects AS SELECT * FROM _split_bad")
    finally:
        con.unregister("_split_good")
        con.unregister("_split_bad")


def read_jsonl(
    con: duckdb.DuckDBPyConnection, path: Path, name: str, dataset: Dataset, lines: int, control: bool
) -> tuple[list[str], int]:
    """Load JSON lines: each non-blank line must be one JSON object; others go to `_landing_rejects`.

    Returns the keys read and the lines accounted for (every line: a record, a reject or blank).
    """
    table = None
    if not control:  # DuckDB splits lines at NUL too (its column delimiter here): such files are read in Python
        try:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _jsonl_lines AS
                    SELECT row_number() OVER () AS _line, line AS _raw
                    FROM read_csv({_lit(str(path))}, header = false, columns = {{'line': 'VARCHAR'}},
                                  delim = '\\0', quote = '', escape = '', auto_detect = false, strict_mode = false,
                                  max_line_size = 10000000)"""
            )
            if con.execute("SELECT count(*) FROM _jsonl_lines").fetchone()[0] == lines:
                table = "_jsonl_lines"
        except duckdb.Error:
            pass
    if table is None:  # blank lines skipped, a NUL, an over-long line: one row per physical line, in Python
        with open(path, encoding="utf-8", newline="") as fh:
            texts = [chomp(x) for x in fh]
        con.register(
            "_jsonl_py",
            pa.table({"_line": pa.array(range(1, len(texts) + 1), pa.int64()), "_raw": pa.array(texts, pa.string())}),
        )
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE _jsonl_lines AS SELECT * FROM _jsonl_py")
        finally:
            con.unregister("_jsonl_py")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _jsonl AS
           SELECT _line, _raw, coalesce(json_valid(_raw), false)
                  AND json_type(CASE WHEN json_valid(_raw) THEN _raw END) = 'OBJECT' AS _ok
           FROM _jsonl_lines"""
    )
    accounted = con.execute("SELECT count(*) FROM _jsonl").fetchone()[0]
    keys = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT unnest(json_keys(CASE WHEN _ok THEN _raw END)) FROM _jsonl WHERE _ok ORDER BY 1"
        ).fetchall()
    ]
    # JSON lines have no header: an empty file is a day without messages, read as the contract's columns.
    wanted = keys or list(dataset.required_columns)
    select = ", ".join(
        f"json_extract_string(CASE WHEN _ok THEN _raw END, {_lit('$.' + _json_path(k))}) AS {_q(k)}" for k in wanted
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE _landing AS SELECT _line, _raw, {select} FROM _jsonl WHERE _ok")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _landing_rejects AS
           SELECT _line, NULL::VARCHAR AS column_name, 'not a JSON object' AS reason, _raw
           FROM _jsonl WHERE NOT _ok AND coalesce(trim(_raw), '') <> ''"""
    )
    return wanted, accounted


def _json_path(key: str) -> str:
    return '"' + key.replace('"', '\\"') + '"'


def read_parquet(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> tuple[list[str], int]:
    """Load a Parquet file with every column cast to text, so the same rules judge it as a CSV."""
    try:
        names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(str(path))})").fetchall()]
        select = ", ".join(f"CAST({_q(n)} AS VARCHAR) AS {_q(n)}" for n in names)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _landing AS
                SELECT file_row_number + 1 AS _line, {select}
                FROM read_parquet({_lit(str(path))}, file_row_number = true)"""
        )
    except duckdb.Error as exc:
        raise FileRejected(f"{name}: not readable as Parquet: {str(exc).splitlines()[0]}") from exc
    _no_malformed(con)
    return names, con.execute("SELECT count(*) FROM _landing").fetchone()[0]


def read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, name: str, dataset: Dataset) -> tuple[list[str], int]:
    """Load the first sheet of an Excel workbook as text (fastexcel through polars): row n of the sheet is line n.

    A date cell reads as `YYYY-MM-DD 00:00:00`; in a date column that is the date the cell holds, not a
    variant the sender typed, so the midnight is dropped here.
    """
    import polars as pl

    try:
        frame = pl.read_excel(path, sheet_id=1, engine="calamine", infer_schema_length=0)
    except Exception as exc:  # fastexcel raises its own error types for every kind of unreadable workbook
        raise FileRejected(f"{name}: not readable as an Excel workbook: {str(exc).splitlines()[0]}") from exc
    dates = [c.name for c in dataset.columns if c.type == "date" and c.name in frame.columns]
    frame = frame.with_columns(
        [pl.col(c).str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1") for c in dates]
    ).with_row_index("_line", offset=2)
    con.register("_xlsx", frame.with_columns(pl.col("_line").cast(pl.Int64)).to_arrow())
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _landing AS SELECT * FROM _xlsx")
    finally:
        con.unregister("_xlsx")
    _no_malformed(con)
    return [c for c in frame.columns if c != "_line"], frame.height


def _no_malformed(con: duckdb.DuckDBPyConnection) -> None:
    """An empty `_landing_rejects`: formats with typed cells have no malformed records."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _landing_rejects (_line BIGINT, column_name VARCHAR, reason VARCHAR, _raw VARCHAR)"
    )
