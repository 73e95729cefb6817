"""A few days of the assistant's traffic and one OMS outage, written through the service's own store.

The session's built platform (tests/conftest.py) runs the nightly job on generated landing files, in which
the assistant never ran; the 智能客服 and 主动服务 dashboards would then have nothing to show. This writes what
the running service would have written before the night — messages of every answer kind on every channel
adapter, and an outage the OMS reported on the evening of the last day — with `MessageLog.record` and
`report_outage`, so the night folds them in like real traffic.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
from pathlib import Path

from assistant.outages import report_outage
from assistant.store import MessageLog, opened
from orchestration.ingestion.files import detect_encoding

CHANNELS = ("app", "wechat", "ivr", "counter")
# (intent, answer_kind, answer_reason, latency_ms): the kinds and reasons the dashboards break down.
ANSWERS = (
    ("bill_inquiry", "account", None, 41.0),
    ("outage_inquiry", "area_outage", None, 35.0),
    ("fault_repair", "work_order", None, 120.0),
    ("payment", "knowledge", None, 28.0),
    ("complaint", "handoff", "complaint", 95.0),
    ("bill_inquiry", "handoff", "asked_for_agent", 22.0),
    (None, "clarify", "unclear_intent", 30.0),
)
BEIJING = dt.timedelta(hours=8)


def customers(landing: Path, n: int) -> list[tuple[str, str]]:
    """(customer_id, transformer_id) of the first `n` customers of the landing customer file."""
    path = landing / "customers.csv"
    with open(path, encoding=detect_encoding(path), newline="") as fh:
        return [(r["customer_id"], r["transformer_id"]) for r in itertools.islice(csv.DictReader(fh), n)]


def record_traffic(warehouse_url: str, landing: Path, end: dt.date, days: int = 3) -> int:
    """Messages on each of the `days` days up to `end`, and an outage reported at 20:00 on `end` behind the
    first customer's transformer; returns the messages recorded."""
    people = customers(landing, 8)
    recorded = 0
    with opened(warehouse_url) as db:
        log = MessageLog(db)
        for d, (i, (intent, kind, reason, latency)) in itertools.product(range(days), enumerate(ANSWERS)):
            customer_id, _ = people[(d + i) % len(people)]
            received = dt.datetime.combine(end - dt.timedelta(days=d), dt.time(9 + i, 15))
            log.record(
                {
                    "message_id": f"test:{d}:{i}",
                    "channel": CHANNELS[(d + i) % len(CHANNELS)],
                    "customer_id": customer_id,
                    "identity_resolution": "customer_id",
                    "message_text": "我家停电了，请尽快处理",
                    "received_at": received,
                    "intent": intent,
                    "confidence": 0.9 if intent else 0.4,
                    "out_of_scope": 0.01,
                    "model_version": "1",
                    "answer_kind": kind,
                    "answer_reason": reason,
                    "response": json.dumps({"answer_kind": kind}),
                    "latency_ms": latency + d,
                }
            )
            recorded += 1
        started = dt.datetime.combine(end, dt.time(20, 0))
        report_outage(
            db,
            "oms-test-1",
            people[0][1],
            "fault",
            "线路故障",
            started,
            started + dt.timedelta(hours=4),
            started + dt.timedelta(minutes=10) - BEIJING,
        )
    return recorded
