"""The raw layer's tables: one per landing dataset, the rejects and the load log, in contract types."""

from __future__ import annotations

from orchestration.ingestion.contract import DATASETS, LINEAGE_COLUMNS, Dataset

RAW_SCHEMA = "raw"

# Contract types as each engine spells them.
SQL_TYPES = {
    "duckdb": {
        "text": "VARCHAR",
        "code": "VARCHAR",
        "decimal": "DOUBLE",
        "integer": "INTEGER",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "boolean": "BOOLEAN",
    },
    "postgres": {
        "text": "TEXT",
        "code": "TEXT",
        "decimal": "DOUBLE PRECISION",
        "integer": "INTEGER",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "boolean": "BOOLEAN",
    },
}

# Columns a dataset's raw table has beyond the contract's, computed at load time.
DERIVED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "meter_readings": (("is_unknown_customer", "boolean"),),
}

REJECTS_COLUMNS = (
    ("dataset", "text"),
    ("source_file", "text"),
    ("line", "integer"),
    ("column_name", "text"),
    ("reason", "text"),
    ("raw_record", "text"),
    ("delivery_date", "date"),
    ("rejected_at", "timestamp"),
)

LOAD_LOG_COLUMNS = (
    ("dataset", "text"),
    ("source_file", "text"),
    ("sha256", "text"),
    ("delivery_date", "date"),
    ("rows_read", "integer"),
    ("rows_loaded", "integer"),
    ("rows_rejected", "integer"),
    ("status", "text"),
    ("message", "text"),
    ("loaded_at", "timestamp"),
    # Issue 21: the file's data lines counted from its bytes, the lines its records account for (loaded,
    # quarantined or blank), and the variants normalised as JSON {column: {variant: values}}.
    ("lines", "integer"),
    ("lines_accounted", "integer"),
    ("normalised", "text"),
)


def raw_columns(dataset: Dataset) -> tuple[tuple[str, str], ...]:
    """(name, contract type) of every column of a dataset's raw table, in table order."""
    return tuple((c.name, c.type) for c in dataset.columns) + DERIVED_COLUMNS.get(dataset.name, ()) + LINEAGE_COLUMNS


def raw_layer_tables() -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """(table, columns) of every table of the raw schema that ingestion writes."""
    return [
        *((ds.table, raw_columns(ds)) for ds in DATASETS.values()),
        ("rejects", REJECTS_COLUMNS),
        ("load_log", LOAD_LOG_COLUMNS),
    ]
