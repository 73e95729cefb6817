"""The synthetic generator writes the landing contract exactly, deterministically, with known bad rows.

Three small runs (300 customers × 30 days): two with seed 42 to compare bytes, one with seed 43. The checks
read the files back with the standard library only (csv, json), independently of the generator's code.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from datagen import DEFECT_KINDS, generate, holiday_calendar
from orchestration.ingestion.contract import DATASETS, INTENTS, KWH_SUM_TOLERANCE

CUSTOMERS, DAYS, END = 300, 30, dt.date(2026, 10, 31)
DAILY_SUFFIX = {
    "meter_readings": ".csv",
    "service_tickets": ".csv",
    "interactions": ".jsonl",
    "transformer_telemetry": ".csv",
}
NUMBER = re.compile(r"-?\d+(\.\d+)?")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _run(root: Path, seed: int) -> tuple[Path, dict]:
    out = root / f"seed{seed}"
    return out, generate(out, customers=CUSTOMERS, days=DAYS, seed=seed, end_date=END, progress=None)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Path, dict]:
    return _run(tmp_path_factory.mktemp("a"), 42)


def _digests(root: Path) -> dict[str, str]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _text(root: Path, rel: str, manifest: dict) -> str:
    return (root / rel).read_bytes().decode(manifest["files"][rel]["encoding"])


def _csv_rows(root: Path, rel: str, manifest: dict) -> list[dict]:
    text = _text(root, rel, manifest)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    # No value holds a line break, so record k sits on physical line k + 2; the manifest relies on that.
    assert len(rows) == text.count("\n") - 1
    return rows


def gb11643_valid(number: str) -> bool:
    """Check an 18-character resident ID number: weights 2^(17-i) mod 11, check = (12 - sum mod 11) mod 11."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(number[:17]))
    check = (12 - total % 11) % 11
    return number[17] == ("X" if check == 10 else str(check))


def _violations(dataset: str, row: dict) -> set[str]:
    """The contract rules a row breaks, as defect kinds (an independent re-statement of the loader's rules)."""
    found = set()
    for col in DATASETS[dataset].columns:
        value = row.get(col.name)
        if value is None or value == "":
            continue
        if col.type == "decimal":
            if not NUMBER.fullmatch(value):
                found.add("unparseable_number")
            elif col.min_value is not None and float(value) < col.min_value:
                found.add("negative_kwh" if col.name.startswith("kwh") else "out_of_range")
            elif col.max_value is not None and float(value) > col.max_value:
                found.add("out_of_range")
        elif col.type == "date":
            try:
                assert DATE.fullmatch(value)
                dt.date.fromisoformat(value)
            except (AssertionError, ValueError):
                found.add("unparseable_date")
        elif col.type == "timestamp":
            try:
                assert TIMESTAMP.fullmatch(value)
                dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")
            except (AssertionError, ValueError):
                found.add("unparseable_timestamp")
        elif col.type == "code" and value not in col.domain:
            found.add("code_out_of_domain")
    if dataset == "meter_readings" and not found:
        parts = float(row["kwh_peak"]) + float(row["kwh_flat"]) + float(row["kwh_valley"])
        if abs(float(row["kwh_total"]) - parts) > KWH_SUM_TOLERANCE:
            found.add("sum_mismatch")
    return found


def _daily_files(manifest: dict, dataset: str) -> list[str]:
    return sorted(p for p, f in manifest["files"].items() if f["dataset"] == dataset)


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(run, tmp_path):
    root, _ = run
    again, _ = _run(tmp_path, 42)
    other, _ = _run(tmp_path, 43)
    first, second, third = _digests(root), _digests(again), _digests(other)
    assert first == second
    assert first.keys() == third.keys()
    changed = {p for p in first if first[p] != third[p]}
    assert "customers.csv" in changed and "meter_readings/2026-10-31.csv" in changed


def test_writes_exactly_the_contract_files(run):
    root, manifest = run
    days = [(END - dt.timedelta(days=i)).isoformat() for i in range(DAYS)]
    expected = {
        f"{name}.csv"
        for name in ("customers", "transformers", "workers", "equipment_faults", "notification_preferences")
    }
    expected |= {f"{ds}/{d}{suffix}" for ds, suffix in DAILY_SUFFIX.items() for d in days}
    assert set(manifest["files"]) == expected
    assert set(_digests(root)) == expected | {"_manifest.json"}
    assert manifest["parameters"]["start_date"] == "2026-10-02"
    for rel, meta in manifest["files"].items():
        if rel.endswith(".csv"):
            header = next(csv.reader(io.StringIO(_text(root, rel, manifest).lstrip("\ufeff"))))
            assert header == list(DATASETS[meta["dataset"]].column_names)


def test_reading_rows_are_the_customers_active_each_day(run):
    root, manifest = run
    customers = _csv_rows(root, "customers.csv", manifest)
    assert len(customers) == CUSTOMERS
    opened = sorted(dt.date.fromisoformat(c["opened_on"]) for c in customers)
    assert sum(o > END - dt.timedelta(days=DAYS - 1) for o in opened) > 0  # some accounts open during the period
    total = 0
    for day in manifest["days"]:
        rel = f"meter_readings/{day['date']}.csv"
        active = sum(o <= dt.date.fromisoformat(day["date"]) for o in opened)
        assert day["active_customers"] == active
        rows = _csv_rows(root, rel, manifest)
        expected = active + day["unknown_customer_rows"] + day["duplicate_rows"]
        assert len(rows) == manifest["files"][rel]["rows"] == expected
        known = {c["customer_id"] for c in customers}
        unknown = {r["customer_id"] for r in rows} - known
        assert unknown <= set(manifest["unknown_customer_ids"])
        assert len(unknown) == day["unknown_customer_rows"]
        total += len(rows)
    assert total == manifest["summary"]["rows"]["meter_readings"]
    assert sum(d["unknown_customer_rows"] for d in manifest["days"]) > 0


def test_every_id_number_has_a_valid_check_character(run):
    root, manifest = run
    customers = _csv_rows(root, "customers.csv", manifest)
    assert all(gb11643_valid(c["id_card_no"]) for c in customers)
    assert all(re.fullmatch(r"1[3-9]\d{9}", c["phone"]) for c in customers)
    assert not gb11643_valid(customers[0]["id_card_no"][:17] + ("0" if customers[0]["id_card_no"][17] != "0" else "1"))


def test_registers_sum_to_total_on_every_good_row(run):
    root, manifest = run
    bad = {(b["file"], b["line"]) for b in manifest["bad_rows"]}
    checked = 0
    for rel in _daily_files(manifest, "meter_readings"):
        for line, row in enumerate(_csv_rows(root, rel, manifest), start=2):
            if (rel, line) in bad:
                continue
            values = [float(row[c]) for c in ("kwh_total", "kwh_peak", "kwh_flat", "kwh_valley")]
            assert min(values) >= 0
            assert abs(values[0] - sum(values[1:])) <= KWH_SUM_TOLERANCE
            checked += 1
    assert checked > CUSTOMERS * DAYS * 0.9


def test_manifest_lists_exactly_the_bad_rows(run):
    """Every listed bad row breaks its rule at its file and line, and every other row is clean."""
    root, manifest = run
    listed = defaultdict(dict)
    for b in manifest["bad_rows"]:
        listed[b["file"]][b["line"]] = b
    assert {(b["dataset"], b["kind"]) for b in manifest["bad_rows"]} == {
        (ds, kind) for ds, kinds in DEFECT_KINDS.items() for kind in kinds
    }
    for dataset in ("meter_readings", "transformer_telemetry", "service_tickets"):
        for rel in _daily_files(manifest, dataset):
            seen = set()
            key = DATASETS[dataset].key
            for line, row in enumerate(_csv_rows(root, rel, manifest), start=2):
                found = _violations(dataset, row)
                if tuple(row[k] for k in key) in seen and not found:
                    found.add("duplicate_key")
                seen.add(tuple(row[k] for k in key))
                entry = listed[rel].get(line)
                if entry is None:
                    assert not found, (rel, line, row, found)
                    continue
                assert found == {entry["kind"]}, (rel, line, row, entry)
                assert row[entry["column"]] == entry["value"]
    for rel in _daily_files(manifest, "interactions"):
        for line, text in enumerate(_text(root, rel, manifest).lstrip("\ufeff").splitlines(), start=1):
            record = json.loads(text)
            entry = listed[rel].get(line)
            assert (record["intent"] not in (*INTENTS, None)) == (entry is not None), (rel, line, record)
            if entry:
                assert record["intent"] == entry["value"]


def test_gb18030_files_decode_as_gb18030_only(run):
    root, manifest = run
    gb = sorted(p for p, f in manifest["files"].items() if f["encoding"] == "gb18030")
    assert {"customers.csv", "workers.csv"} <= set(gb)
    ticket_days = [dt.date.fromisoformat(manifest["files"][p]["day"]) for p in gb if p.startswith("service_tickets/")]
    assert ticket_days == [dt.date(2026, 10, 2) + dt.timedelta(days=i) for i in (6, 13, 20, 27)]
    non_ascii = 0
    for rel in gb:
        data = (root / rel).read_bytes()
        assert data.decode("gb18030").startswith(DATASETS[manifest["files"][rel]["dataset"]].column_names[0])
        if any(b >= 0x80 for b in data):
            non_ascii += rel.startswith("service_tickets/")
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
    assert non_ascii >= 1
    boms = [p for p, f in manifest["files"].items() if f["encoding"] == "utf-8-sig"]
    assert boms and all((root / p).read_bytes().startswith(b"\xef\xbb\xbf") for p in boms)


def test_degrading_transformer_runs_hot_before_its_fault(run):
    root, manifest = run
    degrading = [f for f in manifest["faults"] if f["degrading"]]
    assert degrading
    faults = _csv_rows(root, "equipment_faults.csv", manifest)
    assert {(f["fault_id"], f["transformer_id"], f["fault_at"]) for f in degrading} <= {
        (f["fault_id"], f["transformer_id"], f["fault_at"]) for f in faults
    }
    for fault in degrading:
        at = dt.datetime.fromisoformat(fault["fault_at"])
        temps = []
        for rel in _daily_files(manifest, "transformer_telemetry"):
            for row in _csv_rows(root, rel, manifest):
                if row["transformer_id"] == fault["transformer_id"] and NUMBER.fullmatch(row["oil_temp_c"]):
                    temps.append((dt.datetime.fromisoformat(row["ts"]), float(row["oil_temp_c"])))
        median = sorted(t for _, t in temps)[len(temps) // 2]
        before = [t for ts, t in temps if at - dt.timedelta(days=3) <= ts < at]
        assert sum(before) / len(before) > median + 5


def test_tickets_reappear_with_their_latest_state(run):
    root, manifest = run
    history = defaultdict(list)
    for rel in _daily_files(manifest, "service_tickets"):
        for row in _csv_rows(root, rel, manifest):
            history[row["ticket_id"]].append(row["status"])
    assert any(len(states) > 1 for states in history.values())
    assert {"open", "dispatched", "resolved", "closed"} <= {s for states in history.values() for s in states}
    assert all(tid.startswith("TK") for tid in history)


def test_holiday_calendar_has_the_2026_festivals():
    cal = holiday_calendar(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    names = dict(zip(cal["date"].to_list(), cal["holiday"].to_list()))
    assert names[dt.date(2026, 2, 17)] == "春节"
    assert names[dt.date(2026, 10, 1)] == names[dt.date(2026, 10, 7)] == "国庆节"
    assert names[dt.date(2026, 9, 25)] == "中秋节"
    assert names[dt.date(2026, 10, 8)] is None
    assert cal["is_holiday"].sum() == 1 + 8 + 1 + 5 + 1 + 1 + 7
    with pytest.raises(ValueError, match="2031"):
        holiday_calendar(dt.date(2031, 1, 1), dt.date(2031, 1, 2))


def test_a_single_day_without_outages_generates(tmp_path):
    # A one-day period holds no outage: tickets must not index into the empty outage list.
    generate(tmp_path, 50, 1, 3, dt.date(2026, 10, 31), progress=lambda *_: None)
    assert len(list((tmp_path / "meter_readings").iterdir())) == 1


def test_notification_preferences_follow_the_contract(run):
    root, manifest = run
    rows = _csv_rows(root, "notification_preferences.csv", manifest)
    customers = {r["customer_id"] for r in _csv_rows(root, "customers.csv", manifest)}
    ids = [r["customer_id"] for r in rows]
    # About 70 % of 300 customers set preferences, each once; the rest get the defaults.
    assert 180 <= len(rows) <= 240 and len(set(ids)) == len(ids) and set(ids) <= customers
    assert {r["channel"] for r in rows} == {"wechat", "sms", "app"}
    assert {(r["quiet_start_hour"], r["quiet_end_hour"]) for r in rows} == {
        ("22", "7"),
        ("21", "8"),
        ("23", "6"),
        ("0", "0"),
    }
    for kind in ("high_bill", "tariff_advice", "repair_progress"):
        refused = sum(r[f"opt_out_{kind}"] == "true" for r in rows)
        assert 5 <= refused <= 45, kind
    assert all(TIMESTAMP.fullmatch(r["updated_at"]) for r in rows)


def test_faults_are_restored_unless_the_outage_runs_past_the_data(run):
    root, manifest = run
    faults = _csv_rows(root, "equipment_faults.csv", manifest)
    assert faults
    end = dt.datetime.combine(END + dt.timedelta(days=1), dt.time())
    for f in faults:
        if f["restored_at"]:
            assert dt.datetime.fromisoformat(f["fault_at"]) < dt.datetime.fromisoformat(f["restored_at"]) <= end
