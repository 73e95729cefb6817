"""A crafted warehouse for the assistant: each customer placed for one answer, the expected answer beside it.

Times are relative to NOW (Beijing, the service's clock at fixture time), since the service answers about the
present: a fault recorded 1 h ago is still on, a contact 2 days ago is within the handoff's 7 days.

| customer | transformer | what they are for |
|---|---|---|
| OUT1 | TR_OUT | an outage is reported on TR_OUT: area_outage, no order |
| OK1  | TR_OK  | the healthy neighbour: a fault report opens a work order, nearest on-duty worker W2 at 1.401 km |
| SCA1 | TR_SCA | SCADA recorded a fault on TR_SCA 1 h ago: area_outage from the recorded fault |
| BILL | TR_OK  | bill 256.40 (last month 198.10) and a tou_candidate saving 123.45; phone 13800000002 |
| HND  | TR_OK  | contacts by WeChat (fault_repair) 2 days ago and IVR (bill_inquiry) 5 days ago, one 9 days ago; an open ticket |
| CMP  | TR_OK  | complaint |
| TWIN1, TWIN2 | TR_OK | share phone 13900000009: never identified by it |
| RATE | TR_OK  | the per-customer rate limit |
| RST  | TR_OK  | the restart test's fault report |
| EVAL | TR_OK  | an ordinary customer with a bill and nothing pending: assistant/evaluation/messages.jsonl's `none` context |
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from assistant.conversation import beijing_now

NOW = beijing_now().replace(second=0, microsecond=0)
MONTH = NOW.date().replace(day=1)


def ago(**delta) -> dt.datetime:
    """NOW minus a timedelta."""
    return NOW - dt.timedelta(**delta)


WORKERS = [  # the serving tests' workers: W1, W2 on duty in 海淀区, W3 off duty, W4 in 朝阳区
    ("W1", "海淀抢修一班", "海淀区", 39.98, 116.30, True),
    ("W2", "海淀抢修二班", "海淀区", 39.90, 116.30, True),
    ("W3", "海淀抢修一班", "海淀区", 39.99, 116.31, False),
    ("W4", "朝阳抢修一班", "朝阳区", 39.92, 116.45, True),
]
CUSTOMERS = [  # customer_id, name_masked, district, area_type, tariff, transformer_id, lat, lon, phone
    ("OUT1", "张*", "海淀区", "urban", "flat", "TR_OUT", 39.91, 116.31, "13800000001"),
    ("OK1", "李**", "海淀区", "urban", "flat", "TR_OK", 39.91, 116.31, "13800000003"),
    ("SCA1", "王*", "海淀区", "rural", "flat", "TR_SCA", 39.97, 116.29, "13800000004"),
    ("BILL", "赵*", "海淀区", "urban", "tiered", "TR_OK", 39.91, 116.31, "13800000002"),
    ("HND", "欧阳**", "朝阳区", "urban", "flat", "TR_OK", 39.93, 116.44, "13800000005"),
    ("CMP", "孙*", "朝阳区", "urban", "flat", "TR_OK", 39.93, 116.44, "13800000006"),
    ("TWIN1", "周*", "海淀区", "urban", "flat", "TR_OK", 39.91, 116.31, "139-0000-0009"),
    ("TWIN2", "吴*", "海淀区", "urban", "flat", "TR_OK", 39.91, 116.31, "13900000009"),
    ("RATE", "郑*", "海淀区", "urban", "flat", "TR_OK", 39.91, 116.31, "13800000007"),
    ("RST", "冯*", "海淀区", "urban", "flat", "TR_OK", 39.91, 116.31, "13800000008"),
    ("EVAL", "钱*", "海淀区", "urban", "flat", "TR_OK", 39.91, 116.31, "13800000010"),
]
TAGS = [  # customer_id, tag, label, evidence, tou saving
    ("BILL", "tou_candidate", "峰谷电价潜在用户", "谷段用电占比 0.41", 123.45),
    ("HND", "frequent_repair", "频繁报修", "90 天内报修 3 次", None),
    ("HND", "complaint_sensitive", "投诉敏感", "180 天内投诉 2 次", None),
    ("CMP", "complaint_sensitive", "投诉敏感", "180 天内投诉 2 次", None),
]
BILLS = [  # customer_id, month, status, bill, previous, change, kwh, alert, driver
    ("BILL", MONTH, "estimate", 256.40, 198.10, 58.30, 420.0, False, "本月用电量比上月多 95 千瓦时（+29%）"),
    ("BILL", (MONTH - dt.timedelta(days=1)).replace(day=1), "actual", 198.10, 180.00, 18.10, 325.0, False, None),
    ("EVAL", MONTH, "estimate", 180.20, 175.00, 5.20, 300.0, False, "用电量与上月基本持平"),
]
BILL_COLUMNS = [
    "customer_id",
    "bill_month",
    "bill_status",
    "estimated_bill_yuan",
    "previous_month_bill_yuan",
    "bill_change_yuan",
    "kwh_month_estimate",
    "high_bill_alert",
    "main_driver_zh",
]
TICKETS = [  # ticket_id, customer_id, ticket_type, status, created_at, resolved_at, worker_id, commitment minutes
    ("K-HND", "HND", "fault_repair", "dispatched", ago(days=2), None, "W4", 45),
    ("K-OLD", "OK1", "fault_repair", "resolved", ago(days=20), ago(days=20) + dt.timedelta(hours=1), "W2", 45),
]
CONTACTS = [  # customer_id, contact_id, contact_at, channel, topic
    ("HND", "I-HND-9", ago(days=9), "app", "payment"),  # older than 7 days: not in the summary
    ("HND", "I-HND-5", ago(days=5), "ivr", "bill_inquiry"),
    ("HND", "I-HND-2", ago(days=2), "wechat", "fault_repair"),
]
FAULTS = [  # fault_id, transformer_id, fault_at, fault_type
    ("F-SCA", "TR_SCA", ago(hours=1), "低压出线短路"),
    ("F-OLD", "TR_OK", ago(hours=30), "绕组过热"),  # long over: the supply is back
]


def _frame(rows, columns, **dtypes) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns).astype(dtypes)


def load(wh) -> None:
    """Write the crafted marts and staging rows into `wh` (an orchestration Warehouse)."""
    ts = "datetime64[us]"
    c = CUSTOMERS
    wh.replace_table(
        "marts", "dim_workers", _frame(WORKERS, ["worker_id", "team", "district", "lat", "lon", "is_on_duty"])
    )
    wh.replace_table(
        "marts",
        "dim_customers",
        _frame(
            [r[:8] for r in c],
            [
                "customer_id",
                "name_masked",
                "district",
                "area_type",
                "tariff",
                "transformer_id",
                "lat_approx",
                "lon_approx",
            ],
        ),
    )
    wh.replace_table("staging", "stg_cis__customers", _frame([(r[0], r[8]) for r in c], ["customer_id", "phone"]))
    wh.replace_table(
        "staging",
        "repair_commitments",
        _frame([("urban", 45), ("rural", 90), ("remote", 120)], ["area_type", "arrival_commitment_minutes"]),
    )
    wh.replace_table(
        "marts",
        "customer_tags",
        _frame(TAGS, ["customer_id", "tag", "tag_label_zh", "evidence_text", "tou_yearly_saving_yuan"]),
    )
    wh.replace_table("marts", "bill_forecast", _frame(BILLS, BILL_COLUMNS))
    wh.replace_table(
        "marts",
        "fct_service_tickets",
        _frame(
            TICKETS,
            [
                "ticket_id",
                "customer_id",
                "ticket_type",
                "status",
                "created_at",
                "resolved_at",
                "worker_id",
                "arrival_commitment_minutes",
            ],
            created_at=ts,
            resolved_at=ts,
        ),
    )
    wh.replace_table(
        "marts",
        "customer_contact_timeline",
        _frame(CONTACTS, ["customer_id", "contact_id", "contact_at", "channel", "topic"], contact_at=ts),
    )
    wh.replace_table(
        "staging",
        "stg_scada__equipment_faults",
        _frame(FAULTS, ["fault_id", "transformer_id", "fault_at", "fault_type"], fault_at=ts),
    )
