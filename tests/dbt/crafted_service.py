"""Crafted rows for the assistant's and the proactive notices' marts, each named for the case it pins.

D is 2026-04-30 (the one reading's day). The assistant's log (raw.raw_assistant__messages) and the OMS's
outages are written as the service writes them; serving.notifications as the notifications' outbox stores
them (UTC bookkeeping times, local event times). The expected values are what test_service_marts.py asserts
on both engines.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.dbt.crafted import _customer, _reading, at, day

UTC = dt.timedelta(hours=8)  # Beijing time is UTC+8: the service and the outbox book UTC

CUSTOMERS = [
    _customer("CA1", "赵一", phone="13800000101"),
    _customer("CA2", "赵二", district="密云区", area_type="rural", phone="13800000102"),
]


def crm_interactions() -> list[dict]:
    """An agent's conversation before the assistant's: the bot's answer on the same topic is a repeat."""
    return [
        {
            "interaction_id": "J1",
            "customer_id": "CA1",
            "channel": "wechat",
            "ts": at(-1, "09:00"),
            "text": "电费怎么这么高",
            "intent": "bill_inquiry",
            "phone": None,
            "_delivery_date": day(-1),
        }
    ]


def _message(message_id, channel, customer_id, resolution, received, intent, kind, reason, latency, **extra):
    return {
        "message_id": message_id,
        "conversation_id": None,
        "channel": channel,
        "customer_id": customer_id,
        "identity_resolution": resolution,
        # The customer's words and number: personal data the marts must never carry.
        "phone": extra.get("phone"),
        "message_text": extra.get("text", "我家停电了，电话13800000101"),
        "received_at": received,
        "intent": intent,
        "confidence": 0.9,
        "out_of_scope": 0.01,
        "model_version": "3",
        "answer_kind": kind,
        "answer_reason": reason,
        "kb_article_id": None,
        "work_order_id": extra.get("work_order_id"),
        "response": "{}",
        "latency_ms": latency,
    }


def assistant_messages(with_duplicate: bool) -> list[dict]:
    """The assistant's log. `with_duplicate` adds a second record of app:4, as two workers on the lake (which
    keeps no key) may write it; PostgreSQL's primary key refuses it."""
    rows = [
        _message("wx:1", "wechat", "CA1", "customer_id", at(-1, "10:00"), "bill_inquiry", "account", None, 100.0),
        _message(
            "wx:2",
            "wechat",
            None,
            "unresolved_unknown_phone",
            at(-1, "11:00"),
            "fault_repair",
            "clarify",
            "unidentified",
            200.0,
            phone="13999999999",
        ),
        _message(
            "app:1",
            "app",
            "CA1",
            "phone_match",
            at(-1, "12:00"),
            "fault_repair",
            "area_outage",
            None,
            300.0,
            phone="13800000101",
        ),
        _message(
            "app:2",
            "app",
            "CA2",
            "customer_id",
            at(-1, "13:00"),
            "complaint",
            "handoff",
            "complaint",
            400.0,
            work_order_id="wo-1",
        ),
        _message("app:3", "app", "CA2", "customer_id", at(-1, "14:00"), None, "handoff", "asked_for_agent", 500.0),
        _message("app:4", "app", "CA2", "customer_id", at(0, "09:00"), "payment", "knowledge", None, 50.0),
    ]
    if with_duplicate:
        rows.append({**rows[-1], "received_at": at(0, "09:00:01"), "answer_kind": "handoff", "latency_ms": 9.0})
    return rows


OMS_OUTAGES = [
    {
        "outage_id": "O1",
        "transformer_id": "TR2",
        "kind": "fault",
        "cause": "线路故障",
        "started_at": at(-1, "06:00"),
        "estimated_restore_at": at(-1, "10:00"),
        "restored_at": None,
        "reported_at": at(-1, "06:30") - UTC,
    }
]

FAULTS = [
    {
        "fault_id": "F1",
        "transformer_id": "TR1",
        "fault_at": at(-1, "08:00"),
        "fault_type": "overload",
        "restored_at": at(-1, "09:40"),
    }
]

PREFERENCES = [
    {
        "customer_id": customer,
        "channel": channel,
        "opt_out_high_bill": high_bill,
        "opt_out_tariff_advice": tariff,
        "opt_out_repair_progress": False,
        "quiet_start_hour": 21,
        "quiet_end_hour": 8,
        "updated_at": at(-30, "12:00"),
    }
    for customer, channel, high_bill, tariff in (
        ("CA1", "sms", True, False),
        ("CA2", "sms", False, True),
        ("CA3", "wechat", False, False),
    )
]


def _notice(nid, customer, kind, kinds, channel, event_key, send_after, state, delivered_local=None, urgent=False):
    return {
        "external_id": nid,
        "kind": kind,
        "subject_id": event_key,
        "payload": "{}",
        "state": state,
        "attempts": 1 if state != "pending" else 0,
        "last_error": None,
        "response_status": {"delivered": 200, "dead_letter": 400}.get(state),
        "response_body": None,
        "created_at": at(-1, "06:35") - UTC,
        "last_attempt_at": None,
        "delivered_at": delivered_local - UTC if delivered_local else None,
        "customer_id": customer,
        "channel": channel,
        "kinds": kinds,
        "event_key": event_key,
        "covers": f"{kind}:{event_key}",
        "text": "您好，您所在区域停电，正在抢修。",
        "event_at": send_after,
        "as_of": at(-1, "06:35"),
        "send_after": send_after,
        "is_urgent": urgent,
        "quiet_start_hour": 21,
        "quiet_end_hour": 8,
    }


NOTIFICATIONS = [
    # The SCADA fault F1 (08:00) told 30 minutes later; a second customer's notice still pending.
    _notice("N1", "CA1", "outage", "outage", "sms", "fault:F1", at(-1, "08:20"), "delivered", at(-1, "08:30"), True),
    _notice("N4", "CA4", "outage", "outage", "sms", "fault:F1", at(-1, "08:20"), "pending", urgent=True),
    # Outage and restoration told in one message, two hours after the fault.
    _notice(
        "N2", "CA3", "restored", "restored outage", "sms", "fault:F1", at(-1, "09:00"), "delivered", at(-1, "10:00")
    ),
    # The OMS's report (06:30 Beijing time, booked in UTC) told 30 minutes later.
    _notice(
        "N3", "CA2", "outage", "outage", "wechat", "fault:oms:O1", at(-1, "06:40"), "delivered", at(-1, "07:00"), True
    ),
    # Refused by the gateway.
    _notice("N5", "CA1", "high_bill", "high_bill tariff_advice", "app", "bill:2026-04", at(-1, "08:00"), "dead_letter"),
    # A planned window is not an outage notice: not timed.
    _notice(
        "N6",
        "CA2",
        "planned_outage",
        "planned_outage",
        "wechat",
        "planned_outage:oms:O2",
        at(0, "08:00"),
        "delivered",
        at(0, "08:05"),
    ),
    # Held past its bound (send_before) and never sent: expired, neither failed nor pending.
    _notice("N7", "CA3", "tariff_advice", "tariff_advice", "app", "tariff:CA3", at(-1, "08:00"), "expired"),
]


def dataset() -> dict[str, list[dict]]:
    """The raw (landed) rows of this case set; one reading fixes the as-of day D."""
    return {
        "raw_cis__customers": CUSTOMERS,
        "raw_ami__meter_readings": [_reading("CA1", 0, 1.0, 0.4, 0.4, 0.2)],
        "raw_crm__interactions": crm_interactions(),
        "raw_scada__equipment_faults": FAULTS,
        "raw_crm__notification_preferences": PREFERENCES,
    }


# ---- Expected outcomes ------------------------------------------------------------------------

ASSISTANT_KPI_COLUMNS = (
    "messages",
    "identified_messages",
    "distinct_customers",
    "contained_messages",
    "containment_rate",
    "account_answers",
    "area_outage_answers",
    "work_order_answers",
    "knowledge_answers",
    "handoff_answers",
    "clarify_answers",
    "median_latency_ms",
    "p95_latency_ms",
)
# (message_date, channel) -> the columns above; p95 interpolates: 100 + 0.95 x 100, 400 + 0.9 x 100.
EXPECTED_ASSISTANT_KPIS = {
    (day(-1), "wechat"): (2, 1, 1, 1, Decimal("0.5000"), 1, 0, 0, 0, 0, 1, Decimal("150.00"), Decimal("195.00")),
    (day(-1), "app"): (3, 3, 2, 1, Decimal("0.3333"), 0, 1, 0, 0, 2, 0, Decimal("400.00"), Decimal("490.00")),
    # app:4 once: the first record of the message stands.
    (day(0), "app"): (1, 1, 1, 1, Decimal("1.0000"), 0, 0, 0, 1, 0, 0, Decimal("50.00"), Decimal("50.00")),
}
EXPECTED_ASSISTANT_ANSWERS = {
    (day(-1), "wechat", "account", "none", True, 1),
    (day(-1), "wechat", "clarify", "unidentified", False, 1),
    (day(-1), "app", "area_outage", "none", True, 1),
    (day(-1), "app", "handoff", "complaint", False, 1),
    (day(-1), "app", "handoff", "asked_for_agent", False, 1),
    (day(0), "app", "knowledge", "none", True, 1),
}
# CA1's timeline: (contact_id, channel, handled_by, topic, answer_kind, previous_channel, is_repeat_contact)
EXPECTED_CA1_TIMELINE = [
    ("J1", "wechat", "agent", "bill_inquiry", None, None, False),
    ("wx:1", "wechat", "assistant", "bill_inquiry", "account", "wechat", True),
    ("app:1", "app", "assistant", "fault_repair", "area_outage", "wechat", False),
]
CHANNEL_KPI_COLUMNS = (
    "contacts",
    "identified_contacts",
    "topic_contacts",
    "repeat_contacts",
    "channel_switch_contacts",
    "assistant_messages",
    "assistant_contained_messages",
    "assistant_containment_rate",
)
EXPECTED_CHANNEL_KPIS = {
    # J1 and the bot's bill answer; both followed by app:1 in the app within 24 hours.
    (day(-1), "wechat", "海淀区"): (2, 2, 2, 1, 2, 1, 1, Decimal("1.0000")),
    (day(-1), "wechat", "unknown"): (1, 0, 0, 0, 0, 1, 0, Decimal("0.0000")),
    (day(-1), "app", "海淀区"): (1, 1, 1, 0, 0, 1, 1, Decimal("1.0000")),
    (day(-1), "app", "密云区"): (2, 2, 1, 0, 0, 2, 0, Decimal("0.0000")),
    (day(0), "app", "密云区"): (1, 1, 1, 0, 0, 1, 1, Decimal("1.0000")),
}
NOTIFICATION_KPI_COLUMNS = (
    "notices",
    "customers",
    "urgent_notices",
    "delivered_notices",
    "pending_notices",
    "failed_notices",
    "expired_notices",
    "outage_notices",
    "timed_outage_notices",
    "avg_minutes_to_notice",
    "max_minutes_to_notice",
)
EXPECTED_NOTIFICATION_KPIS = {
    (day(-1), "outage", "sms"): (2, 2, 2, 1, 1, 0, 0, 2, 1, Decimal("30.00"), Decimal("30.00")),
    (day(-1), "restored", "sms"): (1, 1, 0, 1, 0, 0, 0, 1, 1, Decimal("120.00"), Decimal("120.00")),
    (day(-1), "outage", "wechat"): (1, 1, 1, 1, 0, 0, 0, 1, 1, Decimal("30.00"), Decimal("30.00")),
    (day(-1), "high_bill", "app"): (1, 1, 0, 0, 0, 1, 0, 0, 0, None, None),
    (day(-1), "tariff_advice", "app"): (1, 1, 0, 0, 0, 0, 1, 0, 0, None, None),
    (day(0), "planned_outage", "wechat"): (1, 1, 0, 1, 0, 0, 0, 0, 0, None, None),
}
EXPECTED_OPT_OUTS = {
    ("sms", "high_bill"): (2, 1, Decimal("0.5000")),
    ("sms", "tariff_advice"): (2, 1, Decimal("0.5000")),
    ("sms", "repair_progress"): (2, 0, Decimal("0.0000")),
    ("wechat", "high_bill"): (1, 0, Decimal("0.0000")),
    ("wechat", "tariff_advice"): (1, 0, Decimal("0.0000")),
    ("wechat", "repair_progress"): (1, 0, Decimal("0.0000")),
}
