"""The nightly run's consumption forecast and bill forecast on the session's built utility (DuckDB)."""

from __future__ import annotations

import datetime as dt

from orchestration.warehouse import Warehouse


def test_every_customer_with_recent_readings_has_30_forecast_days_and_a_bill(built_platform):
    wh = Warehouse(built_platform.settings.warehouse_url)
    end = built_platform.end
    # The quick forecaster reads 14 input days: customers with a reading in them are forecast.
    recent = wh.query(
        "SELECT count(DISTINCT f.customer_id) FROM marts.fct_daily_consumption f "
        "JOIN marts.dim_customers d ON d.customer_id = f.customer_id WHERE f.reading_date > ?",
        (end - dt.timedelta(days=14),),
    )[0][0]
    assert recent >= 0.95 * built_platform.manifest["summary"]["rows"]["customers"]
    assert wh.query(
        "SELECT count(*), count(DISTINCT customer_id), min(forecast_date), max(forecast_date), min(scored_on) "
        "FROM ml.consumption_forecast"
    ) == [(30 * recent, recent, end + dt.timedelta(days=1), end + dt.timedelta(days=30), end)]
    assert wh.query(
        "SELECT count(*) FROM ml.consumption_forecast WHERE NOT (kwh_lo <= kwh_pred AND kwh_pred <= kwh_hi)"
    ) == [(0,)]
    # The forecast reaches November's last day, so November is billed as an estimate for every forecast customer.
    assert wh.query(
        "SELECT count(*) FROM marts.bill_forecast WHERE bill_month = ? AND bill_status = 'estimate' AND days_forecast = 30",
        (dt.date(2026, 11, 1),),
    ) == [(recent,)]
    assert wh.query(
        "SELECT count(*) FROM marts.customer_360 WHERE forecast_kwh_next_30d IS NOT NULL AND latest_bill_month = ?",
        (dt.date(2026, 11, 1),),
    ) == [(recent,)]
