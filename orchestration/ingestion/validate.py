"""Read one landing file into DuckDB and split it into rows that load and rows that are quarantined.

All of it is SQL over the whole file (no Python per row): the file is read as text columns, every rule of
the contract becomes a SQL predicate with a message, and each row ends up in exactly one of two temp tables,
`_stage_good` (the raw table's columns) or `_stage_rejects` (raw.rejects' columns), so that
rows read = rows loaded + rows rejected holds by construction and is checked. A CSV whose parsed records do
not cover its physical lines one for one is split again line-exactly in Python (`lines.split_records`): only
damaged files, and ticket files whose descriptions hold line breaks, take that slower path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.ingestion import readers, variants
from orchestration.ingestion.contract import ID_MAX_LENGTH, KWH_SUM_TOLERANCE, Column
from orchestration.ingestion.files import FileRejected, LandingFile
from orchestration.ingestion.lines import count_lines
from orchestration.ingestion.variants import SHOWN as _SHOWN
from orchestration.ingestion.variants import lit as _lit
from orchestration.warehouse import DERIVED_COLUMNS

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
            checks.append(
                (
                    f"strlen({v}) > {ID_MAX_LENGTH} AND length({v}) > {ID_MAX_LENGTH}",
                    msg(
                        f"'a value of ' || length({v}) || ' characters is longer than the {ID_MAX_LENGTH} an identifier may have'"
                    ),
                )
            )
        # Only a file with a control byte somewhere pays for looking for one in every value.
        if control and col.is_identifier:
            checks.append(
                (
                    f"regexp_matches({v}, {_lit(_CONTROL)})",
                    msg(
                        f"'control character ' || printf('U+%04X', unicode(regexp_extract({v}, {_lit(_CONTROL)}))) "
                        f"|| ' in an identifier'"
                    ),
                )
            )
        elif control:  # PostgreSQL cannot store a NUL in text, and no one types one
            checks.append((f"strpos({v}, chr(0)) > 0", msg("'NUL character (U+0000) in the value'")))
        return checks
    checks.append((f"{v} IS NOT NULL AND {t} IS NULL", variants.unreadable(col, v)))
    if col.type in ("decimal", "integer"):
        if col.min_value is not None:
            op = "<=" if col.exclusive_min else "<"
            at = "or at " if col.exclusive_min else ""
            checks.append(
                (f"{t} {op} {col.min_value}", msg(f"{shown} || ' is below {at}the minimum {col.min_value:g}'"))
            )
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
        second = (
            f"{r}, CASE WHEN {r} LIKE ' %' OR {r} LIKE '% ' THEN nullif(trim({r}), '') ELSE nullif({r}, '') END AS {v}"
        )
        return f"{raw} AS {r}", second, v, v, (f"strlen({v}) <> strlen({r})", "'spaces'")
    first = f"{raw} AS {r}, {variants.canonical(col, r)} AS {c0}"
    second = (
        f"{r}, {c0}, CASE WHEN {c0} IS NOT NULL THEN {r} ELSE nullif(trim({r}, ' \u3000'), '') END AS {v}, "
        f"CASE WHEN {c0} IS NOT NULL OR {r} IS NULL THEN {c0} ELSE {variants.fallback(col, r)} END AS {t}"
    )
    return first, second, v, t, (f"{c0} IS NULL AND {t} IS NOT NULL", variants.label(col, r))


def _drop_landing(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the previous file's `_landing`, a view or a table depending on how that file was read.

    Tried rather than looked up: `duckdb_tables()` lists every attached catalog, the lake's too, which cost
    0.1 s a file there."""
    try:
        con.execute("DROP VIEW IF EXISTS temp.main._landing")
    except duckdb.CatalogException:  # it is a table
        con.execute("DROP TABLE temp.main._landing")


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
        present, accounted = readers.read_parquet(con, read_path, name)
        lines, control = accounted, True
    elif lf.format == "xlsx":
        present, accounted = readers.read_xlsx(con, read_path, name, ds)
        lines, control = accounted, True
    else:
        count = count_lines(read_path)
        control = count.control
        if lf.format == "jsonl":
            present, accounted = readers.read_jsonl(con, read_path, name, ds, count.lines, control)
            lines = count.lines
        else:
            present, accounted = readers.read_csv(con, read_path, name, ds, count.lines)
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
        row_rules.append(
            (
                f"abs({_q(total)} - ({sum_sql})) > {KWH_SUM_TOLERANCE}",
                f"{_lit(total + ': ')} || {_q(total)}::VARCHAR || ' differs from ' || {_lit(' + '.join(parts))}"
                f" || ' = ' || round({sum_sql}, 3)::VARCHAR || ' by more than {KWH_SUM_TOLERANCE} kWh'",
                total,
            )
        )
    if ds.date_column and lf.day is not None:
        day_sql = f"DATE '{lf.day.isoformat()}'"
        row_rules.append(
            (
                f"{_q(ds.date_column)} <> {day_sql}",
                f"{_lit(ds.date_column + ': ')} || {_q(ds.date_column)}::VARCHAR || ' is not the file''s day {lf.day}'",
                ds.date_column,
            )
        )
    # The verdict is a cheap OR of the predicates; the reason text is built only for the rows it condemns
    # (almost none), not concatenated and thrown away for every good row (half of a file's check time).
    bad = " OR ".join(f"({c})" for c, _, _ in conds + row_rules) or "false"
    reason = "nullif(concat_ws('; ', " + ", ".join(f"CASE WHEN {c} THEN {m} END" for c, m, _ in conds) + "), '')"
    first_col = "CASE " + " ".join(f"WHEN {c} THEN {_lit(n)}" for c, _, n in conds) + " END"
    if row_rules:
        reason = f"coalesce({reason}, CASE " + " ".join(f"WHEN {c} THEN {m}" for c, m, _ in row_rules) + " END)"
        first_col = (
            f"coalesce({first_col}, CASE " + " ".join(f"WHEN {c} THEN {_lit(n)}" for c, _, n in row_rules) + " END)"
        )
    key = ", ".join(_q(k) for k in ds.key)
    cols = ", ".join(_q(c) for c in ds.column_names)
    # One pass: raw values and their canonical parse, then text and typed values, then rule verdicts.
    # Which values of the row were normalised, as `column=variant,variant;…`: one column, NULL for almost every
    # row (six mostly-NULL columns cost a fifth of the check). Only values that were read count.
    norm = (
        "CASE WHEN "
        + " OR ".join(f"({cond})" for _, (cond, _), _ in labels)
        + " THEN concat_ws(';', "
        + ", ".join(f"CASE WHEN {cond} THEN {_lit(c + '=')} || {label} END" for c, (cond, label), _ in labels)
        + ") END AS _norm"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _checked AS
            WITH r AS (SELECT _line, {", ".join(firsts)} FROM _landing),
            t AS (SELECT _line, {", ".join(seconds)} FROM r)
            SELECT _line, {", ".join(typed_cols)}, CASE WHEN {bad} THEN {reason} END AS _reason,
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
                SET _reason = 'duplicate key (' || {_lit(", ".join(ds.key))} || ') within the delivery, first at line '
                              || d._first::VARCHAR,
                    _column = {_lit(ds.key[0])}
                FROM _dup d WHERE {on} AND c._reason IS NULL AND c._line <> d._first"""
        )
    if lf.format == "csv":
        raw = (
            "concat_ws(',', "
            + ", ".join(
                f"CASE WHEN l.{_q(c)} IS NULL THEN '' ELSE '\"' || replace(l.{_q(c)}, '\"', '\"\"') || '\"' END"
                for c in present
            )
            + ")"
        )
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
                   c._column AS column_name, {_visible("c._reason")} AS reason, {_visible(raw)} AS raw_record,
                   {day} AS delivery_date, {ts} AS rejected_at
            FROM _checked c JOIN _landing l USING (_line) WHERE c._reason IS NOT NULL
            UNION ALL
            SELECT {_lit(ds.name)}, {_lit(name)}, _line::INTEGER, column_name, {_visible("reason")},
                   {_visible("_raw")}, {day}, {ts}
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
