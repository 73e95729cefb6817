"""Ingestion assets on a small generated utility, on both engines: exact row counts, exact quarantine."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import dagster as dg
import pytest

from datagen import generate
from datagen.manifest import good_rows
from orchestration.ingestion.assets import build_ingestion_assets
from orchestration.ingestion.contract import DATASETS
from orchestration.partitions import daily_partitions
from orchestration.resources import LandingResource, WarehouseResource
from orchestration.warehouse import Warehouse

CUSTOMERS, DAYS, END = 300, 14, "2026-10-31"
PARTITIONS_START = "2025-01-01"


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("landing")
    generate(out, CUSTOMERS, DAYS, 7, dt.date.fromisoformat(END), progress=lambda *_: None)
    return out, json.loads((out / "_manifest.json").read_text(encoding="utf-8"))


def materialize(url: str, landing_dir: Path, start: str, end: str) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        build_ingestion_assets(daily_partitions(PARTITIONS_START)),
        resources={"warehouse": WarehouseResource(url=url), "landing": LandingResource(landing_dir=str(landing_dir))},
        tags={"dagster/asset_partition_range_start": start, "dagster/asset_partition_range_end": end},
        instance=dg.DagsterInstance.ephemeral(),
    )


def test_generated_utility_loads_with_exact_counts(warehouse_url, landing):
    landing_dir, manifest = landing
    start = manifest["parameters"]["start_date"]
    result = materialize(warehouse_url, landing_dir, start, END)
    assert result.success
    wh = Warehouse(warehouse_url)
    bad = Counter(b["dataset"] for b in manifest["bad_rows"])
    for name, ds in DATASETS.items():
        delivered = manifest["summary"]["rows"][name]
        loaded = wh.query(f"SELECT count(*) FROM raw.{ds.table}")[0][0]
        assert loaded == delivered - bad[name], name
    # Exactly the injected defects are quarantined, at their file and line.
    got = {(d, f, line) for d, f, line in wh.query("SELECT dataset, source_file, line FROM raw.rejects")}
    assert got == {(b["dataset"], b["file"], b["line"]) for b in manifest["bad_rows"]}
    # Readings of customers missing from the customer file are kept and flagged.
    unknown = wh.query("SELECT count(DISTINCT customer_id) FROM raw.raw_ami__meter_readings WHERE is_unknown_customer")
    assert unknown == [(len(manifest["unknown_customer_ids"]),)]
    assert wh.query("SELECT count(*), sum(rows_read - rows_loaded - rows_rejected) FROM raw.load_log") == [
        (sum(manifest["summary"]["files"].values()), 0)
    ]
    # Every asset check passed, and the metadata tells rows read, loaded and quarantined.
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 3 * len(DATASETS) and all(c.passed for c in checks)
    meta = {e.asset_key.to_user_string(): e.materialization.metadata for e in result.get_asset_materialization_events()}
    assert meta["raw_ami__meter_readings"]["rows_quarantined"].value == bad["meter_readings"]

    # The same run again reads nothing new and changes nothing.
    again = materialize(warehouse_url, landing_dir, start, END)
    assert again.success
    assert wh.query("SELECT count(*) FROM raw.raw_ami__meter_readings")[0][0] == (
        manifest["summary"]["rows"]["meter_readings"] - bad["meter_readings"]
    )
    assert wh.query("SELECT count(*) FROM raw.load_log")[0][0] == sum(manifest["summary"]["files"].values())


def test_a_partition_range_loads_only_its_days(tmp_path, landing):
    landing_dir, manifest = landing
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    last_day = manifest["parameters"]["end_date"]
    assert materialize(url, landing_dir, last_day, last_day).success
    wh = Warehouse(url)
    assert wh.query("SELECT DISTINCT _delivery_date::VARCHAR FROM raw.raw_ami__meter_readings") == [(last_day,)]
    expected = good_rows(manifest, f"meter_readings/{last_day}.csv")
    assert wh.query("SELECT count(*) FROM raw.raw_ami__meter_readings")[0][0] == expected


def test_rows_conserved_fails_on_a_file_whose_lines_are_not_all_accounted_for(tmp_path, monkeypatch):
    """A reader that loses a line (as DuckDB's did behind a stray quote) must not pass the blocking check."""
    from orchestration.ingestion import readers

    split = readers.split_records

    def losing_a_record(*args, **kwargs):
        out = split(*args, **kwargs)
        out.records.pop()
        return out

    monkeypatch.setattr(readers, "split_records", losing_a_record)
    landing_dir = tmp_path / "landing"
    (landing_dir / "meter_readings").mkdir(parents=True)
    (landing_dir / "meter_readings" / "2026-05-01.csv").write_text(
        "customer_id,reading_date,kwh_total,kwh_peak,kwh_flat,kwh_valley\n"
        'C001,2026-05-01,1,1,0,0\nC002,"2026-05-01,1,1,0,0\nC003,2026-05-01,1,1,0,0\n',
        encoding="utf-8",
    )
    readings = [
        a
        for a in build_ingestion_assets(daily_partitions(PARTITIONS_START))
        if a.key.to_user_string() == "raw_ami__meter_readings"
    ]
    result = dg.materialize(
        readings,
        resources={
            "warehouse": WarehouseResource(url=f"duckdb:///{tmp_path / 'wh.duckdb'}"),
            "landing": LandingResource(landing_dir=str(landing_dir)),
        },
        partition_key="2026-05-01",
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    check = {c.check_name: c for c in result.get_asset_check_evaluations()}["rows_conserved"]
    assert not check.passed
    assert check.metadata["lines"].value == 3 and check.metadata["lines_accounted"].value == 2
    assert check.metadata["lines_unaccounted"].value == {"meter_readings/2026-05-01.csv": 1}
