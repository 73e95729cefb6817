"""Serving: work orders built from the predictions, an outbox in the warehouse, delivery to ticketing.

Plain library (no dagster): `orchestration/serving/assets.py` wraps it; docs/serving.md explains the payload,
the states and why every order reaches the ticketing system exactly once.
"""

from orchestration.serving.delivery import DeliveryReport, RetryPolicy, TicketingClient, deliver_orders, deliver_pending
from orchestration.serving.dispatch import Assignment, Worker, haversine_km, nearest_worker
from orchestration.serving.orders import (
    CUSTOMER_REQUEST,
    PREVENTIVE,
    BuildConfig,
    BuildResult,
    WorkOrder,
    build_work_orders,
    external_id,
)
from orchestration.serving.outbox import DEAD_LETTER, DELIVERED, PENDING, TABLE, Outbox, Outcome

__all__ = [
    "CUSTOMER_REQUEST",
    "DEAD_LETTER",
    "DELIVERED",
    "PENDING",
    "PREVENTIVE",
    "TABLE",
    "Assignment",
    "BuildConfig",
    "BuildResult",
    "DeliveryReport",
    "Outbox",
    "Outcome",
    "RetryPolicy",
    "TicketingClient",
    "WorkOrder",
    "Worker",
    "build_work_orders",
    "deliver_orders",
    "deliver_pending",
    "external_id",
    "haversine_km",
    "nearest_worker",
]
