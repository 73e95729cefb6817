"""Serving: turn the night's predictions into work orders and push each one to the ticketing system once, and
tell customers what concerns them (主动服务) through the notification gateway, once each, at a decent hour.

`work_orders` builds the orders (orchestration.serving.orders) and adds the new ones to the outbox
`serving.work_order_outbox`; `work_order_delivery` sends what is pending. docs/serving.md has the payload,
the states and the exactly-once argument. `notifications` builds the night's messages into
serving.notifications (orchestration.serving.notifications) and `notification_delivery` sends those due;
docs/notifications.md.
"""

import datetime as dt

import dagster as dg

from domain.notices import KINDS
from ml.knowledge import KnowledgeBase
from orchestration.resources import NotifyResource, TicketingResource, WarehouseResource
from orchestration.serving import TABLE, Outbox, build_work_orders, deliver_pending
from orchestration.serving.notifications import (
    NOTIFICATIONS,
    as_of,
    beijing_now,
    build_notifications,
    build_outage_notifications,
    notification_outbox,
    send_due,
    short_notices,
)
from orchestration.serving.outbox import utcnow
from orchestration.serving.work_order import orders_frame

SERVING_SCHEMA = "serving"
RECENT_ORDERS_DAYS = 30


@dg.asset(
    group_name="serving",
    deps=[
        "transformer_fault_risk",
        "interaction_intents",
        "dim_transformers",
        "dim_customers",
        "dim_workers",
        "customer_tags",
        "fct_service_tickets",
        "stg_crm__interactions",
        "repair_commitments",
        "knowledge_base",
    ],
    kinds={"python"},
)
def work_orders(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """serving.work_orders: tonight's work orders (one row per order) — preventive maintenance for transformer
    alerts, customer requests for un-ticketed fault reports and complaints — each assigned to the nearest
    on-duty worker of its district with a knowledge-base article; new ones are queued in the outbox."""
    wh = warehouse.get()
    outbox = Outbox(wh)
    outbox.ensure()
    # Earlier orders matter only while their fault window or request lookback can still overlap tonight's.
    recent = outbox.payloads(since=utcnow() - dt.timedelta(days=RECENT_ORDERS_DAYS))
    built = build_work_orders(wh, hint=KnowledgeBase.from_dir().best, outbox_payloads=recent)
    new_ids = outbox.add(built.orders)
    wh.replace_table(SERVING_SCHEMA, "work_orders", orders_frame(built.orders, new_ids))
    kinds = [o.kind for o in built.orders]
    context.log.info(f"{len(built.orders)} work orders built, {len(new_ids)} new in {TABLE}")
    return dg.MaterializeResult(
        metadata={
            "orders": len(built.orders),
            "new_in_outbox": len(new_ids),
            "preventive_maintenance": kinds.count("preventive_maintenance"),
            "customer_request": kinds.count("customer_request"),
            "unassigned": sum(o.assignment.worker_id is None for o in built.orders),
            "with_kb_article": sum(o.kb_article_id is not None for o in built.orders),
            "alerts": built.alerts,
            "alerts_already_covered": built.alerts_already_covered,
            "requests_considered": built.requests_considered,
            "requests_with_ticket": built.requests_with_ticket,
            "requests_anonymous": built.requests_anonymous,
            "requests_merged": built.requests_merged,
        }
    )


@dg.asset(group_name="serving", deps=["work_orders"], kinds={"python"})
def work_order_delivery(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, ticketing: TicketingResource
) -> dg.MaterializeResult:
    """Delivery of the outbox to the ticketing system (POST /work-orders, Idempotency-Key = external_id):
    pending orders are sent, 2xx marks them delivered, 4xx dead-letters them, failures stay pending."""
    outbox = Outbox(warehouse.get())
    outbox.ensure()
    client = ticketing.client()
    if client is None:
        return _nothing_sent(context, outbox, "TICKETING_URL", f"orders wait in {TABLE}", "ticketing_configured")
    report = deliver_pending(outbox, client)
    counts = outbox.counts()
    if report.circuit_open or report.still_pending:
        context.log.warning(
            f"ticketing failing ({', '.join(report.errors)}): {counts['pending']} orders stay pending for the next run"
        )
    if report.dead_lettered:
        context.log.warning(
            f"{report.dead_lettered} orders refused by ticketing: see state = 'dead_letter' in {TABLE} (response_body)"
        )
    return dg.MaterializeResult(metadata={"ticketing_configured": True, **_delivery_metadata(client, report, counts)})


def _nothing_sent(context, outbox, setting: str, waiting: str, flag: str) -> dg.MaterializeResult:
    """With no endpoint configured a delivery asset succeeds and says so: the outbox keeps everything for later."""
    counts = outbox.counts()
    context.log.warning(f"{setting} is not set: nothing sent, {counts['pending']} {waiting}")
    return dg.MaterializeResult(metadata={flag: False, **counts})


def _delivery_metadata(client, report, counts: dict[str, int]) -> dict:
    """What one delivery run did and where its outbox stands, as asset metadata."""
    return {
        "endpoint": client.endpoint,
        "sent": report.sent,
        "delivered": report.delivered,
        "retried": report.retried,
        "dead_lettered": report.dead_lettered,
        "still_pending": report.still_pending,
        "not_attempted": report.not_attempted,
        "requests": report.requests,
        "circuit_open": report.circuit_open,
        "orders_per_s": round(report.orders_per_s, 1),
        "errors": ", ".join(report.errors),
        **{f"outbox_{state}": n for state, n in counts.items()},
    }


@dg.asset(
    group_name="serving",
    deps=[
        "work_orders",
        "bill_forecast",
        "customer_tags",
        "dim_customers",
        "fct_service_tickets",
        "int_as_of_dates_derived",
        "stg_crm__notification_preferences",
        "stg_scada__equipment_faults",
    ],
    kinds={"python"},
)
def notifications(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """serving.notifications: proactive notices (主动服务), one row per message — planned-outage notices for
    preventive maintenance, outage and restored notices for recorded faults, high-bill alerts, tariff advice,
    repair progress — merged per customer and event, within the customer's wishes and the weekly cap; new
    messages enter once under a stable id and wait there for notification_delivery."""
    wh = warehouse.get()
    orders = Outbox(wh)
    orders.ensure()
    day, now = as_of(wh)
    decision = build_notifications(wh, orders.payloads(), day, now)
    new_ids = notification_outbox(wh).add(decision.notifications)
    context.log.info(f"{len(new_ids)} new notices for the night of {day} in {NOTIFICATIONS}")
    return dg.MaterializeResult(metadata=_build_metadata(now, decision, new_ids))


@dg.asset(group_name="serving", deps=["notifications"], kinds={"python"})
def outage_notifications(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Outage, restored and planned-outage notices for what the OMS reported through the assistant since the
    last build (and the recorded faults), as of the wall clock: built every hour before delivery, so an outage
    reported during the day is told within the hour instead of the next night. Same rules as `notifications`."""
    wh = warehouse.get()
    now = beijing_now()
    decision = build_outage_notifications(wh, now)
    new_ids = notification_outbox(wh).add(decision.notifications)
    context.log.info(f"{len(new_ids)} new outage notices at {now:%Y-%m-%d %H:%M} in {NOTIFICATIONS}")
    return dg.MaterializeResult(metadata=_build_metadata(now, decision, new_ids))


def _build_metadata(now: dt.datetime, decision, new_ids: list[str]) -> dict:
    """What one build of notices decided, as asset metadata."""
    kinds = [n.kind for n in decision.notifications]
    return {
        "as_of": str(now),
        "messages": len(kinds),
        "new": len(new_ids),
        **{f"kind_{k}": kinds.count(k) for k in KINDS},
        "candidates": decision.candidates,
        "already_sent": decision.already_sent,
        "opted_out": dg.MetadataValue.json(decision.opted_out),
        "advice_too_recent": decision.advice_too_recent,
        "merged": decision.merged,
        "held_by_weekly_cap": decision.capped,
        **short_notices(decision.notifications),
    }


@dg.asset(group_name="serving", deps=["notifications", "outage_notifications"], kinds={"python"})
def notification_delivery(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, notify: NotifyResource
) -> dg.MaterializeResult:
    """Delivery of serving.notifications to the notification gateway (POST /notifications, Idempotency-Key =
    the notification id): messages past their send_before expire unsent; those due now — past their quiet hours
    at this moment, or an outage under way — are sent, the SMS number looked up in staging at send time; the
    rest wait for the hourly delivery job."""
    wh = warehouse.get()
    outbox = notification_outbox(wh)
    outbox.ensure()
    client = notify.client()
    if client is None:
        return _nothing_sent(context, outbox, "NOTIFY_URL", f"messages wait in {NOTIFICATIONS}", "gateway_configured")
    report = send_due(wh, client, beijing_now())
    counts = outbox.counts()
    if report.expired:
        context.log.warning(f"{report.expired} messages expired unsent (state = 'expired' in {NOTIFICATIONS})")
    if report.circuit_open or report.still_pending or report.dead_lettered:
        context.log.warning(
            f"gateway: {report.still_pending} messages failed ({', '.join(report.errors)}), {report.dead_lettered} "
            f"refused (state = 'dead_letter' in {NOTIFICATIONS}); {counts['pending']} pending"
        )
    held = counts["pending"] - report.still_pending - report.not_attempted
    return dg.MaterializeResult(
        metadata={
            "gateway_configured": True,
            "held_for_quiet_hours": held,
            "expired": report.expired,
            **_delivery_metadata(client, report, counts),
        }
    )


serving_assets = [work_orders, work_order_delivery, notifications, outage_notifications, notification_delivery]
