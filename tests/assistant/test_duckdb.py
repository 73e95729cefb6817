"""The same library on the embedded warehouses, a DuckDB file and the lake: identification, an order through the
outbox, the log, replay, an outage."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.conversation import Assistant, Message
from assistant.intent import IntentModel
from assistant.outages import report_outage
from assistant.store import opened
from ml.knowledge import KnowledgeBase
from orchestration.serving import external_id
from orchestration.warehouse import Warehouse
from tests.assistant import crafted


@pytest.mark.parametrize("kind", ["duckdb", "ducklake"])
def test_assistant_on_an_embedded_warehouse(kind, tmp_path, mlflow_uri):
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}" if kind == "duckdb" else f"ducklake:///{tmp_path / 'lake'}"
    crafted.load(Warehouse(url))
    model = IntentModel(mlflow_uri)
    model.load()
    kb = KnowledgeBase.from_dir()
    with opened(url) as db:
        assistant = Assistant.build(db, model, kb)  # no ticketing: the order waits in the outbox
        answer = assistant.handle(Message("d-1", "app", "家里停电了", phone="138 0000 0003"))
        again = assistant.handle(Message("d-1", "app", "家里停电了", phone="138 0000 0003"))
        bill = assistant.handle(Message("d-2", "wechat", "电费多少", customer_id="BILL"))
        # The outage system reports the same outage twice (a revised estimate): one outage, the later estimate.
        start = logged_at = dt.datetime(2026, 10, 31, 9, 0)
        firsts = [
            report_outage(db, "O-1", "TR9", "fault", cause, start, start + dt.timedelta(hours=h), logged_at)
            for cause, h in (("雷击", 2), ("雷击跳闸", 3))
        ]
        outages = db.query("SELECT outage_id, cause, estimated_restore_at FROM raw.raw_oms__outages")
        eid = external_id("customer_request", "OK1", "d-1")
        outbox = db.query("SELECT external_id, state FROM serving.work_order_outbox")
        logged = db.query(
            "SELECT message_id, customer_id, answer_kind, received_at FROM raw.raw_assistant__messages ORDER BY 1"
        )
        assistant.desk.close()
    assert answer == again
    assert (answer["customer_id"], answer["answer_kind"], answer["work_order"]["external_id"]) == (
        "OK1",
        "work_order",
        eid,
    )
    assert (
        answer["work_order"]["due_by"]
        == (logged[0][3] + dt.timedelta(minutes=45)).isoformat(timespec="seconds") + "+08:00"
    )
    assert bill["reply"].startswith(f"您户号 BILL {crafted.MONTH:%Y年%m月}电费预计 256.40 元")
    assert outbox == [(eid, "pending")]
    assert firsts == [True, False]
    assert outages == [("O-1", "雷击跳闸", start + dt.timedelta(hours=3))]
    assert [r[:3] for r in logged] == [("d-1", "OK1", "work_order"), ("d-2", "BILL", "account")]
