"""Push pending work orders to the ticketing system: `POST {url}/work-orders`, once per order.

Retry policy (docs/serving.md): 2xx → delivered (409 too: the ticketing system already holds this
Idempotency-Key); timeouts, connection errors, 5xx, 408 and 429 → retried with exponential backoff up to
`max_attempts` per run, then left pending for the next run; 401 and 403 refuse the caller, not the order, so
the order stays pending (fix TICKETING_TOKEN, the next run sends it); any other 4xx → dead letter with the response
body, since sending the same body again cannot succeed. When `open_circuit_after` orders in a row exhaust
their retries the ticketing system is taken to be down: the rest of the run sends nothing more, and every
unsent order stays pending.

Throughput comes from a small thread pool sharing a keep-alive connection pool, and batched outbox writes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import urllib3
from urllib3.exceptions import HTTPError, TimeoutError

from orchestration.serving.outbox import DEAD_LETTER, DELIVERED, PENDING, Outbox, Outcome, utcnow

RETRYABLE_4XX = (408, 429)
# Refusals of the caller, not of the order: a wrong or expired token must not dead-letter the whole night.
AUTH_4XX = (401, 403)
MAX_BODY_CHARS = 4000  # a dead letter keeps the ticketing system's explanation, not a whole HTML error page


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one run tries; tests shrink the waits."""

    max_attempts: int = 4  # per order and run
    backoff_s: float = 0.5  # wait before the 2nd attempt, doubled after each further failure
    max_backoff_s: float = 8.0
    connect_timeout_s: float = 3.0
    read_timeout_s: float = 10.0
    open_circuit_after: int = 5  # orders in a row that exhausted their retries
    threads: int = 4
    batch_size: int = 200  # outcomes per outbox write

    def backoff(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based); honours a numeric Retry-After."""
        wait = min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s)
        if retry_after and retry_after.strip().isdigit():
            wait = min(max(wait, float(retry_after)), self.max_backoff_s)
        return wait


@dataclass
class DeliveryReport:
    """What a delivery run did (asset metadata)."""

    sent: int = 0  # orders taken from the outbox this run
    delivered: int = 0
    dead_lettered: int = 0
    retried: int = 0  # orders that needed more than one attempt (delivered or not)
    still_pending: int = 0  # tried, failed every attempt, left for the next run
    not_attempted: int = 0  # skipped after the circuit opened
    expired: int = 0  # past their bound before this run could send them (notifications' send_before)
    requests: int = 0
    seconds: float = 0.0
    circuit_open: bool = False
    errors: list[str] = field(default_factory=list)  # a few distinct last errors, for the run log

    @property
    def orders_per_s(self) -> float:
        return (self.delivered + self.dead_lettered) / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Reply:
    """The ticketing system's answer to one POST."""

    status: int
    text: str
    retry_after: str | None


class TicketingClient:
    """HTTP client of the ticketing system: a keep-alive connection pool shared by the threads.

    urllib3 directly rather than requests: a request costs about half the CPU, which is the limit of delivery
    throughput on a small machine. The token is held only in the default headers; `repr` never shows it.
    """

    path = "/work-orders"
    token_variable = "TICKETING_TOKEN"  # named in the error a refused token leaves on the item

    def __init__(self, url: str, token: str | None = None, policy: RetryPolicy = RetryPolicy()):
        self.endpoint = url.rstrip("/") + self.path
        self._token = token
        self.policy = policy
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._pool = urllib3.PoolManager(
            num_pools=2,
            maxsize=max(1, policy.threads),
            block=True,
            headers=headers,
            retries=False,
            timeout=urllib3.Timeout(connect=policy.connect_timeout_s, read=policy.read_timeout_s),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.endpoint!r}, token={'set' if self._token else 'unset'})"

    def reply_text(self, data: bytes) -> str:
        """The answer's body as kept on the item (a dead letter's explanation)."""
        return data.decode("utf-8", errors="replace")

    def post(self, external_id: str, body: bytes) -> Reply:
        """One attempt; raises urllib3's timeout and connection errors."""
        response = self._pool.request(
            "POST", self.endpoint, body=body, headers={**self._pool.headers, "Idempotency-Key": external_id}
        )
        return Reply(response.status, self.reply_text(response.data), response.headers.get("Retry-After"))


class _Circuit:
    """Counts orders in a row that exhausted their retries; open means: stop sending this run."""

    def __init__(self, threshold: int):
        self.threshold, self.failures, self._lock = threshold, 0, threading.Lock()

    @property
    def open(self) -> bool:
        return self.failures >= self.threshold

    def result(self, ok: bool) -> None:
        with self._lock:
            self.failures = 0 if ok else self.failures + 1


def send_order(client: TicketingClient, external_id: str, payload: str, circuit: _Circuit) -> Outcome | None:
    """Send one order with retries; None when the circuit was open before the first attempt."""
    policy = client.policy
    body = payload.encode("utf-8")
    error, status, text = None, None, None
    made = 0
    for attempt in range(1, policy.max_attempts + 1):
        if circuit.open:
            if attempt == 1:
                return None
            break
        made, retry_after = attempt, None
        try:
            reply = client.post(external_id, body)
        except TimeoutError as exc:
            error, status, text = f"timeout: {type(exc).__name__}", None, None
        except HTTPError as exc:  # refused, reset, closed keep-alive connection, DNS
            error, status, text = f"connection error: {type(exc).__name__}", None, None
        else:
            status, text = reply.status, reply.text[:MAX_BODY_CHARS]
            if 200 <= status < 300 or status == 409:
                circuit.result(True)
                return Outcome(external_id, DELIVERED, attempt, None, status, None, utcnow())
            if status in AUTH_4XX:
                circuit.result(False)
                return Outcome(
                    external_id,
                    PENDING,
                    attempt,
                    f"HTTP {status}: check {client.token_variable}",
                    status,
                    text,
                    utcnow(),
                )
            if 400 <= status < 500 and status not in RETRYABLE_4XX:
                circuit.result(True)  # the system is up, it refused this order
                return Outcome(external_id, DEAD_LETTER, attempt, f"HTTP {status}", status, text, utcnow())
            error, retry_after = f"HTTP {status}", reply.retry_after
        if attempt < policy.max_attempts:
            time.sleep(policy.backoff(attempt, retry_after))
    circuit.result(False)
    return Outcome(external_id, PENDING, made, error, status, text if status and status >= 500 else None, utcnow())


def deliver_pending(
    outbox: Outbox,
    client: TicketingClient,
    limit: int | None = None,
    on_batch=None,
    due: tuple[str, tuple] = ("", ()),
    prepare: Callable[[list[tuple[str, str]]], list[tuple[str, str]]] | None = None,
) -> DeliveryReport:
    """Send every pending item of the outbox once (with retries), recording outcomes in batches.

    `due` (SQL condition, parameters) narrows the pending items to those to send now; `prepare` may complete
    the bodies in memory just before sending (a notification's recipient address), never in the outbox.
    """
    pending = outbox.pending(limit, *due)
    if prepare is not None:
        pending = prepare(pending)
    return deliver_orders(outbox, client, pending, on_batch)


def deliver_orders(
    outbox: Outbox, client: TicketingClient, pending: list[tuple[str, str]], on_batch=None
) -> DeliveryReport:
    """Send these pending orders, (external_id, payload JSON) as the outbox holds them, recording outcomes in
    batches. The assistant sends the order it just opened this way, without waiting for the nightly run."""
    policy = client.policy
    report = DeliveryReport()
    report.sent = len(pending)
    circuit = _Circuit(policy.open_circuit_after)
    start = time.perf_counter()
    batch: list[Outcome] = []
    errors: set[str] = set()

    def flush():
        outbox.record(batch)
        if on_batch is not None:
            on_batch(len(batch))
        batch.clear()

    with ThreadPoolExecutor(max_workers=max(1, policy.threads), thread_name_prefix="ticketing") as pool:
        for outcome in pool.map(lambda row: send_order(client, row[0], row[1], circuit), pending):
            if outcome is None:
                report.not_attempted += 1
                continue
            report.requests += outcome.attempts
            report.retried += outcome.attempts > 1
            if outcome.state == DELIVERED:
                report.delivered += 1
            elif outcome.state == DEAD_LETTER:
                report.dead_lettered += 1
            else:
                report.still_pending += 1
            if outcome.last_error and len(errors) < 5:
                errors.add(outcome.last_error)
            batch.append(outcome)
            if len(batch) >= policy.batch_size:
                flush()
    flush()
    report.seconds = time.perf_counter() - start
    report.circuit_open = circuit.open
    report.errors = sorted(errors)
    return report
