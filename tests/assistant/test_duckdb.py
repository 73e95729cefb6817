"""The same library on a DuckDB warehouse file: identification, an order through the outbox, the log, replay."""

from __future__ import annotations

import datetime as dt

from assistant.conversation import Assistant, Message
from assistant.intent import IntentModel
from assistant.store import opened
from ml.knowledge import KnowledgeBase
from orchestration.serving import external_id
from orchestration.warehouse import Warehouse
from tests.assistant import crafted


def test_assistant_on_a_duckdb_file(tmp_path, mlflow_uri):
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    crafted.load(Warehouse(url))
    model = IntentModel(mlflow_uri)
    model.load()
    kb = KnowledgeBase.from_dir()
    with opened(url) as db:
        assistant = Assistant.build(db, model, kb)  # no ticketing: the order waits in the outbox
        answer = assistant.handle(Message("d-1", "app", "家里停电了", phone="138 0000 0003"))
        again = assistant.handle(Message("d-1", "app", "家里停电了", phone="138 0000 0003"))
        bill = assistant.handle(Message("d-2", "wechat", "电费多少", customer_id="BILL"))
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
    assert [r[:3] for r in logged] == [("d-1", "OK1", "work_order"), ("d-2", "BILL", "account")]
