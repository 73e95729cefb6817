"""Features of complaint early warning, computed as of a day from the history the marts hold.

Every feature of a customer as of day D uses only what happened up to D (so a model trained on past as-of
days sees what the nightly scoring sees), and the label is whether the customer filed a complaint ticket in
the 30 days after D. Inputs are plain frames, as `orchestration.scoring.complaint_history` reads them from the
marts (or a test from the generator's files):

* customers: `customer_id`, `transformer_id`
* tickets: `customer_id`, `ticket_type`, `created_at`, `resolved_at` (null while open), `sla_met` (false for
  a missed repair-arrival commitment, null when none applies), `satisfaction` (1-5 or null)
* contacts: `customer_id`, `contact_at`, `is_repeat_contact`, `is_channel_changed` (every channel)
* faults: `transformer_id`, `fault_at` (outages of the customer's transformer)
* weekly_kwh: `customer_id`, `week_start`, `kwh` (sum of the week's daily readings)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

HORIZON_DAYS = 30
# Feature name -> the reason shown to a supervisor when it pushes the risk up (Chinese, for the work order).
REASONS_ZH = {
    "contacts_30d": "近30天联系次数多",
    "repeat_contacts_30d": "近30天重复来电",
    "channel_switches_30d": "近30天多渠道反复联系",
    "fault_repairs_90d": "近90天多次报修",
    "missed_commitments_90d": "抢修未按承诺时限到达",
    "open_tickets": "有未办结工单",
    "slow_tickets_90d": "工单办理超过2天",
    "low_satisfaction_90d": "近期服务评价差",
    "outages_30d": "所在台区近30天停电",
    "bill_change_ratio": "电量较上月明显上升",
    "prior_complaints": "曾有投诉记录",
    "complaints_90d": "近90天有投诉",
    "is_frequent_repair": "频繁报修用户",
}
FEATURES = tuple(REASONS_ZH)


@dataclass(frozen=True)
class History:
    """The frames features are computed from (see the module docstring for their columns)."""

    customers: pd.DataFrame
    tickets: pd.DataFrame
    contacts: pd.DataFrame
    faults: pd.DataFrame
    weekly_kwh: pd.DataFrame

    def normalised(self) -> History:
        """The same frames with timestamps and dates parsed (the engines return strings or datetimes)."""
        tickets = self.tickets.assign(
            created_at=pd.to_datetime(self.tickets["created_at"]),
            resolved_at=pd.to_datetime(self.tickets["resolved_at"]),
        )
        contacts = self.contacts.assign(contact_at=pd.to_datetime(self.contacts["contact_at"]))
        faults = self.faults.assign(fault_at=pd.to_datetime(self.faults["fault_at"]))
        weekly = self.weekly_kwh.assign(
            week_start=pd.to_datetime(self.weekly_kwh["week_start"]),
            kwh=pd.to_numeric(self.weekly_kwh["kwh"]).astype(float),
        )
        return History(self.customers, tickets, contacts, faults, weekly)


def _count(frame: pd.DataFrame, mask: pd.Series, name: str) -> pd.Series:
    return frame.loc[mask].groupby("customer_id").size().rename(name)


def features_as_of(history: History, as_of: dt.date) -> pd.DataFrame:
    """One row per customer of `history.customers`: `customer_id`, `as_of_date` and FEATURES as of the end
    of day `as_of`. Expects `history.normalised()`."""
    end = pd.Timestamp(as_of) + pd.Timedelta(days=1)  # the end of day D: events at or after it are future
    t, c = history.tickets, history.contacts
    past = t["created_at"] < end

    def within(col: pd.Series, days: int) -> pd.Series:
        return (col >= end - pd.Timedelta(days=days)) & (col < end)

    complaint = t["ticket_type"] == "complaint"
    repair = t["ticket_type"] == "fault_repair"
    resolved_by = t["resolved_at"].fillna(pd.Timestamp.max)
    parts = [
        _count(c, within(c["contact_at"], 30), "contacts_30d"),
        _count(
            c, within(c["contact_at"], 30) & c["is_repeat_contact"].fillna(False).astype(bool), "repeat_contacts_30d"
        ),
        _count(
            c, within(c["contact_at"], 30) & c["is_channel_changed"].fillna(False).astype(bool), "channel_switches_30d"
        ),
        _count(t, within(t["created_at"], 90) & repair, "fault_repairs_90d"),
        # sla_met is as the marts hold it today: a commitment is missed at arrival time, within hours of D.
        _count(t, within(t["created_at"], 90) & (t["sla_met"] == False), "missed_commitments_90d"),  # noqa: E712
        _count(t, past & (resolved_by >= end) & ~complaint, "open_tickets"),
        _count(
            t,
            within(t["created_at"], 90)
            & (resolved_by - t["created_at"] > pd.Timedelta(days=2))
            & (t["created_at"] < end - pd.Timedelta(days=2))
            & ~complaint,
            "slow_tickets_90d",
        ),
        _count(t, within(t["created_at"], 90) & (t["satisfaction"] <= 2), "low_satisfaction_90d"),
        _count(t, past & complaint, "prior_complaints"),
        _count(t, within(t["created_at"], 90) & complaint, "complaints_90d"),
    ]
    f = history.faults
    outages = f.loc[within(f["fault_at"], 30)].groupby("transformer_id").size().rename("outages_30d")
    out = history.customers[["customer_id", "transformer_id"]].copy()
    out = out.merge(outages, left_on="transformer_id", right_index=True, how="left")
    for part in parts:
        out = out.merge(part, left_on="customer_id", right_index=True, how="left")
    out["bill_change_ratio"] = _bill_change(history.weekly_kwh, end).reindex(out["customer_id"]).to_numpy()
    out = out.fillna({name: 0.0 for name in FEATURES})
    out["is_frequent_repair"] = (out["fault_repairs_90d"] >= 3).astype(float)
    out["as_of_date"] = as_of
    return out[["customer_id", "as_of_date", *FEATURES]].astype({name: float for name in FEATURES})


def _bill_change(weekly: pd.DataFrame, end: pd.Timestamp) -> pd.Series:
    """log(kWh of the last 4 whole weeks / kWh of the 4 before), clipped to ±2, per customer (0 without both).

    Weeks start on Mondays; a week is whole when it ends by D, so the ratio never reads a day after D."""
    last_start = end - pd.Timedelta(days=7)
    recent = weekly[(weekly["week_start"] <= last_start) & (weekly["week_start"] > last_start - pd.Timedelta(days=28))]
    before = weekly[
        (weekly["week_start"] <= last_start - pd.Timedelta(days=28))
        & (weekly["week_start"] > last_start - pd.Timedelta(days=56))
    ]
    a = recent.groupby("customer_id")["kwh"].sum()
    b = before.groupby("customer_id")["kwh"].sum()
    both = pd.concat([a.rename("a"), b.rename("b")], axis=1).dropna()
    both = both[(both["a"] > 0) & (both["b"] > 0)]
    return np.log(both["a"] / both["b"]).clip(-2, 2)


def complained_within(history: History, as_of: dt.date, days: int = HORIZON_DAYS) -> pd.Series:
    """1.0 for each customer who filed a complaint ticket in the `days` days after `as_of`, else 0.0."""
    start = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    t = history.tickets
    hit = t[
        (t["ticket_type"] == "complaint")
        & (t["created_at"] >= start)
        & (t["created_at"] < start + pd.Timedelta(days=days))
    ]["customer_id"].unique()
    ids = history.customers["customer_id"]
    return pd.Series(ids.isin(hit).astype(float).to_numpy(), index=ids.to_numpy(), name="label")


def labelled_rows(history: History, as_of_dates: list[dt.date], days: int = HORIZON_DAYS) -> pd.DataFrame:
    """Features and label (a complaint within `days`) of every customer at each of `as_of_dates` (stacked)."""
    frames = []
    for as_of in as_of_dates:
        rows = features_as_of(history, as_of)
        rows["label"] = complained_within(history, as_of, days).reindex(rows["customer_id"]).to_numpy()
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)
