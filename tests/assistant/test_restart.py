"""The service as `make serve` runs it, in child processes: once-only delivery across a crash (killed after the
ticketing system stored the order, before the outcome was recorded), and one message at once on two workers."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from orchestration.serving import external_id
from orchestration.warehouse import Warehouse
from tests.assistant import crafted
from tests.assistant.conftest import KEYS, free_port, kill, start_subprocess_service, wait_healthy
from tests.doubles.ticketing import TicketingStandIn

# Slow: each test starts uvicorn processes that load the model and the knowledge base (20-40 s on two cores).
pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _outbox(url: str, eid: str) -> list[tuple]:
    return Warehouse(url).query("SELECT state FROM serving.work_order_outbox WHERE external_id = ?", (eid,))


def test_order_delivered_once_when_the_service_dies_between_send_and_record(pg_database, mlflow_uri):
    url = pg_database()
    crafted.load(Warehouse(url))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    body = {"message_id": "m-crash-1", "channel": "app", "customer_id": "RST", "text": "家里停电了"}
    eid = external_id("customer_request", "RST", "m-crash-1")
    with TicketingStandIn() as ticketing:
        ticketing.behaviour.hold_after_nth_new = 1  # store the first order, then hold the answer
        first = start_subprocess_service(url, mlflow_uri, ticketing.url, port)
        try:
            wait_healthy(base, proc=first)
            answer = httpx.post(f"{base}/v1/messages", json=body, headers={"X-API-Key": KEYS["app"]}, timeout=30)
            assert answer.json()["work_order"]["external_id"] == eid
            assert ticketing.behaviour.stored_nth.wait(timeout=30)
        finally:
            kill(first)
        assert _outbox(url, eid) == [("pending",)]  # stored by ticketing, never recorded as delivered
        ticketing.behaviour.release.set()

        second = start_subprocess_service(url, mlflow_uri, ticketing.url, port)
        try:
            wait_healthy(base, proc=second)
            deadline = time.monotonic() + 20
            while _outbox(url, eid) != [("delivered",)]:
                assert time.monotonic() < deadline, "the restarted service did not resend the pending order"
                time.sleep(0.1)
            again = httpx.post(f"{base}/v1/messages", json=body, headers={"X-API-Key": KEYS["app"]}, timeout=30)
            assert again.json() == answer.json()
            time.sleep(1.0)
        finally:
            kill(second)
        assert list(ticketing.orders) == [eid]
        assert ticketing.requests_by_key[eid] == 2  # the send the crash cut off, and the restart's resend


def test_one_message_sent_at_once_to_two_workers_opens_one_order(pg_database, mlflow_uri):
    url = pg_database()
    crafted.load(Warehouse(url))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    body = {"message_id": "m-two-1", "channel": "wechat", "customer_id": "OK1", "text": "家里停电了"}
    eid = external_id("customer_request", "OK1", "m-two-1")
    with TicketingStandIn() as ticketing:
        service = start_subprocess_service(url, mlflow_uri, ticketing.url, port, workers=2)
        try:
            wait_healthy(base, proc=service)
            time.sleep(5.0)  # /health answered from one worker; give the other time to finish loading
            headers = {"X-API-Key": KEYS["wechat"]}
            with ThreadPoolExecutor(12) as pool:
                answers = list(
                    pool.map(
                        lambda _: httpx.post(f"{base}/v1/messages", json=body, headers=headers, timeout=60).json(),
                        range(12),
                    )
                )
            deadline = time.monotonic() + 20
            while _outbox(url, eid) != [("delivered",)]:
                assert time.monotonic() < deadline
                time.sleep(0.1)
            time.sleep(1.0)
        finally:
            kill(service)
        assert all(a == answers[0] for a in answers)
        assert answers[0]["work_order"]["external_id"] == eid
        assert list(ticketing.orders) == [eid]
    logged = Warehouse(url).query("SELECT count(*) FROM raw.raw_assistant__messages WHERE message_id = 'm-two-1'")
    assert logged == [(1,)]
