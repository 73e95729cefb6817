"""Crafted raw rows for the process and contact marts, each named for the case it pins.

D is 2026-04-30 (the one reading's day, so the as-of day). Fault repairs are urban (45-minute arrival
commitment, 15-minute dispatch commitment in fault_repair.bpmn); the expected values beside the rows are
what test_process.py asserts on both engines.
"""

from __future__ import annotations

import datetime as dt

from tests.dbt.crafted import _customer, at, day

CUSTOMERS = [
    _customer("CU1", "张一", phone="13800000001"),
    _customer("CU2", "张二", district="密云区", area_type="rural", phone="13800000002"),
    # Registered plainly; a caller shows it as +86 138-0000-0003 and still matches.
    _customer("CU3", "张三", district="朝阳区", phone="13800000003"),
    # A family sharing one number: a call from it cannot be tied to either.
    _customer("SH1", "李一", phone="13800000009"),
    _customer("SH2", "李二", phone="13800000009"),
]


def _delivery(
    ticket_id,
    ticket_type,
    created,
    delivered,
    status,
    *,
    dispatched=None,
    arrived=None,
    resolved=None,
    callback=None,
    satisfaction=None,
    customer_id="CU1",
    channel="app",
    worker_id=None,
):
    return {
        "ticket_id": ticket_id,
        "customer_id": customer_id,
        "channel": channel,
        "ticket_type": ticket_type,
        "created_at": created,
        "dispatched_at": dispatched,
        "arrived_at": arrived,
        "resolved_at": resolved,
        "status": status,
        "worker_id": worker_id,
        "satisfaction": satisfaction,
        "callback_at": callback,
        "_delivery_date": delivered,
    }


def service_tickets() -> list[dict]:
    """Tickets covering each verdict; T_REOPEN is delivered three times, S_LATE twice.

    The first delivery carrying a callback is D-5's: S_OLD, delivered on D-20 only, comes from a file
    before the column existed, so its callback is unknown. Callbacks are due 24 h after resolution.
    """
    return [
        # The standard path, in order, called back 3.5 h after resolution and rated.
        _delivery(
            "T_OK",
            "fault_repair",
            at(-3, "10:00"),
            day(-3),
            "closed",
            dispatched=at(-3, "10:05"),
            arrived=at(-3, "10:30"),
            resolved=at(-3, "11:30"),
            callback=at(-3, "15:00"),
            satisfaction=5,
            worker_id="W1",
        ),
        # Resolved, but the crew never tapped "arrived"; called back, not rated (no deviation for that).
        _delivery(
            "T_NOARR",
            "fault_repair",
            at(-3, "12:00"),
            day(-3),
            "closed",
            dispatched=at(-3, "12:10"),
            resolved=at(-3, "13:00"),
            callback=at(-3, "16:00"),
            worker_id="W1",
        ),
        # Arrived without a recorded dispatch.
        _delivery(
            "T_SKIPDISP",
            "fault_repair",
            at(-3, "14:00"),
            day(-3),
            "closed",
            arrived=at(-3, "14:40"),
            resolved=at(-3, "15:00"),
            callback=at(-3, "17:00"),
            worker_id="W1",
            channel="ivr",
        ),
        # Arrival stamped 10 minutes before the dispatch; the dispatch also missed its 15 minutes. Called
        # back 16 h after resolution: in time.
        _delivery(
            "T_OOO",
            "fault_repair",
            at(-3, "16:00"),
            day(-2),
            "closed",
            dispatched=at(-3, "16:20"),
            arrived=at(-3, "16:10"),
            resolved=at(-3, "17:00"),
            callback=at(-2, "09:00"),
            worker_id="W1",
        ),
        # Resolved and called back on D-5, reopened on D-3 (back to dispatched), resolved again and called
        # back on D-2, rated then.
        _delivery(
            "T_REOPEN",
            "fault_repair",
            at(-5, "09:00"),
            day(-5),
            "closed",
            dispatched=at(-5, "09:05"),
            arrived=at(-5, "09:40"),
            resolved=at(-5, "10:40"),
            callback=at(-5, "15:00"),
            worker_id="W1",
        ),
        _delivery(
            "T_REOPEN",
            "fault_repair",
            at(-5, "09:00"),
            day(-3),
            "dispatched",
            dispatched=at(-3, "18:00"),
            worker_id="W2",
        ),
        _delivery(
            "T_REOPEN",
            "fault_repair",
            at(-5, "09:00"),
            day(-2),
            "closed",
            dispatched=at(-3, "18:00"),
            arrived=at(-2, "08:30"),
            resolved=at(-2, "09:30"),
            callback=at(-2, "11:00"),
            satisfaction=3,
            worker_id="W2",
        ),
        # Still under way on D: dispatched, not arrived yet: on its path so far.
        _delivery(
            "T_OPEN", "fault_repair", at(0, "20:00"), day(0), "dispatched", dispatched=at(0, "20:05"), worker_id="W1"
        ),
        # An ordinary request: dispatched to the billing unit, answered, called back and rated.
        _delivery(
            "S_BILL",
            "bill_inquiry",
            at(-2, "09:00"),
            day(-2),
            "closed",
            dispatched=at(-2, "09:02"),
            resolved=at(-2, "09:10"),
            callback=at(-2, "14:00"),
            satisfaction=5,
            customer_id="CU2",
            channel="counter",
        ),
        # A new connection with its site survey (the type's path has the visit): both commitments missed
        # (25 h, 6 days 1 h), called back in time, not rated.
        _delivery(
            "S_VISIT",
            "service_application",
            at(-10, "09:00"),
            day(-4),
            "closed",
            dispatched=at(-9, "10:00"),
            arrived=at(-8, "10:00"),
            resolved=at(-4, "10:00"),
            callback=at(-4, "16:00"),
            customer_id="CU2",
        ),
        # A new connection resolved without the survey visit its type requires.
        _delivery(
            "S_NOVISIT",
            "service_application",
            at(-7, "09:00"),
            day(-6),
            "closed",
            dispatched=at(-7, "09:30"),
            resolved=at(-7, "15:00"),
            callback=at(-6, "10:00"),
            customer_id="CU2",
        ),
        # Called back 47 h after resolution: late; rated 2 then.
        _delivery(
            "S_LATE",
            "payment",
            at(-6, "09:00"),
            day(-6),
            "resolved",
            dispatched=at(-6, "09:10"),
            resolved=at(-6, "10:00"),
            customer_id="CU2",
        ),
        _delivery(
            "S_LATE",
            "payment",
            at(-6, "09:00"),
            day(-4),
            "closed",
            dispatched=at(-6, "09:10"),
            resolved=at(-6, "10:00"),
            callback=at(-4, "09:00"),
            satisfaction=2,
            customer_id="CU2",
        ),
        # Resolved on D-3, never called back: overdue by the end of D.
        _delivery(
            "S_MISSING",
            "complaint",
            at(-3, "09:00"),
            day(-3),
            "resolved",
            dispatched=at(-3, "09:20"),
            resolved=at(-3, "10:00"),
            customer_id="CU2",
        ),
        # Resolved on D at 10:00: its callback is not due before the end of D.
        _delivery(
            "S_NOTDUE",
            "tariff_policy",
            at(0, "09:00"),
            day(0),
            "resolved",
            dispatched=at(0, "09:05"),
            resolved=at(0, "10:00"),
            customer_id="CU2",
        ),
        # Delivered only in a file older than the callback column: the callback is unknown, not missing.
        _delivery(
            "S_OLD",
            "bill_inquiry",
            at(-20, "09:00"),
            day(-20),
            "resolved",
            dispatched=at(-20, "09:05"),
            resolved=at(-20, "09:30"),
            customer_id="CU2",
        ),
        # No process governs inspections: in no process mart.
        _delivery(
            "S_PM",
            "preventive_maintenance",
            at(-1, "09:00"),
            day(-1),
            "resolved",
            dispatched=at(-1, "09:30"),
            arrived=at(-1, "10:00"),
            resolved=at(-1, "11:00"),
            customer_id="CU3",
        ),
    ]


def interactions() -> list[dict]:
    """Messages and calls for identity resolution and the channel KPIs."""

    def message(interaction_id, customer_id, ts, intent, channel, phone=None):
        return {
            "interaction_id": interaction_id,
            "customer_id": customer_id,
            "channel": channel,
            "ts": ts,
            "text": "您好",
            "intent": intent,
            "phone": phone,
            "_delivery_date": ts.date(),
        }

    return [
        # CU1 asks about the bill on WeChat, ten days apart: not a repeat (more than 7 days).
        message("I7", "CU1", at(-12, "09:00"), "bill_inquiry", "wechat"),
        message("I1", "CU1", at(-2, "10:00"), "bill_inquiry", "wechat"),
        # ... then calls two hours later without logging in: the caller ID resolves to CU1; a repeat, and
        # a channel switch for I1.
        message("I2", None, at(-2, "12:00"), "bill_inquiry", "ivr", "13800000001"),
        # The shared family number: ambiguous.
        message("I3", None, at(-2, "13:00"), "payment", "ivr", "13800000009"),
        # A number no customer has: unknown.
        message("I4", None, at(-2, "14:00"), "fault_repair", "ivr", "13999999999"),
        # Neither id nor number, unlabelled.
        message("I5", None, at(-2, "15:00"), None, "app"),
        # A formatted number matches its digits.
        message("I6", None, at(-2, "16:00"), "tariff_policy", "wechat", "+86 138-0000-0003"),
        # CU2 pays twice within three days: I8 not resolved at first contact, I9 a repeat.
        message("I8", "CU2", at(-12, "10:00"), "payment", "app"),
        message("I9", "CU2", at(-9, "10:00"), "payment", "app"),
    ]


def dataset() -> dict[str, list[dict]]:
    """The raw rows of this case set (one reading fixes the as-of day D)."""
    return {
        "raw_cis__customers": CUSTOMERS,
        "raw_ami__meter_readings": [
            {
                "customer_id": "CU1",
                "reading_date": day(0),
                "kwh_total": 1.0,
                "kwh_peak": 0.4,
                "kwh_flat": 0.4,
                "kwh_valley": 0.2,
                "is_unknown_customer": False,
                "_delivery_date": day(0),
            }
        ],
        "raw_crm__workers": [
            {
                "worker_id": w,
                "name": "王强",
                "team": "海淀抢修一班",
                "district": "海淀区",
                "lat": 39.96,
                "lon": 116.3,
                "on_duty": True,
            }
            for w in ("W1", "W2")
        ],
        "raw_crm__service_tickets": service_tickets(),
        "raw_crm__interactions": interactions(),
    }


# ---- Expected outcomes ------------------------------------------------------------------------

# ticket -> (is_conformant, deviations, path_taken)
EXPECTED_CONFORMANCE = {
    "T_OK": (True, None, "报修受理 → 派单 → 到达现场 → 处理完成 → 回访 → 评价"),
    "T_NOARR": (False, "resolved_without_arrival:arrive", "报修受理 → 派单 → 处理完成 → 回访"),
    "T_SKIPDISP": (False, "skipped_step:dispatch", "报修受理 → 到达现场 → 处理完成 → 回访"),
    "T_OOO": (False, "out_of_order:arrive", "报修受理 → 到达现场 → 派单 → 处理完成 → 回访"),
    "T_REOPEN": (
        False,
        "reopened",
        "报修受理 → 派单 → 到达现场 → 处理完成 → 回访 → 派单 → 到达现场 → 处理完成 → 回访 → 评价",
    ),
    "T_OPEN": (True, None, "报修受理 → 派单"),
    "S_BILL": (True, None, "受理 → 派单 → 办结 → 回访 → 评价"),
    "S_VISIT": (True, None, "受理 → 派单 → 上门服务 → 办结 → 回访"),
    "S_NOVISIT": (False, "resolved_without_visit:visit", "受理 → 派单 → 办结 → 回访"),
    "S_LATE": (False, "callback_late:callback", "受理 → 派单 → 办结 → 回访 → 评价"),
    "S_MISSING": (False, "callback_missing:callback", "受理 → 派单 → 办结"),
    "S_NOTDUE": (True, None, "受理 → 派单 → 办结"),
    "S_OLD": (True, None, "受理 → 派单 → 办结"),
}

# ticket -> (minutes_per_step, longest_wait_step, longest_wait_minutes, missed_commitments)
EXPECTED_STEP_TIMES = {
    "T_OK": ("报修受理=5.00; 派单=25.00; 到达现场=60.00; 处理完成=210.00; 回访=0.00", "处理完成", "210.00", None),
    "T_OOO": ("报修受理=10.00; 派单=40.00; 到达现场=10.00; 处理完成=960.00", "处理完成", "960.00", "派单"),
    # Called back at 15:00 on D-5, reopened at 18:00 on D-3: 3060 minutes after the callback before the
    # second round.
    "T_REOPEN": ("报修受理=5.00; 派单=905.00; 到达现场=120.00; 处理完成=350.00; 回访=3060.00", "回访", "3060.00", None),
    "T_OPEN": ("报修受理=5.00", "报修受理", "5.00", None),
    "S_VISIT": ("受理=1500.00; 派单=1440.00; 上门服务=5760.00; 办结=360.00", "上门服务", "5760.00", "派单, 办结"),
    # The callback's commitment runs from resolution: 2820 minutes against 1440.
    "S_LATE": ("受理=10.00; 派单=50.00; 办结=2820.00; 回访=0.00", "办结", "2820.00", "回访"),
}

# With the dispatch step removed from fault_repair.bpmn: what changes.
EXPECTED_WITHOUT_DISPATCH = {
    "T_OK": (True, None, "报修受理 → 到达现场 → 处理完成 → 回访 → 评价"),
    "T_NOARR": (False, "resolved_without_arrival:arrive", "报修受理 → 处理完成 → 回访"),
    "T_SKIPDISP": (True, None, "报修受理 → 到达现场 → 处理完成 → 回访"),
    "T_OOO": (True, None, "报修受理 → 到达现场 → 处理完成 → 回访"),
}

_PROCESS_KPI_COLUMNS = (
    "resolved_tickets",
    "callbacks_due",
    "callbacks_made",
    "callbacks_in_time",
    "rated_tickets",
    "callback_rate",
    "callback_in_time_rate",
    "rating_rate",
)


def _process_kpi(*values):
    return dict(zip(_PROCESS_KPI_COLUMNS, values))


# (resolved_date, district, ticket_type) -> process KPIs; rates as strings of numeric(5, 4).
EXPECTED_PROCESS_KPIS = {
    (day(-3), "海淀区", "fault_repair"): _process_kpi(4, 4, 4, 4, 1, "1.0000", "1.0000", "0.2500"),
    # T_REOPEN counts on its first resolution, with its latest rating.
    (day(-5), "海淀区", "fault_repair"): _process_kpi(1, 1, 1, 1, 1, "1.0000", "1.0000", "1.0000"),
    (day(-2), "密云区", "bill_inquiry"): _process_kpi(1, 1, 1, 1, 1, "1.0000", "1.0000", "1.0000"),
    (day(-4), "密云区", "service_application"): _process_kpi(1, 1, 1, 1, 0, "1.0000", "1.0000", "0.0000"),
    (day(-7), "密云区", "service_application"): _process_kpi(1, 1, 1, 1, 0, "1.0000", "1.0000", "0.0000"),
    (day(-6), "密云区", "payment"): _process_kpi(1, 1, 1, 0, 1, "1.0000", "0.0000", "1.0000"),
    (day(-3), "密云区", "complaint"): _process_kpi(1, 1, 0, 0, 0, "0.0000", "0.0000", "0.0000"),
    # Not due yet, and unknown: in no callback rate.
    (day(0), "密云区", "tariff_policy"): _process_kpi(1, 0, 0, 0, 0, None, None, "0.0000"),
    (day(-20), "密云区", "bill_inquiry"): _process_kpi(1, 0, 0, 0, 0, None, None, "0.0000"),
}

# interaction -> (customer_id, identity_resolution)
EXPECTED_IDENTITY = {
    "I1": ("CU1", "customer_id"),
    "I2": ("CU1", "phone_match"),
    "I3": (None, "unresolved_ambiguous_phone"),
    "I4": (None, "unresolved_unknown_phone"),
    "I5": (None, "unresolved_no_phone"),
    "I6": ("CU3", "phone_match"),
    "I7": ("CU1", "customer_id"),
    "I8": ("CU2", "customer_id"),
    "I9": ("CU2", "customer_id"),
}

# CU1's contacts in time order: (contact_id, channel, previous_channel, is_repeat_contact)
EXPECTED_CU1_TIMELINE = [
    ("I7", "wechat", None, False),
    ("T_REOPEN", "app", "wechat", None),
    ("T_OK", "app", "app", None),
    ("T_NOARR", "app", "app", None),
    ("T_SKIPDISP", "ivr", "app", None),
    ("T_OOO", "app", "ivr", None),
    ("I1", "wechat", "app", False),
    ("I2", "ivr", "wechat", True),
    ("T_OPEN", "app", "ivr", None),
]

_KPI_COLUMNS = (
    "contacts",
    "identified_contacts",
    "distinct_customers",
    "topic_contacts",
    "repeat_contacts",
    "repeat_contact_rate",
    "fcr_evaluated_contacts",
    "first_contact_resolved_contacts",
    "first_contact_resolution_rate",
    "channel_switch_contacts",
    "channel_switch_rate",
    "labelled_messages",
    "self_service_messages",
    "self_service_share",
)


def _kpi(*values):
    return dict(zip(_KPI_COLUMNS, values))


# (day, channel, district) -> KPI values; rates as strings of numeric(5, 4).
EXPECTED_KPIS = {
    (day(-12), "wechat", "海淀区"): _kpi(1, 1, 1, 1, 0, "0.0000", 1, 1, "1.0000", 0, "0.0000", 1, 1, "1.0000"),
    (day(-12), "app", "密云区"): _kpi(1, 1, 1, 1, 0, "0.0000", 1, 0, "0.0000", 0, "0.0000", 1, 1, "1.0000"),
    (day(-9), "app", "密云区"): _kpi(1, 1, 1, 1, 1, "1.0000", 1, 1, "1.0000", 0, "0.0000", 1, 1, "1.0000"),
    # D-2 + 7 days runs past the as-of day: first-contact resolution not decided yet.
    (day(-2), "wechat", "海淀区"): _kpi(1, 1, 1, 1, 0, "0.0000", 0, 0, None, 1, "1.0000", 1, 1, "1.0000"),
    (day(-2), "ivr", "海淀区"): _kpi(1, 1, 1, 1, 1, "1.0000", 0, 0, None, 0, "0.0000", 1, 1, "1.0000"),
    (day(-2), "ivr", "unknown"): _kpi(2, 0, 0, 0, 0, None, 0, 0, None, 0, None, 2, 1, "0.5000"),
    (day(-2), "app", "unknown"): _kpi(1, 0, 0, 0, 0, None, 0, 0, None, 0, None, 0, 0, None),
    (day(-2), "wechat", "朝阳区"): _kpi(1, 1, 1, 1, 0, "0.0000", 0, 0, None, 0, "0.0000", 1, 1, "1.0000"),
}

__all__ = ["dt"]
