"""marts.bill_forecast and the forecast columns of customer_360 on crafted history, on each engine: exact
bills for every tariff type (tier boundaries included), alert membership at its boundaries, drivers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.dbt import bill_crafted

APRIL, MAY = dt.date(2026, 4, 1), dt.date(2026, 5, 1)

FORECAST_DDL = """create table ml.consumption_forecast (customer_id {text}, forecast_date date, kwh_pred {double},
    kwh_lo {double}, kwh_hi {double}, model_version bigint, scored_on date)"""


@pytest.fixture(scope="module")
def built(warehouse):
    """Crafted raw rows and forecast, then `dbt build` of customer_360 and everything upstream."""
    warehouse.insert(bill_crafted.dataset())
    types = (
        {"text": "varchar", "double": "double"}
        if warehouse.dialect == "duckdb"
        else {"text": "text", "double": "double precision"}
    )
    warehouse.execute("create schema ml", FORECAST_DDL.format(**types))
    with warehouse.connection() as connection:
        cursor = warehouse.cursor(connection)
        sql = f"insert into ml.consumption_forecast values ({', '.join([warehouse.placeholder] * 7)})"
        cursor.executemany(sql, [tuple(r.values()) for r in bill_crafted.forecasts()])
    warehouse.dbt("build", "--select", "+customer_360", "--indirect-selection", "cautious")
    return warehouse


def bills(warehouse, month=None):
    where = f"where bill_month = '{month.isoformat()}'" if month else ""
    return {
        (r["customer_id"], r["bill_month"]): r for r in warehouse.query(f"select * from marts.bill_forecast {where}")
    }


def test_rows_per_customer_stop_at_the_last_month_the_forecast_covers(built):
    counts = {}
    for customer_id, _ in bills(built):
        counts[customer_id] = counts.get(customer_id, 0) + 1
    # December to April for everyone; NEW opened in February; only FLAT's forecast reaches May 31.
    assert counts == {
        "FLAT": 6,
        "TIER": 5,
        "TOU": 5,
        "TOUNR": 5,
        "STEP": 5,
        "UNDER": 5,
        "SMALL": 5,
        "WEATHER": 5,
        "NEW": 3,
        "NOFC": 5,
    }


def test_tiered_bills_at_and_across_tier_boundaries(built):
    tier = {month: row["estimated_bill_yuan"] for (c, month), row in bills(built).items() if c == "TIER"}
    assert tier == {
        dt.date(2025, 12, 1): Decimal("105.66"),  # exactly 200 kWh: all in tier 1
        dt.date(2026, 1, 1): Decimal("221.32"),  # exactly 400: 200 x 0.5283 + 200 x 0.5783
        dt.date(2026, 2, 1): Decimal("222.15"),  # 401: + 1 x 0.8283 = 222.1483
        dt.date(2026, 3, 1): Decimal("52.83"),
        APRIL: Decimal("263.56"),  # 300 read + 151 forecast = 451: 221.32 + 51 x 0.8283
    }


def test_flat_and_tou_bills(built):
    april = bills(built, APRIL)
    # FLAT: 200 read + 100 forecast at 0.56.
    assert (
        april[("FLAT", APRIL)]["kwh_to_date"],
        april[("FLAT", APRIL)]["kwh_forecast_rest"],
        april[("FLAT", APRIL)]["estimated_bill_yuan"],
    ) == (Decimal("200.000"), Decimal("100.000"), Decimal("168.00"))
    # TOU: 300 kWh, 20/30/50% peak/flat/valley read and forecast: 60 x 0.6783 + 90 x 0.5283 + 150 x 0.2983.
    assert april[("TOU", APRIL)]["estimated_bill_yuan"] == Decimal("132.99")
    # Non-residential TOU: 3,000 kWh at 40/40/20%: 1200 x 0.98 + 1200 x 0.65 + 600 x 0.32.
    assert april[("TOUNR", APRIL)]["estimated_bill_yuan"] == Decimal("2148.00")
    # No forecast: the bill is the 20 days read, and says so.
    assert (april[("NOFC", APRIL)]["days_forecast"], april[("NOFC", APRIL)]["estimated_bill_yuan"]) == (
        0,
        Decimal("112.00"),
    )
    december = bills(built, dt.date(2025, 12, 1))
    assert december[("TOU", dt.date(2025, 12, 1))]["estimated_bill_yuan"] == Decimal("137.42")
    assert december[("TOU", dt.date(2025, 12, 1))]["bill_status"] == "actual"
    may = bills(built, MAY)[("FLAT", MAY)]
    assert (may["bill_status"], may["days_forecast"], may["estimated_bill_yuan"]) == ("estimate", 31, Decimal("173.60"))


def test_high_bill_alert_membership(built):
    alerted = {key for key, row in bills(built).items() if row["high_bill_alert"]}
    # STEP: 218.40 = exactly 1.3 x 168.00 and 50.40 above it. UNDER: 218.34 just under. SMALL: x3 but only
    # +33.60 yuan. NEW: doubled, but only one whole month of history. TIER: 263.56 against 165.43.
    assert alerted == {("STEP", APRIL), ("WEATHER", APRIL), ("TIER", APRIL)}
    step = bills(built, APRIL)[("STEP", APRIL)]
    assert (
        step["previous_3_months_avg_bill_yuan"],
        step["previous_month_bill_yuan"],
        step["bill_change_yuan"],
        step["bill_change_pct"],
    ) == (Decimal("168.00"), Decimal("173.60"), Decimal("44.80"), Decimal("0.2581"))
    assert bills(built, APRIL)[("NEW", APRIL)]["previous_3_months_avg_bill_yuan"] is None


def test_main_driver(built):
    drivers = {
        key: (row["main_driver"], row["main_driver_zh"])
        for key, row in bills(built).items()
        if row["main_driver"] is not None
    }
    march = dt.date(2026, 3, 1)
    assert drivers[("FLAT", march)] == ("more_days", "计费天数增加：本月 31 天，前三个月平均 30.0 天，日均用电持平")
    assert drivers[("STEP", APRIL)] == ("step_up", "日均用电上升：13.0 kWh，前三个月平均 10.0 kWh")
    assert drivers[("WEATHER", APRIL)] == ("weather", "天气影响：日均度日数 6.0，前三个月平均 0.0")
    # FLAT's April (168.00) is not above its three-month average (168.00): no driver.
    assert ("FLAT", APRIL) not in drivers


def test_customer_360_carries_forecast_and_alert(built):
    rows = {
        r["customer_id"]: r
        for r in built.query(
            "select customer_id, forecast_kwh_next_30d, latest_bill_month, latest_estimated_bill_yuan, high_bill_alert "
            "from marts.customer_360"
        )
    }
    # FLAT's forecast runs 41 days; the next 30 are 300 kWh, and its newest month is May.
    assert (rows["FLAT"]["forecast_kwh_next_30d"], rows["FLAT"]["latest_bill_month"]) == (Decimal("300.000"), MAY)
    assert rows["NOFC"]["forecast_kwh_next_30d"] is None
    assert {c for c, r in rows.items() if r["high_bill_alert"]} == {"STEP", "WEATHER", "TIER"}
