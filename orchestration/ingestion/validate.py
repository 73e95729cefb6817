"""Read one landing file into DuckDB and split it into rows that load and rows that are quarantined.

All of it is SQL over the whole file (no Python per row): the file is read as text columns, every rule of
the contract becomes a SQL predicate with a message, and each row ends up in exactly one of two temp tables,
`_stage_good` (the raw table's columns) or `_stage_rejects` (raw.rejects' columns), so that
rows read = rows loaded + rows rejected holds by construction and is checked.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.ingestion.contract import KWH_SUM_TOLERANCE, Column, Dataset
from orchestration.ingestion.files import FileRejected, LandingFile
from orchestration.warehouse import DERIVED_COLUMNS

_NUMBER = r"^[+-]?[0-9]+(\.[0-9]+)?$"
_INTEGER = r"^[+-]?[0-9]+$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$"
_TRUE, _FALSE = ("true", "1", "t", "yes", "y"), ("false", "0", "f", "no", "n")
_SHOWN = 60  # characters of a bad value quoted in a reject reason


@dataclass
class Staged:
    """What reading and checking one file produced (the rows themselves are in the temp tables)."""

    rows_read: int
    rows_loaded: int
    rows_rejected: int
    extra_columns: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)  # reject reason kind -> rows


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        try:
            return next(csv.reader(fh))
        except StopIteration:
            return []


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> list[str]:
    """Load a CSV as text into `_landing(_line, <columns>, _raw)`; malformed records go to `_landing_rejects`."""
    header = [h.strip() for h in _header(path)]
    if not header or header == [""]:
        raise FileRejected(f"{name}: line 1: empty file, no header line")
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise FileRejected(f"{name}: line 1: column {dupes[0]!r} appears more than once in the header")
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
    except duckdb.Error as exc:
        raise FileRejected(f"{name}: not readable as CSV: {str(exc).splitlines()[0]}") from exc
    # One reject row per bad record (DuckDB may report several errors for the same record).
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _landing_rejects AS
           SELECT line::BIGINT AS _line, any_value(column_name) AS column_name,
                  string_agg(DISTINCT error_message, '; ') AS reason, any_value(csv_line) AS _raw
           FROM _rej_errors GROUP BY line"""
    )
    # DuckDB numbers records, not physical lines, and leaves rejected records out of the scan: put the good
    # records back on their line by counting the rejected ones before them. Almost every file has no
    # malformed record, and then the line is the record number + 1: a view, not a second copy of the file
    # through a correlated count (13 % of a readings file's load time, bench/RESULTS.md).
    if con.execute("SELECT count(*) FROM _landing_rejects").fetchone()[0] == 0:
        con.execute("CREATE OR REPLACE TEMP VIEW _landing AS SELECT *, _ordinal + 1 AS _line FROM _landing_typed")
        return header
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _landing AS
           WITH r AS (SELECT _line - row_number() OVER (ORDER BY _line) - 1 AS good_before FROM _landing_rejects)
           SELECT t.*, t._ordinal + 1 + (SELECT count(*) FROM r WHERE r.good_before < t._ordinal) AS _line
           FROM _landing_typed t"""
    )
    return header


def _read_jsonl(con: duckdb.DuckDBPyConnection, path: Path, name: str, dataset: Dataset) -> list[str]:
    """Load JSON lines: each non-blank line must be one JSON object; others go to `_landing_rejects`."""
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE _jsonl AS
                SELECT row_number() OVER () AS _line, line AS _raw,
                       coalesce(json_valid(line), false)
                       AND json_type(CASE WHEN json_valid(line) THEN line END) = 'OBJECT' AS _ok
                FROM read_csv({_lit(str(path))}, header = false, columns = {{'line': 'VARCHAR'}}, delim = '\\0',
                              quote = '', escape = '', auto_detect = false, strict_mode = false,
                              max_line_size = 10000000)"""
        )
    except duckdb.Error as exc:
        raise FileRejected(f"{name}: not readable as JSON lines: {str(exc).splitlines()[0]}") from exc
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
    return wanted


def _json_path(key: str) -> str:
    return '"' + key.replace('"', '\\"') + '"'


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> list[str]:
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
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _landing_rejects (_line BIGINT, column_name VARCHAR, reason VARCHAR, _raw VARCHAR)"
    )
    return names


def _checks(col: Column, v: str, t: str) -> tuple[str, list[tuple[str, str]]]:
    """(typed expression over the text column `v`, [(bad-value predicate, message)]) for one column.

    Predicates refer to the text value `v` and to the typed value by its name `t`, so each value is parsed
    once per row however many rules look at it.
    """
    shown = f"'''' || left({v}, {_SHOWN}) || ''''"
    msg = lambda text: f"{_lit(col.name + ': ')} || {text}"  # noqa: E731
    checks: list[tuple[str, str]] = []
    if not col.nullable:
        checks.append((f"{v} IS NULL", _lit(f"{col.name}: missing value")))
    if col.type in ("text", "code"):
        typed = v
        if col.domain:
            domain = ", ".join(_lit(d) for d in col.domain)
            checks.append((f"{v} NOT IN ({domain})", msg(f"{shown} || ' is not one of {', '.join(col.domain)}'")))
    elif col.type in ("decimal", "integer"):
        pattern, sql_type = (_NUMBER, "DOUBLE") if col.type == "decimal" else (_INTEGER, "INTEGER")
        typed = f"TRY_CAST(CASE WHEN regexp_full_match({v}, {_lit(pattern)}) THEN {v} END AS {sql_type})"
        what = "a number" if col.type == "decimal" else "a whole number"
        checks.append((f"{v} IS NOT NULL AND {t} IS NULL", msg(f"{shown} || ' is not {what}'")))
        if col.min_value is not None:
            op = "<=" if col.exclusive_min else "<"
            at = "or at " if col.exclusive_min else ""
            checks.append((f"{t} {op} {col.min_value}", msg(f"{shown} || ' is below {at}the minimum {col.min_value:g}'")))
        if col.max_value is not None:
            checks.append((f"{t} > {col.max_value}", msg(f"{shown} || ' is above the maximum {col.max_value:g}'")))
    elif col.type == "date":
        typed = f"TRY_CAST(CASE WHEN regexp_full_match({v}, {_lit(_DATE)}) THEN {v} END AS DATE)"
        checks.append((f"{v} IS NOT NULL AND {t} IS NULL", msg(f"{shown} || ' is not a date (YYYY-MM-DD)'")))
    elif col.type == "timestamp":
        typed = f"TRY_CAST(CASE WHEN regexp_full_match({v}, {_lit(_TIMESTAMP)}) THEN {v} END AS TIMESTAMP)"
        checks.append(
            (f"{v} IS NOT NULL AND {t} IS NULL", msg(f"{shown} || ' is not a timestamp (YYYY-MM-DD HH:MM:SS)'"))
        )
    elif col.type == "boolean":
        lv = f"lower({v})"
        typed = f"CASE WHEN {lv} IN ({', '.join(map(_lit, _TRUE))}) THEN true WHEN {lv} IN ({', '.join(map(_lit, _FALSE))}) THEN false END"
        checks.append((f"{v} IS NOT NULL AND {t} IS NULL", msg(f"{shown} || ' is not true/false'")))
    else:  # pragma: no cover - the contract only uses the types above
        raise ValueError(col.type)
    return typed, checks


def _trimmed(v: str) -> str:
    """`nullif(trim(v), '')`, trimming only values that have a space at either end: trim copies every
    string, and was the costliest expression of the checks (bench/RESULTS.md)."""
    return f"CASE WHEN {v} LIKE ' %' OR {v} LIKE '% ' THEN nullif(trim({v}), '') ELSE nullif({v}, '') END"


def _drop_landing(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the previous file's `_landing`, a view or a table depending on how that file was read."""
    kinds = con.execute(
        """SELECT 'VIEW' FROM duckdb_views() WHERE view_name = '_landing' AND temporary
           UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE table_name = '_landing' AND temporary"""
    ).fetchall()
    for (kind,) in kinds:
        con.execute(f"DROP {kind} temp.main._landing")


def stage_file(
    con: duckdb.DuckDBPyConnection,
    lf: LandingFile,
    read_path: Path,
    known_customers: str | None,
    loaded_at: dt.datetime,
) -> Staged:
    """Read `read_path` (the UTF-8 form of `lf`) and fill `_stage_good` and `_stage_rejects` in `con`."""
    ds = lf.dataset
    name = lf.relpath
    _drop_landing(con)
    if read_path.stat().st_size == 0 and lf.format != "jsonl":
        raise FileRejected(f"{name}: line 1: empty file, no header line")
    if lf.format == "parquet":
        present = _read_parquet(con, read_path, name)
    elif lf.format == "jsonl":
        present = _read_jsonl(con, read_path, name, ds)
    else:
        present = _read_csv(con, read_path, name)
    missing = [c for c in ds.required_columns if c not in present]
    if missing:
        raise FileRejected(
            f"{name}: line 1: required column {missing[0]!r} is missing"
            + (f" (and {', '.join(missing[1:])})" if missing[1:] else "")
            + f"; the header has {', '.join(present)}"
        )
    extra = [c for c in present if c not in ds.column_names]

    texts, typed_cols, conds = [], [], []
    for col in ds.columns:
        # An optional column that is absent reads as empty; values are trimmed and '' is null.
        v, t = _q("text:" + col.name), _q(col.name)
        texts.append((_trimmed(_q(col.name)) if col.name in present else "NULL::VARCHAR") + f" AS {v}")
        typed, checks = _checks(col, v, t)
        typed_cols.append(f"{typed} AS {t}")
        conds.extend((pred, message, col.name) for pred, message in checks)
    # Rules across columns, judged only for rows whose values all passed their own checks.
    row_rules: list[tuple[str, str, str]] = []
    if ds.sum_check:
        total, parts = ds.sum_check
        sum_sql = " + ".join(_q(p) for p in parts)
        row_rules.append((
            f"abs({_q(total)} - ({sum_sql})) > {KWH_SUM_TOLERANCE}",
            f"{_lit(total + ': ')} || {_q(total)}::VARCHAR || ' differs from ' || {_lit(' + '.join(parts))}"
            f" || ' = ' || round({sum_sql}, 3)::VARCHAR || ' by more than {KWH_SUM_TOLERANCE} kWh'",
            total,
        ))
    if ds.date_column and lf.day is not None:
        day_sql = f"DATE '{lf.day.isoformat()}'"
        row_rules.append((
            f"{_q(ds.date_column)} <> {day_sql}",
            f"{_lit(ds.date_column + ': ')} || {_q(ds.date_column)}::VARCHAR || ' is not the file''s day {lf.day}'",
            ds.date_column,
        ))
    # The verdict is a cheap OR of the predicates; the reason text is built only for the rows it condemns
    # (almost none), not concatenated and thrown away for every good row (half of a file's check time).
    bad = " OR ".join(f"({c})" for c, _, _ in conds + row_rules) or "false"
    reason = "nullif(concat_ws('; ', " + ", ".join(f"CASE WHEN {c} THEN {m} END" for c, m, _ in conds) + "), '')"
    first_col = "CASE " + " ".join(f"WHEN {c} THEN {_lit(n)}" for c, _, n in conds) + " END"
    if row_rules:
        reason = f"coalesce({reason}, CASE " + " ".join(f"WHEN {c} THEN {m}" for c, m, _ in row_rules) + " END)"
        first_col = f"coalesce({first_col}, CASE " + " ".join(f"WHEN {c} THEN {_lit(n)}" for c, _, n in row_rules) + " END)"
    key = ", ".join(_q(k) for k in ds.key)
    cols = ", ".join(_q(c) for c in ds.column_names)
    # One pass: text values, then typed values, then rule verdicts.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _checked AS
            WITH v AS (SELECT _line, {', '.join(texts)} FROM _landing),
            t AS (SELECT *, {', '.join(typed_cols)} FROM v)
            SELECT _line, {cols}, CASE WHEN {bad} THEN {reason} END AS _reason,
                   CASE WHEN {bad} THEN {first_col} END AS _column
            FROM t"""
    )
    # Then duplicate keys among rows that passed every other rule (the first occurrence in the file loads).
    # Found by grouping, not by a window over the key (keys are almost all unique, a window sorts them all),
    # and marked by an update of the few rows concerned rather than a join that rewrites the whole file.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _dup AS
            SELECT {key}, min(_line) AS _first FROM _checked WHERE _reason IS NULL
            GROUP BY {key} HAVING count(*) > 1"""
    )
    if con.execute("SELECT count(*) FROM _dup").fetchone()[0]:
        on = " AND ".join(f"c.{_q(k)} = d.{_q(k)}" for k in ds.key)
        con.execute(
            f"""UPDATE _checked c
                SET _reason = 'duplicate key (' || {_lit(', '.join(ds.key))} || ') within the delivery, first at line '
                              || d._first::VARCHAR,
                    _column = {_lit(ds.key[0])}
                FROM _dup d WHERE {on} AND c._reason IS NULL AND c._line <> d._first"""
        )
    if lf.format == "csv":
        raw = "concat_ws(',', " + ", ".join(
            f"CASE WHEN l.{_q(c)} IS NULL THEN '' ELSE '\"' || replace(l.{_q(c)}, '\"', '\"\"') || '\"' END"
            for c in present
        ) + ")"
    elif lf.format == "parquet":
        raw = "to_json(struct_pack(" + ", ".join(f"{_q(c)} := l.{_q(c)}" for c in present) + "))::VARCHAR"
    else:
        raw = "l._raw"

    derived = ""
    if "is_unknown_customer" in dict(DERIVED_COLUMNS.get(ds.name, ())):
        derived = (
            f", customer_id NOT IN (SELECT customer_id FROM {known_customers}) AS is_unknown_customer"
            if known_customers
            else ", NULL::BOOLEAN AS is_unknown_customer"
        )
    day = f"DATE '{lf.day.isoformat()}'" if lf.day else "NULL::DATE"
    ts = f"TIMESTAMP '{loaded_at.isoformat(sep=' ', timespec='seconds')}'"
    con.execute(
        # A view: the good rows go from `_checked` into the raw table in one copy, in file order as read.
        f"""CREATE OR REPLACE TEMP VIEW _stage_good AS
            SELECT {cols}{derived}, {_lit(name)} AS _source_file, _line::INTEGER AS _source_line,
                   {day} AS _delivery_date, {ts} AS _loaded_at
            FROM _checked WHERE _reason IS NULL"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _stage_rejects AS
            SELECT {_lit(ds.name)} AS dataset, {_lit(name)} AS source_file, c._line::INTEGER AS line,
                   c._column AS column_name, c._reason AS reason, {raw} AS raw_record, {day} AS delivery_date,
                   {ts} AS rejected_at
            FROM _checked c JOIN _landing l USING (_line) WHERE c._reason IS NOT NULL
            UNION ALL
            SELECT {_lit(ds.name)}, {_lit(name)}, _line::INTEGER, column_name, reason, _raw, {day}, {ts}
            FROM _landing_rejects
            ORDER BY line"""
    )
    read = con.execute("SELECT (SELECT count(*) FROM _landing) + (SELECT count(*) FROM _landing_rejects)").fetchone()[0]
    loaded = con.execute("SELECT count(*) FROM _checked WHERE _reason IS NULL").fetchone()[0]
    rejected = con.execute("SELECT count(*) FROM _stage_rejects").fetchone()[0]
    if read != loaded + rejected:  # pragma: no cover - would be a bug in the SQL above
        raise AssertionError(f"{name}: {read} rows read but {loaded} loaded + {rejected} rejected")
    reasons = dict(
        con.execute(
            "SELECT coalesce(column_name, '(record)') || ': ' || regexp_replace(reason, '''.*''', '…'), count(*) "
            "FROM _stage_rejects GROUP BY 1 ORDER BY 2 DESC LIMIT 20"
        ).fetchall()
    )
    return Staged(read, loaded, rejected, extra, reasons)
