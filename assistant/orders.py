"""Repair and complaint orders opened by the assistant, built by the nightly serving job's own code.

A message becomes one row of the shape `orchestration.serving.orders.request_orders` reads (REQUESTS_SQL's
columns), so priority, due time, hints, the nearest on-duty worker (`dispatch.nearest_worker`) and the
knowledge-base article are decided exactly as at night. The message_id is the order's interaction_id: its
external_id is `external_id("customer_request", customer_id, message_id)`, so the same message opens the same
order whether it is sent twice, answered by two workers at once, or later folded into the night's interactions;
the outbox keeps one and the ticketing system receives it under that Idempotency-Key once.

Delivery starts at once, in a background thread, through `orchestration.serving.delivery.deliver_orders`; a
service killed before recording the outcome leaves the order pending, and the next start (or the nightly
delivery) sends it again under the same key.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from assistant.identify import Customer
from orchestration.serving import BuildConfig, BuildResult, Outbox, TicketingClient, WorkOrder, deliver_orders
from orchestration.serving.orders import COMMITMENTS_SQL, load_workers, request_orders
from orchestration.serving.outbox import DEAD_LETTER, PENDING, TABLE

log = logging.getLogger("assistant.orders")

TAGS_SQL = "SELECT tag, tag_label_zh, evidence_text FROM marts.customer_tags WHERE customer_id = ? ORDER BY tag"
STATE_SQL = f"SELECT state, payload FROM {TABLE} WHERE external_id = ?"
# Workers' duty and the commitments change a few times a day, not per message.
REFERENCE_TTL_S = 60.0


@dataclass(frozen=True)
class OpenedOrder:
    """An order the assistant opened (or found already opened for the same message)."""

    order: WorkOrder
    is_new: bool


class OrderDesk:
    """Builds, enters and delivers the assistant's orders."""

    def __init__(self, db, hint=None, client: TicketingClient | None = None, config: BuildConfig | None = None):
        self.db = db
        self.outbox = Outbox(db)
        self.hint = hint
        self.client = client
        self.config = config or BuildConfig()
        self._reference: tuple[float, list, dict] = (float("-inf"), [], {})
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="order-delivery")

    def ensure(self) -> None:
        """Create the outbox where missing."""
        self.outbox.ensure()

    def _workers_and_commitments(self) -> tuple[list, dict]:
        with self._lock:
            loaded, workers, commitments = self._reference
            if time.monotonic() - loaded > REFERENCE_TTL_S:
                workers = load_workers(self.db)
                commitments = {a: int(m) for a, m in self.db.query(COMMITMENTS_SQL)}
                self._reference = (time.monotonic(), workers, commitments)
            return workers, commitments

    def build(
        self,
        customer: Customer,
        message_id: str,
        channel: str,
        at: dt.datetime,
        intent: str,
        confidence: float,
        text: str,
    ) -> WorkOrder:
        """The order the nightly job would build for this message (it has no ticket yet)."""
        workers, commitments = self._workers_and_commitments()
        tags = {
            customer.customer_id: [
                {"code": t, "label_zh": label, "detail": evidence}
                for t, label, evidence in self.db.query(TAGS_SQL, (customer.customer_id,))
            ]
        }
        row = (
            message_id,
            customer.customer_id,
            channel,
            at,
            intent,
            confidence,
            customer.district,
            customer.area_type,
            customer.lat,
            customer.lon,
            text,
            False,
        )
        result = BuildResult(orders=[])
        (order,) = request_orders([row], workers, tags, commitments, {}, self.config, self.hint, result)
        return order

    def open(self, order: WorkOrder) -> OpenedOrder:
        """Enter the order in the outbox and start its delivery; an order already there is not sent again
        unless it is still pending."""
        new_ids = self.outbox.add([order])
        rows = self.db.query(STATE_SQL, (order.external_id,))
        state, payload = rows[0]
        if state == PENDING and self.client is not None:
            self._pool.submit(self._deliver, [(order.external_id, payload)])
        return OpenedOrder(order, bool(new_ids))

    def _deliver(self, pending: list[tuple[str, str]]) -> None:
        try:
            report = deliver_orders(self.outbox, self.client, pending)
            log.info(
                "delivered=%d still_pending=%d dead_lettered=%d seconds=%.3f ids=%s",
                report.delivered,
                report.still_pending,
                report.dead_lettered,
                report.seconds,
                ",".join(eid for eid, _ in pending),
            )
        except Exception:
            log.exception("delivery of %s failed; the orders stay pending", ",".join(e for e, _ in pending))

    def sweep(self, limit: int = 500) -> None:
        """Send pending orders left by an earlier process (killed between sending and recording), in the
        background. The ticketing system deduplicates on the Idempotency-Key, so a resend never makes two."""
        if self.client is None:
            return
        pending = self.outbox.pending(limit)
        if pending:
            self._pool.submit(self._deliver, pending)

    def payload_of(self, external_id: str) -> dict | None:
        """The order's payload as entered in the outbox (None if dead-lettered or unknown)."""
        rows = self.db.query(STATE_SQL, (external_id,))
        if not rows or rows[0][0] == DEAD_LETTER:
            return None
        return json.loads(rows[0][1])

    def close(self) -> None:
        """Wait for deliveries under way."""
        self._pool.shutdown(wait=True)
