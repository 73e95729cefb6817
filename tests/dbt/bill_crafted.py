"""Crafted history for marts.bill_forecast: readings from 2025-12-01 to the as-of day D = 2026-04-20 and a
forecast for the days after, whose bills, alerts and drivers are known to the fen.

Prices (dbt_project/seeds/tariffs.csv): residential flat 0.56; tiered 0.5283 up to 200 kWh, 0.5783 to 400,
0.8283 above; TOU peak 0.6783, flat 0.5283, valley 0.2983; non-residential TOU 0.98 / 0.65 / 0.32. April has
20 days read and 10 forecast; May is forecast to its end only for FLAT, so only FLAT has a May row.
"""

from __future__ import annotations

import datetime as dt

D = dt.date(2026, 4, 20)
FIRST = dt.date(2025, 12, 1)


def _customer(customer_id, tariff="flat", category="residential", transformer_id="TR1", opened_on=dt.date(2015, 6, 1)):
    return {
        "customer_id": customer_id,
        "name": "张三",
        "phone": "13900000000",
        "id_card_no": "110105199001010011",
        "address": "北京市海淀区中关村大街1号",
        "district": "海淀区",
        "area_type": "urban",
        "category": category,
        "tariff": tariff,
        "transformer_id": transformer_id,
        "lat": 39.98,
        "lon": 116.3,
        "opened_on": opened_on,
    }


CUSTOMERS = [
    _customer("FLAT"),
    _customer("TIER", tariff="tiered"),
    _customer("TOU", tariff="tou"),
    _customer("TOUNR", tariff="tou", category="commercial"),
    _customer("STEP"),
    _customer("UNDER"),
    _customer("SMALL"),
    _customer("WEATHER", transformer_id="TR2"),
    _customer("NEW", opened_on=dt.date(2026, 2, 10)),
    _customer("NOFC"),
]

# TIER's month totals, all read on the month's first day: exactly 200 and 400 kWh hit the tier tops.
TIER_MONTH_KWH = {
    dt.date(2025, 12, 1): 200,
    dt.date(2026, 1, 1): 400,
    dt.date(2026, 2, 1): 401,
    dt.date(2026, 3, 1): 100,
    dt.date(2026, 4, 1): 300,
}


def _days(first: dt.date, last: dt.date):
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _reading(customer_id, day, total, peak=None, flat=None, valley=None):
    peak = round(total * 0.3, 3) if peak is None else peak
    flat = round(total * 0.3, 3) if flat is None else flat
    valley = round(total - peak - flat, 3) if valley is None else valley
    return {
        "customer_id": customer_id,
        "reading_date": day,
        "kwh_total": total,
        "kwh_peak": peak,
        "kwh_flat": flat,
        "kwh_valley": valley,
        "is_unknown_customer": False,
        "_delivery_date": day,
    }


def meter_readings() -> list[dict]:
    """Daily readings; April means April 1 to D."""
    rows = []
    for day in _days(FIRST, D):
        april = day.month == 4
        rows.append(_reading("FLAT", day, 10.0))
        rows.append(_reading("NOFC", day, 10.0))
        rows.append(_reading("TIER", day, float(TIER_MONTH_KWH[day.replace(day=1)]) if day.day == 1 else 0.0))
        rows.append(_reading("TOU", day, 10.0, 2.0, 3.0, 5.0))
        rows.append(_reading("TOUNR", day, 100.0, 40.0, 40.0, 20.0))
        for customer_id in ("STEP", "UNDER", "WEATHER"):
            rows.append(_reading(customer_id, day, 13.0 if april else 10.0))
        rows.append(_reading("SMALL", day, 3.0 if april else 1.0))
        if day >= dt.date(2026, 2, 10):
            rows.append(_reading("NEW", day, 20.0 if april else 10.0))
    return rows


# Daily forecast kWh after D, per customer, and how many days it reaches.
FORECAST = {
    "FLAT": (10.0, 41),
    "TIER": (15.1, 30),
    "TOU": (10.0, 30),
    "TOUNR": (100.0, 30),
    "STEP": (13.0, 30),
    "UNDER": (12.99, 30),
    "SMALL": (3.0, 30),
    "WEATHER": (13.0, 30),
    "NEW": (20.0, 30),
}


def forecasts() -> list[dict]:
    """Rows of ml.consumption_forecast as the scoring asset writes them (NOFC has none)."""
    return [
        {
            "customer_id": c,
            "forecast_date": D + dt.timedelta(days=i),
            "kwh_pred": kwh,
            "kwh_lo": kwh * 0.8,
            "kwh_hi": kwh * 1.2,
            "model_version": 1,
            "scored_on": D,
        }
        for c, (kwh, days) in FORECAST.items()
        for i in range(1, days + 1)
    ]


def transformer_telemetry() -> list[dict]:
    """One reading a day at noon: 15 °C (no degree-days) everywhere, except 30 °C at TR2 in April."""
    return [
        {
            "transformer_id": t,
            "ts": dt.datetime.combine(day, dt.time(12)),
            "oil_temp_c": 50.0,
            "load_pct": 40.0,
            "voltage_v": 230.0,
            "ambient_temp_c": 30.0 if (t == "TR2" and day.month == 4) else 15.0,
            "_delivery_date": day,
        }
        for t in ("TR1", "TR2")
        for day in _days(FIRST, D)
    ]


def dataset() -> dict[str, list[dict]]:
    """The raw tables' crafted rows."""
    return {
        "raw_cis__customers": CUSTOMERS,
        "raw_ami__meter_readings": meter_readings(),
        "raw_scada__transformer_telemetry": transformer_telemetry(),
    }
