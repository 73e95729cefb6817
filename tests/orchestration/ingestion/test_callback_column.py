"""The optional service_tickets.callback_at column: loaded when a file has it, empty when an older file does
not, and added to a raw table created before the contract had it. On DuckDB and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from orchestration.ingestion.contract import DATASETS
from orchestration.ingestion.ingest import load_dataset
from orchestration.warehouse import Warehouse

OLD_HEADER = (
    "ticket_id,customer_id,channel,ticket_type,created_at,dispatched_at,arrived_at,resolved_at,status,worker_id,"
    "satisfaction,description"
)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_files_with_and_without_the_callback_column_load(warehouse_url, tmp_path):
    landing = tmp_path / "landing"
    _write(
        landing / "service_tickets" / "2026-05-01.csv",
        OLD_HEADER + "\n"
        "TK1,C001,app,payment,2026-05-01 09:00:00,2026-05-01 09:05:00,,2026-05-01 09:30:00,resolved,,,\n",
    )
    _write(
        landing / "service_tickets" / "2026-05-02.csv",
        OLD_HEADER + ",callback_at\n"
        "TK2,C001,app,payment,2026-05-02 09:00:00,2026-05-02 09:05:00,,2026-05-02 09:30:00,closed,,4,,"
        "2026-05-02 15:00:00\n",
    )
    wh = Warehouse(warehouse_url)
    result = load_dataset(wh, DATASETS["service_tickets"], landing)
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    rows = wh.query(
        "SELECT ticket_id, CAST(callback_at AS VARCHAR), satisfaction FROM raw.raw_crm__service_tickets "
        "ORDER BY ticket_id"
    )
    assert [(t, c[:19] if c else c, s) for t, c, s in rows] == [("TK1", None, None), ("TK2", "2026-05-02 15:00:00", 4)]


def test_a_raw_table_created_before_the_column_gains_it(warehouse_url, tmp_path):
    wh = Warehouse(warehouse_url)
    wh.ensure_raw_schema()
    # A warehouse built before callback_at was in the contract.
    if wh.engine == "duckdb":
        with wh.scratch() as con:
            con.execute("ALTER TABLE raw.raw_crm__service_tickets DROP COLUMN callback_at")
    else:
        with wh.pg() as con, con.cursor() as cur:
            cur.execute("ALTER TABLE raw.raw_crm__service_tickets DROP COLUMN callback_at")
    column = (
        "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'raw' "
        "AND table_name = 'raw_crm__service_tickets' AND column_name = 'callback_at'"
    )
    assert wh.query(column) == [(0,)]
    wh.ensure_raw_schema()
    assert wh.query(column) == [(1,)]
    wh.ensure_raw_schema()  # nothing left to add: no error, no second column
    assert wh.query(column) == [(1,)]
