"""Notices delivered to a real HTTP gateway stand-in (started by each test): at a decent hour, exactly once.

The crafted night of notify_crafted.py is built into serving.notifications, then delivered at chosen local
times: what may go out at 00:30, at 06:30 and at 08:00; a re-run, a gateway down for a whole run, answers after
the client's timeout, a refused message, and a process killed between the gateway's answer and the record;
messages held past their send_before expire unsent, rows from before the column keep being sent, work orders
never expire. Runs on DuckDB and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import signal
from collections import Counter

import dagster as dg
import pytest

from assistant.outages import report_outage
from orchestration.resources import NotifyResource, WarehouseResource
from orchestration.serving import Outbox, TicketingClient, deliver_pending
from orchestration.serving.assets import notification_delivery, outage_notifications
from orchestration.serving.notifications import (
    GatewayClient,
    beijing_now,
    build_notifications,
    notification_outbox,
    send_due,
)
from orchestration.serving.notifications.store import COLUMNS, NOTIFICATIONS
from orchestration.serving.outbox import utcnow
from orchestration.warehouse import Warehouse
from orchestration.warehouse.privacy import scan
from tests.doubles.notify_gateway import NotifyGatewayStandIn
from tests.doubles.ticketing import TicketingStandIn
from tests.doubles.work_orders import sample_orders
from tests.orchestration.serving import notify_crafted as crafted
from tests.orchestration.serving.test_delivery import FAST, kill_when_held

NIGHT, DAWN, MORNING = (dt.datetime(2026, 10, 31, h, m) for h, m in ((0, 30), (6, 30), (8, 0)))
TOTAL = sum(len(v) for v in crafted.EXPECTED.values())  # 15
# Due at 00:30: the running outage (whose notices are stale after 04:00) and C5's restored notice.
AT_NIGHT = 4
REST = TOTAL - AT_NIGHT


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
    return send_due(wh, GatewayClient(url, None, FAST), at)


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
        "expired": 0,
    }


def test_the_address_is_added_at_send_time_and_stored_nowhere_outside_staging(wh, gateway):
    _deliver(wh, gateway.url, NIGHT)
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
    assert _deliver(wh, gateway.url, NIGHT).delivered == AT_NIGHT
    gateway.behaviour.fail_status = 503
    report = _deliver(wh, gateway.url, MORNING)
    assert (report.delivered, report.circuit_open) == (0, True)
    assert notification_outbox(wh).counts()["pending"] == REST
    gateway.behaviour.fail_status = None
    gateway.behaviour.delay_after_store_s = 1.0  # stored, but answered after the client's 0.3 s timeout
    report = _deliver(wh, gateway.url, MORNING)
    assert report.delivered == 0 and len(gateway.orders) >= 1
    gateway.behaviour.delay_after_store_s = 0.0
    assert _deliver(wh, gateway.url, MORNING).delivered == REST
    assert len(gateway.orders) == TOTAL  # the timed-out ones were replayed under their key, not stored twice
    assert notification_outbox(wh).counts()["pending"] == 0


def test_a_refused_message_is_dead_lettered_with_the_number_masked(wh, gateway):
    c8 = next(m for m in build_ids(wh) if m[1] == "C8")[0]
    gateway.behaviour.reject[c8] = (400, f"recipient {crafted.PHONES['C8']} has blocked this sender")
    _deliver(wh, gateway.url, NIGHT)
    report = _deliver(wh, gateway.url, MORNING)
    assert (report.delivered, report.dead_lettered) == (REST - 1, 1)
    assert wh.query(
        "SELECT state, response_status, response_body FROM serving.notifications WHERE external_id = ?", (c8,)
    ) == [("dead_letter", 400, "recipient 139****0008 has blocked this sender")]


def build_ids(wh: Warehouse) -> list[tuple[str, str]]:
    return wh.query("SELECT external_id, customer_id FROM serving.notifications WHERE state = 'pending' ORDER BY 1")


DELIVER_SCRIPT = """
import datetime as dt, sys
from orchestration.serving import RetryPolicy
from orchestration.serving.notifications import GatewayClient, send_due
from orchestration.warehouse import Warehouse
wh = Warehouse(sys.argv[1])
policy = RetryPolicy(threads=1, batch_size=2, read_timeout_s=60)
send_due(wh, GatewayClient(sys.argv[2], None, policy), dt.datetime(2026, 10, 31, 8, 0))
"""


def test_killed_between_the_gateway_s_answer_and_the_record_sends_no_message_twice(wh, gateway, warehouse_url):
    outbox = notification_outbox(wh)
    _deliver(wh, gateway.url, NIGHT)
    # Hold the 4th answer of the morning after storing it: the 1st and 2nd are recorded, the 3rd is only in the
    # killed memory.
    gateway.behaviour.hold_after_nth_new = AT_NIGHT + 4
    recorded = len(crafted.HISTORY) + AT_NIGHT + 2
    code = kill_when_held([DELIVER_SCRIPT, warehouse_url, gateway.url], gateway, outbox, recorded)
    assert code == -signal.SIGKILL
    assert len(gateway.orders) == AT_NIGHT + 4
    gateway.behaviour.hold_after_nth_new = None
    gateway.behaviour.release.set()
    report = _deliver(wh, gateway.url, MORNING)
    assert report.delivered == REST - 2
    assert len(gateway.orders) == TOTAL and outbox.counts()["pending"] == 0
    assert Counter(gateway.requests_by_key.values()) == {1: TOTAL - 2, 2: 2}


def test_a_message_held_past_its_send_before_expires_and_is_never_sent(wh, gateway):
    orders = Outbox(wh)
    orders.ensure()
    orders.add(sample_orders(2))
    # The gateway is down from the build until 10:00: by then the running outage's notices (stale after 04:00)
    # and C6's restored notice (a day after 10-30 09:00) are past their bounds; the rest are within theirs.
    gateway.behaviour.fail_status = 503
    assert _deliver(wh, gateway.url, NIGHT).delivered == 0
    gateway.behaviour.fail_status = None
    report = _deliver(wh, gateway.url, dt.datetime(2026, 10, 31, 10, 0))
    expired = {("C1", "outage"), ("C2", "outage"), ("C3", "outage"), ("C6", "restored")}
    assert (report.expired, report.delivered, report.sent) == (AT_NIGHT, TOTAL - 4, TOTAL - 4)
    assert _received(gateway) == {(c, m[0]) for c, msgs in crafted.EXPECTED.items() for m in msgs} - expired
    rows = wh.query(
        "SELECT customer_id, kind, last_error, delivered_at FROM serving.notifications WHERE state = 'expired'"
    )
    assert sorted(rows) == sorted((c, k, "expired: past send_before", None) for c, k in expired)
    # Expired is final: a later run sends nothing and never asks the gateway about them.
    later = _deliver(wh, gateway.url, dt.datetime(2026, 11, 3, 12, 0))
    assert (later.expired, later.sent) == (0, 0)
    assert len(gateway.orders) == TOTAL - 4
    assert notification_outbox(wh).counts() == {
        "pending": 0,
        "delivered": TOTAL - 4 + len(crafted.HISTORY),
        "dead_letter": 0,
        "expired": 4,
    }
    # Work orders carry no bound: they never expire and still go out.
    assert orders.expire(dt.datetime(2100, 1, 1)) == 0
    assert orders.counts() == {"pending": 2, "delivered": 0, "dead_letter": 0}
    with TicketingStandIn() as ticketing:
        assert deliver_pending(orders, TicketingClient(ticketing.url, None, FAST)).delivered == 2


def test_a_table_from_before_send_before_gains_the_column_and_its_held_rows_still_go_out(warehouse_url, gateway):
    wh = Warehouse(warehouse_url)
    crafted.load(wh)
    before = Outbox(wh, NOTIFICATIONS, tuple(c for c in COLUMNS if c[0] != "send_before"))
    before.ensure()
    held = crafted.earlier("C9", "tariff_advice", ("tariff_advice:2026-01-01",), 300)
    assert before.add([held]) == [held.notification_id]
    notification_outbox(wh).ensure()
    notification_outbox(wh).ensure()  # the column present: nothing to add
    assert wh.query(f"SELECT external_id, state, send_before FROM {NOTIFICATIONS}") == [
        (held.notification_id, "pending", None)
    ]
    report = _deliver(wh, gateway.url, dt.datetime(2027, 10, 31, 9, 0))
    assert (report.expired, report.delivered) == (0, 1)
    assert _received(gateway) == {("C9", "tariff_advice")}


def test_the_hourly_job_tells_an_outage_reported_since_the_last_build_at_once(wh, warehouse_url, gateway):
    # wh holds the crafted night of 2026-10-31 (undelivered); on the wall clock every one of its messages is
    # past its send_before. The OMS reports an outage on TZ half an hour ago, through the assistant's store.
    start = beijing_now() - dt.timedelta(minutes=30)
    eta = start + dt.timedelta(hours=3)
    crafted.oms(warehouse_url, lambda db: report_outage(db, "O9", "TZ", "fault", "树障", start, eta, utcnow()))
    resources = {"warehouse": WarehouseResource(url=warehouse_url), "notify": NotifyResource(url=gateway.url)}
    result = dg.materialize([outage_notifications, notification_delivery], resources=resources)
    assert result.success
    built, delivered = (
        {k: v.value for k, v in result.asset_materializations_for_node(node)[0].metadata.items()}
        for node in ("outage_notifications", "notification_delivery")
    )
    # Everyone behind TZ, at once whatever the hour (an outage under way), and nothing of the old night.
    assert (built["new"], built["kind_outage"]) == (8, 8)
    assert _received(gateway) == {(c, "outage") for c in crafted.OTHERS}
    assert (delivered["delivered"], delivered["expired"], delivered["outbox_expired"]) == (8, TOTAL, TOTAL)
    # The next hour adds and sends nothing.
    again = dg.materialize([outage_notifications, notification_delivery], resources=resources)
    assert again.asset_materializations_for_node("outage_notifications")[0].metadata["new"].value == 0
    assert len(gateway.requests_by_key) == 8
