"""Answers under contention: one message sent many times at once, and answers while the warehouse is rewritten."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from orchestration.serving import external_id
from orchestration.warehouse import Warehouse
from tests.assistant import crafted
from tests.assistant.conftest import serving

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def service(crafted_url, mlflow_uri, ticketing):
    """The assistant with a per-customer limit these tests do not reach: they send one customer's messages fast."""
    with serving(crafted_url, mlflow_uri, ticketing, rate_per_customer_per_min=10_000) as running:
        yield running


def test_the_same_message_at_once_gets_one_answer_and_one_order(service, ticketing):
    body = {"message_id": "m-race-1", "channel": "app", "customer_id": "TWIN1", "text": "家里停电了"}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: service.post("/v1/messages", body).json(), range(8)))
    eid = external_id("customer_request", "TWIN1", "m-race-1")
    assert all(a == answers[0] for a in answers)
    assert answers[0]["work_order"]["external_id"] == eid
    deadline = time.monotonic() + 10
    while eid not in ticketing.orders:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.0)
    assert [k for k, o in ticketing.orders.items() if o["customer_id"] == "TWIN1"] == [eid]
    rows = Warehouse(service.warehouse_url).query(
        "SELECT count(*) FROM raw.raw_assistant__messages WHERE message_id = 'm-race-1'"
    )
    assert rows == [(1,)]


def test_answers_continue_while_the_marts_are_rewritten(service):
    """A nightly run refills the marts in place, one transaction per table (PostgreSQL): an answer reads the old
    rows or the new ones, never an error or nothing."""
    wh = Warehouse(service.warehouse_url)
    old = pd.DataFrame(crafted.BILLS, columns=crafted.BILL_COLUMNS)
    new = old.assign(estimated_bill_yuan=old["estimated_bill_yuan"] + 1)
    stop = threading.Event()
    rewrites = []

    def nightly() -> None:
        while not stop.is_set():
            for frame in (new, old):
                wh.replace_table("marts", "bill_forecast", frame)
                crafted.load(wh)  # every other crafted mart too, refilled the same way
                rewrites.append(1)

    writer = threading.Thread(target=nightly)
    writer.start()
    try:
        answers = [
            service.message(f"m-night-{i}", "这个月电费多少", customer_id="BILL", channel="counter") for i in range(30)
        ]
    finally:
        stop.set()
        writer.join()
    assert len(rewrites) >= 2
    assert [r.status_code for r in answers] == [200] * 30
    quoted = {r.json()["reply"].split("电费预计 ")[1].split(" 元")[0] for r in answers}
    assert quoted <= {"256.40", "257.40"} and quoted
