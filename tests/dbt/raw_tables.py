"""The `raw` schema the ingestion writes, recreated for dbt tests from crafted rows.

Columns and types follow the landing contract (docs/landing_contract.md) plus what the ingestion
adds: `is_unknown_customer` on meter readings and the lineage columns of every raw table.
test_raw_tables.py checks this copy against orchestration/ingestion/contract.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

LINEAGE = (
    ("_source_file", "text"),
    ("_source_line", "integer"),
    ("_delivery_date", "date"),
    ("_loaded_at", "timestamp"),
)

RAW_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "raw_cis__customers": (
        ("customer_id", "text"),
        ("name", "text"),
        ("phone", "text"),
        ("id_card_no", "text"),
        ("address", "text"),
        ("district", "text"),
        ("area_type", "text"),
        ("category", "text"),
        ("tariff", "text"),
        ("transformer_id", "text"),
        ("lat", "decimal"),
        ("lon", "decimal"),
        ("opened_on", "date"),
    ),
    "raw_scada__transformers": (
        ("transformer_id", "text"),
        ("district", "text"),
        ("lat", "decimal"),
        ("lon", "decimal"),
        ("rated_kva", "decimal"),
        ("installed_on", "date"),
    ),
    "raw_crm__workers": (
        ("worker_id", "text"),
        ("name", "text"),
        ("team", "text"),
        ("district", "text"),
        ("lat", "decimal"),
        ("lon", "decimal"),
        ("on_duty", "boolean"),
    ),
    "raw_scada__equipment_faults": (
        ("fault_id", "text"),
        ("transformer_id", "text"),
        ("fault_at", "timestamp"),
        ("fault_type", "text"),
        ("restored_at", "timestamp"),
    ),
    "raw_crm__notification_preferences": (
        ("customer_id", "text"),
        ("channel", "text"),
        ("opt_out_high_bill", "boolean"),
        ("opt_out_tariff_advice", "boolean"),
        ("opt_out_repair_progress", "boolean"),
        ("quiet_start_hour", "integer"),
        ("quiet_end_hour", "integer"),
        ("updated_at", "timestamp"),
    ),
    "raw_ami__meter_readings": (
        ("customer_id", "text"),
        ("reading_date", "date"),
        ("kwh_total", "decimal"),
        ("kwh_peak", "decimal"),
        ("kwh_flat", "decimal"),
        ("kwh_valley", "decimal"),
        ("is_unknown_customer", "boolean"),
    ),
    "raw_crm__service_tickets": (
        ("ticket_id", "text"),
        ("customer_id", "text"),
        ("channel", "text"),
        ("ticket_type", "text"),
        ("created_at", "timestamp"),
        ("dispatched_at", "timestamp"),
        ("arrived_at", "timestamp"),
        ("resolved_at", "timestamp"),
        ("status", "text"),
        ("worker_id", "text"),
        ("satisfaction", "integer"),
        ("description", "text"),
        ("callback_at", "timestamp"),
    ),
    "raw_crm__interactions": (
        ("interaction_id", "text"),
        ("customer_id", "text"),
        ("channel", "text"),
        ("ts", "timestamp"),
        ("text", "text"),
        ("intent", "text"),
        ("phone", "text"),
    ),
    "raw_scada__transformer_telemetry": (
        ("transformer_id", "text"),
        ("ts", "timestamp"),
        ("oil_temp_c", "decimal"),
        ("load_pct", "decimal"),
        ("voltage_v", "decimal"),
        ("ambient_temp_c", "decimal"),
    ),
}

# Landing types as the ingestion stores them, per engine.
SQL_TYPES = {
    "duckdb": {
        "text": "VARCHAR",
        "decimal": "DOUBLE",
        "integer": "INTEGER",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "boolean": "BOOLEAN",
    },
    "postgres": {
        "text": "TEXT",
        "decimal": "DOUBLE PRECISION",
        "integer": "INTEGER",
        "date": "DATE",
        "timestamp": "TIMESTAMP",
        "boolean": "BOOLEAN",
    },
}

LOADED_AT = dt.datetime(2026, 5, 1, 2, 0, 0)


def columns(table: str) -> tuple[tuple[str, str], ...]:
    """All columns of a raw table: contract columns first, then lineage."""
    return RAW_TABLES[table] + LINEAGE


def create_tables_sql(engine: str) -> list[str]:
    """DDL creating schema raw and every raw table, empty, on the given engine."""
    statements = ["create schema if not exists raw"]
    for table in RAW_TABLES:
        ddl = ", ".join(f'"{name}" {SQL_TYPES[engine][type_]}' for name, type_ in columns(table))
        statements.append(f"create table raw.{table} ({ddl})")
    return statements


def as_tuples(table: str, rows: Iterable[Mapping[str, Any]]) -> list[tuple]:
    """Rows as tuples in column order, missing columns null; lineage defaults to a file per delivery day."""
    names = [name for name, _ in columns(table)]
    out = []
    for line, row in enumerate(rows, start=2):
        unknown = set(row) - set(names)
        if unknown:
            raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
        defaults = {
            "_source_file": f"{table}/{row.get('_delivery_date') or 'snapshot'}.csv",
            "_source_line": line,
            "_loaded_at": LOADED_AT,
        }
        out.append(tuple(row.get(name, defaults.get(name)) for name in names))
    return out


def insert_sql(table: str, placeholder: str) -> str:
    """INSERT statement for every column of a raw table with the driver's placeholder."""
    names = ", ".join(f'"{name}"' for name, _ in columns(table))
    return f"insert into raw.{table} ({names}) values ({', '.join([placeholder] * len(columns(table)))})"
