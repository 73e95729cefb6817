"""The personal-data scanner finds exactly the clear values planted outside raw/staging, on both engines, and the
built platform (marts, ml, and everything else outside raw/staging) holds none; nor do its run's logs."""

from __future__ import annotations

from orchestration.warehouse import Warehouse, privacy

CUSTOMERS = [
    ("张三丰", "13812345678", "110101199003074512", "北京市朝阳区建国路88号3单元"),
    ("李四", "13900001111", "32010219851201002X", "南京市鼓楼区中山路1号"),
]
PLANTED = [
    ("leak_mobile", "客户13812345678来电"),
    ("leak_id", "证件 32010219851201002X"),
    ("leak_name", "张三丰反映家中停电"),
    ("leak_short_name", "李四"),
    ("leak_address", "地址：北京市朝阳区建国路88号3单元，停电"),
    ("clean_masked_phone", "138****5678"),
    ("clean_masked_name", "张*丰"),
    ("clean_short_name_in_text", "李四川来电"),  # a two-character name inside other words is not a name
    ("clean_account", "1381234567890"),  # 13 digits: an account number, not a mobile
    ("clean_not_mobile", "12345678901"),
    ("clean_district_only", "北京市朝阳区"),
]


def _execute(url: str, *statements: str) -> None:
    wh = Warehouse(url)
    if wh.engine == "duckdb":
        con = wh.connect()
        try:
            for s in statements:
                con.execute(s)
        finally:
            con.close()
    else:
        with wh.pg() as con, con.cursor() as cur:
            for s in statements:
                cur.execute(s)


def _literal(v: str) -> str:
    return "'" + v.replace("'", "''") + "'"


def test_scan_finds_exactly_what_was_planted(warehouse_url):
    rows = ", ".join(f"({', '.join(map(_literal, c))})" for c in CUSTOMERS)
    planted = ", ".join(f"({_literal(k)}, {_literal(v)})" for k, v in PLANTED)
    _execute(
        warehouse_url,
        "CREATE SCHEMA raw",
        "CREATE SCHEMA staging",
        "CREATE SCHEMA marts",
        "CREATE TABLE raw.raw_cis__customers (name TEXT, phone TEXT, id_card_no TEXT, address TEXT)",
        f"INSERT INTO raw.raw_cis__customers VALUES {rows}",
        # Staging may hold clear values (it is protected, like raw): not a finding.
        "CREATE TABLE staging.stg_cis__customers AS SELECT * FROM raw.raw_cis__customers",
        "CREATE TABLE marts.notes (note_id TEXT, note TEXT, reading_kwh DOUBLE PRECISION)",
        f"INSERT INTO marts.notes (note_id, note) VALUES {planted}",
        "CREATE VIEW marts.notes_view AS SELECT note FROM marts.notes WHERE note_id = 'leak_mobile'",
    )
    findings = {(f.table, f.column, f.kind, f.values) for f in privacy.scan(Warehouse(warehouse_url))}
    assert findings == {
        ("marts.notes", "note", "mobile", 1),
        ("marts.notes", "note", "id_card", 1),
        ("marts.notes", "note", "name", 2),  # 张三丰 inside a sentence, 李四 whole
        ("marts.notes", "note", "address", 1),
        ("marts.notes_view", "note", "mobile", 1),
    }


def test_the_built_platform_leaks_no_personal_data(built_platform):
    wh = Warehouse(built_platform.settings.warehouse_url)
    scanned = {(s, t) for s, t, _ in privacy.text_columns(wh)}
    assert {s for s, _ in scanned} >= {"intermediate", "marts", "ml"}
    assert [str(f) for f in privacy.scan(wh)] == []


def test_the_runs_logs_and_metadata_hold_no_personal_data(built_platform):
    """Everything the run recorded (log lines, asset metadata, check results) — what the Dagster UI shows."""
    values = privacy.customer_values(Warehouse(built_platform.settings.warehouse_url))
    assert all(len(v) > 100 for v in values.values())
    recorded = "\n".join(str(event) for event in built_platform.result.all_events)
    assert len(recorded) > 100_000
    leaked = {kind: sorted(v for v in vs if v in recorded)[:3] for kind, vs in values.items()}
    assert leaked == {kind: [] for kind in values}
