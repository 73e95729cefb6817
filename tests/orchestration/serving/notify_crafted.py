"""A crafted warehouse for proactive notices: every row placed for a case, the expected messages beside it.

The night: data as of D = 2026-10-30, built at NOW = 2026-10-31 00:00 (local time).

Transformers and who is behind them: TA C1 C2 C3 · TB C4 C5 · TC C6 · TP C7 C8 · TF C17 (far order) · the rest
of the customers are on TZ, which nothing happens to.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from assistant.store import ServiceWarehouse
from orchestration.serving.notifications import notification_outbox
from orchestration.serving.notifications.rules import Notification
from orchestration.serving.outbox import DELIVERED, Outcome
from orchestration.warehouse import Warehouse

D = dt.date(2026, 10, 30)
NOW = dt.datetime(2026, 10, 31, 0, 0)


def at(days: int, clock: str) -> dt.datetime:
    h, m = (int(x) for x in clock.split(":"))
    return dt.datetime.combine(D + dt.timedelta(days=days), dt.time(h, m))


BEHIND = {"TA": ["C1", "C2", "C3"], "TB": ["C4", "C5"], "TC": ["C6"], "TP": ["C7", "C8"], "TF": ["C17"]}
OTHERS = ["C9", "C10", "C11", "C12", "C13", "C14", "C15", "C16"]
CUSTOMERS = [(cid, tid) for tid, cids in BEHIND.items() for cid in cids] + [(cid, "TZ") for cid in OTHERS]
PHONES = {cid: f"1390000{int(cid[1:]):04d}" for cid, _ in CUSTOMERS}

PREFERENCES = [  # customer_id, channel, refuses high_bill, tariff_advice, repair_progress, quiet start, end
    ("C2", "app", True, True, True, 22, 7),  # refuses every service notice; outages still reach them
    ("C3", "wechat", False, False, False, 22, 7),
    ("C5", "wechat", False, False, False, 0, 0),  # no quiet hours
    ("C7", "wechat", False, False, False, 23, 6),
    ("C10", "app", True, False, False, 22, 7),  # refuses high-bill alerts only
]
FAULTS = [  # fault_id, transformer_id, fault_at, fault_type, restored_at
    ("F0", "TB", at(-10, "09:00"), "外力破坏", at(-10, "12:00")),  # long past: nothing
    ("F1", "TA", at(0, "21:00"), "低压出线短路", None),  # under way: urgent outage notice
    ("F2", "TB", at(0, "08:00"), "雷击损坏", at(0, "12:00")),  # out and back tonight: one merged message
    ("F3", "TC", at(-2, "20:00"), "绕组过热", at(0, "09:00")),  # began before the lookback: restored only
]
ORDERS = [  # the work-order outbox's preventive payloads
    {
        "external_id": "wo-P",
        "kind": "preventive_maintenance",
        "transformer_id": "TP",
        "due_by": "2026-11-03T18:00:00+08:00",
    },
    {
        "external_id": "wo-F",
        "kind": "preventive_maintenance",
        "transformer_id": "TF",
        "due_by": "2026-11-20T18:00:00+08:00",
    },
    {"external_id": "wo-R", "kind": "customer_request", "customer_id": "C1", "due_by": "2026-10-30T11:00:00+08:00"},
]
BILLS = [  # customer_id, days_read, alert, kWh to date, estimate, 3-month average, driver, driver in words
    ("C4", 30, True, 410.0, 268.4, 180.0, "weather", "天气影响：日均度日数 6.0，前三个月平均 3.2"),
    ("C9", 30, True, 520.5, 301.0, 200.0, "step_up", "日均用电上升：17.4 kWh，前三个月平均 11.0 kWh"),
    ("C10", 30, True, 300.0, 250.0, 150.0, "step_up", "日均用电上升"),  # refuses the alert
    ("C11", 5, True, 90.0, 260.0, 150.0, "step_up", "日均用电上升"),  # too early in the month
    ("C15", 30, True, 300.0, 250.0, 150.0, "more_days", "计费天数增加"),  # weekly cap already reached
    ("C16", 30, True, 300.0, 250.0, 150.0, "more_days", "计费天数增加"),  # one left: the repair goes first
    ("C13", 30, False, 100.0, 80.0, 79.0, None, None),  # no alert
]
TOU = [("C9", 320.0), ("C10", 150.0), ("C12", 210.0), ("C13", 95.4)]  # tou_candidate with yearly saving
TICKETS = [  # ticket_id, customer_id, type, created, dispatched, arrived, resolved, arrival commitment minutes
    ("K1", "C1", "fault_repair", at(0, "08:50"), at(0, "09:00"), at(0, "09:40"), at(0, "11:00"), 45),
    ("K2", "C14", "fault_repair", at(0, "19:50"), at(0, "20:00"), None, None, 45),
    ("K3", "C2", "fault_repair", at(0, "08:00"), at(0, "08:10"), at(0, "08:50"), at(0, "10:00"), 45),  # refused
    ("K4", "C16", "fault_repair", at(0, "10:00"), at(0, "10:05"), at(0, "11:30"), None, 90),
    ("K5", "C6", "complaint", at(0, "10:00"), at(0, "10:05"), None, at(0, "12:00"), None),  # not a repair
    ("K6", "C13", "fault_repair", at(-5, "10:00"), at(-5, "10:05"), at(-5, "10:40"), at(-5, "12:00"), 45),  # old
]


def earlier(customer_id: str, kind: str, covers: tuple[str, ...], days_ago: int) -> Notification:
    """A message of an earlier night, for the history."""
    night = NOW - dt.timedelta(days=days_ago)
    return Notification(
        notification_id=f"nt-earlier-{customer_id}-{kind}-{days_ago}",
        customer_id=customer_id,
        kind=kind,
        kinds=(kind,),
        channel="sms",
        event_key=f"earlier:{days_ago}",
        covers=covers,
        candidates=(),
        event_at=night,
        as_of=night,
        send_after=night,
        send_before=None,  # as a row written before the column existed
        is_urgent=False,
        quiet_start_hour=21,
        quiet_end_hour=8,
        text="（较早的消息）",
    )


HISTORY = [
    earlier("C12", "tariff_advice", ("tariff_advice:2026-09-30",), 30),  # advised 30 days ago: not again
    earlier("C13", "tariff_advice", ("tariff_advice:2026-07-20",), 100),  # 100 days ago: again
    *(earlier("C15", "high_bill", (f"high_bill:2026-0{i}",), i) for i in (1, 3, 6)),  # 3 in 7 days
    earlier("C15", "tariff_advice", ("tariff_advice:2026-10-20",), 8),  # outside the 7 days (and < 90 days)
    *(earlier("C16", "repair_progress", (f"repair_progress:KY{i}:resolved",), i) for i in (2, 4)),
    earlier("C5", "outage", ("outage:F9",), 1),  # safety: not counted in the cap
]

# The moment after which each of tonight's messages must not go out (domain.notices.send_before).
SEND_BEFORE = {
    ("C1", "outage"): at(1, "04:00"),  # estimate 01:00 (F1 at 21:00 + 4 h), but at least 4 h after the build
    ("C2", "outage"): at(1, "04:00"),
    ("C3", "outage"): at(1, "04:00"),
    ("C1", "repair_progress"): at(2, "11:00"),  # K1's newest step, resolved 10-30 11:00, + 48 h
    ("C14", "repair_progress"): at(2, "20:00"),  # K2 assigned 10-30 20:00 + 48 h
    ("C16", "repair_progress"): at(2, "11:30"),  # K4 arrived 10-30 11:30 + 48 h
    ("C4", "restored"): at(1, "12:00"),  # F2 restored 10-30 12:00 + 24 h
    ("C5", "restored"): at(1, "12:00"),
    ("C6", "restored"): at(1, "09:00"),  # F3 restored 10-30 09:00 + 24 h
    ("C4", "high_bill"): at(2, "00:00"),  # the October estimate, until November's first day
    ("C9", "high_bill"): at(2, "00:00"),
    ("C7", "planned_outage"): at(4, "10:00"),  # the TP window starts 11-03 10:00
    ("C8", "planned_outage"): at(4, "10:00"),
    ("C10", "tariff_advice"): at(8, "00:00"),  # a week after the build
    ("C13", "tariff_advice"): at(8, "00:00"),
}

# What tonight's build must send: customer -> [(kind, kinds, event_key, send_after, is_urgent, channel)].
MORNING = dt.datetime(2026, 10, 31, 8, 0)  # the default quiet hours (21-8) end
EXPECTED = {
    "C1": [
        ("repair_progress", ("repair_progress",), "ticket:K1", MORNING, False, "sms"),
        ("outage", ("outage",), "fault:F1", NOW, True, "sms"),
    ],
    "C2": [("outage", ("outage",), "fault:F1", NOW, True, "app")],
    "C3": [("outage", ("outage",), "fault:F1", NOW, True, "wechat")],
    "C4": [
        ("restored", ("restored", "outage"), "fault:F2", MORNING, False, "sms"),
        ("high_bill", ("high_bill",), "bill:2026-10", MORNING, False, "sms"),
    ],
    "C5": [("restored", ("restored", "outage"), "fault:F2", NOW, False, "wechat")],
    "C6": [("restored", ("restored",), "fault:F3", MORNING, False, "sms")],
    "C7": [
        ("planned_outage", ("planned_outage",), "planned_outage:wo-P", dt.datetime(2026, 10, 31, 6, 0), False, "wechat")
    ],
    "C8": [("planned_outage", ("planned_outage",), "planned_outage:wo-P", MORNING, False, "sms")],
    "C9": [("high_bill", ("high_bill", "tariff_advice"), "bill:2026-10", MORNING, False, "sms")],
    "C10": [("tariff_advice", ("tariff_advice",), "bill:2026-10", dt.datetime(2026, 10, 31, 7, 0), False, "app")],
    "C13": [("tariff_advice", ("tariff_advice",), "bill:2026-10", MORNING, False, "sms")],
    "C14": [("repair_progress", ("repair_progress",), "ticket:K2", MORNING, False, "sms")],
    "C16": [("repair_progress", ("repair_progress",), "ticket:K4", MORNING, False, "sms")],
}


def _frame(rows, columns, **dtypes) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns).astype(dtypes)


def load(wh: Warehouse) -> None:
    """Write the crafted marts and staging rows into `wh`."""
    ts = "datetime64[us]"
    wh.replace_table("marts", "dim_customers", _frame(CUSTOMERS, ["customer_id", "transformer_id"]))
    wh.replace_table("staging", "stg_cis__customers", _frame(list(PHONES.items()), ["customer_id", "phone"]))
    wh.replace_table(
        "staging",
        "stg_crm__notification_preferences",
        _frame(
            PREFERENCES,
            [
                "customer_id",
                "channel",
                "is_opted_out_high_bill",
                "is_opted_out_tariff_advice",
                "is_opted_out_repair_progress",
                "quiet_start_hour",
                "quiet_end_hour",
            ],
        ),
    )
    wh.replace_table(
        "staging",
        "stg_scada__equipment_faults",
        _frame(
            FAULTS, ["fault_id", "transformer_id", "fault_at", "fault_type", "restored_at"], fault_at=ts, restored_at=ts
        ),
    )
    month = dt.date(2026, 10, 1)
    wh.replace_table(
        "marts",
        "bill_forecast",
        _frame(
            [(c, month, "estimate", *rest) for c, *rest in BILLS],
            [
                "customer_id",
                "bill_month",
                "bill_status",
                "days_read",
                "high_bill_alert",
                "kwh_to_date",
                "estimated_bill_yuan",
                "previous_3_months_avg_bill_yuan",
                "main_driver",
                "main_driver_zh",
            ],
        ),
    )
    wh.replace_table(
        "marts",
        "customer_tags",
        _frame([(c, "tou_candidate", s) for c, s in TOU], ["customer_id", "tag", "tou_yearly_saving_yuan"]),
    )
    wh.replace_table(
        "marts",
        "fct_service_tickets",
        _frame(
            TICKETS,
            [
                "ticket_id",
                "customer_id",
                "ticket_type",
                "created_at",
                "dispatched_at",
                "arrived_at",
                "resolved_at",
                "arrival_commitment_minutes",
            ],
            created_at=ts,
            dispatched_at=ts,
            arrived_at=ts,
            resolved_at=ts,
            arrival_commitment_minutes="Int64",
        ),
    )
    wh.replace_table(
        "intermediate", "int_as_of_dates_derived", _frame([(D, NOW)], ["as_of_date", "as_of_at"], as_of_at=ts)
    )


def load_history(wh: Warehouse) -> None:
    """The earlier nights' messages, delivered then."""
    outbox = notification_outbox(wh)
    outbox.ensure()
    outbox.add(HISTORY)
    outbox.record([Outcome(n.notification_id, DELIVERED, 1, response_status=201, at=n.as_of) for n in HISTORY])


def oms(url: str, report) -> None:
    """`report(db)` through the assistant's own store, as `POST /v1/outages` records an OMS report."""
    db = ServiceWarehouse(url)
    try:
        db.ensure()
        report(db)
    finally:
        db.close()
