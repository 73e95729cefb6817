"""Incremental marts built day by day equal a full refresh, row for row, on each engine.

The raw data grows the way the nightly runs see it: days up to D-2 first, then D-1 (picked up by an
incremental run without vars), then D together with a re-delivery of D-1 that changes one reading
and drops another (rebuilt through the orchestrator's min_date/max_date range). A --full-refresh of
the same raw data must then give exactly the same tables.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.dbt import crafted
from tests.dbt.crafted import D, day

INCREMENTAL_MARTS = {
    "marts.fct_daily_consumption": "customer_id, reading_date",
    "marts.transformer_daily_load": "transformer_id, load_date",
    # Incremental by month: a run rebuilds whole the months its days fall in.
    "intermediate.int_meter_readings_aggregated_to_months": "customer_id, bill_month",
    "intermediate.int_transformer_degree_days_aggregated_to_months": "transformer_id, bill_month",
}
# The incremental models and everything upstream of them; tests only when all their parents are built.
SELECT = [
    "--select",
    *(f"+{name.split('.')[1]}" for name in INCREMENTAL_MARTS),
    "--indirect-selection",
    "cautious",
]

DAILY_TABLES = {
    "raw_ami__meter_readings": lambda row: row["reading_date"],
    "raw_scada__transformer_telemetry": lambda row: row["ts"].date(),
}


def _split_by_day(dataset: dict[str, list[dict]], first: dt.date, last: dt.date) -> dict[str, list[dict]]:
    """The daily tables' rows whose day lies in [first, last]."""
    return {table: [r for r in dataset[table] if first <= day_of(r) <= last] for table, day_of in DAILY_TABLES.items()}


def _redelivered_d_minus_1() -> list[dict]:
    """D-1's readings again: BIG's corrected, C05's gone, the rest as before."""
    rows = []
    for row in crafted.meter_readings():
        if row["reading_date"] != day(-1) or row["customer_id"] == "C05":
            continue
        if row["customer_id"] == "BIG":
            row = row | {"kwh_total": 31.5, "kwh_peak": 16.5, "_loaded_at": dt.datetime(2026, 5, 1, 3, 0)}
        rows.append(row)
    return rows


def _snapshot(warehouse) -> dict[str, list[tuple]]:
    return {
        table: [tuple(r.values()) for r in warehouse.query(f"select * from {table} order by {key}")]
        for table, key in INCREMENTAL_MARTS.items()
    }


def _big_on(warehouse, offset: int) -> Decimal:
    (row,) = warehouse.query(
        f"select kwh_total from marts.fct_daily_consumption where customer_id = 'BIG' and reading_date = '{day(offset)}'"
    )
    return row["kwh_total"]


@pytest.fixture(scope="module")
def built_day_by_day(warehouse):
    """The warehouse after the day-by-day runs, with what each step showed and a full refresh's tables."""
    dataset = crafted.dataset()
    snapshots = {name: rows for name, rows in dataset.items() if name not in DAILY_TABLES}
    warehouse.insert(snapshots | _split_by_day(dataset, dt.date(2000, 1, 1), day(-2)))
    first = warehouse.dbt("build", *SELECT)

    # D-1 arrives. An old day changed in raw meanwhile must stay as built: a run without vars only
    # takes days newer than the table holds.
    warehouse.insert(_split_by_day(dataset, day(-1), day(-1)))
    big_d3 = "customer_id = 'BIG' and reading_date = %s"
    warehouse.execute(f"update raw.raw_ami__meter_readings set kwh_total = 99 where {big_d3}", params=(day(-3),))
    # `run`, not `build`: the drift test would rightly flag the raw change just made.
    appended = warehouse.dbt("run", "--select", *(name.split(".")[1] for name in INCREMENTAL_MARTS))
    seen_after_append = {"d-3": _big_on(warehouse, -3), "d-1": _big_on(warehouse, -1)}
    warehouse.execute(f"update raw.raw_ami__meter_readings set kwh_total = 30 where {big_d3}", params=(day(-3),))

    # D arrives, and D-1 is delivered again: the ingestion replaces a re-delivered day in raw.
    warehouse.execute("delete from raw.raw_ami__meter_readings where reading_date = %s", params=(day(-1),))
    today = _split_by_day(dataset, D, D)
    today["raw_ami__meter_readings"] += _redelivered_d_minus_1()
    warehouse.insert(today)
    # The range as the orchestrator passes it (environment); the full refresh below passes it as vars.
    ranged = warehouse.dbt("build", *SELECT, env={"GRIDCARE_MIN_DATE": str(day(-1)), "GRIDCARE_MAX_DATE": str(D)})

    incremental = _snapshot(warehouse)
    # --full-refresh ignores the partition vars and rebuilds every day.
    full = warehouse.dbt("build", *SELECT, "--full-refresh", vars={"min_date": day(-1), "max_date": D})
    return {
        "warehouse": warehouse,
        "runs": (first, appended, ranged, full),
        "seen_after_append": seen_after_append,
        "incremental": incremental,
        "full": _snapshot(warehouse),
    }


def test_every_run_green(built_day_by_day):
    first, appended, ranged, full = built_day_by_day["runs"]
    for run in (first, appended, ranged, full):
        assert set(run.statuses().values()) <= {"success", "pass"}
        assert "model.gridcare.fct_daily_consumption" in run.statuses()
    # The singular test guarding incremental drift ran with the day-range runs.
    for run in (first, ranged, full):
        assert run.statuses()["test.gridcare.assert_fct_daily_consumption_matches_staging"] == "pass"


def test_run_without_vars_appends_only_newer_days(built_day_by_day):
    assert built_day_by_day["seen_after_append"] == {"d-3": Decimal("30.000"), "d-1": Decimal("30.000")}


def test_incremental_equals_full_refresh_row_by_row(built_day_by_day):
    incremental, full = built_day_by_day["incremental"], built_day_by_day["full"]
    for table in INCREMENTAL_MARTS:
        assert len(incremental[table]) == len(full[table]) > 0
        assert incremental[table] == full[table], table


def test_redelivered_day_replaced_its_rows(built_day_by_day):
    warehouse = built_day_by_day["warehouse"]
    d1 = {
        r["customer_id"]: r
        for r in warehouse.query(f"select * from marts.fct_daily_consumption where reading_date = '{day(-1)}'")
    }
    assert d1["BIG"]["kwh_total"] == Decimal("31.500")
    assert "C05" not in d1
    expected_rows = len(crafted.meter_readings()) - 1  # C05's D-1 reading is gone
    (count,) = warehouse.query("select count(*) as n from marts.fct_daily_consumption")
    assert count["n"] == expected_rows


def test_transformer_load_follows_the_redelivery(built_day_by_day):
    warehouse = built_day_by_day["warehouse"]
    load = {
        (r["transformer_id"], r["load_date"]): r for r in warehouse.query("select * from marts.transformer_daily_load")
    }
    # TR1 on D-1: C05 (5 kWh) gone, BIG 30 -> 31.5 kWh: 205.098 - 5 + 1.5; one customer fewer.
    assert (load[("TR1", day(-1))]["kwh_total"], load[("TR1", day(-1))]["customers_served"]) == (Decimal("201.598"), 16)
    assert load[("TR1", day(-1))]["telemetry_hours"] == 3
    assert (load[("TR2", D)]["customers_served"], load[("TR2", D)]["telemetry_hours"]) == (2, 2)


def test_monthly_aggregate_sums_the_daily_fact(built_day_by_day):
    """The months rebuilt by the day-range run hold what the daily fact holds, the redelivery included."""
    warehouse = built_day_by_day["warehouse"]
    by_day = warehouse.query(
        """select customer_id, cast(date_trunc('month', reading_date) as date) as bill_month, count(*) as days_read,
                   sum(kwh_total) as kwh_read
            from marts.fct_daily_consumption group by 1, 2 order by 1, 2"""
    )
    by_month = warehouse.query(
        "select customer_id, bill_month, days_read, kwh_read "
        "from intermediate.int_meter_readings_aggregated_to_months order by 1, 2"
    )
    assert by_month == by_day
    big_april = next(r for r in by_month if r["customer_id"] == "BIG" and r["bill_month"] == dt.date(2026, 4, 1))
    assert big_april["days_read"] == 30
