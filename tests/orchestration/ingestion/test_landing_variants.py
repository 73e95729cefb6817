"""Issue 21 on crafted files: accepted variants load like their canonical twin and are counted, ambiguous ones are
quarantined with their reason, workbooks load like CSV, and every physical line of a file is accounted for.

Every test runs on DuckDB and on PostgreSQL (the `warehouse_url` fixture).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from orchestration.ingestion.contract import DATASETS
from orchestration.ingestion.ingest import DatasetLoad, FileLoad, load_dataset
from orchestration.warehouse import Warehouse

READINGS = "customer_id,reading_date,kwh_total,kwh_peak,kwh_flat,kwh_valley"
TICKETS = (
    "ticket_id,customer_id,channel,ticket_type,created_at,dispatched_at,arrived_at,resolved_at,status,worker_id,"
    "satisfaction,description"
)
WORKERS = "worker_id,name,team,district,lat,lon,on_duty"
DAY = "meter_readings/2026-05-01.csv"


@pytest.fixture
def wh(warehouse_url) -> Warehouse:
    return Warehouse(warehouse_url)


def write(landing: Path, rel: str, lines: list[str]) -> Path:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path


def rows(wh: Warehouse, name: str) -> list[tuple]:
    ds = DATASETS[name]
    cols = ", ".join(ds.column_names)
    return wh.query(f"SELECT {cols} FROM raw.{ds.table} ORDER BY {', '.join(ds.key)}")


CANONICAL = {
    "meter_readings": (
        DAY,
        [
            READINGS,
            "C001,2026-05-01,1234.5,1000,200,34.5",
            "C002,2026-05-01,10,3,4,3",
            "C003,2026-05-01,-0,0,0,0",
        ],
    ),
    "service_tickets": (
        "service_tickets/2026-05-01.csv",
        [
            TICKETS,
            "K1,C001,app,fault_repair,2026-05-01 08:05:00,2026-05-01 09:00:00,,,dispatched,W1,,灯不亮",
            "K2,C002,ivr,bill_inquiry,2026-05-01 10:00:00,,,2026-05-01 10:30:00,resolved,,5,电费高",
        ],
    ),
    "workers": ("workers.csv", [WORKERS, "W1,李四,一班,城东区,30.1,120.2,true", "W2,王五,二班,城西区,30.2,120.1,0"]),
}

# (dataset, variant lines, normalised counts {column: {variant: values}})
VARIANTS = {
    "slash_separator": (
        "meter_readings",
        [
            READINGS,
            "C001,2026/05/01,1234.5,1000,200,34.5",
            "C002,2026/05/01,10,3,4,3",
            "C003,2026-05-01,-0,0,0,0",
        ],
        {"reading_date": {"slash_separator": 2}},
    ),
    "single_digit_date": (
        "meter_readings",
        [
            READINGS,
            "C001,2026-5-1,1234.5,1000,200,34.5",
            "C002,2026/5/1,10,3,4,3",
            "C003,2026-05-01,-0,0,0,0",
        ],
        {"reading_date": {"single_digit": 2, "slash_separator": 1}},
    ),
    "fullwidth": (
        "meter_readings",
        [
            READINGS,
            "C001,２０２６－０５－０１,１２３４．５,1000,200,34.5",
            "C002,2026-05-01,１０,３,4,3",
            "C003,2026-05-01,-0,0,0,0",
        ],
        {"reading_date": {"fullwidth": 1}, "kwh_total": {"fullwidth": 2}, "kwh_peak": {"fullwidth": 1}},
    ),
    "thousands_separator": (
        "meter_readings",
        [
            READINGS,
            'C001,2026-05-01,"1,234.5","1,000",200,34.5',
            "C002,2026-05-01,10,3,4,3",
            "C003,2026-05-01,-0,0,0,0",
        ],
        {"kwh_total": {"thousands_separator": 1}, "kwh_peak": {"thousands_separator": 1}},
    ),
    "fullwidth_thousands": (
        "meter_readings",
        [
            READINGS,
            'C001,2026-05-01,"１，２３４．５","1,000",200,34.5',
            "C002,2026-05-01,10,3,4,3",
            "C003,2026-05-01,-0,0,0,0",
        ],
        {"kwh_total": {"fullwidth": 1, "thousands_separator": 1}, "kwh_peak": {"thousands_separator": 1}},
    ),
    "spaces": (
        "meter_readings",
        [
            READINGS,
            " C001 ,2026-05-01 , 1234.5,1000,200,34.5",
            "C002,\u30002026-05-01\u3000,10,3,4,3",
            "C003,2026-05-01,-0,0,0,0",
        ],
        {"customer_id": {"spaces": 1}, "reading_date": {"spaces": 2}, "kwh_total": {"spaces": 1}},
    ),
    "timestamps": (
        "service_tickets",
        [
            TICKETS,
            "K1,C001,app,fault_repair,2026-05-01 8:05,2026/5/1 9:00:00,,,dispatched,W1,,灯不亮",
            "K2,C002,ivr,bill_inquiry,2026/05/01 10:00,,,２０２６－０５－０１　１０：３０：００,resolved,,５,电费高",
        ],
        {
            "created_at": {"no_seconds": 2, "single_digit": 1, "slash_separator": 1},
            "dispatched_at": {"single_digit": 1, "slash_separator": 1},
            "resolved_at": {"fullwidth": 1},
            "satisfaction": {"fullwidth": 1},
        },
    ),
    "flags": (
        "workers",
        [WORKERS, "W1,李四,一班,城东区,30.1,120.2,是", "W2,王五,二班,城西区,30.2,120.1,no"],
        {"on_duty": {"chinese_yes_no": 1, "yes_no": 1}},
    ),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_an_accepted_variant_loads_like_its_canonical_twin_and_is_counted(wh, tmp_path, variant):
    name, lines, counted = VARIANTS[variant]
    rel, canonical = CANONICAL[name]
    landing = tmp_path / "landing"
    write(landing, rel, canonical)
    first = load_dataset(wh, DATASETS[name], landing)
    assert (first.rows_rejected, first.normalised()) == (0, {})
    expected = rows(wh, name)
    write(landing, rel, lines)  # the same delivery again, as another system formats it
    again = load_dataset(wh, DATASETS[name], landing)
    assert again.rows_rejected == 0
    assert rows(wh, name) == expected
    assert again.normalised() == counted
    log = wh.query("SELECT normalised FROM raw.load_log ORDER BY loaded_at DESC, normalised NULLS LAST LIMIT 1")
    assert json.loads(log[0][0]) == counted


@pytest.mark.parametrize(
    "value, reason",
    [
        ("03/04/2026", "'03/04/2026' is ambiguous: day and month cannot be told apart (write YYYY-MM-DD)"),
        ("26/5/1", "'26/5/1' has a two-digit year, so its century is unknown (write YYYY-MM-DD)"),
        ("2026/05-01", "'2026/05/01' is not a date (YYYY-MM-DD)".replace("05/01", "05-01")),
        ("2026-5-32", "'2026-5-32' is not a date (YYYY-MM-DD)"),
    ],
)
def test_an_ambiguous_or_wrong_date_is_quarantined_with_its_reason(wh, tmp_path, value, reason):
    landing = tmp_path / "landing"
    write(landing, DAY, [READINGS, "C001,2026-05-01,1,1,0,0", f"C002,{value},1,1,0,0"])
    result = load_dataset(wh, DATASETS["meter_readings"], landing)
    assert (result.rows_loaded, result.rows_rejected, result.normalised()) == (1, 1, {})
    assert wh.query("SELECT line, column_name, reason FROM raw.rejects") == [
        (3, "reading_date", f"reading_date: {reason}")
    ]


def test_an_ambiguous_timestamp_is_quarantined_with_its_reason(wh, tmp_path):
    landing = tmp_path / "landing"
    write(
        landing,
        "service_tickets/2026-05-01.csv",
        [
            TICKETS,
            "K1,C001,app,fault_repair,05/01/2026 8:05,,,,open,,,",
            "K2,C001,app,fault_repair,2026-5-1 8:05,,,,open,,,",
        ],
    )
    result = load_dataset(wh, DATASETS["service_tickets"], landing)
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert wh.query("SELECT line, reason FROM raw.rejects") == [
        (2, "created_at: '05/01/2026 8:05' is ambiguous: day and month cannot be told apart (write YYYY-MM-DD)")
    ]


def test_an_xlsx_delivery_loads_like_its_csv_twin(wh, tmp_path):
    import xlsxwriter

    landing = tmp_path / "landing"
    _, lines = CANONICAL["meter_readings"]
    write(landing, DAY, lines + ["C004,2026-05-01,5,1,1,1"])  # line 5: registers sum to 3, not 5
    csv_load = load_dataset(wh, DATASETS["meter_readings"], landing)
    expected = rows(wh, "meter_readings")
    expected_rejects = wh.query("SELECT line, column_name, reason FROM raw.rejects")
    (landing / DAY).unlink()
    book = xlsxwriter.Workbook(str(landing / "meter_readings" / "2026-05-01.xlsx"))
    sheet = book.add_worksheet("抄表")
    date_cell = book.add_format({"num_format": "yyyy-mm-dd"})
    for j, h in enumerate(READINGS.split(",")):
        sheet.write_string(0, j, h)
    for i, line in enumerate(lines[1:] + ["C004,2026-05-01,5,1,1,1"], start=1):
        cid, day, *kwh = line.split(",")
        sheet.write_string(i, 0, cid)
        sheet.write_datetime(i, 1, dt.datetime.fromisoformat(day), date_cell)  # an Excel date, not text
        for j, k in enumerate(kwh, start=2):
            sheet.write_number(i, j, float(k))
    book.add_worksheet("说明").write_string(0, 0, "only the first sheet is read")
    book.close()
    xlsx_load = load_dataset(wh, DATASETS["meter_readings"], landing)
    assert [(f.relpath, f.status) for f in xlsx_load.files] == [("meter_readings/2026-05-01.xlsx", "loaded")]
    assert (xlsx_load.rows_loaded, xlsx_load.rows_rejected) == (csv_load.rows_loaded, csv_load.rows_rejected) == (3, 1)
    assert rows(wh, "meter_readings") == expected
    assert wh.query("SELECT line, column_name, reason FROM raw.rejects") == expected_rejects


def test_a_stray_quote_in_a_readings_file_costs_its_own_line_only(wh, tmp_path):
    """The issue's case: a 300-line readings file read as 5 records, marked loaded. Line 51's quote opens a value
    no later line of a readings file may close; a second damaged line holds 20,000 characters, kept whole."""
    landing = tmp_path / "landing"
    lines = [READINGS] + [f"C{i:05d},2026-05-01,3,1,1,1" for i in range(1, 301)]
    lines[50] = 'C00050,"2026-05-01,3,1,1,1'
    lines[120] = "C00120,2026-05-01,3,1,1,1," + "长" * 20_000
    write(landing, DAY, lines)
    result = load_dataset(wh, DATASETS["meter_readings"], landing)
    f = result.files[0]
    assert (f.status, f.lines, f.lines_accounted, f.rows_loaded, f.rows_rejected) == ("loaded", 300, 300, 298, 2)
    assert result.rows_conserved
    got = wh.query("SELECT line, reason, raw_record FROM raw.rejects ORDER BY line")
    assert got == [
        (51, 'a double quote opens a value that is never closed (a stray " in a field?)', lines[50]),
        (121, "expected 6 columns, found 7", lines[120]),
    ]
    loaded = wh.query("SELECT _source_line FROM raw.raw_ami__meter_readings ORDER BY 1")
    assert [r[0] for r in loaded] == [n for n in range(2, 302) if n not in (51, 121)]


def test_a_stray_quote_in_a_ticket_description_is_contained(wh, tmp_path):
    landing = tmp_path / "landing"
    write(
        landing,
        "service_tickets/2026-05-01.csv",
        [
            TICKETS,
            'K1,C001,app,fault_repair,2026-05-01 08:00:00,,,,open,,,"灯不亮',  # 2: the quote is never closed
            'K2,C002,app,fault_repair,2026-05-01 08:10:00,,,,open,,,"电表""跳闸"""',
            'K3,C003,app,complaint,2026-05-01 08:20:00,,,,open,,,"第一行',  # 4-5: a description over two lines
            '第二行"',
            "K4,C004,ivr,bill_inquiry,2026-05-01 08:30:00,,,,open,,,",
        ],
    )
    result = load_dataset(wh, DATASETS["service_tickets"], landing)
    f = result.files[0]
    assert (f.status, f.lines, f.lines_accounted, f.rows_loaded, f.rows_rejected) == ("loaded", 5, 5, 3, 1)
    assert wh.query("SELECT ticket_id, description, _source_line FROM raw.raw_crm__service_tickets ORDER BY 1") == [
        ("K2", '电表"跳闸"', 3),
        ("K3", "第一行\n第二行", 4),
        ("K4", None, 6),
    ]
    assert wh.query("SELECT line, raw_record FROM raw.rejects") == [
        (2, 'K1,C001,app,fault_repair,2026-05-01 08:00:00,,,,open,,,"灯不亮')
    ]


def test_a_quote_that_may_have_swallowed_a_ticket_rejects_the_file_whole(wh, tmp_path):
    landing = tmp_path / "landing"
    write(
        landing,
        "service_tickets/2026-05-01.csv",
        [
            TICKETS,
            'K1,C001,app,fault_repair,2026-05-01 08:00:00,,,,open,,,"灯不亮',
            "K2,C002,app,fault_repair,2026-05-01 08:10:00,,,,open,,,",  # a ticket, or a line of K1's text?
            '还是不亮"',
        ],
    )
    result = load_dataset(wh, DATASETS["service_tickets"], landing)
    assert [f.status for f in result.files] == ["rejected"]
    assert result.files[0].message == (
        "service_tickets/2026-05-01.csv: lines 2–4: a quoted value runs over 3 lines and line 3 inside it reads as "
        "a record of its own: a stray double quote cannot be told from a line break in the text, so the file was "
        "not loaded"
    )
    assert result.rows_conserved
    assert wh.query("SELECT count(*) FROM raw.raw_crm__service_tickets") == [(0,)]


def test_control_characters_and_implausible_lengths_in_identifiers_are_quarantined(wh, tmp_path):
    landing = tmp_path / "landing"
    write(
        landing,
        DAY,
        [
            READINGS,
            "C001,2026-05-01,1,1,0,0",
            "C0\x0002,2026-05-01,1,1,0,0",
            "C" * 2_000 + ",2026-05-01,1,1,0,0",
            "C004,2026-05-01,1,1,0,0",
        ],
    )
    result = load_dataset(wh, DATASETS["meter_readings"], landing)
    assert (result.rows_loaded, result.rows_rejected) == (2, 2)
    assert wh.query("SELECT line, column_name, reason, length(raw_record) FROM raw.rejects ORDER BY line") == [
        (3, "customer_id", "customer_id: control character U+0000 in an identifier", 36),
        (
            4,
            "customer_id",
            "customer_id: a value of 2000 characters is longer than the 64 an identifier may have",
            2031,
        ),
    ]
    assert wh.query("SELECT raw_record FROM raw.rejects WHERE line = 3") == [
        ('"C0\u240002","2026-05-01","1","1","0","0"',)
    ]


def test_blank_lines_are_accounted_for(wh, tmp_path):
    landing = tmp_path / "landing"
    write(landing, DAY, [READINGS, "C001,2026-05-01,1,1,0,0", "", "C002,2026-05-01,1,1,0,0", ""])
    f = load_dataset(wh, DATASETS["meter_readings"], landing).files[0]
    assert (f.lines, f.lines_accounted, f.rows_loaded, f.rows_rejected) == (4, 4, 2, 0)
    assert wh.query("SELECT customer_id, _source_line FROM raw.raw_ami__meter_readings ORDER BY 2") == [
        ("C001", 2),
        ("C002", 4),
    ]


def test_a_load_log_from_before_issue_21_gains_the_new_columns(wh, tmp_path):
    old = (
        "dataset TEXT, source_file TEXT, sha256 TEXT, delivery_date DATE, rows_read INTEGER, rows_loaded INTEGER, "
        "rows_rejected INTEGER, status TEXT, message TEXT, loaded_at TIMESTAMP"
    )
    if wh.engine == "duckdb":
        with wh.connect() as con:
            con.execute(f"CREATE SCHEMA raw; CREATE TABLE raw.load_log ({old})")
            con.execute(
                "INSERT INTO raw.load_log VALUES ('workers', 'workers.csv', 'x', NULL, 1, 1, 0, 'loaded', '', now())"
            )
    else:
        with wh.pg() as con, con.cursor() as cur:
            cur.execute(f"CREATE SCHEMA raw; CREATE TABLE raw.load_log ({old})")
            cur.execute(
                "INSERT INTO raw.load_log VALUES ('workers', 'workers.csv', 'x', NULL, 1, 1, 0, 'loaded', '', now())"
            )
    landing = tmp_path / "landing"
    write(landing, "workers.csv", [WORKERS, "W1,李四,一班,城东区,30.1,120.2,是"])
    load_dataset(wh, DATASETS["workers"], landing)
    assert wh.query("SELECT sha256 = 'x', lines, lines_accounted, normalised FROM raw.load_log ORDER BY 1 DESC") == [
        (True, None, None, None),
        (False, 1, 1, '{"on_duty": {"chinese_yes_no": 1}}'),
    ]


def test_rows_conserved_fails_when_a_loaded_file_has_lines_in_no_record():
    """The issue's numbers: 300 data lines, 5 records read, 4 loaded and 1 quarantined."""
    ok = FileLoad("meter_readings/2026-05-02.csv", "loaded", 3, 3, 0, lines=3, lines_accounted=3)
    lost = FileLoad("meter_readings/2026-05-01.csv", "loaded", 5, 4, 1, lines=300, lines_accounted=5)
    assert DatasetLoad("meter_readings", "raw_ami__meter_readings", [ok]).rows_conserved
    load = DatasetLoad("meter_readings", "raw_ami__meter_readings", [ok, lost])
    assert not load.rows_conserved
    assert load.lines_unaccounted == {"meter_readings/2026-05-01.csv": 295}
