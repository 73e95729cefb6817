"""The answers: what the customer is told for each answer kind, from their own data.

Each function reads what it needs through `ServiceWarehouse.query` (parameters always bound, never spliced)
and returns an `Answer`; `conversation.py` decides which one a message gets. Replies are Chinese, for the
customer; the handoff summary is Chinese, for the agent, and names who, what and the customer's recent contacts
so the agent does not ask again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from assistant.identify import Customer, Identity
from assistant.outages import PLANNED, Outage
from assistant.store import LoggedMessage
from domain.codes import ANSWER_REASON_LABELS_ZH, CHANNEL_LABELS_ZH, TICKET_TYPE_LABELS_ZH

ACCOUNT, AREA_OUTAGE, WORK_ORDER, KNOWLEDGE, HANDOFF, CLARIFY = (
    "account",
    "area_outage",
    "work_order",
    "knowledge",
    "handoff",
    "clarify",
)
ANSWER_KINDS = (ACCOUNT, AREA_OUTAGE, WORK_ORDER, KNOWLEDGE, HANDOFF, CLARIFY)
# The kinds a customer is served by without a person (containment counts these).
SELF_SERVED = (ACCOUNT, AREA_OUTAGE, WORK_ORDER, KNOWLEDGE)

# Why a message went to a person or was asked again: stored with the message for the dashboards.
REASONS_ZH = ANSWER_REASON_LABELS_ZH
QUEUES = {"complaint": "complaints"}  # every other reason goes to the general agents' queue
DEFAULT_QUEUE = "agents"
STATUS_ZH = {"open": "已受理，待派工", "dispatched": "已派工", "resolved": "已处理", "closed": "已办结"}
CONTACT_DAYS = 7

TOU_SQL = """
SELECT tou_yearly_saving_yuan FROM marts.customer_tags WHERE customer_id = ? AND tag = 'tou_candidate'
"""
# The month's bill with the TOU saving the reply adds (TOU_SQL's) in the same round trip.
BILL_SQL = """
SELECT bill_month, bill_status, estimated_bill_yuan, previous_month_bill_yuan, bill_change_yuan, kwh_month_estimate,
       high_bill_alert, main_driver_zh,
       (SELECT t.tou_yearly_saving_yuan FROM marts.customer_tags t
        WHERE t.customer_id = b.customer_id AND t.tag = 'tou_candidate' LIMIT 1) AS tou_yearly_saving_yuan
FROM marts.bill_forecast b WHERE b.customer_id = ? ORDER BY bill_month DESC LIMIT 1
"""
OPEN_TICKETS_SQL = """
SELECT ticket_id, ticket_type, status, created_at, worker_id, arrival_commitment_minutes
FROM marts.fct_service_tickets
WHERE customer_id = ? AND resolved_at IS NULL AND ticket_type <> 'preventive_maintenance'
ORDER BY created_at DESC, ticket_id LIMIT 5
"""
# What a handoff summary names besides the message, in one round trip: the customer's contacts since a time
# (contact timeline, with the contact id), tag labels and open tickets (OPEN_TICKETS_SQL's). The NULLs are typed: PostgreSQL types a
# UNION's column pairwise, and two untyped NULLs become text, which the third part's timestamp cannot join.
SUMMARY_SQL = """
SELECT 'contact' AS part, contact_at AS at, channel AS a, topic AS b, CAST(contact_id AS VARCHAR) AS c,
       CAST(NULL AS VARCHAR) AS d, CAST(NULL AS INTEGER) AS minutes
FROM marts.customer_contact_timeline WHERE customer_id = ? AND contact_at >= ?
UNION ALL
SELECT 'tag', CAST(NULL AS TIMESTAMP), tag, tag_label_zh, NULL, NULL, NULL
FROM marts.customer_tags WHERE customer_id = ?
UNION ALL
SELECT * FROM (
    SELECT 'ticket' AS part, created_at, ticket_id, ticket_type, status, worker_id,
           CAST(arrival_commitment_minutes AS INTEGER)
    FROM marts.fct_service_tickets
    WHERE customer_id = ? AND resolved_at IS NULL AND ticket_type <> 'preventive_maintenance'
    ORDER BY created_at DESC, ticket_id LIMIT 5) t
"""


@dataclass(frozen=True)
class Answer:
    """An answer before it is recorded: kind, reply and what the response carries besides."""

    kind: str
    reply: str
    reason: str | None = None
    kb_article_id: str | None = None
    work_order: dict | None = None
    handoff: dict | None = None
    extra: dict = field(default_factory=dict)


def _yuan(value) -> str:
    return f"{float(value):.2f}"


def open_tickets(db, customer_id: str) -> list[tuple]:
    """The customer's unresolved tickets (newest first, at most 5)."""
    return db.query(OPEN_TICKETS_SQL, (customer_id,))


def ticket_lines(tickets: list[tuple]) -> list[str]:
    """One Chinese line per open ticket: type, state, crew, due time."""
    lines = []
    for tid, ttype, status, created, worker, minutes in tickets:
        line = f"工单 {tid}（{TICKET_TYPE_LABELS_ZH.get(ttype, ttype)}）{STATUS_ZH.get(status, status)}"
        if worker:
            line += f"，维修人员 {worker}"
        if minutes is not None and created is not None:
            line += f"，承诺于 {created + dt.timedelta(minutes=int(minutes)):%m-%d %H:%M} 前到达"
        lines.append(line)
    return lines


def bill_answer(db, customer: Customer) -> Answer | None:
    """This month's estimated bill and why it changed (marts.bill_forecast); None without a bill row."""
    rows = db.query(BILL_SQL, (customer.customer_id,))
    if not rows:
        return None
    month, status, bill, previous, change, kwh, alert, driver, saving = rows[0]
    word = "预计" if status == "estimate" else "账单"
    reply = f"您户号 {customer.customer_id} {month:%Y年%m月}电费{word} {_yuan(bill)} 元（约 {float(kwh):.0f} 千瓦时）"
    if previous is not None and change is not None:
        direction = "增加" if float(change) > 0 else "减少" if float(change) < 0 else "持平"
        reply += f"，上月 {_yuan(previous)} 元，{direction}"
        reply += f" {_yuan(abs(float(change)))} 元" if direction != "持平" else ""
    reply += "。"
    if driver:
        reply += f"主要原因：{driver}。"
    if alert:
        reply += "本月电费明显高于近三个月平均水平，请留意用电。"
    if saving is not None:
        reply += _tou_sentence(saving)
    return Answer(ACCOUNT, reply, extra={"bill_month": month.isoformat(), "estimated_bill_yuan": float(bill)})


def tou_line(db, customer: Customer) -> str | None:
    """The TOU saving of a `tou_candidate`, in a sentence; None for the others."""
    rows = db.query(TOU_SQL, (customer.customer_id,))
    if not rows or rows[0][0] is None:
        return None
    return _tou_sentence(rows[0][0])


def _tou_sentence(saving) -> str:
    return f"按您近 90 天的用电，改用峰谷分时电价预计每年可节省约 {_yuan(saving)} 元，可在掌上电力App申请。"


def tickets_answer(db, customer: Customer, lead: str, ticket_type: str | None = None) -> Answer | None:
    """The state of the customer's open tickets (of `ticket_type` if given), after `lead`; None when none."""
    tickets = [t for t in open_tickets(db, customer.customer_id) if ticket_type in (None, t[1])]
    lines = ticket_lines(tickets)
    if not lines:
        return None
    return Answer(ACCOUNT, lead + "；".join(lines) + "。")


def outage_answer(outage: Outage, customer: Customer) -> Answer:
    """The customer's transformer is in an outage: say so, with the cause and the estimated restoration."""
    what = "计划检修停电" if outage.kind == PLANNED else "故障停电"
    reply = f"您所在区域（台区 {customer.transformer_id}）正在{what}，原因：{outage.cause}，自 {outage.started_at:%m-%d %H:%M} 起。"
    if outage.estimated_restore_at is not None:
        reply += f"预计 {outage.estimated_restore_at:%m-%d %H:%M} 前恢复供电。"
    reply += "抢修人员已在处理，无需重复报修，恢复供电后我们会通知您。"
    return Answer(AREA_OUTAGE, reply, extra={"outage_id": outage.outage_id})


def work_order_answer(payload: dict, is_repeat: bool = False) -> Answer:
    """A repair or complaint order opened for the message: who comes, by when."""
    worker = payload.get("assigned_worker_id")
    due = dt.datetime.fromisoformat(payload["due_by"]).replace(tzinfo=None)
    lead = "您的报修已有工单在处理" if is_repeat else "已为您生成报修工单"
    reply = f"{lead}（工单号 {payload['external_id']}）"
    reply += f"，已派给就近的维修人员 {worker}" if worker else "，调度人员正在为您安排维修人员"
    reply += f"，将于 {due:%m-%d %H:%M} 前到达现场。请保持电话畅通，切勿自行触碰带电设备。"
    return Answer(
        WORK_ORDER,
        reply,
        kb_article_id=payload.get("kb_article_id"),
        work_order={"external_id": payload["external_id"], "assigned_worker_id": worker, "due_by": payload["due_by"]},
    )


def knowledge_answer(hit, lead: str = "") -> Answer:
    """The best article's steps."""
    steps = "；".join(f"{i}. {s}" for i, s in enumerate(hit.steps, start=1))
    return Answer(KNOWLEDGE, f"{lead}关于“{hit.title}”：{steps}", kb_article_id=hit.article_id)


def clarify_answer(reason: str) -> Answer:
    """One clarifying question."""
    if reason == "unidentified":
        reply = "为便于查询，请提供您的户号或在供电公司登记的手机号码。"
    else:
        reply = "抱歉，我没有完全理解您的问题。请问您是想查询电费、报修故障、咨询停电，还是办理业务？"
    return Answer(CLARIFY, reply, reason=reason)


def summary_facts(
    db, customer_id: str, now: dt.datetime, logged: list[LoggedMessage]
) -> tuple[list[tuple[dt.datetime, str, str | None]], list[str], list[tuple]]:
    """What a handoff summary names, read in one statement: the customer's contacts of the last `CONTACT_DAYS`
    days on every channel, oldest first (the contact timeline, what the nightly run knows, and the messages to
    this service since, its own log); their tag labels in tag order; their open tickets as `open_tickets`.
    The night folds this service's messages into the timeline (contact_id = message_id): those count once."""
    since = now - dt.timedelta(days=CONTACT_DAYS)
    seen, folded, tags, tickets = [], set(), [], []
    for part, at, a, b, c, d, minutes in db.query(SUMMARY_SQL, (customer_id, since, customer_id, customer_id)):
        if part == "contact":
            seen.append((at, a, b))
            folded.add(c)
        elif part == "tag":
            tags.append((a, b))
        else:
            tickets.append((a, b, c, at, d, minutes))
    seen += [
        (m.received_at, m.channel, m.intent) for m in logged if m.received_at >= since and m.message_id not in folded
    ]
    tickets.sort(key=lambda t: t[0])  # newest first, then by ticket_id, as OPEN_TICKETS_SQL orders them
    tickets.sort(key=lambda t: (t[3] is not None, t[3]), reverse=True)
    return sorted(set(seen), key=lambda r: (r[0], r[1])), [label for _, label in sorted(tags)], tickets


def handoff_answer(
    db,
    identity: Identity,
    channel: str,
    intent: str | None,
    confidence: float | None,
    reason: str,
    now: dt.datetime,
    logged: list[LoggedMessage],
) -> Answer:
    """To an agent, with a summary that spares the customer repeating themselves."""
    queue = QUEUES.get(reason, DEFAULT_QUEUE)
    customer = identity.customer
    what = TICKET_TYPE_LABELS_ZH.get(intent, "未识别诉求") if intent else "未识别诉求"
    sure = f"（置信度 {confidence:.2f}）" if confidence is not None else ""
    if customer is None:
        who = f"未识别客户（{identity.resolution}）"
        parts = [
            f"{who}经{CHANNEL_LABELS_ZH.get(channel, channel)}来信，识别为{what}{sure}，转人工原因：{REASONS_ZH[reason]}。"
        ]
    else:
        who = (
            f"客户 {customer.customer_id}（{customer.name_masked or '姓名未登记'}，{customer.district or '区县未知'}）"
        )
        parts = [
            f"{who}经{CHANNEL_LABELS_ZH.get(channel, channel)}来信，识别为{what}{sure}，转人工原因：{REASONS_ZH[reason]}。"
        ]
        seen, tags, tickets = summary_facts(db, customer.customer_id, now, logged)
        if seen:
            listed = "；".join(
                f"{at:%m-%d %H:%M} {CHANNEL_LABELS_ZH.get(ch, ch)} {TICKET_TYPE_LABELS_ZH.get(t, t or '未标注')}"
                for at, ch, t in seen
            )
            last_at, last_ch, last_t = seen[-1]
            parts.append(
                f"近 {CONTACT_DAYS} 天联系 {len(seen)} 次：{listed}。上一次联系：{CHANNEL_LABELS_ZH.get(last_ch, last_ch)}，"
                f"{TICKET_TYPE_LABELS_ZH.get(last_t, last_t or '未标注')}。"
            )
        else:
            parts.append(f"近 {CONTACT_DAYS} 天无其他联系。")
        parts.append(f"标签：{'、'.join(tags)}。" if tags else "标签：无。")
        lines = ticket_lines(tickets)
        parts.append(f"未结工单：{'；'.join(lines)}。" if lines else "未结工单：无。")
    summary = "".join(parts)
    reply = "正在为您转接人工客服，您的情况已同步给客服人员，无需重复说明，请稍候。"
    return Answer(HANDOFF, reply, reason=reason, handoff={"queue": queue, "summary": summary})
