"""Customers' daily kWh as the consumption forecaster reads it: whole for training, in chunks for scoring.

Scoring pages through `marts.dim_customers` by customer_id (keyset pagination: `WHERE customer_id > last`),
then reads only that page's recent readings, so memory holds one page whatever the customer count. The
city's temperature is the daily mean of the transformers' ambient sensors (the one weather record the
landing data has); one day of it is the same for every customer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd

from orchestration.warehouse import Warehouse

READINGS = "marts.fct_daily_consumption"
CUSTOMERS = "marts.dim_customers"
TELEMETRY = "staging.stg_scada__transformer_telemetry"
# kWh are numeric(14, 3) in the marts; the model wants floats, and FLOAT8 is spelled alike on both engines.
READING_COLUMNS = ["customer_id", "reading_date", "kwh_total"]
READING_SELECT = "SELECT customer_id, reading_date, CAST(kwh_total AS FLOAT8) FROM " + READINGS


def last_reading_day(wh: Warehouse) -> dt.date | None:
    """The newest reading day in the warehouse (the day forecasts are made from), None when there is none."""
    day = wh.query(f"SELECT max(reading_date) FROM {READINGS}")[0][0]
    return pd.Timestamp(day).date() if day is not None else None


def daily_temperature(wh: Warehouse, since: dt.date | None = None) -> pd.DataFrame:
    """`reading_date`, `ambient_temp_c`: the mean ambient temperature over all transformers, per day."""
    where = "WHERE ambient_temp_c IS NOT NULL" + (" AND measured_date >= ?" if since else "")
    rows = wh.query(
        f"SELECT measured_date, CAST(avg(ambient_temp_c) AS FLOAT8) FROM {TELEMETRY} {where} GROUP BY 1 ORDER BY 1",
        (since,) if since else (),
    )
    return pd.DataFrame(rows, columns=["reading_date", "ambient_temp_c"])


def training_frames(
    wh: Warehouse, max_customers: int, seed: int = 42
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(readings, customers, temperature) of a seeded sample of at most `max_customers` customers.

    The sample is drawn in SQL by a hash of the customer id, so the same customers are read on both engines
    and the warehouse never ships every reading of a large utility to the training process.
    """
    customers = pd.DataFrame(
        wh.query(
            f"SELECT customer_id, category, tariff FROM {CUSTOMERS} "
            f"ORDER BY md5(customer_id || '{int(seed)}'), customer_id LIMIT {int(max_customers)}"
        ),
        columns=["customer_id", "category", "tariff"],
    ).sort_values("customer_id", ignore_index=True)
    readings = pd.DataFrame(
        wh.query(
            f"{READING_SELECT} WHERE customer_id IN (SELECT customer_id FROM {CUSTOMERS} "
            f"ORDER BY md5(customer_id || '{int(seed)}'), customer_id LIMIT {int(max_customers)})"
        ),
        columns=READING_COLUMNS,
    )
    return readings, customers, daily_temperature(wh)


def customer_pages(wh: Warehouse, page_size: int) -> Iterator[pd.DataFrame]:
    """`customer_id`, `category`, `tariff` of every customer, `page_size` at a time in customer_id order."""
    last = ""
    while True:
        page = pd.DataFrame(
            wh.query(
                f"SELECT customer_id, category, tariff FROM {CUSTOMERS} WHERE customer_id > ? "
                f"ORDER BY customer_id LIMIT {int(page_size)}",
                (last,),
            ),
            columns=["customer_id", "category", "tariff"],
        )
        if page.empty:
            return
        yield page
        last = page["customer_id"].iloc[-1]


def scoring_histories(wh: Warehouse, as_of: dt.date, input_days: int, page_size: int = 2000) -> Iterator[pd.DataFrame]:
    """The forecaster's input, one page of customers at a time: their readings of the `input_days` days up
    to `as_of`, with category, tariff, the day's temperature and `as_of` on every row (the pyfunc format).
    A customer without a reading in those days is in no page's output (nothing to forecast from)."""
    since = as_of - dt.timedelta(days=input_days - 1)
    temperature = daily_temperature(wh, since)
    for page in customer_pages(wh, page_size):
        readings = pd.DataFrame(
            wh.query(
                f"{READING_SELECT} WHERE customer_id >= ? AND customer_id <= ? "
                "AND reading_date >= ? AND reading_date <= ?",
                (page["customer_id"].iloc[0], page["customer_id"].iloc[-1], since, as_of),
            ),
            columns=READING_COLUMNS,
        )
        if readings.empty:
            continue
        readings["reading_date"] = pd.to_datetime(readings["reading_date"]).dt.date
        temperature["reading_date"] = pd.to_datetime(temperature["reading_date"]).dt.date
        yield (
            readings.merge(page, on="customer_id")
            .merge(temperature, on="reading_date", how="left")
            .assign(as_of=as_of.isoformat())
        )
