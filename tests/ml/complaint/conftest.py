"""A generated utility large enough for complaints to be counted, read the way the marts hold it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from datagen import generate
from ml.complaint.features import History

# 6,000 customers over 150 days: ~300 complaints, enough for a top-5 % precision to mean something; the
# generator writes it in about 10 s.
CUSTOMERS, DAYS, SEED, END = 6000, 150, 3, dt.date(2026, 10, 31)
FIRST = END - dt.timedelta(days=DAYS - 1)
OPTIONS = "all_varchar=true, header=true, ignore_errors=true, null_padding=true, union_by_name=true"


def read_history(landing: Path) -> History:
    """The frames of `ml.complaint.features.History` straight from the generator's files.

    A simplified stand-in for the marts (the asset reads the real ones): the latest state of each ticket, the
    repair-arrival commitment by area (45/90/120 minutes), every identified interaction and ticket as a contact
    with its repeat (same customer within 7 days) and channel-change flags, weekly kWh from the readings.
    """
    con = duckdb.connect()
    customers = pd.read_csv(
        landing / "customers.csv", encoding="gb18030", usecols=["customer_id", "transformer_id", "area_type"]
    )
    con.register("customers", customers)
    tickets = con.execute(f"""
        with latest as (
            select * from read_csv('{landing}/service_tickets/*.csv', {OPTIONS}, filename=true)
            qualify row_number() over (partition by ticket_id order by filename desc) = 1
        )
        select l.customer_id, l.ticket_type, try_cast(l.created_at as timestamp) as created_at,
               try_cast(l.resolved_at as timestamp) as resolved_at,
               case when l.ticket_type = 'fault_repair' and try_cast(l.arrived_at as timestamp) is not null
                    then date_diff('minute', try_cast(l.created_at as timestamp), try_cast(l.arrived_at as timestamp))
                         <= case c.area_type when 'urban' then 45 when 'rural' then 90 else 120 end
               end as sla_met,
               try_cast(l.satisfaction as integer) as satisfaction, l.channel
        from latest l join customers c using (customer_id)
        where try_cast(l.created_at as timestamp) is not null""").df()
    con.register("tickets", tickets)
    contacts = con.execute(f"""
        with all_contacts as (
            select customer_id, try_cast(ts as timestamp) as contact_at, channel
            from read_json('{landing}/interactions/*.jsonl', format='newline_delimited', ignore_errors=true,
                           columns={{'customer_id': 'VARCHAR', 'ts': 'VARCHAR', 'channel': 'VARCHAR'}})
            where customer_id is not null
            union all
            select customer_id, created_at, channel from tickets
        ),
        ordered as (
            select *, lag(contact_at) over w as previous_at, lag(channel) over w as previous_channel
            from all_contacts where contact_at is not null
            window w as (partition by customer_id order by contact_at)
        )
        select customer_id, contact_at,
               coalesce(contact_at - previous_at <= interval 7 day, false) as is_repeat_contact,
               coalesce(channel <> previous_channel, false) as is_channel_changed
        from ordered""").df()
    faults = pd.read_csv(landing / "equipment_faults.csv", usecols=["transformer_id", "fault_at"])
    weekly = con.execute(f"""
        select customer_id, date_trunc('week', try_cast(reading_date as date)) as week_start,
               sum(try_cast(kwh_total as double)) as kwh
        from read_csv('{landing}/meter_readings/*.csv', {OPTIONS})
        where try_cast(kwh_total as double) >= 0 and try_cast(reading_date as date) is not null
        group by all""").df()
    return History(
        customers[["customer_id", "transformer_id"]], tickets.drop(columns="channel"), contacts, faults, weekly
    )


@pytest.fixture(scope="session")
def complaint_history(tmp_path_factory) -> History:
    """History of 6,000 generated customers over 150 days."""
    landing = tmp_path_factory.mktemp("complaint_landing")
    generate(landing, CUSTOMERS, DAYS, SEED, END, progress=lambda *_: None)
    return read_history(landing)
