"""Reading customers' kWh in pages and writing scores in chunks, on DuckDB and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from orchestration.scoring import consumption_history
from orchestration.warehouse import Warehouse

AS_OF = dt.date(2026, 10, 31)


@pytest.fixture
def wh(warehouse_url) -> Warehouse:
    """A warehouse with the three relations the forecaster reads: 5 customers, 20 days, two sensors."""
    wh = Warehouse(warehouse_url)
    customers = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(1, 6)],
            "category": ["residential"] * 5,
            "tariff": ["flat", "tiered", "tou", "flat", "flat"],
        }
    )
    days = [AS_OF - dt.timedelta(days=i) for i in range(20)]
    # C5 last read 15 days ago: nothing inside a 14-day input window.
    readings = pd.DataFrame(
        [
            {"customer_id": c, "reading_date": d, "kwh_total": float(i)}
            for i, c in enumerate(customers["customer_id"], 1)
            for d in days
            if c != "C5" or d <= AS_OF - dt.timedelta(days=15)
        ]
    )
    telemetry = pd.DataFrame(
        [
            {"transformer_id": t, "measured_date": d, "ambient_temp_c": temp}
            for d in days
            for t, temp in (("T1", 10.0), ("T2", 14.0))
        ]
    )
    wh.replace_table("marts", "dim_customers", customers)
    wh.replace_table("marts", "fct_daily_consumption", readings)
    wh.replace_table("staging", "stg_scada__transformer_telemetry", telemetry)
    return wh


def test_pages_cover_every_customer_once_in_order(wh):
    pages = [list(p["customer_id"]) for p in consumption_history.customer_pages(wh, page_size=2)]
    assert pages == [["C1", "C2"], ["C3", "C4"], ["C5"]]


def test_scoring_histories_hold_the_input_window_with_temperature(wh):
    assert consumption_history.last_reading_day(wh) == AS_OF
    chunks = list(consumption_history.scoring_histories(wh, AS_OF, input_days=14, page_size=2))
    # The last page holds only C5, whose readings are all older than the window: no chunk for it.
    assert [sorted(set(c["customer_id"])) for c in chunks] == [["C1", "C2"], ["C3", "C4"]]
    first = chunks[0]
    assert len(first) == 2 * 14
    assert min(first["reading_date"]) == AS_OF - dt.timedelta(days=13)
    assert set(first["ambient_temp_c"]) == {12.0}  # the mean of the two sensors
    assert set(first["as_of"]) == {"2026-10-31"}
    assert list(first.columns) == [
        "customer_id",
        "reading_date",
        "kwh_total",
        "category",
        "tariff",
        "ambient_temp_c",
        "as_of",
    ]


def test_replace_table_in_chunks_reads_between_writes_and_swaps_at_the_end(wh):
    wh.replace_table("ml", "scores", pd.DataFrame({"customer_id": ["OLD"], "kwh": [0.0]}))

    def chunks():
        for page in consumption_history.customer_pages(wh, page_size=2):
            # The old table stays readable until the last chunk is written.
            assert wh.query("SELECT customer_id FROM ml.scores") == [("OLD",)]
            yield pd.DataFrame({"customer_id": page["customer_id"], "kwh": 1.5})

    assert wh.replace_table_in_chunks("ml", "scores", chunks()) == 5
    assert wh.query("SELECT customer_id, kwh FROM ml.scores ORDER BY 1") == [(f"C{i}", 1.5) for i in range(1, 6)]
    # Nothing to write leaves the table as it was.
    assert wh.replace_table_in_chunks("ml", "scores", iter(())) == 0
    assert wh.query("SELECT count(*) FROM ml.scores") == [(5,)]


def test_training_frames_sample_the_same_customers_on_every_call(wh):
    readings, customers, temperature = consumption_history.training_frames(wh, max_customers=3)
    again, _, _ = consumption_history.training_frames(wh, max_customers=3)
    assert len(customers) == 3 and customers["customer_id"].is_monotonic_increasing
    assert set(readings["customer_id"]) <= set(customers["customer_id"])
    assert readings.sort_values(["customer_id", "reading_date"]).equals(
        again.sort_values(["customer_id", "reading_date"])
    )
    assert len(temperature) == 20
