"""Read one landing file into DuckDB and split it into rows that load and rows that are quarantined.

All of it is SQL over the whole file (no Python per row): the file is read as text columns, every rule of
the contract becomes a SQL predicate with a message, and each row ends up in exactly one of two temp tables,
`_stage_good` (the raw table's columns) or `_stage_rejects` (raw.rejects' columns), so that
rows read = rows loaded + rows rejected holds by construction and is checked. A CSV whose parsed records do
not cover its physical lines one for one is split again line-exactly in Python (`lines.split_records`): only
damaged files, and ticket files whose descriptions hold line breaks, take that slower path.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.ingestion import variants
from orchestration.ingestion.contract import ID_MAX_LENGTH, KWH_SUM_TOLERANCE, Column, Dataset
from orchestration.ingestion.files import FileRejected, LandingFile
from orchestration.ingestion.lines import Split, chomp, count_lines, split_records
from orchestration.ingestion.variants import SHOWN as _SHOWN
from orchestration.ingestion.variants import lit as _lit
from orchestration.warehouse.core import DERIVED_COLUMNS

_CONTROL = r"[\x00-\x1f\x7f]"


@dataclass
class Staged:
    """What reading and checking one file produced (the rows themselves are in the temp tables)."""

    rows_read: int
    rows_loaded: int
    rows_rejected: int
    extra_columns: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)  # reject reason kind -> rows
    lines: int = 0  # data lines of the file counted from its bytes (rows of a Parquet file or workbook)
    lines_accounted: int = 0  # lines covered by records loaded or quarantined, and blank lines
    normalised: dict[str, dict[str, int]] = field(default_factory=dict)  # column -> variant -> values


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        try:
            return next(csv.reader(fh))
        except StopIteration:
            return []


def _read_csv(con: duckdb.DuckDBPyConnection, path: Path, name: str, dataset: Dataset, lines: int) -> tuple[list[str], int]:
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
    bad = pa.table({
        "_line": pa.array([b[0] for b in split.broken], pa.int64()),
        "column_name": pa.array([b[2] for b in split.broken], pa.string()),
        "reason": pa.array([b[3] for b in split.broken], pa.string()),
        "_raw": pa.array([b[4] for b in split.broken], pa.string()),
    })
    con.register("_split_good", good)
    con.register("_split_bad", bad)
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _landing AS SELECT * FROM _split_good")
        con.execute("CREATE OR REPLACE TEMP TABLE _landing_rejects AS SELECT * FROM _split_bad")
    finally:
        con.unregister("_split_good")
        con.unregister("_split_bad")


def _read_jsonl(
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
        con.register("_jsonl_py", pa.table({
            "_line": pa.array(range(1, len(texts) + 1), pa.int64()), "_raw": pa.array(texts, pa.string())
        }))
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


def _read_parquet(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> tuple[list[str], int]:
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


def _read_xlsx(con: duckdb.DuckDBPyConnection, path: Path, name: str, dataset: Dataset) -> tuple[list[str], int]:
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


def _checks(col: Column, v: str, t: str, control: bool) -> list[tuple[str, str]]:
    """[(bad-value predicate, message)] for one column, over its text value `v` and its typed value `t`.

    Predicates refer to the columns by name, so each value is parsed once per row however many rules look at it.
    """
    shown = f"'''' || left({v}, {_SHOWN}) || ''''"
    msg = lambda text: f"{_lit(col.name + ': ')} || {text}"  # noqa: E731
    checks: list[tuple[str, str]] = []
    if not col.nullable:
        checks.append((f"{v} IS NULL", _lit(f"{col.name}: missing value")))
    if col.type in ("text", "code"):
        if col.domain:
            domain = ", ".join(_lit(d) for d in col.domain)
            checks.append((f"{v} NOT IN ({domain})", msg(f"{shown} || ' is not one of {', '.join(col.domain)}'")))
        if col.is_identifier:
            # strlen is the stored byte length (free); length counts characters, only for the long ones.
            checks.append((
                f"strlen({v}) > {ID_MAX_LENGTH} AND length({v}) > {ID_MAX_LENGTH}",
                msg(f"'a value of ' || length({v}) || ' characters is longer than the {ID_MAX_LENGTH} an identifier may have'"),
            ))
        # Only a file with a control byte somewhere pays for looking for one in every value.
        if control and col.is_identifier:
            checks.append((
                f"regexp_matches({v}, {_lit(_CONTROL)})",
                msg(f"'control character ' || printf('U+%04X', unicode(regexp_extract({v}, {_lit(_CONTROL)}))) "
                    f"|| ' in an identifier'"),
            ))
        elif control:  # PostgreSQL cannot store a NUL in text, and no one types one
            checks.append((f"strpos({v}, chr(0)) > 0", msg("'NUL character (U+0000) in the value'")))
        return checks
    checks.append((f"{v} IS NOT NULL AND {t} IS NULL", variants.unreadable(col, v)))
    if col.type in ("decimal", "integer"):
        if col.min_value is not None:
            op = "<=" if col.exclusive_min else "<"
            at = "or at " if col.exclusive_min else ""
            checks.append((f"{t} {op} {col.min_value}", msg(f"{shown} || ' is below {at}the minimum {col.min_value:g}'")))
        if col.max_value is not None:
            checks.append((f"{t} > {col.max_value}", msg(f"{shown} || ' is above the maximum {col.max_value:g}'")))
    return checks


def _columns_sql(col: Column, present: bool) -> tuple[str, str, str, str, tuple[str, str]]:
    """SQL for one column in the check's three steps: (step 1 items, step 2 items, text name, typed name,
    (a value was normalised, the names of its variants) over step 2's columns).

    Step 1 reads the raw value and, for typed columns, parses it the canonical way. Step 2 keeps the parse when
    it worked (almost every row) and only otherwise normalises an accepted variant; the label is built in the
    last step, again only for the values that needed the fallback.
    """
    raw = _q(col.name) if present else "NULL::VARCHAR"
    r, c0 = _q("raw:" + col.name), _q("c0:" + col.name)
    v, t = _q("text:" + col.name), _q(col.name)
    if col.type in ("text", "code"):
        # `trim` copies every string and was the costliest expression of the checks (bench/RESULTS.md):
        # only values with a space at either end are trimmed, and a trimmed one is seen by its stored length.
        second = f"{r}, CASE WHEN {r} LIKE ' %' OR {r} LIKE '% ' THEN nullif(trim({r}), '') ELSE nullif({r}, '') END AS {v}"
        return f"{raw} AS {r}", second, v, v, (f"strlen({v}) <> strlen({r})", "'spaces'")
    first = f"{raw} AS {r}, {variants.canonical(col, r)} AS {c0}"
    second = (
        f"{r}, {c0}, CASE WHEN {c0} IS NOT NULL THEN {r} ELSE nullif(trim({r}, ' \u3000'), '') END AS {v}, "
        f"CASE WHEN {c0} IS NOT NULL OR {r} IS NULL THEN {c0} ELSE {variants.fallback(col, r)} END AS {t}"
    )
    return first, second, v, t, (f"{c0} IS NULL AND {t} IS NOT NULL", variants.label(col, r))


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
        present, accounted = _read_parquet(con, read_path, name)
        lines, control = accounted, True
    elif lf.format == "xlsx":
        present, accounted = _read_xlsx(con, read_path, name, ds)
        lines, control = accounted, True
    else:
        count = count_lines(read_path)
        control = count.control
        if lf.format == "jsonl":
            present, accounted = _read_jsonl(con, read_path, name, ds, count.lines, control)
            lines = count.lines
        else:
            present, accounted = _read_csv(con, read_path, name, ds, count.lines)
            lines = count.lines - 1  # the header is not data
    missing = [c for c in ds.required_columns if c not in present]
    if missing:
        raise FileRejected(
            f"{name}: line 1: required column {missing[0]!r} is missing"
            + (f" (and {', '.join(missing[1:])})" if missing[1:] else "")
            + f"; the header has {', '.join(present)}"
        )
    extra = [c for c in present if c not in ds.column_names]

    firsts, seconds, typed_cols, labels, conds = [], [], [], [], []
    for col in ds.columns:
        # An optional column that is absent reads as empty; values are trimmed and '' is null.
        first, second, v, t, lab = _columns_sql(col, col.name in present)
        firsts.append(first)
        seconds.append(second)
        typed_cols.append(t if t == _q(col.name) else f"{t} AS {_q(col.name)}")
        labels.append((col.name, lab, t))
        conds.extend((pred, message, col.name) for pred, message in _checks(col, v, t, control))
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
    # One pass: raw values and their canonical parse, then text and typed values, then rule verdicts.
    # Which values of the row were normalised, as `column=variant,variant;…`: one column, NULL for almost every
    # row (six mostly-NULL columns cost a fifth of the check). Only values that were read count.
    norm = (
        "CASE WHEN " + " OR ".join(f"({cond})" for _, (cond, _), _ in labels) + " THEN concat_ws(';', "
        + ", ".join(f"CASE WHEN {cond} THEN {_lit(c + '=')} || {label} END" for c, (cond, label), _ in labels)
        + ") END AS _norm"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _checked AS
            WITH r AS (SELECT _line, {', '.join(firsts)} FROM _landing),
            t AS (SELECT _line, {', '.join(seconds)} FROM r)
            SELECT _line, {', '.join(typed_cols)}, CASE WHEN {bad} THEN {reason} END AS _reason,
                   CASE WHEN {bad} THEN {first_col} END AS _column, {norm}
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
    elif lf.format in ("parquet", "xlsx"):
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
                   c._column AS column_name, {_visible('c._reason')} AS reason, {_visible(raw)} AS raw_record,
                   {day} AS delivery_date, {ts} AS rejected_at
            FROM _checked c JOIN _landing l USING (_line) WHERE c._reason IS NOT NULL
            UNION ALL
            SELECT {_lit(ds.name)}, {_lit(name)}, _line::INTEGER, column_name, {_visible('reason')},
                   {_visible('_raw')}, {day}, {ts}
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
    return Staged(read, loaded, rejected, extra, reasons, lines, accounted, _normalised(con))


def _visible(text: str) -> str:
    """A quarantined text with NUL shown as ␀ (U+2400): PostgreSQL cannot store a NUL in text."""
    return f"replace({text}, chr(0), '\u2400')"


def _normalised(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, int]]:
    """{column: {variant: values}} over the rows that loaded; a value may use several variants at once."""
    out: dict[str, dict[str, int]] = {}
    for c, variant, n in con.execute(
        """WITH v AS (SELECT unnest(string_split(_norm, ';')) AS e FROM _checked WHERE _reason IS NULL AND _norm IS NOT NULL)
           SELECT c, variant, count(*) FROM (
               SELECT split_part(e, '=', 1) AS c, unnest(string_split(split_part(e, '=', 2), ',')) AS variant FROM v)
           GROUP BY ALL ORDER BY 1, 2"""
    ).fetchall():
        out.setdefault(c, {})[variant] = n
    return out
