"""Lake maintenance lowers the file count and changes no query result (issue 18 item 4).

A month of nightly runs is simulated the way the platform writes: each night replaces its day of readings
(a re-delivered day deletes rows, so delete files appear) and replaces a score table whole.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pytest

from orchestration.warehouse.extensions import load_extensions
from orchestration.warehouse.maintenance import file_counts, maintain

NIGHTS = 30
DAY0 = dt.date(2026, 10, 1)
RESULTS = {
    "readings": "SELECT count(*), sum(kwh), count(DISTINCT reading_date), min(reading_date), max(reading_date) "
    "FROM lake.raw.readings",
    "scores": "SELECT count(*), sum(score) FROM lake.ml.scores",
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def lake(request, tmp_path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """A lake after a month of nightly writes: the connection (lake attached as `lake`) and its data path."""
    if request.param == "sqlite":
        catalog = f"sqlite:{tmp_path / 'catalog.sqlite'}"
    else:
        url = urlparse(request.getfixturevalue("make_pg_database")())
        catalog = f"postgres:dbname={url.path.lstrip('/')} host={url.hostname} port={url.port} user={url.username}"
    data = tmp_path / "lake"
    con = load_extensions(duckdb.connect())
    con.execute(f"ATTACH 'ducklake:{catalog}' AS lake (DATA_PATH '{data}', DATA_INLINING_ROW_LIMIT 0)")
    con.execute("CREATE SCHEMA lake.raw; CREATE SCHEMA lake.ml")
    con.execute("CREATE TABLE lake.raw.readings (customer_id INTEGER, reading_date DATE, kwh DOUBLE)")
    for night in range(NIGHTS):
        day = DAY0 + dt.timedelta(days=night)
        # The night's delivery, and yesterday's again without its last customer (a re-delivery).
        for d, customers in ((day, 200), (day - dt.timedelta(days=1), 199)):
            con.execute("BEGIN")
            con.execute("DELETE FROM lake.raw.readings WHERE reading_date = ?", [d])
            con.execute(
                "INSERT INTO lake.raw.readings SELECT range, ?::DATE, range * 0.5 + ? FROM range(?)",
                [d, night, customers],
            )
            con.execute("COMMIT")
        con.execute(
            "CREATE OR REPLACE TABLE lake.ml.scores AS SELECT range AS customer_id, range * ? AS score FROM range(200)",
            [night],
        )
    return con, data


def _results(con) -> dict:
    return {name: con.execute(sql).fetchall() for name, sql in RESULTS.items()}


def test_maintenance_merges_files_and_changes_no_result(lake):
    con, data = lake
    before_results = _results(con)
    before = file_counts(con, "lake", data)
    # Every night left at least a file per write: tens of files for the readings alone.
    assert before.tables["raw.readings"][0] >= NIGHTS

    report = maintain(con, "lake", retention=dt.timedelta(0), data_path=data)

    assert _results(con) == before_results
    after = file_counts(con, "lake", data)
    assert after.tables["raw.readings"][0] < before.tables["raw.readings"][0] / 5
    assert report["current_files_after"] == after.current[0] < report["current_files_before"]
    # With no retention, every replaced file is gone from disk too.
    assert report["disk_files_after"] == after.on_disk[0] < report["disk_files_before"] == before.on_disk[0]
    assert report["snapshots_expired"] > 0
    # What is left: the last snapshot before maintenance, and the commits of the merge and the rewrite.
    (snapshots,) = con.execute("SELECT count(*) FROM lake.snapshots()").fetchone()
    assert snapshots <= 3


def test_retained_snapshots_still_travel_back_after_maintenance(lake):
    con, data = lake
    (mid,) = con.execute("SELECT max(snapshot_id) - 20 FROM lake.snapshots()").fetchone()
    at_mid = con.execute(f"SELECT count(*), sum(kwh) FROM lake.raw.readings AT (VERSION => {mid})").fetchall()

    report = maintain(con, "lake", retention=dt.timedelta(days=30), data_path=data)

    assert report["snapshots_expired"] == 0
    assert report["current_files_after"] < report["current_files_before"]
    assert con.execute(f"SELECT count(*), sum(kwh) FROM lake.raw.readings AT (VERSION => {mid})").fetchall() == at_mid


def test_retention_keeps_exactly_the_snapshots_taken_since_its_bound(lake):
    # A bound inside today: DuckLake's own `older_than` expired every snapshot of the bound's day on SQLite.
    con, data = lake
    (mid, mid_time, total) = con.execute(
        "SELECT snapshot_id, snapshot_time, (SELECT count(*) FROM lake.snapshots()) FROM lake.snapshots() "
        "WHERE snapshot_id = (SELECT max(snapshot_id) - 20 FROM lake.snapshots())"
    ).fetchone()
    at_mid = con.execute(f"SELECT count(*), sum(kwh) FROM lake.raw.readings AT (VERSION => {mid})").fetchall()
    now = dt.datetime.now(dt.UTC)

    report = maintain(con, "lake", retention=now - mid_time, data_path=data, now=now)

    kept = con.execute("SELECT snapshot_id FROM lake.snapshots() WHERE snapshot_id <= ? ORDER BY 1", [mid + 20])
    kept = [sid for (sid,) in kept.fetchall()]
    assert kept[0] == mid and kept == list(range(mid, mid + 21))
    assert report["snapshots_expired"] == total - 21
    assert con.execute(f"SELECT count(*), sum(kwh) FROM lake.raw.readings AT (VERSION => {mid})").fetchall() == at_mid


def test_orphans_older_than_the_grace_are_deleted_and_newer_ones_kept(lake):
    con, data = lake
    stray = data / "raw" / "readings" / "ducklake-killed-before-commit.parquet"
    con.execute(f"COPY (SELECT 1 AS customer_id) TO '{stray}' (FORMAT parquet)")
    maintain(con, "lake", retention=dt.timedelta(days=30), data_path=data)
    assert stray.exists(), "a file younger than the grace may be a write under way"
    maintain(
        con, "lake", retention=dt.timedelta(days=30), data_path=data, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    )
    assert not stray.exists()


def test_the_weekly_asset_maintains_the_warehouse_lake_and_skips_other_engines(tmp_path):
    import dagster as dg
    import pandas as pd

    from orchestration.resources import WarehouseResource
    from orchestration.warehouse import Warehouse
    from orchestration.warehouse.assets import lake_maintenance

    url = f"ducklake:///{tmp_path / 'lake'}"
    wh = Warehouse(url)
    wh.replace_table("ml", "scores", pd.DataFrame({"customer_id": range(50), "score": 0.0}))
    for night in range(12):  # a score table updated row by row, night after night
        wh.replace_rows(
            "ml", "scores", pd.DataFrame({"customer_id": range(night, night + 20), "score": night}), "customer_id"
        )
    before = wh.query("SELECT count(*), sum(score) FROM ml.scores")

    result = dg.materialize(
        [lake_maintenance], resources={"warehouse": WarehouseResource(url=url, lake_retention_days=0)}
    )

    (event,) = result.asset_materializations_for_node("lake_maintenance")
    meta = {k: v.value for k, v in event.metadata.items()}
    # 25 files (a data and a delete file per night) become a few: the data merged, the small deletes kept
    # below DuckLake's rewrite threshold; with no retention, the replaced ones leave the disk at once.
    assert meta["disk_files_before"] == meta["current_files_before"] == 25
    assert meta["files_per_table_after"]["ml.scores"] == meta["disk_files_after"] <= 3
    assert wh.query("SELECT count(*), sum(score) FROM ml.scores") == before
    other = dg.materialize(
        [lake_maintenance], resources={"warehouse": WarehouseResource(url=f"duckdb:///{tmp_path / 'wh.duckdb'}")}
    )
    (skipped,) = other.asset_materializations_for_node("lake_maintenance")
    assert "is not a lake" in skipped.metadata["skipped"].value
