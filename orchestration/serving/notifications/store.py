"""serving.notifications: one row per message, its text and hold times beside the outbox's delivery state.

The table is the notifications' outbox (orchestration.serving.outbox with extra columns): a message enters once
under its stable id, so a re-run of the same night adds nothing, and leaves `pending` only when the gateway
answered — or as `expired` when its `send_before` passed while it waited (quiet hours, a gateway down for
days), so a notice past its use is never sent. It is also the history the rules read: what each customer was
told (`covers`) and when (`as_of`, the build's clock: the night's as-of, or the wall clock of an hourly outage
build), for "once per event", the weekly cap and the 90 days between tariff advice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from domain.notices import PLANNED_OUTAGE, PLANNED_OUTAGE_NOTICE_DAYS
from orchestration.serving.delivery import DeliveryReport, TicketingClient, deliver_pending
from orchestration.serving.notifications.gateway import address_book
from orchestration.serving.notifications.rules import Candidate, Decision, Notification, decide
from orchestration.serving.notifications.sources import candidates, history_from_rows, outage_candidates, preferences
from orchestration.serving.notifications.templates import render
from orchestration.serving.outbox import Outbox, utcnow
from orchestration.warehouse import Warehouse

NOTIFICATIONS = "serving.notifications"
COLUMNS = (
    ("customer_id", "text", "NOT NULL"),
    ("channel", "text", "NOT NULL"),  # wechat | sms | app
    ("kinds", "text", "NOT NULL"),  # every kind merged in, primary (= kind) first, space-separated
    ("event_key", "text", "NOT NULL"),  # what happened: fault:F00012, ticket:TK1, bill:2026-10, planned_outage:wo-…
    ("covers", "text", "NOT NULL"),  # the stages told, space-separated: never told again
    ("text", "text", "NOT NULL"),  # the message, Chinese, free of personal data
    ("event_at", "timestamp", "NOT NULL"),  # when the latest thing told happened (local time)
    ("as_of", "timestamp", "NOT NULL"),  # the night built for: the data's as-of moment (local time)
    ("send_after", "timestamp", "NOT NULL"),  # not before (local time): the end of the quiet hours at build
    # not after (local time, domain.notices.send_before); NULL on rows written before the column existed
    ("send_before", "timestamp", ""),
    ("is_urgent", "boolean", "NOT NULL"),  # an outage under way: sent at any hour
    ("quiet_start_hour", "integer", "NOT NULL"),
    ("quiet_end_hour", "integer", "NOT NULL"),
)
HISTORY_SQL = f"SELECT customer_id, kind, covers, as_of, state FROM {NOTIFICATIONS} ORDER BY as_of, external_id"
AS_OF_SQL = "SELECT as_of_date, as_of_at FROM intermediate.int_as_of_dates_derived"
BEIJING = dt.timedelta(hours=8)

# Due now: before send_before (if any), past send_after and outside the customer's quiet hours at the moment of
# sending (the hour is a parameter, so the same SQL runs on both engines), or urgent.
DUE_SQL = """(send_before IS NULL OR send_before > ?) AND send_after <= ? AND (is_urgent OR NOT (CASE
    WHEN quiet_start_hour < quiet_end_hour THEN ? >= quiet_start_hour AND ? < quiet_end_hour
    WHEN quiet_start_hour > quiet_end_hour THEN ? >= quiet_start_hour OR ? < quiet_end_hour
    ELSE FALSE END))"""


def beijing_now() -> dt.datetime:
    """The wall clock in Beijing, naive like the data."""
    return utcnow() + BEIJING


def notification_outbox(wh: Warehouse) -> Outbox:
    """serving.notifications as an outbox, its messages expiring at their send_before."""
    return Outbox(wh, NOTIFICATIONS, COLUMNS, expires_by="send_before")


def due(local_now: dt.datetime) -> tuple[str, tuple]:
    """The condition and parameters selecting the pending messages that may go out at `local_now`."""
    h = local_now.hour
    return DUE_SQL, (local_now, local_now, h, h, h, h)


def send_due(wh: Warehouse, client: TicketingClient, local_now: dt.datetime) -> DeliveryReport:
    """Expire the held messages past their send_before, then send those due at `local_now` (Beijing time)."""
    outbox = notification_outbox(wh)
    expired = outbox.expire(local_now)
    report = deliver_pending(outbox, client, due=due(local_now), prepare=address_book(wh))
    report.expired = expired
    return report


def as_of(wh: Warehouse) -> tuple[dt.date, dt.datetime]:
    """The data's as-of day and moment (end of the latest reading day): the night's clock."""
    day, at = wh.query(AS_OF_SQL)[0]
    return day, at


def build_notifications(wh: Warehouse, orders: Iterable[dict], as_of_date: dt.date, now: dt.datetime) -> Decision:
    """Tonight's messages, rendered, from the warehouse, the work orders' payloads and the earlier messages."""
    return _decide(wh, candidates(wh, orders, as_of_date, now), now)


def build_outage_notifications(wh: Warehouse, local_now: dt.datetime) -> Decision:
    """The outage messages due since the last build (the OMS's reports through the assistant, recorded faults),
    as of the wall clock in Beijing: the hourly build. Same rules and history as the night's, so what either
    told is not told again."""
    return _decide(wh, outage_candidates(wh, local_now), local_now)


def _decide(wh: Warehouse, found: list[Candidate], now: dt.datetime) -> Decision:
    """The messages of `found` under the customers' wishes and the earlier messages, rendered."""
    outbox = notification_outbox(wh)
    outbox.ensure()
    history = history_from_rows(wh.query(HISTORY_SQL))
    decision = decide(found, preferences(wh), history, now)
    decision.notifications = [dataclasses.replace(n, text=render(n)) for n in decision.notifications]
    return decision


def short_notices(notifications: Iterable[Notification]) -> dict[str, int]:
    """Planned-outage notices sent with less warning than the knowledge base asks: under the 7 days of a
    planned outage, and under the 24 hours of a temporary one (kb-outage-notice). A fault-risk order is due
    one or two days after its alert, so its notice is a temporary outage's at best."""
    gaps = [
        c.facts["window_start"] - n.send_after
        for n in notifications
        if n.kind == PLANNED_OUTAGE
        for c in n.candidates
        if c.kind == PLANNED_OUTAGE
    ]
    return {
        "planned_notices": len(gaps),
        "under_notice_period": sum(g < dt.timedelta(days=PLANNED_OUTAGE_NOTICE_DAYS) for g in gaps),
        "under_24_hours": sum(g < dt.timedelta(hours=24) for g in gaps),
    }
