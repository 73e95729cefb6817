"""Files per table after a year of nightly runs on the lake, with the weekly maintenance and without (issue 18).

A real nightly run costs tens of seconds of dbt start-up alone, so a year of them is simulated with the writes a
night makes, through the platform's own warehouse layer on a lake of its own:
- `raw.readings`: the night's day of readings, and yesterday's again (a re-delivery deletes rows first), each one
  commit, as `commit_delivery` does;
- `marts.monthly`: the month-grain incremental model: the night's month deleted and inserted again;
- `marts.customers`: a mart rebuilt whole (`replace_table`, dbt's table materialization);
- `ml.scores`: scores updated for the night's customers (`replace_rows`).
With maintenance, `maintain()` runs every 7th night with the platform's retention counted in nights (the
snapshots of the last `retention_nights` nights stay), as the Sunday schedule with LAKE_RETENTION_DAYS does.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

import pandas as pd

DAY0 = dt.date(2025, 11, 1)


def _night(wh, night: int, customers: int) -> None:
    day = DAY0 + dt.timedelta(days=night)
    con = wh.connect()
    try:
        for d, n in ((day, customers), (day - dt.timedelta(days=1), customers - 1)):

            def deliver(con, d=d, n=n):
                con.execute("DELETE FROM raw.readings WHERE reading_date = ?", [d])
                con.execute("INSERT INTO raw.readings SELECT range, ?::DATE, (range % 97) * 0.25 FROM range(?)", [d, n])

            wh.transaction(con, deliver)
        month = day.replace(day=1)

        def monthly(con):
            con.execute("DELETE FROM marts.monthly WHERE month = ?", [month])
            con.execute(
                "INSERT INTO marts.monthly SELECT customer_id, date_trunc('month', reading_date)::DATE, sum(kwh) "
                "FROM raw.readings WHERE date_trunc('month', reading_date) = ? GROUP BY ALL",
                [month],
            )

        wh.transaction(con, monthly)
    finally:
        con.close()
    wh.replace_table(
        "marts", "customers", pd.DataFrame({"customer_id": range(customers), "nights": night}).astype("int64")
    )
    changed = pd.DataFrame({"customer_id": range(night % 10, customers, 10), "score": float(night)})
    wh.replace_rows("ml", "scores", changed, "customer_id")


def _year(folder: Path, nights: int, customers: int, maintain_every: int | None, retention_nights: int) -> dict:
    from bench.cases import table_checksums
    from orchestration.warehouse import Warehouse
    from orchestration.warehouse.lake_warehouse import ALIAS
    from orchestration.warehouse.maintenance import file_counts, maintain

    wh = Warehouse(f"ducklake:///{folder}")
    con = wh.connect()
    try:
        con.execute(
            "CREATE SCHEMA IF NOT EXISTS raw; CREATE SCHEMA IF NOT EXISTS marts; CREATE SCHEMA IF NOT EXISTS ml"
        )
        con.execute("CREATE TABLE raw.readings (customer_id BIGINT, reading_date DATE, kwh DOUBLE)")
        con.execute("CREATE TABLE marts.monthly (customer_id BIGINT, month DATE, kwh DOUBLE)")
        con.execute(
            "CREATE TABLE ml.scores AS SELECT range AS customer_id, 0.0::DOUBLE AS score FROM range(?)", [customers]
        )
    finally:
        con.close()
    night_ends: list[dt.datetime] = []
    writing = maintaining = 0.0
    for night in range(nights):
        start = time.perf_counter()
        _night(wh, night, customers)
        writing += time.perf_counter() - start
        night_ends.append(dt.datetime.now(dt.UTC))
        if maintain_every and (night + 1) % maintain_every == 0:
            # The snapshots of the last `retention_nights` nights are kept: older than the end of the night before.
            keep_from = night_ends[max(0, len(night_ends) - retention_nights - 1)]
            start = time.perf_counter()
            con = wh.connect()
            try:
                now = dt.datetime.now(dt.UTC)
                maintain(con, ALIAS, now - keep_from, folder / "data", now=now)
            finally:
                con.close()
            maintaining += time.perf_counter() - start
    con = wh.connect()
    try:
        counts = file_counts(con, ALIAS, folder / "data")
        (snapshots,) = con.execute(f"SELECT count(*) FROM {ALIAS}.snapshots()").fetchone()
    finally:
        con.close()
    return {
        "checksums": table_checksums(wh.url, ("raw", "marts", "ml")),
        "files_per_table": {t: files for t, (files, _) in counts.tables.items()},
        "current_files": counts.current[0],
        "files_on_disk": counts.on_disk[0],
        "mb_on_disk": round(counts.on_disk[1] / 2**20, 1),
        "snapshots": snapshots,
        "writing_seconds": round(writing, 1),
        "maintenance_seconds": round(maintaining, 1),
    }


def benchmark(nights: int = 365, customers: int = 2_000, retention_nights: int = 30) -> dict:
    """The lake after `nights` simulated nights, without maintenance and with it weekly."""
    out: dict = {"nights": nights, "customers": customers, "retention_nights": retention_nights}
    with tempfile.TemporaryDirectory(prefix="lake-files-") as tmp:
        for name, every in (("without_maintenance", None), ("weekly_maintenance", 7)):
            out[name] = _year(Path(tmp) / name, nights, customers, every, retention_nights)
    # Maintenance only lays the same rows out anew: both lakes must answer alike.
    out["same_rows"] = out["without_maintenance"].pop("checksums") == out["weekly_maintenance"].pop("checksums")
    return out
