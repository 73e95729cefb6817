"""POST /v1/messages on the running service: each answer kind on crafted customers, exactly."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

import pytest

from ml.knowledge import KnowledgeBase
from orchestration.serving import external_id
from orchestration.warehouse import Warehouse
from tests.assistant.crafted import NOW, ago

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.from_dir()


def _rows(service, sql: str, params=()) -> list[tuple]:
    return Warehouse(service.warehouse_url).query(sql, params)


def _received_at(service, message_id: str) -> dt.datetime:
    return _rows(service, "SELECT received_at FROM raw.raw_assistant__messages WHERE message_id = ?", (message_id,))[0][
        0
    ]


def _wait_for_order(ticketing, eid: str, timeout_s: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while eid not in ticketing.orders:
        assert time.monotonic() < deadline, f"{eid} not delivered within {timeout_s} s"
        time.sleep(0.05)
    return ticketing.orders[eid]


def test_bill_answer_quotes_the_bill_forecast(service):
    r = service.message("m-bill-1", "这个月电费多少钱", customer_id="BILL")
    assert r.status_code == 200
    month = NOW.date().replace(day=1)
    assert r.json() == {
        "message_id": "m-bill-1",
        "customer_id": "BILL",
        "intent": "bill_inquiry",
        "confidence": 0.95,
        "answer_kind": "account",
        "reply": f"您户号 BILL {month:%Y年%m月}电费预计 256.40 元（约 420 千瓦时），上月 198.10 元，增加 58.30 元。"
        "主要原因：本月用电量比上月多 95 千瓦时（+29%）。"
        "按您近 90 天的用电，改用峰谷分时电价预计每年可节省约 123.45 元，可在掌上电力App申请。",
        "kb_article_id": None,
        "work_order": None,
        "handoff": None,
    }


def test_customer_found_by_a_phone_only_they_have(service):
    r = service.message("m-phone-1", "电费多少", phone="+86 138-0000-0002")
    assert (r.json()["customer_id"], r.json()["answer_kind"]) == ("BILL", "account")
    # TWIN1 and TWIN2 share the number (written two ways): nobody is guessed, the customer is asked who they are.
    r = service.message("m-phone-2", "电费多少", phone="13900000009")
    assert (r.json()["customer_id"], r.json()["answer_kind"]) == (None, "clarify")
    assert r.json()["reply"] == "为便于查询，请提供您的户号或在供电公司登记的手机号码。"
    resolutions = _rows(
        service,
        "SELECT message_id, customer_id, identity_resolution FROM raw.raw_assistant__messages "
        "WHERE message_id IN ('m-phone-1', 'm-phone-2') ORDER BY message_id",
    )
    assert resolutions == [("m-phone-1", "BILL", "phone_match"), ("m-phone-2", None, "unresolved_ambiguous_phone")]


def test_outage_answer_behind_an_outaged_transformer_and_an_order_for_the_healthy_neighbour(service, ticketing):
    started, eta = ago(minutes=30), NOW + dt.timedelta(hours=2)
    report = {
        "outage_id": "O-1",
        "transformer_id": "TR_OUT",
        "kind": "fault",
        "cause": "10kV 线路故障",
        "started_at": started.isoformat(),
        "estimated_restore_at": eta.isoformat(),
    }
    r = service.post("/v1/outages", report, channel="oms")
    assert (r.status_code, r.json()) == (
        200,
        {"outage_id": "O-1", "transformer_id": "TR_OUT", "state": "active", "is_new": True},
    )

    r = service.message("m-out-1", "家里停电了", customer_id="OUT1")
    assert r.json()["answer_kind"] == "area_outage"
    assert r.json()["reply"] == (
        f"您所在区域（台区 TR_OUT）正在故障停电，原因：10kV 线路故障，自 {started:%m-%d %H:%M} 起。"
        f"预计 {eta:%m-%d %H:%M} 前恢复供电。抢修人员已在处理，无需重复报修，恢复供电后我们会通知您。"
    )
    assert r.json()["work_order"] is None
    assert _rows(service, "SELECT count(*) FROM serving.work_order_outbox WHERE subject_id = 'm-out-1'") == [(0,)]

    neighbour = service.message("m-ok-1", "家里停电了", customer_id="OK1").json()
    assert neighbour["answer_kind"] == "work_order"
    assert neighbour["work_order"]["external_id"] == external_id("customer_request", "OK1", "m-ok-1")

    # Restored: the same customer's next report is a fault of its own.
    r = service.post("/v1/outages/O-1/restored", {}, channel="oms")
    assert (r.status_code, r.json()["state"]) == (200, "restored")
    after = service.message("m-out-2", "又停电了", customer_id="OUT1").json()
    assert after["answer_kind"] == "work_order"
    assert service.post("/v1/outages/NOPE/restored", {}, channel="oms").status_code == 404


def test_recorded_scada_fault_is_an_area_outage(service):
    r = service.message("m-sca-1", "我家没电了", customer_id="SCA1").json()
    fault_at = ago(hours=1)
    assert r["answer_kind"] == "area_outage"
    assert r["reply"] == (
        f"您所在区域（台区 TR_SCA）正在故障停电，原因：变压器故障（低压出线短路），自 {fault_at:%m-%d %H:%M} 起。"
        f"预计 {fault_at + dt.timedelta(hours=4):%m-%d %H:%M} 前恢复供电。抢修人员已在处理，无需重复报修，恢复供电后我们会通知您。"
    )


def test_unsure_about_lost_supply_behind_an_outage_is_told_of_the_outage(service):
    behind = service.message("m-uns-1", "好像有点不对劲", customer_id="SCA1", conversation_id="conv-uns-1").json()
    assert (behind["intent"], behind["confidence"], behind["answer_kind"]) == ("outage_inquiry", 0.55, "area_outage")
    healthy = service.message("m-uns-2", "好像有点不对劲", customer_id="OK1", conversation_id="conv-uns-2").json()
    assert healthy["answer_kind"] == "clarify"


def test_work_order_built_dispatched_and_delivered_once(service, ticketing, kb):
    r = service.message("m-wo-1", "家里停电了，空开合不上", customer_id="RST", channel="wechat")
    body = r.json()
    eid = external_id("customer_request", "RST", "m-wo-1")
    at = _received_at(service, "m-wo-1")
    due = (at + dt.timedelta(minutes=45)).isoformat(timespec="seconds") + "+08:00"
    assert body["work_order"] == {"external_id": eid, "assigned_worker_id": "W2", "due_by": due}
    assert body["kb_article_id"] == kb.best("家里停电了，空开合不上").article_id
    delivered = _wait_for_order(ticketing, eid)
    # The nightly job's order, field for field: same builder, same dispatch (W2 is 海淀区's nearest on duty).
    assert delivered["summary"] == (
        f"客户 RST {at:%m-%d %H:%M} 经微信来信，识别为故障报修（置信度 0.93），尚无工单，"
        f"请按到达时限 45 分钟于 {at + dt.timedelta(minutes=45):%m-%d %H:%M} 前到达现场。"
    )
    assert (delivered["kind"], delivered["priority"], delivered["interaction_id"]) == (
        "customer_request",
        "urgent",
        "m-wo-1",
    )
    assert delivered["assignment"]["reason"] == "海淀区在岗 2 人中距离最近：W2（海淀抢修二班，直线距离 1.40 km）"

    again = service.message("m-wo-1", "家里停电了，空开合不上", customer_id="RST", channel="wechat")
    assert again.json() == body
    # A new message about the same fault joins the open order.
    repeat = service.message("m-wo-2", "停电了还没人来", customer_id="RST", channel="app").json()
    assert repeat["work_order"] == body["work_order"]
    assert repeat["reply"].startswith(f"您的报修已有工单在处理（工单号 {eid}）")
    time.sleep(1.0)
    assert [k for k, o in ticketing.orders.items() if o["customer_id"] == "RST"] == [eid]
    assert ticketing.requests_by_key[eid] == 1
    assert _rows(service, "SELECT subject_id FROM serving.work_order_outbox WHERE subject_id LIKE ?", ("m-wo-%",)) == [
        ("m-wo-1",)
    ]
    assert _rows(
        service, "SELECT subject_id, state, attempts FROM serving.work_order_outbox WHERE external_id = ?", (eid,)
    ) == [("m-wo-1", "delivered", 1)]


def test_knowledge_answer_gives_the_best_articles_steps(service, kb):
    text = "房子买了想办理过户怎么弄"
    hit = kb.best(text)
    r = service.message("m-kb-1", text, customer_id="OK1").json()
    assert (r["answer_kind"], r["kb_article_id"]) == ("knowledge", hit.article_id)
    assert hit.article_id == "kb-transfer-owner"
    assert r["reply"] == f"关于“{hit.title}”：" + "；".join(f"{i}. {s}" for i, s in enumerate(hit.steps, start=1))


def test_handoff_summary_names_the_previous_channel_and_intent(service):
    first = service.message("m-hnd-1", "电费怎么这么多", customer_id="HND", channel="wechat").json()
    assert first["intent"] == "bill_inquiry"
    r = service.message("m-hnd-2", "帮我转人工", customer_id="HND", channel="ivr").json()
    at = _received_at(service, "m-hnd-1")
    assert r["answer_kind"] == "handoff"
    assert r["reply"] == "正在为您转接人工客服，您的情况已同步给客服人员，无需重复说明，请稍候。"
    ticket_at = ago(days=2)
    assert r["handoff"] == {
        "queue": "agents",
        "summary": "客户 HND（欧阳**，朝阳区）经电话（IVR）来信，识别为电费查询（置信度 0.31），转人工原因：客户要求人工服务。"
        f"近 7 天联系 3 次：{ago(days=5):%m-%d %H:%M} 电话（IVR） 电费查询；{ago(days=2):%m-%d %H:%M} 微信 故障报修；"
        f"{at:%m-%d %H:%M} 微信 电费查询。上一次联系：微信，电费查询。标签：投诉敏感、频繁报修。"
        f"未结工单：工单 K-HND（故障报修）已派工，维修人员 W4，承诺于 {ticket_at + dt.timedelta(minutes=45):%m-%d %H:%M} 前到达。",
    }


def test_unsure_twice_in_a_conversation_goes_to_a_person(service):
    first = service.message("m-cl-1", "那个啥", customer_id="SCA1", conversation_id="conv-cl").json()
    assert (first["answer_kind"], first["handoff"]) == ("clarify", None)
    assert first["reply"] == "抱歉，我没有完全理解您的问题。请问您是想查询电费、报修故障、咨询停电，还是办理业务？"
    second = service.message("m-cl-2", "就是那个事", customer_id="SCA1", conversation_id="conv-cl").json()
    assert second["answer_kind"] == "handoff"
    assert "转人工原因：澄清后仍无法确定诉求。" in second["handoff"]["summary"]
    assert _rows(
        service,
        "SELECT message_id, answer_kind, answer_reason FROM raw.raw_assistant__messages "
        "WHERE conversation_id = 'conv-cl' ORDER BY message_id",
    ) == [("m-cl-1", "clarify", "unclear_intent"), ("m-cl-2", "handoff", "low_confidence")]


def test_complaint_goes_to_the_complaints_queue_with_an_order(service, ticketing):
    r = service.message("m-cmp-1", "我要投诉抄表员态度差", customer_id="CMP").json()
    eid = external_id("customer_request", "CMP", "m-cmp-1")
    at = _received_at(service, "m-cmp-1")
    assert (r["answer_kind"], r["handoff"]["queue"]) == ("handoff", "complaints")
    assert r["work_order"]["external_id"] == eid
    assert r["work_order"]["due_by"] == (at + dt.timedelta(hours=24)).isoformat(timespec="seconds") + "+08:00"
    delivered = _wait_for_order(ticketing, eid)
    assert (delivered["intent"], delivered["priority"]) == ("complaint", "urgent")  # complaint-sensitive customer


def test_out_of_scope_goes_to_a_person(service):
    r = service.message("m-oos-1", "明天天气怎么样", customer_id="OK1").json()
    assert (r["answer_kind"], r["handoff"]["queue"]) == ("handoff", "agents")
    assert "转人工原因：超出智能客服服务范围。" in r["handoff"]["summary"]


def test_message_recorded_in_the_raw_zone_and_never_logged(service, caplog):
    caplog.set_level(logging.INFO, logger="assistant")
    text, phone = "电费多少，我叫李雷", "13800000003"
    r = service.message("m-log-1", text, phone=phone, conversation_id="conv-log")
    assert r.status_code == 200
    row = _rows(
        service,
        "SELECT message_id, conversation_id, channel, customer_id, identity_resolution, phone, message_text, intent, "
        "confidence, model_version, answer_kind FROM raw.raw_assistant__messages WHERE message_id = 'm-log-1'",
    )
    assert row == [
        ("m-log-1", "conv-log", "app", "OK1", "phone_match", phone, text, "bill_inquiry", 0.95, "1", "knowledge")
    ]
    stored = _rows(service, "SELECT response FROM raw.raw_assistant__messages WHERE message_id = 'm-log-1'")[0][0]
    assert json.loads(stored) == r.json()
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "message_id=m-log-1" in logged
    for secret in (text, "李雷", phone, "0000003"):
        assert secret not in logged
