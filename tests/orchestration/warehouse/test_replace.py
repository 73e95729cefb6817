"""Replacing the tables the platform writes while views depend on them (dbt staging, BI, an analyst's view).

PostgreSQL tracks view dependencies and refuses to drop a table a view reads; DuckDB binds views by name.
Every replace path must leave the views valid and reading the new rows, on both engines.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from orchestration.warehouse import Warehouse


@pytest.fixture
def wh(warehouse_url) -> Warehouse:
    return Warehouse(warehouse_url)


def execute(wh: Warehouse, sql: str) -> None:
    if wh.engine == "duckdb":
        with wh.connect() as con:
            con.execute(sql)
    else:
        with wh.pg() as pg, pg.cursor() as cur:
            cur.execute(sql)


def forecast(day: str, customers: list[str], kwh: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": customers,
            "forecast_date": pd.to_datetime([day] * len(customers)).date,
            "kwh_pred": [kwh] * len(customers),
            "model_version": [1] * len(customers),
        }
    )


def test_chunked_replace_keeps_dependent_views(wh):
    """ml.consumption_forecast is rewritten page by page every night under staging.stg_ml__consumption_forecasts."""
    assert wh.replace_table_in_chunks("ml", "forecast", iter([forecast("2026-05-01", ["C1", "C2"], 1.0)])) == 2
    execute(wh, "CREATE SCHEMA IF NOT EXISTS staging")
    execute(wh, "CREATE VIEW staging.stg_forecast AS SELECT customer_id, kwh_pred FROM ml.forecast")
    chunks = iter([forecast("2026-05-02", ["C1"], 2.0), forecast("2026-05-02", ["C3"], 3.0)])
    assert wh.replace_table_in_chunks("ml", "forecast", chunks) == 2
    assert sorted(wh.query("SELECT customer_id, kwh_pred FROM staging.stg_forecast")) == [("C1", 2.0), ("C3", 3.0)]
    assert wh.query("SELECT count(*) FROM information_schema.tables WHERE table_name = 'forecast__loading'") == [(0,)]
    # An empty night writes nothing and keeps yesterday's rows.
    assert wh.replace_table_in_chunks("ml", "forecast", iter([])) == 0
    assert wh.query("SELECT count(*) FROM staging.stg_forecast") == [(2,)]


def test_whole_replace_keeps_views_through_new_columns_and_empty_columns(wh):
    """A nightly frame may gain a column, or hold a column that is NULL throughout (typed NULL by DuckDB)."""
    first = pd.DataFrame({"transformer_id": ["T1", "T2"], "risk": [0.1, 0.9], "note": ["a", "b"]})
    assert wh.replace_table("ml", "risk", first) == 2
    execute(wh, "CREATE VIEW ml.risk_view AS SELECT transformer_id, risk, note FROM ml.risk")
    second = pd.DataFrame(
        {
            "transformer_id": ["T3"],
            "risk": [1],
            "note": [None],
            "as_of": pd.to_datetime(["2026-05-02"]).date,
        }
    )
    assert wh.replace_table("ml", "risk", second) == 1
    assert wh.query("SELECT transformer_id, risk, note FROM ml.risk_view") == [("T3", 1.0, None)]
    assert wh.query("SELECT as_of FROM ml.risk") == [(dt.date(2026, 5, 2),)]


def test_a_type_change_fails_naming_the_table_and_keeps_the_rows(pg_url):
    """Changing a column's type is a migration: the reload refuses with the reason, and rolls back."""
    wh = Warehouse(pg_url)
    wh.replace_table("ml", "risk", pd.DataFrame({"transformer_id": ["T1"], "risk": [0.5]}))
    execute(wh, "CREATE VIEW ml.risk_view AS SELECT risk FROM ml.risk")
    with pytest.raises(
        ValueError, match=r"ml\.risk: the new rows do not fit the existing columns \(risk DOUBLE PRECISION -> TEXT\)"
    ):
        wh.replace_table("ml", "risk", pd.DataFrame({"transformer_id": ["T2"], "risk": ["high"]}))
    assert wh.query("SELECT transformer_id, risk FROM ml.risk") == [("T1", 0.5)]


def test_readers_see_whole_nights_only_while_tables_are_replaced(pg_url):
    """A reader querying throughout sees yesterday's rows or today's, never an empty or missing table."""
    import threading

    wh = Warehouse(pg_url)
    nights = [pd.DataFrame({"order_id": [f"O{n}-{i}" for i in range(2 + n % 2)]}) for n in range(12)]
    wh.replace_table("serving", "orders", nights[0])
    seen, errors, done = set(), [], threading.Event()

    def read():
        while not done.is_set():
            try:
                seen.add(wh.query("SELECT count(*) FROM serving.orders")[0][0])
            except Exception as exc:  # noted, then asserted absent
                errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for night in nights[1:]:
            wh.replace_table("serving", "orders", night)
        wh.replace_table_in_chunks("serving", "orders", iter(nights[:2]))
    finally:
        done.set()
        reader.join()
    assert errors == [] and seen <= {2, 3, 5} and len(seen) >= 2
    assert wh.query("SELECT count(*) FROM serving.orders") == [(5,)]
