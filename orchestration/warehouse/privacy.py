"""Scan the warehouse for clear personal data where none may be: every table and view outside `raw` and `staging`.

Personal data enters with the customer file (names, mobile numbers, ID-card numbers, addresses) and stays in the
raw and staging layers; everything built on them (intermediate, marts, ml, serving, and what BI reads) carries
masked values only. This scanner proves it on either engine, table by table and column by column:

* mobile numbers: 11 digits starting 13–19, not part of a longer number;
* ID-card numbers: 17 digits and a digit or X, not part of a longer number;
* full names: a value equal to a customer's name from the customer file, or containing one of 3+ characters
  (two-character names are only matched whole: as substrings they are ordinary words);
* full addresses: a value containing a customer's address from the customer file.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.warehouse import RAW_SCHEMA, Warehouse

PROTECTED_SCHEMAS = ("raw", "staging")
CUSTOMERS_TABLE = f"{RAW_SCHEMA}.raw_cis__customers"

# POSIX/RE2 classes both engines accept (no look-around): a digit run bounded by non-digits or the ends.
MOBILE = "(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)"
ID_CARD = "(^|[^0-9])[0-9]{17}[0-9Xx]([^0-9]|$)"
TEXT_TYPES = ("text", "character varying", "varchar", "json", "jsonb", "character")


@dataclass(frozen=True)
class Finding:
    """Rows of one column that hold one kind of clear personal data."""

    table: str  # schema.table
    column: str
    kind: str  # mobile | id_card | name | address
    values: int  # distinct values found

    def __str__(self) -> str:
        return f"{self.table}.{self.column}: {self.values} value(s) with a clear {self.kind}"


def text_columns(wh: Warehouse, exclude_schemas: tuple[str, ...] = PROTECTED_SCHEMAS) -> list[tuple[str, str, str]]:
    """(schema, table, column) of every text-like column of every table and view outside `exclude_schemas`."""
    placeholders = ", ".join("?" for _ in exclude_schemas)
    rows = wh.query(
        f"""SELECT table_schema, table_name, column_name, lower(data_type) FROM information_schema.columns
            WHERE table_schema NOT IN ({placeholders})
              AND table_schema NOT IN ('information_schema', 'pg_catalog', 'main', 'public')
              AND table_catalog = current_database()
            ORDER BY 1, 2, 3""",
        list(exclude_schemas),
    )
    return [(s, t, c) for s, t, c, kind in rows if kind.split("(")[0].strip() in TEXT_TYPES]


def _matches(engine: str, value_sql: str, pattern: str) -> str:
    return f"regexp_matches({value_sql}, '{pattern}')" if engine == "duckdb" else f"{value_sql} ~ '{pattern}'"


def scan(wh: Warehouse, exclude_schemas: tuple[str, ...] = PROTECTED_SCHEMAS) -> list[Finding]:
    """Every column outside `exclude_schemas` holding clear personal data; an empty list means none leaks."""
    has_customers = (
        wh.query(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'raw_cis__customers'",
            [RAW_SCHEMA],
        )[0][0]
        > 0
    )
    findings: list[Finding] = []
    for schema, table, column in text_columns(wh, exclude_schemas):
        relation, value = f'{schema}."{table}"', f'CAST("{column}" AS TEXT)'
        counts = wh.query(
            f"""SELECT count(*) FILTER (WHERE {_matches(wh.engine, value, MOBILE)}),
                       count(*) FILTER (WHERE {_matches(wh.engine, value, ID_CARD)})
                FROM {relation}"""
        )[0]
        if has_customers:
            # Only values with CJK characters can hold a Chinese name or address: a cheap filter first, so a
            # column of IDs or codes never meets the cross product with the customer file.
            cjk = _matches(wh.engine, "v.value", "[一-龥]")
            counts += wh.query(
                f"""WITH v AS (SELECT DISTINCT {value} AS value FROM {relation}),
                         c AS (SELECT v.value FROM v WHERE {cjk})
                    SELECT (SELECT count(DISTINCT c.value) FROM c JOIN {CUSTOMERS_TABLE} p
                              ON c.value = p.name OR (length(p.name) >= 3 AND position(p.name IN c.value) > 0)),
                           (SELECT count(DISTINCT c.value) FROM c JOIN {CUSTOMERS_TABLE} p
                              ON length(p.address) >= 6 AND position(p.address IN c.value) > 0)"""
            )[0]
        for kind, n in zip(("mobile", "id_card", "name", "address"), counts, strict=False):
            if n:
                findings.append(Finding(f"{schema}.{table}", column, kind, int(n)))
    return findings


def customer_values(wh: Warehouse) -> dict[str, set[str]]:
    """The customer file's clear personal values, to look for in logs and metadata."""
    rows = wh.query(f"SELECT name, phone, id_card_no, address FROM {CUSTOMERS_TABLE}")
    kinds = ("name", "phone", "id_card_no", "address")
    return {k: {r[i] for r in rows if r[i] and (k != "name" or len(r[i]) >= 3)} for i, k in enumerate(kinds)}
