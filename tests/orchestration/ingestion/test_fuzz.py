"""Fuzzing the landing contract: mutated deliveries never crash a run, never lose a row, never touch other data.

A seeded mutator applies one or more damages (truncation, encodings, BOMs, line endings, quoting, renamed or
missing columns, binary junk, odd numbers and dates, …) to valid files. `make test` runs FUZZ_CASES=200 on DuckDB
and a smaller share on PostgreSQL; `make fuzz` runs FUZZ_CASES=1500.
"""

from __future__ import annotations

import codecs
import os
import random
from pathlib import Path

import duckdb
import pytest

from orchestration.ingestion.contract import DATASETS
from orchestration.ingestion.ingest import load_dataset
from orchestration.warehouse import Warehouse

CASES = int(os.environ.get("FUZZ_CASES", "200"))
PG_SHARE = 10  # every n-th case also runs on PostgreSQL

READINGS = ["customer_id,reading_date,kwh_total,kwh_peak,kwh_flat,kwh_valley"] + [
    f"C{i:05d},2026-05-01,{i * 1.5:.3f},{i * 0.5:.3f},{i * 0.5:.3f},{i * 0.5:.3f}" for i in range(1, 21)
]
TICKETS = [
    "ticket_id,customer_id,channel,ticket_type,created_at,dispatched_at,arrived_at,resolved_at,status,worker_id,"
    "satisfaction,description"
] + [
    f"K{i:04d},C{i:05d},{['app', 'wechat', 'ivr', 'counter'][i % 4]},fault_repair,2026-05-01 08:{i:02d}:00,"
    f'2026-05-01 09:00:00,,,dispatched,W01,{1 + i % 5},"家里停电了，邻居有电，第{i}次"'
    for i in range(1, 16)
]
INTERACTIONS = [
    f'{{"interaction_id":"I{i:03d}","customer_id":"C{i:05d}","channel":"wechat","ts":"2026-05-01 10:{i:02d}:00",'
    f'"text":"电费怎么这么高？户号{1000000 + i}","intent":"bill_inquiry"}}'
    for i in range(1, 16)
]
BASE = {
    "meter_readings": ("meter_readings/2026-05-01.csv", "\n".join(READINGS) + "\n"),
    "service_tickets": ("service_tickets/2026-05-01.csv", "\n".join(TICKETS) + "\n"),
    "interactions": ("interactions/2026-05-01.jsonl", "\n".join(INTERACTIONS) + "\n"),
}


def _lines(b: bytes) -> list[bytes]:
    return b.split(b"\n")


def m_truncate_row(b, r):
    return b[: r.randrange(1, max(2, len(b)))]


def m_truncate_multibyte(b, r):
    pos = [i for i in range(len(b)) if b[i] >= 0xE0]  # a UTF-8 lead byte of a CJK character
    return b[: r.choice(pos) + 1] if pos else b[: len(b) // 2]


def m_gb18030(b, r):
    return b.decode("utf-8", "replace").encode("gb18030", "replace")


def m_utf16(b, r):
    return codecs.BOM_UTF16_LE + b.decode("utf-8", "replace").encode("utf-16-le", "replace")


def m_utf16_no_bom(b, r):
    return b.decode("utf-8", "replace").encode("utf-16-le", "replace")


def m_latin1(b, r):
    i = r.randrange(len(b) or 1)
    return b[:i] + bytes(r.randrange(0x80, 0x100) for _ in range(r.randint(1, 4))) + b[i:]


def m_bom(b, r):
    return codecs.BOM_UTF8 + b


def m_crlf(b, r):
    return b.replace(b"\n", b"\r\n")


def m_lone_cr(b, r):
    return b.replace(b"\n", b"\r")


def m_quoted_newline(b, r):
    ls = _lines(b)
    i = r.randrange(1, max(2, len(ls)))
    ls[i - 1] = ls[i - 1] + b',"two\nlines"'
    return b"\n".join(ls)


def m_stray_quote(b, r):
    i = r.randrange(len(b) or 1)
    return b[:i] + b'"' + b[i:]


def m_delim_in_field(b, r):
    ls = _lines(b)
    i = r.randrange(1, max(2, len(ls)))
    ls[i - 1] = ls[i - 1].replace(b",", b",x,", 1)
    return b"\n".join(ls)


def m_empty(b, r):
    return b""


def m_header_only(b, r):
    return _lines(b)[0] + b"\n"


def _header_op(b, fn):
    ls = _lines(b)
    ls[0] = fn(ls[0].split(b","))
    return b"\n".join(ls)


def m_dup_column(b, r):
    return _header_op(b, lambda h: b",".join(h + [h[r.randrange(len(h))]]))


def m_reorder(b, r):
    # Header and values reordered together: a legal file with another column order.
    rows = [line.split(b",") for line in _lines(b)]
    width = len(rows[0])
    order = list(range(width))
    r.shuffle(order)
    return b"\n".join(b",".join(row[j] for j in order) if len(row) == width else b",".join(row) for row in rows)


def m_rename(b, r):
    return _header_op(b, lambda h: b",".join(c if i else c + b"_renamed" for i, c in enumerate(h)))


def m_drop_required(b, r):
    rows = [line.split(b",") for line in _lines(b)]
    j = r.randrange(len(rows[0]))
    return b"\n".join(b",".join(c for k, c in enumerate(row) if k != j) for row in rows)


def m_extra_column(b, r):
    ls = _lines(b)
    return b"\n".join([ls[0] + b",extra"] + [line + b",x" if line else line for line in ls[1:]])


def m_binary(b, r):
    return bytes(r.randrange(256) for _ in range(r.randint(1, 4000)))


def m_long_field(b, r):
    ls = _lines(b)
    i = r.randrange(1, max(2, len(ls)))
    ls[i - 1] = ls[i - 1] + b"," + ("长" * r.randint(10_000, 200_000)).encode()
    return b"\n".join(ls)


def m_thousands(b, r):
    return b.replace(b"1.5", b'"1,001.5"', 1).replace(b"3.0", b"3,000.0", 1)


def m_fullwidth(b, r):
    return b.decode("utf-8", "replace").translate(str.maketrans("0123456789", "０１２３４５６７８９")).encode()


def m_dates(b, r):
    return b.replace(
        b"2026-05-01", r.choice([b"2026/05/01", b"01.05.2026", b"20260501", b"May 1 2026"]), r.randint(1, 5)
    )


def m_nan_inf(b, r):
    ls = _lines(b)
    i = r.randrange(1, max(2, len(ls)))
    parts = ls[i - 1].split(b",")
    parts[r.randrange(len(parts))] = r.choice([b"NaN", b"inf", b"-Infinity", b"1e309"])
    ls[i - 1] = b",".join(parts)
    return b"\n".join(ls)


def m_sql_html(b, r):
    ls = _lines(b)
    i = r.randrange(1, max(2, len(ls)))
    payload = r.choice([b"'; DROP TABLE raw.load_log; --", b"<script>alert(1)</script>", b"1 OR 1=1", b"</td><b>x"])
    parts = ls[i - 1].split(b",")
    parts[r.randrange(len(parts))] = payload
    ls[i - 1] = b",".join(parts)
    return b"\n".join(ls)


def _one_field(b, r, fn):
    """`fn` applied to one field of one data line."""
    ls = _lines(b)
    if len(ls) < 2:
        return b
    i = r.randrange(1, max(2, len(ls) - 1))
    parts = ls[i].split(b",")
    j = r.randrange(len(parts))
    parts[j] = fn(parts[j], j)
    ls[i] = b",".join(parts)
    return b"\n".join(ls)


# Accepted variants (issue 21): a file written so loads the same rows as the original, the values counted.
def m_variant_dates(b, r):
    return b.replace(b"2026-05-01", r.choice([b"2026/05/01", b"2026-5-1", b"2026/5/1"]))


def m_variant_times(b, r):
    return b.replace(b" 08:", b" 8:").replace(b":00,", b",") if r.random() < 0.5 else b.replace(b"-05-01 0", b"/5/1 ")


def m_variant_spaces(b, r):
    return _one_field(b, r, lambda f, j: b"  " + f + "\u3000".encode())


# Ambiguous dates: every row carrying one is quarantined with the reason.
def m_ambiguous_dates(b, r):
    return b.replace(b"2026-05-01", r.choice([b"05/01/2026", b"01-05-2026", b"26/5/1"]))


# Damage classes of issue 21: each costs its own line, never the rest of the file.
def m_stray_quote_field(b, r):
    return _one_field(b, r, lambda f, j: b'"' + f)


def m_nul_in_key(b, r):
    return _one_field(b, r, lambda f, j: f[:2] + b"\x00" + f[2:])


def m_long_key(b, r):
    ls = _lines(b)
    if len(ls) < 2:
        return b
    i = r.randrange(1, max(2, len(ls) - 1))
    ls[i] = b"K" * r.randint(1_000, 100_000) + ls[i][ls[i].index(b",") :] if b"," in ls[i] else ls[i]
    return b"\n".join(ls)


MUTATORS = [v for k, v in dict(globals()).items() if k.startswith("m_")]


def _parquet_wrong_types(path: Path) -> None:
    duckdb.sql(
        "COPY (SELECT 42 AS customer_id, 20260501 AS reading_date, 'abc' AS kwh_total, true AS kwh_peak, "
        "NULL AS kwh_flat, [1,2] AS kwh_valley) TO '" + str(path) + "' (FORMAT parquet)"
    )


def _snapshot(wh: Warehouse) -> list[tuple]:
    return wh.query("SELECT customer_id, name, _source_line FROM raw.raw_cis__customers ORDER BY 1")


def _run_case(case: int, url: str, tmp: Path) -> None:
    r = random.Random(case)
    landing = tmp / f"landing{case}"
    (landing / "meter_readings").mkdir(parents=True)
    (landing / "customers.csv").write_text(
        "customer_id,name,phone,id_card_no,address,district,area_type,category,tariff,transformer_id,lat,lon,opened_on\n"
        "C00001,张三,13812341234,11010119900101123X,城东区1号,城东区,urban,residential,flat,T1,30,120,2020-01-01\n",
        encoding="utf-8",
    )
    wh = Warehouse(url)
    load_dataset(wh, DATASETS["customers"], landing)
    before = _snapshot(wh)
    name = r.choice(sorted(BASE))
    rel, text = BASE[name]
    target = landing / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if r.random() < 0.03 and name == "meter_readings":
        target = target.with_suffix(".parquet")
        _parquet_wrong_types(target)
        applied = ["parquet_wrong_types"]
    else:
        data = text.encode("utf-8")
        applied = []
        for mutate in r.sample(MUTATORS, r.choice([1, 1, 2, 3])):
            data = mutate(data, r)
            applied.append(mutate.__name__)
        target.write_bytes(data)
    where = f"case {case} {name} {applied}"
    result = load_dataset(wh, DATASETS[name], landing)  # must not raise
    assert len(result.files) == 1, where
    f = result.files[0]
    table = DATASETS[name].table
    loaded = wh.query(f"SELECT count(*) FROM raw.{table}")[0][0]
    quarantined = wh.query("SELECT count(*) FROM raw.rejects WHERE dataset = ?", (name,))[0][0]
    if f.status == "rejected":
        assert target.relative_to(landing).as_posix() in f.message, where
        assert (loaded, quarantined) == (0, 0), where
    else:
        assert f.status == "loaded", where
        assert f.rows_read == f.rows_loaded + f.rows_rejected, where
        assert f.lines == f.lines_accounted, where  # every line of the file is in a row loaded or quarantined
        assert (loaded, quarantined) == (f.rows_loaded, f.rows_rejected), where
        # Quarantined text is whole: a damaged line is never cut.
        assert wh.query(
            "SELECT count(*) FROM raw.rejects WHERE length(raw_record) >= 10000 AND length(raw_record) < 10001", ()
        ) == [(0,)], where
    assert _snapshot(wh) == before, where  # nothing else in the warehouse changed
    log = wh.query("SELECT status, rows_read, rows_loaded, rows_rejected FROM raw.load_log WHERE dataset = ?", (name,))
    assert log == [(f.status, f.rows_read, f.rows_loaded, f.rows_rejected)], where


@pytest.mark.parametrize("chunk", range(10))
def test_fuzzed_deliveries_duckdb(chunk, tmp_path):
    for case in range(chunk, CASES, 10):
        _run_case(case, f"duckdb:///{tmp_path / f'wh{case}.duckdb'}", tmp_path)


@pytest.mark.postgres
def test_fuzzed_deliveries_postgres(pg_url, tmp_path):
    wh = Warehouse(pg_url)
    for case in range(0, CASES, PG_SHARE):
        wh.ensure_raw_schema()
        _run_case(case, pg_url, tmp_path)
        with wh.pg() as con, con.cursor() as cur:
            cur.execute("DROP SCHEMA raw CASCADE")


@pytest.mark.parametrize(
    "mutator, status, loaded",
    [
        (m_empty, "rejected", 0),
        (m_drop_required, "rejected", 0),
        (m_dup_column, "rejected", 0),
        (m_rename, "rejected", 0),
        (m_utf16_no_bom, "rejected", 0),
        (m_bom, "loaded", 20),
        (m_crlf, "loaded", 20),
        (m_lone_cr, "loaded", 20),
        (m_reorder, "loaded", 20),
        (m_gb18030, "loaded", 20),
        (m_utf16, "loaded", 20),
        (m_extra_column, "loaded", 20),
        (m_header_only, "loaded", 0),
        (m_fullwidth, "loaded", 20),  # digits normalised in numbers and dates; IDs kept as delivered
        (m_thousands, "loaded", 18),
        (m_variant_dates, "loaded", 20),
        (m_variant_spaces, "loaded", 20),
        (m_ambiguous_dates, "loaded", 0),
        (m_stray_quote_field, "loaded", 19),
        (m_nul_in_key, "loaded", 19),
        (m_long_key, "loaded", 19),
    ],
)
def test_each_damage_has_its_expected_outcome(mutator, status, loaded, tmp_path):
    landing = tmp_path / "landing"
    rel, text = BASE["meter_readings"]
    (landing / rel).parent.mkdir(parents=True)
    (landing / rel).write_bytes(mutator(text.encode("utf-8"), random.Random(1)))
    result = load_dataset(Warehouse(f"duckdb:///{tmp_path / 'wh.duckdb'}"), DATASETS["meter_readings"], landing)
    f = result.files[0]
    assert (f.status, f.rows_loaded) == (status, loaded)
    assert f.rows_read == f.rows_loaded + f.rows_rejected
    assert result.rows_conserved and f.lines == (0 if status == "rejected" or mutator is m_header_only else 20)
