"""Delivery against a real HTTP server (the ticketing stand-in, started by each test): exactly once.

The stand-in stores orders by Idempotency-Key like a real ticketing system and can be switched to fail
(5xx), to answer after the client's timeout, to refuse one order (4xx), or to hold an answer while the test
kills the delivering process.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration.serving import (
    PREVENTIVE,
    Outbox,
    RetryPolicy,
    TicketingClient,
    deliver_pending,
    external_id,
)
from orchestration.warehouse import Warehouse
from tests.doubles.ticketing import TicketingStandIn
from tests.doubles.work_orders import sample_orders, transformer_id

ROOT = Path(__file__).resolve().parents[3]
# Made up per run: no credential-looking literal in the repo, and nothing may depend on its value.
TOKEN = secrets.token_hex(12)
FAST = RetryPolicy(
    max_attempts=3,
    backoff_s=0.01,
    max_backoff_s=0.05,
    connect_timeout_s=1.0,
    read_timeout_s=0.3,
    open_circuit_after=3,
    threads=4,
    batch_size=5,
)


RUN = "2026-11-02"  # the prediction key of every test order


@pytest.fixture
def server():
    with TicketingStandIn(token=TOKEN) as s:
        yield s


def _outbox(url: str, n: int) -> Outbox:
    outbox = Outbox(Warehouse(url))
    outbox.ensure()
    assert len(outbox.add(sample_orders(n, RUN))) == n
    return outbox


def _rows(outbox: Outbox) -> dict[str, tuple]:
    rows = outbox.wh.query(
        "SELECT external_id, state, attempts, response_status, response_body, delivered_at IS NOT NULL "
        "FROM serving.work_order_outbox"
    )
    return {r[0]: r[1:] for r in rows}


def test_every_order_delivered_once_and_a_rerun_sends_nothing(warehouse_url, server):
    outbox = _outbox(warehouse_url, 30)
    report = deliver_pending(outbox, TicketingClient(server.url, TOKEN, FAST))

    assert (report.sent, report.delivered, report.retried, report.requests) == (30, 30, 0, 30)
    stored = {k: {f: v for f, v in o.items() if f != "ticket_id"} for k, o in server.orders.items()}
    assert stored == {
        eid: json.loads(p) for eid, p in outbox.wh.query("SELECT external_id, payload FROM serving.work_order_outbox")
    }
    assert set(Counter(server.requests_by_key).values()) == {1} and server.unauthorized == 0
    assert set(_rows(outbox).values()) == {("delivered", 1, 201, None, True)}
    assert outbox.counts() == {"pending": 0, "delivered": 30, "dead_letter": 0}

    again = deliver_pending(outbox, TicketingClient(server.url, TOKEN, FAST))
    assert (again.sent, server.requests) == (0, 30)


def test_ticketing_down_for_whole_runs_then_recovers_without_duplicates(warehouse_url, server):
    outbox = _outbox(warehouse_url, 20)
    client = TicketingClient(server.url, TOKEN, FAST)

    server.behaviour.fail_status = 503
    down = deliver_pending(outbox, client)
    # Three orders exhaust their retries, the circuit opens, the rest are not even tried.
    assert down.delivered == 0 and down.circuit_open
    assert down.still_pending + down.not_attempted == 20 and down.still_pending >= 3
    assert server.orders == {} and outbox.counts()["pending"] == 20

    # Next run: the system stores each order but answers after the client's timeout.
    server.behaviour.fail_status, server.behaviour.delay_after_store_s = None, 0.6
    slow = deliver_pending(outbox, client)
    assert slow.delivered == 0 and slow.circuit_open and outbox.counts()["pending"] == 20
    assert "timeout: ReadTimeoutError" in slow.errors
    received_while_slow = set(server.orders)
    assert len(received_while_slow) >= 3

    server.behaviour.delay_after_store_s = 0.0
    up = deliver_pending(outbox, client)
    assert (up.sent, up.delivered) == (20, 20)
    assert outbox.counts() == {"pending": 0, "delivered": 20, "dead_letter": 0}
    assert set(server.orders) == set(_rows(outbox))  # each external_id stored once (a dict keyed by it)
    assert len(server.orders) == 20
    # The orders stored during the slow run were sent again and answered as replays (200), not stored twice.
    assert all(server.requests_by_key[k] > 1 for k in received_while_slow)
    rows = _rows(outbox)
    assert {rows[k][2] for k in received_while_slow} == {200}
    assert all(rows[k][1] > 1 for k in received_while_slow)  # attempts accumulate across runs


def test_a_refused_order_is_dead_lettered_with_the_reason(warehouse_url, server):
    outbox = _outbox(warehouse_url, 10)
    refused = external_id(PREVENTIVE, transformer_id(4), RUN)
    server.behaviour.reject[refused] = (422, '{"error": "district 海淀区 has no crew in ticketing"}')
    report = deliver_pending(outbox, TicketingClient(server.url, TOKEN, FAST))

    assert (report.delivered, report.dead_lettered, report.requests) == (9, 1, 10)
    assert _rows(outbox)[refused] == (
        "dead_letter",
        1,
        422,
        '{"error": "district 海淀区 has no crew in ticketing"}',
        False,
    )
    last_error = outbox.wh.query("SELECT last_error FROM serving.work_order_outbox WHERE state = 'dead_letter'")
    assert last_error == [("HTTP 422",)]
    # Dead letters are not retried by later runs.
    assert deliver_pending(outbox, TicketingClient(server.url, TOKEN, FAST)).sent == 0
    assert server.requests_by_key[refused] == 1


def test_a_wrong_token_keeps_orders_pending(tmp_path, server):
    outbox = _outbox(f"duckdb:///{tmp_path / 'wh.duckdb'}", 5)
    report = deliver_pending(outbox, TicketingClient(server.url, "wrong", FAST))
    assert report.delivered == 0 and outbox.counts()["pending"] == 5 and server.orders == {}
    assert any(e.startswith("HTTP 401") for e in report.errors)
    assert "wrong" not in repr(TicketingClient(server.url, "wrong", FAST))
    assert deliver_pending(outbox, TicketingClient(server.url, TOKEN, FAST)).delivered == 5


DELIVER_SCRIPT = """
import sys
from orchestration.serving import Outbox, RetryPolicy, TicketingClient, deliver_pending
from orchestration.warehouse import Warehouse
policy = RetryPolicy(threads=1, batch_size=2, read_timeout_s=60)
deliver_pending(Outbox(Warehouse(sys.argv[1])), TicketingClient(sys.argv[2], sys.argv[3], policy))
"""


def _wait_for_delivered(outbox: Outbox, n: int, timeout_s: float = 30.0) -> None:
    """Wait until the other process has recorded its first batch (DuckDB refuses to open a file being written)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if outbox.counts()["delivered"] >= n:
                return
        except duckdb.IOException:
            pass
        time.sleep(0.05)
    raise AssertionError(f"the delivering process did not record {n} deliveries within {timeout_s} s")


def kill_when_held(script: list[str], standin, outbox: Outbox, recorded: int) -> int:
    """Run `python -c *script` until the stand-in holds an answer and `recorded` items are delivered in the
    outbox, then SIGKILL it; returns its exit code."""
    proc = subprocess.Popen([sys.executable, "-c", *script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert standin.behaviour.stored_nth.wait(timeout=60), "the delivering process never reached the held item"
        _wait_for_delivered(outbox, recorded)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode


def test_killed_between_sending_and_recording_sends_no_second_order(warehouse_url, server):
    outbox = _outbox(warehouse_url, 8)
    # Hold the answer to the 4th order, after storing it; by then the 1st and 2nd are recorded (batch of 2)
    # and the 3rd is delivered but its outcome is still in the killed process's memory.
    server.behaviour.hold_after_nth_new = 4
    assert kill_when_held([DELIVER_SCRIPT, warehouse_url, server.url, TOKEN], server, outbox, 2) == -signal.SIGKILL
    assert len(server.orders) == 4
    assert outbox.counts() == {"pending": 6, "delivered": 2, "dead_letter": 0}

    server.behaviour.hold_after_nth_new = None
    server.behaviour.release.set()
    report = deliver_pending(outbox, TicketingClient(server.url, TOKEN, FAST))
    assert (report.sent, report.delivered) == (6, 6)
    assert outbox.counts() == {"pending": 0, "delivered": 8, "dead_letter": 0}
    # Every external_id exactly once at the ticketing system, and one order per transformer: the resend of the
    # 3rd and 4th used the same key, so no order exists under a different external_id.
    assert set(server.orders) == set(_rows(outbox))
    assert Counter(o["transformer_id"] for o in server.orders.values()) == {transformer_id(i): 1 for i in range(8)}
    assert sorted(server.requests_by_key.values()) == [1] * 6 + [2] * 2
