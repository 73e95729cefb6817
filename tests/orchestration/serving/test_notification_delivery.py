"""Notices delivered to a real HTTP gateway stand-in (started by each test): at a decent hour, exactly once.

The crafted night of notify_crafted.py is built into serving.notifications, then delivered at chosen local
times: what may go out at 00:30, at 06:30 and at 08:00; a re-run, a gateway down for a whole run, answers after
the client's timeout, a refused message, and a process killed between the gateway's answer and the record.
Runs on DuckDB and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import signal
from collections import Counter

import pytest

from orchestration.serving import deliver_pending
from orchestration.serving.notifications import (
    GatewayClient,
    address_book,
    build_notifications,
    due,
    notification_outbox,
)
from orchestration.warehouse import Warehouse
from orchestration.warehouse.privacy import scan
from tests.doubles.notify_gateway import NotifyGatewayStandIn
from tests.orchestration.serving import notify_crafted as crafted
from tests.orchestration.serving.test_delivery import FAST, kill_when_held

NIGHT, DAWN, MORNING = (dt.datetime(2026, 10, 31, h, m) for h, m in ((0, 30), (6, 30), (8, 0)))
TOTAL = sum(len(v) for v in crafted.EXPECTED.values())  # 15


@pytest.fixture
def gateway():
    with NotifyGatewayStandIn() as g:
        yield g


@pytest.fixture
def wh(warehouse_url) -> Warehouse:
    wh = Warehouse(warehouse_url)
    crafted.load(wh)
    crafted.load_history(wh)
    notification_outbox(wh).add(build_notifications(wh, crafted.ORDERS, crafted.D, crafted.NOW).notifications)
    return wh


def _deliver(wh: Warehouse, url: str, at: dt.datetime):
    return deliver_pending(
        notification_outbox(wh), GatewayClient(url, None, FAST), due=due(at), prepare=address_book(wh)
    )


def _received(gateway) -> set[tuple[str, str]]:
    return {(m["customer_id"], m["kind"]) for m in gateway.orders.values()}


def test_each_message_goes_out_once_when_its_customer_is_awake(wh, gateway):
    # 00:30: the running outage to everyone behind TA whatever their quiet hours, and C5, who has none.
    assert _deliver(wh, gateway.url, NIGHT).delivered == 4
    assert _received(gateway) == {("C1", "outage"), ("C2", "outage"), ("C3", "outage"), ("C5", "restored")}
    # 06:30: C7's quiet hours (23-6) are over; everyone else's (default 21-8, C10's 22-7) are not.
    assert _deliver(wh, gateway.url, DAWN).delivered == 1
    assert ("C7", "planned_outage") in _received(gateway)
    # 08:00: the rest.
    assert _deliver(wh, gateway.url, MORNING).delivered == TOTAL - 5
    assert _received(gateway) == {(c, m[0]) for c, msgs in crafted.EXPECTED.items() for m in msgs}
    # A re-run of the build and of the delivery sends nothing more: one request per message, ever.
    again = build_notifications(wh, crafted.ORDERS, crafted.D, crafted.NOW).notifications
    assert again == [] and notification_outbox(wh).add(again) == []
    assert _deliver(wh, gateway.url, MORNING).sent == 0
    assert sorted(gateway.requests_by_key.values()) == [1] * TOTAL
    assert notification_outbox(wh).counts() == {
        "pending": 0,
        "delivered": TOTAL + len(crafted.HISTORY),
        "dead_letter": 0,
    }


def test_the_address_is_added_at_send_time_and_stored_nowhere_outside_staging(wh, gateway):
    _deliver(wh, gateway.url, MORNING)
    by_customer = {m["customer_id"]: m for m in gateway.orders.values() if m["kind"] != "repair_progress"}
    assert by_customer["C8"]["channel"] == "sms" and by_customer["C8"]["to"] == crafted.PHONES["C8"]
    assert by_customer["C7"]["channel"] == "wechat" and "to" not in by_customer["C7"]
    assert by_customer["C2"]["channel"] == "app" and "to" not in by_customer["C2"]
    # The stored payloads carry no number; the privacy scan finds none outside raw/staging.
    payloads = [p for (p,) in wh.query("SELECT payload FROM serving.notifications")]
    assert payloads and not any(crafted.PHONES["C8"] in p or '"to"' in p for p in payloads)
    assert [f for f in scan(wh) if f.table.startswith("serving.")] == []


def test_a_gateway_down_or_slow_for_whole_runs_then_up_delivers_each_message_once(wh, gateway):
    gateway.behaviour.fail_status = 503
    report = _deliver(wh, gateway.url, MORNING)
    assert (report.delivered, report.circuit_open) == (0, True)
    assert notification_outbox(wh).counts()["pending"] == TOTAL
    gateway.behaviour.fail_status = None
    gateway.behaviour.delay_after_store_s = 1.0  # stored, but answered after the client's 0.3 s timeout
    report = _deliver(wh, gateway.url, MORNING)
    assert report.delivered == 0 and len(gateway.orders) >= 1
    gateway.behaviour.delay_after_store_s = 0.0
    assert _deliver(wh, gateway.url, MORNING).delivered == TOTAL
    assert len(gateway.orders) == TOTAL  # the timed-out ones were replayed under their key, not stored twice
    assert notification_outbox(wh).counts()["pending"] == 0


def test_a_refused_message_is_dead_lettered_with_the_number_masked(wh, gateway):
    c8 = next(m for m in build_ids(wh) if m[1] == "C8")[0]
    gateway.behaviour.reject[c8] = (400, f"recipient {crafted.PHONES['C8']} has blocked this sender")
    report = _deliver(wh, gateway.url, MORNING)
    assert (report.delivered, report.dead_lettered) == (TOTAL - 1, 1)
    assert wh.query(
        "SELECT state, response_status, response_body FROM serving.notifications WHERE external_id = ?", (c8,)
    ) == [("dead_letter", 400, "recipient 139****0008 has blocked this sender")]


def build_ids(wh: Warehouse) -> list[tuple[str, str]]:
    return wh.query("SELECT external_id, customer_id FROM serving.notifications WHERE state = 'pending' ORDER BY 1")


DELIVER_SCRIPT = """
import datetime as dt, sys
from orchestration.serving import RetryPolicy, deliver_pending
from orchestration.serving.notifications import GatewayClient, address_book, due, notification_outbox
from orchestration.warehouse import Warehouse
wh = Warehouse(sys.argv[1])
policy = RetryPolicy(threads=1, batch_size=2, read_timeout_s=60)
deliver_pending(notification_outbox(wh), GatewayClient(sys.argv[2], None, policy),
                due=due(dt.datetime(2026, 10, 31, 8, 0)), prepare=address_book(wh))
"""


def test_killed_between_the_gateway_s_answer_and_the_record_sends_no_message_twice(wh, gateway, warehouse_url):
    outbox = notification_outbox(wh)
    # Hold the 4th answer after storing it: the 1st and 2nd are recorded, the 3rd is only in the killed memory.
    gateway.behaviour.hold_after_nth_new = 4
    code = kill_when_held([DELIVER_SCRIPT, warehouse_url, gateway.url], gateway, outbox, len(crafted.HISTORY) + 2)
    assert code == -signal.SIGKILL
    assert len(gateway.orders) == 4
    gateway.behaviour.hold_after_nth_new = None
    gateway.behaviour.release.set()
    report = _deliver(wh, gateway.url, MORNING)
    assert report.delivered == TOTAL - 2
    assert len(gateway.orders) == TOTAL and outbox.counts()["pending"] == 0
    assert Counter(gateway.requests_by_key.values()) == {1: TOTAL - 2, 2: 2}
