"""Proactive notices on a crafted warehouse: exactly who is told what, when, and what is left out and why.

tests/orchestration/serving/notify_crafted.py places every row; each case is named beside it. Runs on DuckDB and
on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest

from assistant.outages import report_outage, restore_outage
from domain.notices import PLANNED_OUTAGE_NOTICE_DAYS
from orchestration.serving.notifications import (
    build_notifications,
    build_outage_notifications,
    notification_outbox,
    short_notices,
)
from orchestration.serving.notifications.rules import (
    Candidate,
    Preference,
    Sent,
    decide,
    first_decent_moment,
    is_quiet,
)
from orchestration.warehouse import Warehouse
from tests.orchestration.serving import notify_crafted as crafted

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def wh(warehouse_url) -> Warehouse:
    wh = Warehouse(warehouse_url)
    crafted.load(wh)
    crafted.load_history(wh)
    return wh


def _build(wh):
    return build_notifications(wh, crafted.ORDERS, crafted.D, crafted.NOW)


def test_exactly_the_expected_customers_are_told_exactly_the_expected_things(wh):
    decision = _build(wh)
    got: dict[str, list] = {}
    for n in decision.notifications:
        got.setdefault(n.customer_id, []).append((n.kind, n.kinds, n.event_key, n.send_after, n.is_urgent, n.channel))
    assert {c: sorted(v, key=str) for c, v in got.items()} == {
        c: sorted(v, key=str) for c, v in crafted.EXPECTED.items()
    }
    # Planned window: everyone behind TP and no one else; the order 20 days out waits for its notice period.
    assert sorted(n.customer_id for n in decision.notifications if n.kind == "planned_outage") == ["C7", "C8"]
    # The running outage: everyone behind TA, whatever they refused, at once despite the night.
    assert sorted(n.customer_id for n in decision.notifications if n.event_key == "fault:F1") == ["C1", "C2", "C3"]
    assert sorted(n.customer_id for n in decision.notifications if n.event_key == "fault:F2") == ["C4", "C5"]


def test_each_message_may_go_out_only_until_its_kind_s_bound(wh):
    assert {(n.customer_id, n.kind): n.send_before for n in _build(wh).notifications} == crafted.SEND_BEFORE


def test_an_expired_message_stays_told_but_used_no_allowance():
    now, day = crafted.NOW, dt.timedelta(days=1)
    never_sent = [
        Sent("C9", "tariff_advice", ("tariff_advice:2026-10-20",), now - 10 * day, expired=True),
        *(Sent("C9", "high_bill", (f"high_bill:2026-0{i}",), now - i * day, expired=True) for i in (1, 2, 3)),
    ]
    tonight = [
        Candidate("C9", "tariff_advice", "bill:2026-10", "tariff_advice:2026-10-30", now),
        Candidate("C9", "high_bill", "bill:2026-03", "high_bill:2026-03", now),  # expired once: not told late
    ]
    decision = decide(tonight, {}, never_sent, now)
    assert [(n.customer_id, n.kind) for n in decision.notifications] == [("C9", "tariff_advice")]
    assert (decision.already_sent, decision.advice_too_recent, decision.capped) == (1, 0, 0)


def test_planned_notices_that_come_late_by_the_knowledge_base_s_rule_are_counted(wh):
    # The TP window opens 11-03 10:00; C7 is told at 06:00 and C8 at 08:00 on 10-31: over 24 hours, under 7 days.
    assert short_notices(_build(wh).notifications) == {
        "planned_notices": 2,
        "under_notice_period": 2,
        "under_24_hours": 0,
    }


def test_what_is_left_out_is_counted_with_its_reason(wh):
    decision = _build(wh)
    assert decision.opted_out == {"repair_progress": 3, "high_bill": 1}  # C2's three repair steps, C10's bill
    assert decision.advice_too_recent == 1  # C12, advised 30 days ago
    assert decision.capped == 2  # C15 (three this week), C16 (one left, taken by the repair)
    assert decision.merged == 6  # K1 3→1, F2 for C4 and C5, C9's bill and advice, K4 2→1
    assert decision.already_sent == 0


def test_texts_are_the_templates_filled_with_the_facts(wh):
    texts = {(n.customer_id, n.kind): n.text for n in _build(wh).notifications}
    assert texts[("C4", "high_bill")] == (
        "【供电服务】尊敬的客户，截至 10月30日 您户（户号 C4）本月用电 410.0 度，预计本月电费约 268.40 元，"
        "比前三个月平均 180.00 元高 49%。主要原因：天气影响：日均度日数 6.0，前三个月平均 3.2。"
        "建议：天气原因用电增加：空调制冷时温度设在 26 ℃ 及以上、制热时 20 ℃ 及以下，并关好门窗，可以少用电。"
    )
    assert texts[("C9", "high_bill")].endswith(
        "建议：改用峰谷分时电价预计每年可节省约 320 元，可在“网上国网”App 申请。"
    )
    assert texts[("C10", "tariff_advice")].startswith("【供电服务】尊敬的客户，根据您户（户号 C10）近 90 天")
    assert "每年可节省约 150 元" in texts[("C10", "tariff_advice")]
    # The running outage: cause and an estimate from the median restoration of the fault log (4 h).
    assert texts[("C1", "outage")] == (
        "【供电服务】尊敬的客户，您所在台区（变压器 TA）于 10月30日 21:00 发生故障（低压出线短路）停电，"
        "抢修人员正在处理，预计 10月31日 01:00 前恢复供电。停电期间请勿靠近倒落电线，来电前请关闭大功率电器。"
    )
    assert texts[("C4", "restored")].startswith(
        "【供电服务】尊敬的客户，您所在台区（变压器 TB）于 10月30日 08:00 因故障（雷击损坏）停电，已于 10月30日 12:00 恢复供电。"
    )
    assert "10月30日 20:00" not in texts[("C14", "repair_progress")]
    assert "抢修人员将于 10月30日 20:35 前到达现场" in texts[("C14", "repair_progress")]
    assert "已于 10月30日 11:00 处理完毕。请对本次服务进行评价" in texts[("C1", "repair_progress")]
    assert (
        texts[("C16", "repair_progress")]
        == "【供电服务】尊敬的客户，抢修人员已于 10月30日 11:30 到达现场处理您的报修（工单 K4）。"
    )
    assert "计划于 11月03日 10:00 至 11月03日 18:00 停电" in texts[("C7", "planned_outage")]
    for text in texts.values():  # no phone number, whatever the template
        assert not re.search(r"1[3-9][0-9]{9}", text)


def test_a_rerun_adds_nothing_and_a_later_night_tells_only_what_is_new(wh):
    outbox = notification_outbox(wh)
    first = _build(wh).notifications
    assert len(outbox.add(first)) == len(first) == 15
    again = _build(wh)
    # Every stage told (21: merged messages tell several) is recognised; the refused and capped stay out.
    assert again.notifications == [] and again.already_sent == 21
    assert (again.capped, again.opted_out) == (2, {"repair_progress": 3, "high_bill": 1})
    assert outbox.add(first) == []
    assert wh.query("SELECT count(*), count(DISTINCT external_id) FROM serving.notifications") == [(15 + 9, 15 + 9)]


def test_ids_are_stable_and_name_the_customer_and_what_is_told(wh):
    first, second = _build(wh).notifications, _build(wh).notifications
    assert [n.notification_id for n in first] == [n.notification_id for n in second]
    merged = next(n for n in first if n.customer_id == "C4" and n.kind == "restored")
    assert merged.covers == ("outage:F2", "restored:F2")
    digest = hashlib.sha256(b"C4|outage:F2|restored:F2").hexdigest()[:32]
    assert merged.notification_id == f"nt-{digest}"


@pytest.mark.parametrize(
    ("hour", "start", "end", "quiet"),
    [(23, 22, 7, True), (6, 22, 7, True), (7, 22, 7, False), (12, 22, 7, False), (13, 12, 14, True), (5, 0, 0, False)],
)
def test_quiet_hours_wrap_midnight(hour, start, end, quiet):
    assert is_quiet(hour, start, end) is quiet


def test_the_first_decent_moment_is_the_end_of_the_quiet_hours():
    pref = Preference("sms", frozenset(), 22, 7)
    assert first_decent_moment(dt.datetime(2026, 1, 1, 23, 30), pref) == dt.datetime(2026, 1, 2, 7, 0)
    assert first_decent_moment(dt.datetime(2026, 1, 2, 3, 0), pref) == dt.datetime(2026, 1, 2, 7, 0)
    assert first_decent_moment(dt.datetime(2026, 1, 2, 9, 15), pref) == dt.datetime(2026, 1, 2, 9, 15)


def test_the_notice_period_is_the_knowledge_base_article_s():
    article = (ROOT / "docs" / "knowledge" / "kb-outage-notice.md").read_text(encoding="utf-8")
    days = re.search(r"计划检修停电提前 (\d+) 天", article)
    assert days and int(days.group(1)) == PLANNED_OUTAGE_NOTICE_DAYS == 7


def test_outages_reported_by_the_oms_are_told_once_each_and_replace_the_fault_they_explain(wh):
    import pandas as pd

    ts = "datetime64[us]"
    wh.replace_table(
        "raw",
        "raw_oms__outages",
        pd.DataFrame(
            [
                ("O1", "TC", "planned", "线路改造", crafted.at(3, "09:00"), crafted.at(3, "17:00"), None),
                ("O2", "TA", "fault", "低压出线短路", crafted.at(0, "21:30"), crafted.at(1, "03:00"), None),
            ],
            columns=[
                "outage_id",
                "transformer_id",
                "kind",
                "cause",
                "started_at",
                "estimated_restore_at",
                "restored_at",
            ],
        ).astype({"started_at": ts, "estimated_restore_at": ts, "restored_at": ts}),
    )
    notices = _build(wh).notifications
    planned = [n for n in notices if n.event_key == "planned_outage:oms:O1"]
    assert [n.customer_id for n in planned] == ["C6"]
    assert "计划于 11月02日 09:00 至 11月02日 17:00 停电" in planned[0].text
    # O2 is the outage SCADA recorded as F1 half an hour earlier: told once, with the OMS's estimate.
    ta = sorted((n.customer_id, n.event_key, n.is_urgent) for n in notices if n.kind == "outage")
    assert ta == [("C1", "fault:oms:O2", True), ("C2", "fault:oms:O2", True), ("C3", "fault:oms:O2", True)]
    assert all("预计 10月31日 03:00 前恢复供电" in n.text for n in notices if n.event_key == "fault:oms:O2")


def _told(decision) -> list[tuple]:
    return sorted((n.customer_id, n.kind, n.event_key, n.is_urgent, n.send_after) for n in decision.notifications)


def test_an_outage_the_oms_reports_during_the_day_is_told_within_the_hour_once_and_its_restoration_too(
    wh, warehouse_url
):
    outbox = notification_outbox(wh)
    outbox.add(_build(wh).notifications)  # the night of 10-31 00:00
    start, at = crafted.at(1, "10:00"), crafted.at
    crafted.oms(warehouse_url, lambda db: report_outage(db, "O9", "TZ", "fault", "树障", start, at(1, "13:00"), start))
    # The 11:00 hourly build: everyone behind TZ and no one else (the night's notices are not told again).
    hourly = build_outage_notifications(wh, at(1, "11:00"))
    assert _told(hourly) == sorted((c, "outage", "fault:oms:O9", True, at(1, "11:00")) for c in crafted.OTHERS)
    assert "预计 10月31日 13:00 前恢复供电" in hourly.notifications[0].text
    outbox.add(hourly.notifications)
    assert build_outage_notifications(wh, at(1, "12:00")).notifications == []
    # Restored at 12:30: the 13:00 build tells the same customers, once.
    crafted.oms(warehouse_url, lambda db: restore_outage(db, "O9", at(1, "12:30")))
    restored = build_outage_notifications(wh, at(1, "13:00"))
    assert _told(restored) == sorted((c, "restored", "fault:oms:O9", False, at(1, "13:00")) for c in crafted.OTHERS)
    outbox.add(restored.notifications)
    # The next night knows both were told.
    night = build_notifications(wh, crafted.ORDERS, crafted.D + dt.timedelta(days=1), at(2, "00:00"))
    assert [n for n in night.notifications if n.event_key == "fault:oms:O9"] == []
