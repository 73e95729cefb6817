"""The service history complaint early warning reads from the marts, as the frames of `ml.complaint.features`.

Plain SELECTs on the marts (no per-engine SQL): tickets with their commitment verdict, every contact of an
identified customer with its repeat and channel-change flags, recorded transformer faults, and weekly kWh.
`date_trunc('week', …)` starts weeks on Monday on DuckDB and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ml.complaint.features import History
from orchestration.warehouse import Warehouse

TICKETS_SQL = (
    "SELECT customer_id, ticket_type, created_at, resolved_at, sla_met, CAST(satisfaction AS INTEGER) "
    "FROM marts.fct_service_tickets WHERE customer_id IS NOT NULL"
)
CONTACTS_SQL = (
    "SELECT customer_id, contact_at, is_repeat_contact, is_channel_changed FROM marts.customer_contact_timeline"
)
FAULTS_SQL = "SELECT transformer_id, fault_at FROM staging.stg_scada__equipment_faults"
WEEKLY_KWH_SQL = (
    "SELECT customer_id, CAST(date_trunc('week', reading_date) AS DATE), CAST(sum(kwh_total) AS FLOAT8) "
    "FROM marts.fct_daily_consumption WHERE reading_date >= ? GROUP BY 1, 2"
)


def _frame(wh: Warehouse, sql: str, columns: list[str], params: tuple = ()) -> pd.DataFrame:
    return pd.DataFrame(wh.query(sql, params), columns=columns)


def history_span(wh: Warehouse) -> tuple[dt.date, dt.date] | None:
    """(first, last) reading day of the warehouse, None when it has no readings."""
    first, last = wh.query("SELECT min(reading_date), max(reading_date) FROM marts.fct_daily_consumption")[0]
    if last is None:
        return None
    return pd.Timestamp(first).date(), pd.Timestamp(last).date()


def read_history(wh: Warehouse, since: dt.date) -> History:
    """Every customer, ticket, contact and fault, and weekly kWh from the Monday before `since` on (the bill
    change needs eight whole weeks before the earliest as-of day)."""
    monday = since - dt.timedelta(days=since.weekday())
    return History(
        customers=_frame(
            wh, "SELECT customer_id, transformer_id FROM marts.dim_customers", ["customer_id", "transformer_id"]
        ),
        tickets=_frame(
            wh, TICKETS_SQL, ["customer_id", "ticket_type", "created_at", "resolved_at", "sla_met", "satisfaction"]
        ),
        contacts=_frame(wh, CONTACTS_SQL, ["customer_id", "contact_at", "is_repeat_contact", "is_channel_changed"]),
        faults=_frame(wh, FAULTS_SQL, ["transformer_id", "fault_at"]),
        weekly_kwh=_frame(wh, WEEKLY_KWH_SQL, ["customer_id", "week_start", "kwh"], (monday,)),
    )
