"""The landing contract on crafted files: exactly which rows load and which are quarantined, and why.

Every test runs on DuckDB and on PostgreSQL (the `warehouse_url` fixture).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from orchestration.ingestion.contract import DATASETS
from orchestration.ingestion.ingest import load_dataset
from orchestration.warehouse import Warehouse

CUSTOMERS_HEADER = (
    "customer_id,name,phone,id_card_no,address,district,area_type,category,tariff,transformer_id,lat,lon,opened_on"
)
READINGS_HEADER = "customer_id,reading_date,kwh_total,kwh_peak,kwh_flat,kwh_valley"
TICKETS_HEADER = (
    "ticket_id,customer_id,channel,ticket_type,created_at,dispatched_at,arrived_at,resolved_at,status,worker_id,"
    "satisfaction,description"
)


def customer(cid: str, area: str = "urban", **kw) -> str:
    row = dict(
        customer_id=cid,
        name="张三",
        phone="13812341234",
        id_card_no="11010119900101123X",
        address="城东区解放路1号",
        district="城东区",
        area_type=area,
        category="residential",
        tariff="flat",
        transformer_id="T00001",
        lat="30.1",
        lon="120.2",
        opened_on="2020-01-01",
    )
    row.update(kw)
    return ",".join(row.values())


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def load(wh: Warehouse, landing: Path, name: str):
    return load_dataset(wh, DATASETS[name], landing)


def rejects(wh: Warehouse, dataset: str) -> list[tuple]:
    return wh.query("SELECT line, column_name, reason FROM raw.rejects WHERE dataset = ? ORDER BY line", (dataset,))


@pytest.fixture
def wh(warehouse_url) -> Warehouse:
    return Warehouse(warehouse_url)


@pytest.fixture
def landing(tmp_path) -> Path:
    lines = [CUSTOMERS_HEADER] + [customer(f"C00{i}") for i in range(1, 4)]
    write(tmp_path / "landing" / "customers.csv", "\n".join(lines) + "\n")
    return tmp_path / "landing"


def test_each_bad_reading_is_quarantined_with_its_reason(wh, landing):
    write(
        landing / "meter_readings" / "2026-05-01.csv",
        "\n".join(
            [
                READINGS_HEADER,
                "C001,2026-05-01,10,3,4,3",  # line 2: good
                "C002,2026-05-01,-1,0,0,0",  # 3: negative kWh
                "C003,2026-05-01,10,3,4,2",  # 4: registers sum to 9
                "C001,2026-05-01,10,3,4,3",  # 5: duplicate key
                "C002,2026-05-01,12..5,1,1,1",  # 6: unparseable number
                "C003,05/01/2026,1,1,0,0",  # 7: day and month in an unknown order
                "C002,2026-05-02,1,1,0,0",  # 8: not the file's day
                "C009,2026-05-01,5,1,1,3",  # 9: good, customer not in the snapshot
                "C002,2026-05-01,1,1,0",  # 10: a column short
                "C003,2026-05-01,1.005,1,0,0.005",  # 11: good, within 0.01 kWh
            ]
        )
        + "\n",
    )
    load(wh, landing, "customers")
    result = load(wh, landing, "meter_readings")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (10, 3, 7)
    assert wh.query(
        "SELECT customer_id, is_unknown_customer, _source_line FROM raw.raw_ami__meter_readings ORDER BY _source_line"
    ) == [("C001", False, 2), ("C009", True, 9), ("C003", False, 11)]
    got = rejects(wh, "meter_readings")
    assert [(line, col) for line, col, _ in got] == [
        (3, "kwh_total"),
        (4, "kwh_total"),
        (5, "customer_id"),
        (6, "kwh_total"),
        (7, "reading_date"),
        (8, "reading_date"),
        (10, "kwh_valley"),
    ]
    reasons = [r for _, _, r in got]
    assert reasons[0] == "kwh_total: '-1' is below the minimum 0"
    assert reasons[1] == "kwh_total: 10.0 differs from kwh_peak + kwh_flat + kwh_valley = 9.0 by more than 0.01 kWh"
    assert reasons[2] == "duplicate key (customer_id, reading_date) within the delivery, first at line 2"
    assert reasons[3] == "kwh_total: '12..5' is not a number"
    assert reasons[4] == (
        "reading_date: '05/01/2026' is ambiguous: day and month cannot be told apart (write YYYY-MM-DD)"
    )
    assert reasons[5] == "reading_date: 2026-05-02 is not the file's day 2026-05-01"
    assert reasons[6] == "expected 6 columns, found 5"
    raw = wh.query("SELECT raw_record FROM raw.rejects WHERE line = 10")[0][0]
    assert raw == "C002,2026-05-01,1,1,0"
    log = wh.query(
        "SELECT rows_read, rows_loaded, rows_rejected, status FROM raw.load_log WHERE dataset = 'meter_readings'"
    )
    assert log == [(10, 3, 7, "loaded")]


def test_codes_outside_their_domain_and_bad_timestamps(wh, landing):
    write(
        landing / "service_tickets" / "2026-05-01.csv",
        "\n".join(
            [
                TICKETS_HEADER,
                "K1,C001,app,fault_repair,2026-05-01 08:00:00,2026-05-01 08:05:00,,,dispatched,W1,,灯不亮",
                "K2,C001,email,fault_repair,2026-05-01 08:00:00,,,,open,,,",
                "K3,C002,ivr,fault_repair,26-5-1 08:00:00,,,,open,,,",
                "K4,C002,ivr,complaint,2026-05-01 09:00:00,,,,closed,,6,",
                'K5,C003,counter,bill_inquiry,2026-05-01 10:00:00,,,2026-05-01 10:10:00,resolved,,5,"电费, 为什么""高"""',
            ]
        )
        + "\n",
    )
    result = load(wh, landing, "service_tickets")
    assert (result.rows_loaded, result.rows_rejected) == (2, 3)
    assert wh.query("SELECT ticket_id, satisfaction, description FROM raw.raw_crm__service_tickets ORDER BY 1") == [
        ("K1", None, "灯不亮"),
        ("K5", 5, '电费, 为什么"高"'),
    ]
    assert [r[2] for r in rejects(wh, "service_tickets")] == [
        "channel: 'email' is not one of app, wechat, ivr, counter",
        "created_at: '26-5-1 08:00:00' has a two-digit year, so its century is unknown (write YYYY-MM-DD)",
        "satisfaction: '6' is above the maximum 5",
    ]


def test_file_missing_a_required_column_is_rejected_whole(wh, landing):
    write(
        landing / "meter_readings" / "2026-05-01.csv",
        "customer_id,reading_date,kwh_total,kwh_peak,kwh_flat\nC001,2026-05-01,1,1,0\n",
    )
    write(landing / "meter_readings" / "2026-05-02.csv", READINGS_HEADER + "\nC001,2026-05-02,1,1,0,0\n")
    result = load(wh, landing, "meter_readings")
    assert [f.status for f in result.files] == ["rejected", "loaded"]
    assert result.files[0].message.startswith(
        "meter_readings/2026-05-01.csv: line 1: required column 'kwh_valley' is missing"
    )
    assert wh.query("SELECT reading_date FROM raw.raw_ami__meter_readings") == [(dt.date(2026, 5, 2),)]
    assert wh.query("SELECT status FROM raw.load_log ORDER BY source_file") == [("rejected",), ("loaded",)]


def test_extra_columns_are_reported_not_fatal(wh, landing):
    write(
        landing / "meter_readings" / "2026-05-01.csv",
        "customer_id,meter_no,reading_date,kwh_total,kwh_peak,kwh_flat,kwh_valley\nC001,M9,2026-05-01,1,1,0,0\n",
    )
    result = load(wh, landing, "meter_readings")
    assert result.rows_loaded == 1
    assert result.files[0].extra_columns == ["meter_no"]
    assert wh.query("SELECT message FROM raw.load_log") == [("extra columns ignored: meter_no",)]


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-16"])
def test_encodings_are_detected_without_a_flag(wh, tmp_path, encoding):
    landing = tmp_path / "landing"
    text = "\n".join([CUSTOMERS_HEADER, customer("C001", name="欧阳娜娜", address="临江县青山路8号")]) + "\n"
    write(landing / "customers.csv", text, encoding)
    result = load(wh, landing, "customers")
    assert result.files[0].encoding == encoding.replace("utf-16", "utf-16")
    assert wh.query("SELECT name, address FROM raw.raw_cis__customers") == [("欧阳娜娜", "临江县青山路8号")]


def test_bytes_in_no_contract_encoding_reject_the_file_naming_line_and_column(wh, tmp_path):
    landing = tmp_path / "landing"
    good = (CUSTOMERS_HEADER + "\n" + customer("C001") + "\n").encode("utf-8")
    write(landing / "customers.csv", "")
    (landing / "customers.csv").write_bytes(good + b"C002,\xff\xfe\x80,1\n")
    result = load(wh, landing, "customers")
    assert result.files[0].status == "rejected"
    assert result.files[0].message.startswith(
        "customers.csv: line 3, column 6: bytes that are neither UTF-8 nor GB18030"
    )
    assert wh.query("SELECT count(*) FROM raw.raw_cis__customers") == [(0,)]


def test_redelivered_day_replaces_that_day_and_unchanged_files_are_skipped(wh, landing):
    day1 = landing / "meter_readings" / "2026-05-01.csv"
    write(day1, READINGS_HEADER + "\nC001,2026-05-01,1,1,0,0\nC002,2026-05-01,-1,0,0,0\n")
    write(landing / "meter_readings" / "2026-05-02.csv", READINGS_HEADER + "\nC001,2026-05-02,2,2,0,0\n")
    first = load(wh, landing, "meter_readings")
    assert [f.status for f in first.files] == ["loaded", "loaded"]
    again = load(wh, landing, "meter_readings")
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]
    # The source re-delivers day 1 corrected, with one more customer.
    write(day1, READINGS_HEADER + "\nC001,2026-05-01,1.5,1.5,0,0\nC002,2026-05-01,3,1,1,1\n")
    redo = load(wh, landing, "meter_readings")
    assert [f.status for f in redo.files] == ["loaded", "unchanged"]
    assert wh.query("SELECT customer_id, reading_date, kwh_total FROM raw.raw_ami__meter_readings ORDER BY 2, 1") == [
        ("C001", dt.date(2026, 5, 1), 1.5),
        ("C002", dt.date(2026, 5, 1), 3.0),
        ("C001", dt.date(2026, 5, 2), 2.0),
    ]
    assert rejects(wh, "meter_readings") == []  # the old delivery's reject went with it
    assert wh.query("SELECT count(*) FROM raw.load_log") == [(3,)]


def test_a_day_redelivered_as_parquet_replaces_the_csv(wh, landing, tmp_path):
    import duckdb

    write(landing / "meter_readings" / "2026-05-01.csv", READINGS_HEADER + "\nC001,2026-05-01,1,1,0,0\n")
    load(wh, landing, "meter_readings")
    (landing / "meter_readings" / "2026-05-01.csv").unlink()
    pq = landing / "meter_readings" / "2026-05-01.parquet"
    duckdb.sql(
        "COPY (SELECT 'C001' AS customer_id, DATE '2026-05-01' AS reading_date, 4.0 AS kwh_total, 1.0 AS kwh_peak,"
        " 1.0 AS kwh_flat, 2.0 AS kwh_valley UNION ALL SELECT 'C002', DATE '2026-05-01', 'x', 0, 0, 0) "
        f"TO '{pq}' (FORMAT parquet)"
    )
    result = load(wh, landing, "meter_readings")
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert wh.query("SELECT customer_id, kwh_total, _source_file FROM raw.raw_ami__meter_readings") == [
        ("C001", 4.0, "meter_readings/2026-05-01.parquet")
    ]
    assert rejects(wh, "meter_readings") == [(2, "kwh_total", "kwh_total: 'x' is not a number")]


def test_jsonl_interactions_with_a_broken_line(wh, tmp_path):
    landing = tmp_path / "landing"
    write(
        landing / "interactions" / "2026-05-01.jsonl",
        '{"interaction_id":"I1","customer_id":"C001","channel":"wechat","ts":"2026-05-01 10:00:00","text":"停电了吗？","intent":"outage_inquiry"}\n'
        '{"interaction_id":"I2","customer_id":null,"channel":"ivr","ts":"2026-05-01 10:05:00","text":"报修","intent":null,"phone":"13900001111"}\n'
        '{"interaction_id":"I3", broken\n'
        '{"interaction_id":"I4","customer_id":"C002","channel":"app","ts":"2026-05-01 11:00:00","text":"hi","intent":"greeting"}\n',
    )
    result = load(wh, landing, "interactions")
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 2, 2)
    assert wh.query("SELECT interaction_id, customer_id, intent, phone FROM raw.raw_crm__interactions ORDER BY 1") == [
        ("I1", "C001", "outage_inquiry", None),
        ("I2", None, None, "13900001111"),
    ]
    assert [(line, reason) for line, _, reason in rejects(wh, "interactions")] == [
        (3, "not a JSON object"),
        (4, "intent: 'greeting' is not one of " + ", ".join(DATASETS["interactions"].columns[5].domain)),
    ]


def test_empty_and_header_only_files(wh, tmp_path):
    landing = tmp_path / "landing"
    write(landing / "meter_readings" / "2026-05-01.csv", "")
    write(landing / "meter_readings" / "2026-05-02.csv", READINGS_HEADER + "\n")
    result = load(wh, landing, "meter_readings")
    assert [(f.status, f.rows_read) for f in result.files] == [("rejected", 0), ("loaded", 0)]
    assert result.files[0].message == "meter_readings/2026-05-01.csv: line 1: empty file, no header line"


def test_an_empty_jsonl_file_is_a_day_without_messages(wh, tmp_path):
    landing = tmp_path / "landing"
    write(landing / "interactions" / "2026-05-01.jsonl", "")
    result = load(wh, landing, "interactions")
    assert [(f.status, f.rows_read) for f in result.files] == [("loaded", 0)]


def test_daily_file_not_named_for_a_day_is_reported(wh, tmp_path):
    landing = tmp_path / "landing"
    write(landing / "meter_readings" / "readings-may.csv", READINGS_HEADER + "\n")
    write(landing / "meter_readings" / "_notes.csv", "x\n")
    result = load(wh, landing, "meter_readings")
    assert result.files == []
    assert result.problems == ["meter_readings/readings-may.csv: file name is not a day (YYYY-MM-DD.csv), skipped"]


def test_replace_table_writes_a_frame_on_both_engines(wh):
    import pandas as pd

    frame = pd.DataFrame(
        {
            "interaction_id": ["I1", "I2"],
            "confidence": [0.9, 0.5],
            "scored_on": pd.to_datetime(["2026-05-01"] * 2).date,
            "alert": [True, False],
            "n": [1, 2],
        }
    )
    assert wh.replace_table("ml", "scores", frame) == 2
    assert wh.replace_table("ml", "scores", frame.head(1)) == 1
    assert wh.query("SELECT interaction_id, confidence, scored_on, alert, n FROM ml.scores") == [
        ("I1", 0.9, dt.date(2026, 5, 1), True, 1)
    ]


def test_replace_table_keeps_a_view_built_on_the_table(wh):
    """raw.raw_bpmn__process_steps is reloaded every run under dbt's staging view; PostgreSQL cannot drop it."""
    import pandas as pd

    wh.replace_table("raw", "steps", pd.DataFrame({"step_id": ["a", "b"], "step_order": [1, 2]}))

    view = "CREATE VIEW raw.steps_view AS SELECT step_id FROM raw.steps"
    if wh.engine == "duckdb":
        with wh.connect() as con:
            con.execute(view)
    else:
        with wh.pg() as pg, pg.cursor() as cur:
            cur.execute(view)
    assert wh.replace_table("raw", "steps", pd.DataFrame({"step_id": ["c"], "step_order": [1]})) == 1
    assert wh.query("SELECT step_id FROM raw.steps_view") == [("c",)]


def test_replacing_a_day_on_postgresql_reads_that_day_through_an_index(pg_url):
    """A delivery deletes its day before writing it: on PostgreSQL that must not read the whole raw table,
    or every nightly run grows with the history (DuckDB's zone maps do this by themselves)."""
    wh = Warehouse(pg_url)
    wh.ensure_raw_schema()
    with wh.pg() as con, con.cursor() as cur:
        # 200 days x 500 readings: the planner takes an index for one day only when the table is not tiny.
        cur.execute(
            """INSERT INTO raw.raw_ami__meter_readings (customer_id, reading_date, kwh_total, kwh_peak, kwh_flat,
                   kwh_valley, _source_file, _source_line, _delivery_date, _loaded_at)
               SELECT 'C' || c, d, 1, 0.5, 0.3, 0.2, 'f', c, d, now()
               FROM generate_series(1, 500) c, generate_series(DATE '2026-01-01', DATE '2026-07-19', '1 day') d"""
        )
        cur.execute("ANALYZE raw.raw_ami__meter_readings")
        cur.execute("EXPLAIN DELETE FROM raw.raw_ami__meter_readings WHERE _delivery_date = DATE '2026-05-01'")
        plan = "\n".join(r[0] for r in cur.fetchall())
    assert "raw_ami__meter_readings__delivery_date" in plan and "Seq Scan" not in plan, plan
