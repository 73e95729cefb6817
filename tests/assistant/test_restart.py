"""Once-only delivery across a crash: the service is killed after the ticketing system stored the order and
before the outcome was recorded; the next start resends it under the same key, and ticketing keeps one."""

from __future__ import annotations

import time

import httpx
import pytest

from orchestration.serving import external_id
from orchestration.warehouse import Warehouse
from tests.assistant import crafted
from tests.assistant.conftest import KEYS, free_port, kill, start_subprocess_service, wait_healthy
from tests.doubles.ticketing import TicketingStandIn

pytestmark = pytest.mark.postgres


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
