"""A crafted warehouse for work-order building: every row placed for a case, expected orders beside it.

As-of: the newest interaction, D 20:00 (D = 2026-10-30); transformers scored on D. Workers in 海淀区
W1 (on duty), W2 (on duty), W3 (off duty, yet nearest to TA), in 朝阳区 W4; nobody in 密云区.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from orchestration.warehouse import Warehouse

D = dt.date(2026, 10, 30)


def at(days: int, clock: str) -> dt.datetime:
    h, m = (int(x) for x in clock.split(":"))
    return dt.datetime.combine(D + dt.timedelta(days=days), dt.time(h, m))


WORKERS = [
    ("W1", "海淀抢修一班", "海淀区", 39.98, 116.30, True),
    ("W2", "海淀抢修二班", "海淀区", 39.90, 116.30, True),
    ("W3", "海淀抢修一班", "海淀区", 39.99, 116.31, False),
    ("W4", "朝阳抢修一班", "朝阳区", 39.92, 116.45, True),
]
TRANSFORMERS = [  # transformer_id, district, lat, lon, customers_connected
    ("TA", "海淀区", 39.985, 116.305, 35),
    ("TB", "朝阳区", 39.93, 116.44, 12),
    ("TC", "密云区", 40.37, 116.84, 8),
    ("TD", "海淀区", 39.95, 116.33, 20),
]
RISK = [  # transformer_id, risk_score, alert, predicted max oil °C
    ("TA", 0.95, True, 98.5),  # urgent; W3 is nearer but off duty -> W1 at 0.700 km
    ("TB", 0.75, True, 91.0),  # high -> W4 at 1.401 km
    ("TC", 0.60, True, 88.0),  # normal; nobody on duty in 密云区 -> nearest on duty anywhere: W4 at 60.022 km
    ("TD", 0.40, False, 80.0),  # no alert, no order
    ("TE", 0.91, True, 95.0),  # alert on a unit missing from dim_transformers: order unassigned
]
CUSTOMERS = [  # customer_id, district, area_type, lat, lon
    ("C1", "海淀区", "urban", 39.91, 116.31),  # W2 1.401 km
    ("C2", "海淀区", "urban", 39.91, 116.31),
    ("C3", "海淀区", "urban", 39.91, 116.31),
    ("C4", "朝阳区", "urban", 39.93, 116.44),  # W4 1.401 km
    ("C5", "海淀区", "urban", 39.91, 116.31),
    ("C6", "海淀区", "urban", 39.91, 116.31),
    ("C7", "海淀区", "rural", 39.97, 116.29),  # W1 1.401 km
    ("C8", "海淀区", "urban", 39.91, 116.31),
]
TAGS = [
    ("C1", "frequent_repair", "频繁报修", "3 fault_repair tickets in 90 days"),
    ("C4", "complaint_sensitive", "投诉敏感", "2 complaint tickets in 180 days"),
    ("C4", "high_consumption", "高耗能", "avg 30 kWh/day"),
]
INTERACTIONS = [  # interaction_id, customer_id, channel, at, predicted intent, confidence, text
    ("I1", "C1", "wechat", at(0, "10:00"), "fault_repair", 0.93, "家里突然停电了，空开跳了合不上"),
    ("I2", "C2", "app", at(0, "10:00"), "complaint", 0.80, "抄表员态度太差"),  # ticket 5 min later
    ("I3", "C3", "ivr", at(0, "12:00"), "complaint", 0.70, "上次报修到现在还没人来"),  # a ticket still open
    ("I4", "C4", "app", at(0, "20:00"), "complaint", 0.88, "电费怎么突然翻倍了，我要投诉"),  # ticket resolved before
    ("I5", None, "ivr", at(0, "11:00"), "fault_repair", 0.90, "整栋楼没电了"),  # anonymous
    ("I6", "C1", "ivr", at(0, "15:00"), "fault_repair", 0.85, "早上报的停电还没人来修"),  # repeat of I1
    ("I7", "C5", "app", at(0, "09:00"), "bill_inquiry", 0.99, "这个月电费多少"),  # not a request intent
    ("I8", "C6", "app", at(-5, "09:00"), "fault_repair", 0.95, "停电了"),  # older than the 72 h lookback
    ("I9", "C7", "wechat", at(0, "08:00"), "fault_repair", 0.45, "电表冒烟了"),  # ticket 3 h later: too late; unsure
    ("I10", "C8", "wechat", at(0, "09:00"), "fault_repair", 0.91, "线路断了"),  # ticket exactly 2 h later
]
TICKETS = [  # ticket_id, customer_id, ticket_type, created_at, resolved_at
    ("K2", "C2", "complaint", at(0, "10:05"), None),
    ("K3", "C3", "fault_repair", at(-1, "09:00"), None),
    ("K4", "C4", "complaint", at(-3, "09:00"), at(-2, "09:00")),
    ("K9", "C7", "fault_repair", at(0, "11:00"), None),
    ("K10", "C8", "fault_repair", at(0, "11:00"), None),
    ("KP", "C1", "preventive_maintenance", at(0, "09:30"), None),  # not a customer's ticket
]

EXPECTED_ORDERS = {  # subject -> (kind, priority, district, worker, distance_km)
    "TA": ("preventive_maintenance", "urgent", "海淀区", "W1", 0.700),
    "TB": ("preventive_maintenance", "high", "朝阳区", "W4", 1.401),
    "TC": ("preventive_maintenance", "normal", "密云区", "W4", 60.022),
    "TE": ("preventive_maintenance", "urgent", None, None, None),
    "I1": ("customer_request", "urgent", "海淀区", "W2", 1.401),
    "I4": ("customer_request", "urgent", "朝阳区", "W4", 1.401),
    "I9": ("customer_request", "normal", "海淀区", "W1", 1.401),  # low confidence
}


def _frame(rows, columns, **dtypes) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns).astype(dtypes)


def load(wh: Warehouse, scored_on: dt.date = D) -> None:
    """Write the crafted marts, ML scores and staging rows into `wh`."""
    ts = "datetime64[us]"
    wh.replace_table(
        "marts", "dim_workers", _frame(WORKERS, ["worker_id", "team", "district", "lat", "lon", "is_on_duty"])
    )
    wh.replace_table(
        "marts",
        "dim_transformers",
        _frame(TRANSFORMERS, ["transformer_id", "district", "lat", "lon", "customers_connected"]),
    )
    wh.replace_table(
        "marts",
        "dim_customers",
        _frame(CUSTOMERS, ["customer_id", "district", "area_type", "lat_approx", "lon_approx"]),
    )
    wh.replace_table("marts", "customer_tags", _frame(TAGS, ["customer_id", "tag", "tag_label_zh", "evidence_text"]))
    wh.replace_table(
        "marts",
        "fct_service_tickets",
        _frame(
            TICKETS,
            ["ticket_id", "customer_id", "ticket_type", "created_at", "resolved_at"],
            created_at=ts,
            resolved_at=ts,
        ),
    )
    wh.replace_table(
        "ml",
        "transformer_fault_risk",
        _frame(
            [(t, scored_on.isoformat(), 7, r, a, o) for t, r, a, o in RISK],
            ["transformer_id", "scored_on", "horizon_days", "risk_score", "alert", "predicted_max_oil_temp_c"],
        ),
    )
    wh.replace_table(
        "ml",
        "interaction_intents",
        _frame(
            [r[:6] for r in INTERACTIONS],
            ["interaction_id", "customer_id", "channel", "interaction_at", "predicted_intent", "confidence"],
            interaction_at=ts,
        ),
    )
    wh.replace_table(
        "staging",
        "stg_crm__interactions",
        _frame([(r[0], r[6]) for r in INTERACTIONS], ["interaction_id", "message_text"]),
    )
    wh.replace_table(
        "staging",
        "repair_commitments",
        _frame([("urban", 45), ("rural", 90), ("remote", 120)], ["area_type", "arrival_commitment_minutes"]),
    )
