"""Work orders built from the night's predictions, read from the warehouse.

Two kinds:

* `preventive_maintenance` — one per transformer alert in `ml.transformer_fault_risk`: priority from the risk
  score, due before the expected fault window, the customers the transformer serves counted.
* `customer_request` — one per recent interaction in `ml.interaction_intents` predicted `fault_repair` or
  `complaint` that has no ticket yet, with intent, confidence and the customer's tags as handling hints.

Each order is assigned to the nearest on-duty worker of its district (`dispatch.nearest_worker`) and carries
the best knowledge-base article for its text; `work_order.py` defines the record and its stable id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ml.fault_risk.config import FaultRiskConfig
from orchestration.serving.dispatch import Worker, nearest_worker
from orchestration.serving.work_order import CUSTOMER_REQUEST, LOCAL_OFFSET, PREVENTIVE, WorkOrder, external_id
from orchestration.warehouse import Warehouse

REQUEST_INTENTS = ("fault_repair", "complaint")

INTENT_ZH = {"fault_repair": "故障报修", "complaint": "投诉"}
CHANNEL_ZH = {"app": "App", "wechat": "微信", "ivr": "电话", "counter": "营业厅"}
PRIORITY_ZH = {"urgent": "紧急", "high": "高", "normal": "普通"}

_FAULT_MODEL = FaultRiskConfig()


@dataclass(frozen=True)
class BuildConfig:
    """What makes an order; the defaults are the platform's policy, tests pass their own."""

    # Interactions older than this before the newest one are history, not new requests: a first run on a
    # year of data must not open a year of orders.
    request_lookback_hours: int = 72
    # The CRM's tickets carry no interaction_id (docs/landing_contract.md), so a message counts as ticketed
    # when the same customer has a ticket opened from 0 to this many hours after it (agents open the ticket
    # while or right after answering; the generator's lag is under 10 minutes), or one still open when it came.
    ticket_opened_within_hours: int = 2
    # Risk score bounds of the priorities (the model alerts from 0.5).
    urgent_risk: float = 0.9
    high_risk: float = 0.7
    # The fault-risk score reads the unit's trend `trend_lead_days` ahead, so the earliest expected fault is
    # that many days after the scoring day; the window closes at the end of the model's horizon.
    fault_window_lead_days: int = _FAULT_MODEL.trend_lead_days
    # Below this confidence the intent is a guess: the order still goes out (a missed outage is worse than a
    # wasted call) but at `normal` priority, asking the crew to call the customer first.
    min_confidence: float = 0.5
    # A complaint is answered within a working day (first contact with the complainant).
    complaint_response_hours: int = 24
    # Repair arrival when the customer's area type is unknown: the strictest (urban) commitment.
    default_arrival_minutes: int = 45


# -- reading the warehouse ------------------------------------------------------------------------------
ALERTS_SQL = """
SELECT r.transformer_id, CAST(r.scored_on AS DATE) AS scored_on, r.horizon_days, r.risk_score,
       r.predicted_max_oil_temp_c, t.district, t.lat, t.lon, t.customers_connected
FROM ml.transformer_fault_risk r
LEFT JOIN marts.dim_transformers t ON t.transformer_id = r.transformer_id
WHERE r.alert
ORDER BY r.transformer_id
"""

REQUESTS_SQL = """
WITH recent AS (
    SELECT i.*
    FROM ml.interaction_intents i
    WHERE i.predicted_intent IN ('fault_repair', 'complaint')
      AND i.interaction_at > (SELECT max(interaction_at) FROM ml.interaction_intents)
                             - INTERVAL '{lookback} hours'
)
SELECT recent.interaction_id, recent.customer_id, recent.channel, recent.interaction_at,
       recent.predicted_intent, recent.confidence, c.district, c.area_type, c.lat_approx, c.lon_approx,
       s.message_text,
       EXISTS (
           SELECT 1 FROM marts.fct_service_tickets t
           WHERE t.customer_id = recent.customer_id
             AND t.ticket_type <> 'preventive_maintenance'
             AND ((t.created_at >= recent.interaction_at
                   AND t.created_at <= recent.interaction_at + INTERVAL '{within} hours')
                  OR (t.created_at < recent.interaction_at
                      AND (t.resolved_at IS NULL OR t.resolved_at > recent.interaction_at)))
       ) AS has_ticket
FROM recent
LEFT JOIN marts.dim_customers c ON c.customer_id = recent.customer_id
LEFT JOIN staging.stg_crm__interactions s ON s.interaction_id = recent.interaction_id
ORDER BY recent.interaction_at, recent.interaction_id
"""

WORKERS_SQL = "SELECT worker_id, team, district, lat, lon, is_on_duty FROM marts.dim_workers ORDER BY worker_id"
TAGS_SQL = "SELECT customer_id, tag, tag_label_zh, evidence_text FROM marts.customer_tags ORDER BY customer_id, tag"
COMMITMENTS_SQL = "SELECT area_type, arrival_commitment_minutes FROM staging.repair_commitments"


@dataclass
class BuildResult:
    """The orders of one build and what was left out, with why (reported as asset metadata)."""

    orders: list[WorkOrder]
    alerts: int = 0
    alerts_already_covered: int = 0  # a still-open order of an earlier night covers the same fault window
    requests_considered: int = 0  # recent fault_repair / complaint interactions
    requests_with_ticket: int = 0
    requests_anonymous: int = 0  # no customer_id: nobody to send a crew to
    requests_merged: int = 0  # a repeat of a request already ordered (this run or within the lookback)


Hint = Callable[[str], object]  # text -> ml.knowledge.Hit | None


def _num(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _priority_for_risk(risk: float, config: BuildConfig) -> str:
    if risk >= config.urgent_risk:
        return "urgent"
    return "high" if risk >= config.high_risk else "normal"


def _with_hint(order: WorkOrder, hint: Hint | None, text: str) -> WorkOrder:
    found = hint(text) if hint is not None and text else None
    if found is None:
        return order
    return dataclasses.replace(order, kb_article_id=found.article_id, kb_title=found.title, kb_steps=tuple(found.steps))


def preventive_orders(
    alerts: Iterable[tuple],
    workers: list[Worker],
    config: BuildConfig,
    covered: dict[str, tuple[dt.date, str]],
    hint: Hint | None,
    result: BuildResult,
) -> list[WorkOrder]:
    """One order per alert row (ALERTS_SQL's columns), unless an earlier order's fault window still covers it.

    `covered` maps transformer_id to (last fault-window day, external_id) of its latest order in the outbox.
    """
    orders = []
    for tid, scored_on, horizon, risk, max_oil, district, lat, lon, served in alerts:
        result.alerts += 1
        start = scored_on + dt.timedelta(days=config.fault_window_lead_days)
        end = scored_on + dt.timedelta(days=int(horizon))
        oid = external_id(PREVENTIVE, tid, start.isoformat())
        if tid in covered and covered[tid][0] >= start and covered[tid][1] != oid:
            result.alerts_already_covered += 1
            continue
        risk = float(risk)
        priority = _priority_for_risk(risk, config)
        # Urgent units get a crew the next working day; the others one day later, still before the window.
        due_by = dt.datetime.combine(start - dt.timedelta(days=2 if priority == "urgent" else 1), dt.time(18, 0))
        served = int(served) if served is not None else None
        oil = _num(max_oil)
        summary = (
            f"变压器 {tid} 未来 {int(horizon)} 天故障风险 {risk:.2f}"
            + (f"（预计最高油温 {oil:.1f} ℃）" if oil is not None else "")
            + f"，预计故障窗口 {start:%m-%d} 至 {end:%m-%d}，"
            + (f"供电用户 {served} 户，" if served is not None else "台账中无此变压器，供电用户数未知，")
            + f"请于 {due_by:%m-%d %H:%M} 前完成预防性检修。"
        )
        order = WorkOrder(
            external_id=oid,
            kind=PREVENTIVE,
            subject_id=tid,
            priority=priority,
            district=district,
            due_by=due_by,
            summary=summary,
            assignment=nearest_worker(workers, district, _num(lat), _num(lon)),
            transformer_id=tid,
            hints=({"code": "fault_risk", "label_zh": "故障风险", "detail": f"风险评分 {risk:.2f}"},),
            details={
                "risk_score": round(risk, 4),
                "predicted_max_oil_temp_c": oil,
                "scored_on": scored_on.isoformat(),
                "fault_window": {"start": start.isoformat(), "end": end.isoformat()},
                "customers_served": served,
            },
        )
        orders.append(_with_hint(order, hint, summary))
    return orders


def request_orders(
    rows: Iterable[tuple],
    workers: list[Worker],
    tags: dict[str, list[dict]],
    commitments: dict[str, int],
    earlier: dict[tuple[str, str], list[dt.datetime]],
    config: BuildConfig,
    hint: Hint | None,
    result: BuildResult,
) -> list[WorkOrder]:
    """One order per un-ticketed request (REQUESTS_SQL's columns, oldest first).

    A repeat of the same customer's same intent within the lookback (“still no one came”) joins the first
    request's order rather than opening another; `earlier` holds the interaction times of such orders already
    in the outbox, per (customer_id, intent).
    """
    orders: list[WorkOrder] = []
    open_by_key: dict[tuple[str, str], tuple[dt.datetime, WorkOrder]] = {}
    seen: set[str] = set()
    lookback = dt.timedelta(hours=config.request_lookback_hours)
    for iid, cid, channel, at, intent, confidence, district, area_type, lat, lon, text, has_ticket in rows:
        if iid in seen:
            continue
        seen.add(iid)
        result.requests_considered += 1
        if has_ticket:
            result.requests_with_ticket += 1
            continue
        if cid is None:
            result.requests_anonymous += 1
            continue
        key = (cid, intent)
        oid = external_id(CUSTOMER_REQUEST, cid, iid)
        if key in open_by_key and at - open_by_key[key][0] <= lookback:
            open_by_key[key][1].details["related_interaction_ids"].append(iid)
            result.requests_merged += 1
            continue
        if any(dt.timedelta(0) < at - t <= lookback for t in earlier.get(key, [])):
            result.requests_merged += 1
            continue
        customer_tags = tuple(tags.get(cid, []))
        sensitive = any(t["code"] == "complaint_sensitive" for t in customer_tags)
        if intent == "fault_repair":
            priority = "urgent"
            minutes = commitments.get(area_type, config.default_arrival_minutes)
            due_by = at + dt.timedelta(minutes=minutes)
            deadline = f"按到达时限 {minutes} 分钟于 {due_by:%m-%d %H:%M} 前到达现场"
        else:
            priority = "urgent" if sensitive else "high"
            due_by = at + dt.timedelta(hours=config.complaint_response_hours)
            deadline = f"于 {due_by:%m-%d %H:%M} 前联系客户"
        confidence = round(float(confidence), 4)
        if confidence < config.min_confidence:
            priority = "normal"
            deadline = f"先联系客户核实诉求，并{deadline}"
            customer_tags += (
                {"code": "low_confidence", "label_zh": "意图置信度低", "detail": f"置信度 {confidence:.2f}，请先核实"},
            )
        labels = "、".join(t["label_zh"] for t in customer_tags)
        # The message itself stays in the CRM (it may hold names, phone numbers, addresses): the order points
        # at it by interaction_id.
        summary = (
            f"客户 {cid} {at:%m-%d %H:%M} 经{CHANNEL_ZH.get(channel, channel)}来信，识别为{INTENT_ZH[intent]}"
            f"（置信度 {confidence:.2f}），尚无工单，请{deadline}。" + (f"处理提示：{labels}。" if labels else "")
        )
        order = WorkOrder(
            external_id=oid,
            kind=CUSTOMER_REQUEST,
            subject_id=iid,
            priority=priority,
            district=district,
            due_by=due_by,
            summary=summary,
            assignment=nearest_worker(workers, district, _num(lat), _num(lon)),
            customer_id=cid,
            interaction_id=iid,
            intent=intent,
            confidence=confidence,
            hints=customer_tags,
            # Repeats found later in this run are appended to this list (the order's own dict).
            details={
                "channel": channel,
                "interaction_at": at.isoformat(timespec="seconds") + LOCAL_OFFSET,
                "related_interaction_ids": [],
            },
        )
        order = _with_hint(order, hint, text or summary)
        open_by_key[key] = (at, order)
        orders.append(order)
    return orders


def load_workers(wh: Warehouse) -> list[Worker]:
    """Every worker of marts.dim_workers."""
    return [Worker(w, t, d, float(la), float(lo), bool(on)) for w, t, d, la, lo, on in wh.query(WORKERS_SQL)]


def load_tags(wh: Warehouse) -> dict[str, list[dict]]:
    """The tags of each customer from marts.customer_tags, as hints."""
    tags: dict[str, list[dict]] = {}
    for cid, tag, label, evidence in wh.query(TAGS_SQL):
        tags.setdefault(cid, []).append({"code": tag, "label_zh": label, "detail": evidence})
    return tags


def build_work_orders(
    wh: Warehouse, config: BuildConfig = BuildConfig(), hint: Hint | None = None, outbox_payloads: Iterable[dict] = ()
) -> BuildResult:
    """Every order tonight's predictions call for.

    `outbox_payloads` are the payloads already in the outbox (not dead-lettered): an alert inside the fault
    window of an earlier order, or a repeat of an earlier request, does not open a second order.
    """
    covered: dict[str, tuple[dt.date, str]] = {}
    earlier: dict[tuple[str, str], list[dt.datetime]] = {}
    for p in outbox_payloads:
        if p["kind"] == PREVENTIVE:
            end = dt.date.fromisoformat(p["fault_window"]["end"])
            tid = p["transformer_id"]
            if end >= covered.get(tid, (dt.date.min, ""))[0]:
                covered[tid] = (end, p["external_id"])
        else:
            at = dt.datetime.fromisoformat(p["interaction_at"]).replace(tzinfo=None)
            earlier.setdefault((p["customer_id"], p["intent"]), []).append(at)
    result = BuildResult(orders=[])
    workers = load_workers(wh)
    cached = _memo(hint) if hint is not None else None
    result.orders += preventive_orders(wh.query(ALERTS_SQL), workers, config, covered, cached, result)
    rows = wh.query(
        REQUESTS_SQL.format(lookback=int(config.request_lookback_hours), within=int(config.ticket_opened_within_hours))
    )
    commitments = {a: int(m) for a, m in wh.query(COMMITMENTS_SQL)}
    result.orders += request_orders(rows, workers, load_tags(wh), commitments, earlier, config, cached, result)
    return result


def _memo(hint: Hint) -> Hint:
    cache: dict[str, object] = {}

    def lookup(text: str):
        if text not in cache:
            cache[text] = hint(text)
        return cache[text]

    return lookup
