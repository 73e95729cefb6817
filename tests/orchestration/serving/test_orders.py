"""Work orders from a crafted warehouse, exactly: which orders, priorities, deadlines, workers, distances."""

from __future__ import annotations

import datetime as dt

from orchestration.serving import Outbox, build_work_orders, external_id
from orchestration.warehouse import Warehouse
from tests.orchestration.serving import crafted
from tests.orchestration.serving.crafted import EXPECTED_ORDERS, D, at


def _texts_seen():
    seen = []

    def hint(text):
        seen.append(text)
        return None

    return seen, hint


def test_orders_built_from_crafted_warehouse(warehouse_url):
    wh = Warehouse(warehouse_url)
    crafted.load(wh)
    seen, hint = _texts_seen()
    built = build_work_orders(wh, hint=hint)
    by_subject = {o.subject_id: o for o in built.orders}

    got = {
        s: (o.kind, o.priority, o.district, o.assignment.worker_id, o.assignment.distance_km)
        for s, o in by_subject.items()
    }
    assert got == EXPECTED_ORDERS
    assert (built.alerts, built.alerts_already_covered) == (4, 0)
    # I1..I10 minus I7 (billing) and I8 (too old); I2, I3, I10 ticketed; I5 anonymous; I6 repeats I1.
    assert (built.requests_considered, built.requests_with_ticket, built.requests_anonymous, built.requests_merged) == (
        8,
        3,
        1,
        1,
    )

    ta, tc, te = by_subject["TA"], by_subject["TC"], by_subject["TE"]
    assert ta.external_id == external_id("preventive_maintenance", "TA", "2026-11-02")
    assert ta.payload()["fault_window"] == {"start": "2026-11-02", "end": "2026-11-06"}
    assert ta.payload()["customers_served"] == 35
    # Urgent: two days before the window opens; the others the day before; always before the window.
    assert ta.due_by == dt.datetime(2026, 10, 31, 18, 0)
    assert by_subject["TB"].due_by == tc.due_by == dt.datetime(2026, 11, 1, 18, 0)
    assert ta.summary == (
        "变压器 TA 未来 7 天故障风险 0.95（预计最高油温 98.5 ℃），预计故障窗口 11-02 至 11-06，"
        "供电用户 35 户，请于 10-31 18:00 前完成预防性检修。"
    )
    assert ta.assignment.reason == "海淀区在岗 2 人中距离最近：W1（海淀抢修一班，直线距离 0.70 km）"
    assert tc.assignment.reason.startswith("密云区无在岗人员，改派全市最近的在岗人员 W4")
    assert te.assignment.reason == "工单对象无位置信息，无法按距离派工，请调度人工指派"
    assert te.payload()["customers_served"] is None

    i1, i4, i9 = by_subject["I1"], by_subject["I4"], by_subject["I9"]
    assert i1.external_id == external_id("customer_request", "C1", "I1")
    assert (i1.intent, i1.confidence, i1.customer_id, i1.interaction_id) == ("fault_repair", 0.93, "C1", "I1")
    assert i1.due_by == at(0, "10:45")  # urban arrival commitment
    assert i9.due_by == at(0, "09:30")  # rural: 90 minutes
    assert i4.due_by == at(1, "20:00")  # complaint: answered within 24 h; urgent because complaint-sensitive
    assert i1.payload()["related_interaction_ids"] == ["I6"]
    assert [h["code"] for h in i1.hints] == ["frequent_repair"]
    assert [h["code"] for h in i4.hints] == ["complaint_sensitive", "high_consumption"]
    assert [h["code"] for h in i9.hints] == ["low_confidence"]
    assert i9.summary == (
        "客户 C7 10-30 08:00 经微信来信，识别为故障报修（置信度 0.45），尚无工单，"
        "请先联系客户核实诉求，并按到达时限 90 分钟于 10-30 09:30 前到达现场。处理提示：意图置信度低。"
    )
    assert i1.payload()["interaction_at"] == "2026-10-30T10:00:00+08:00"
    assert i1.payload()["due_by"] == "2026-10-30T10:45:00+08:00"
    assert "空开" not in i1.summary  # the message (possibly personal) stays in the CRM
    # The knowledge base is asked with the summary for transformers and the customer's own words for requests.
    assert set(seen) == {o.summary for o in built.orders if o.kind == "preventive_maintenance"} | {
        "家里突然停电了，空开跳了合不上",
        "电费怎么突然翻倍了，我要投诉",
        "电表冒烟了",
    }


def test_knowledge_base_article_travels_with_each_order(tmp_path):
    from ml.knowledge import KnowledgeBase

    wh = Warehouse(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    crafted.load(wh)
    built = build_work_orders(wh, hint=KnowledgeBase.from_dir().best)
    assert {o.subject_id: o.kb_article_id for o in built.orders} == {
        "TA": "kb-transformer-preventive",
        "TB": "kb-transformer-preventive",
        "TC": "kb-transformer-preventive",
        "TE": "kb-transformer-preventive",
        "I1": "kb-fault-breaker-trip",  # 家里突然停电了，空开跳了合不上
        "I4": "kb-complaint-handling",  # 电费怎么突然翻倍了，我要投诉
        "I9": "kb-fault-meter",  # 电表冒烟了
    }
    i1 = next(o for o in built.orders if o.subject_id == "I1").payload()
    assert i1["kb_article"]["title"] == "家中空气开关跳闸怎么处理" and len(i1["kb_article"]["steps"]) >= 3


def test_rerun_and_next_night_do_not_duplicate(tmp_path):
    wh = Warehouse(f"duckdb:///{tmp_path / 'wh.duckdb'}")
    crafted.load(wh)
    outbox = Outbox(wh)
    outbox.ensure()
    first = build_work_orders(wh, outbox_payloads=outbox.payloads())
    assert len(outbox.add(first.orders)) == 7
    again = build_work_orders(wh, outbox_payloads=outbox.payloads())
    assert [o.external_id for o in again.orders] == [o.external_id for o in first.orders]
    assert outbox.add(again.orders) == []

    # The next night the same units alert again: their orders' fault windows still cover the new ones.
    crafted.load(wh, scored_on=D + dt.timedelta(days=1))
    next_night = build_work_orders(wh, outbox_payloads=outbox.payloads())
    assert next_night.alerts_already_covered == 4
    assert {o.kind for o in next_night.orders} == {"customer_request"}
    assert outbox.add(next_night.orders) == []
