"""The work order: the record the outbox stores, the payload the ticketing system receives, the dashboard row.

Its `external_id` is a hash of what the prediction is about, so the same prediction gives the same id in every
run (the outbox and the ticketing system deduplicate on it). Timestamps are Beijing time without an offset,
like the data; the payload spells the offset out for the ticketing system.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from orchestration.serving.dispatch import Assignment

PREVENTIVE = "preventive_maintenance"
CUSTOMER_REQUEST = "customer_request"
LOCAL_OFFSET = "+08:00"


@dataclass(frozen=True)
class WorkOrder:
    """One work order, as stored in the outbox and sent to the ticketing system."""

    external_id: str
    kind: str
    subject_id: str  # transformer_id or interaction_id: what the order is about
    priority: str  # urgent | high | normal
    district: str | None
    due_by: dt.datetime  # Beijing time, naive like the data
    summary: str
    assignment: Assignment
    transformer_id: str | None = None
    customer_id: str | None = None
    interaction_id: str | None = None
    intent: str | None = None
    confidence: float | None = None
    kb_article_id: str | None = None
    kb_title: str | None = None
    kb_steps: tuple[str, ...] = ()
    hints: tuple[dict, ...] = ()
    details: dict = field(default_factory=dict)

    def payload(self) -> dict:
        """The JSON body of `POST /work-orders` (docs/serving.md describes every field)."""
        return {
            "external_id": self.external_id,
            "kind": self.kind,
            "priority": self.priority,
            "district": self.district,
            "transformer_id": self.transformer_id,
            "customer_id": self.customer_id,
            "interaction_id": self.interaction_id,
            "intent": self.intent,
            "confidence": self.confidence,
            "assigned_worker_id": self.assignment.worker_id,
            "assignment": {
                "worker_id": self.assignment.worker_id,
                "team": self.assignment.team,
                "distance_km": self.assignment.distance_km,
                "reason": self.assignment.reason,
            },
            "due_by": self.due_by.isoformat(timespec="seconds") + LOCAL_OFFSET,
            "summary": self.summary,
            "kb_article_id": self.kb_article_id,
            "kb_article": {"title": self.kb_title, "steps": list(self.kb_steps)} if self.kb_article_id else None,
            "hints": list(self.hints),
            **self.details,
        }


def external_id(kind: str, subject_id: str, prediction_key: str) -> str:
    """Stable id of the order for one prediction: same kind, subject and prediction → same id, in any run."""
    digest = hashlib.sha256(f"{kind}|{subject_id}|{prediction_key}".encode()).hexdigest()
    return f"wo-{digest[:32]}"


ORDER_COLUMNS = {
    "external_id": "string",
    "kind": "string",
    "priority": "string",
    "district": "string",
    "transformer_id": "string",
    "customer_id": "string",
    "interaction_id": "string",
    "intent": "string",
    "confidence": "float64",
    "assigned_worker_id": "string",
    "distance_km": "float64",
    "assignment_reason": "string",
    "due_by": "datetime64[us]",
    "kb_article_id": "string",
    "hints": "string",
    "summary": "string",
    "is_new": "bool",
}


def orders_frame(orders: list[WorkOrder], new_ids: Iterable[str]):
    """serving.work_orders: one row per order built this run, flat for dashboards; `is_new` when it entered
    the outbox in this run (the others were there from an earlier run)."""
    import pandas as pd

    new = set(new_ids)
    rows = [
        {
            "external_id": o.external_id,
            "kind": o.kind,
            "priority": o.priority,
            "district": o.district,
            "transformer_id": o.transformer_id,
            "customer_id": o.customer_id,
            "interaction_id": o.interaction_id,
            "intent": o.intent,
            "confidence": o.confidence,
            "assigned_worker_id": o.assignment.worker_id,
            "distance_km": o.assignment.distance_km,
            "assignment_reason": o.assignment.reason,
            "due_by": o.due_by,
            "kb_article_id": o.kb_article_id,
            "hints": "、".join(h["label_zh"] for h in o.hints),
            "summary": o.summary,
            "is_new": o.external_id in new,
        }
        for o in orders
    ]
    frame = pd.DataFrame(rows, columns=list(ORDER_COLUMNS))
    return frame.astype({c: ("object" if t == "string" else t) for c, t in ORDER_COLUMNS.items()})
