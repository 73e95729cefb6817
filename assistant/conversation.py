"""One message, from request to recorded answer: identify, predict, route, answer, record.

Idempotent on message_id: a message already answered gets the stored answer back (no second prediction, no
second order); two workers answering the same new message at once both enter the same order (same external_id,
kept once by the outbox) and the first recorded answer is the one both return.

Routing, in order:
1. the customer asks for a person → handoff;
2. the model says out of scope → handoff;
3. the model is unsure → area_outage if its likeliest reading is about lost supply and the customer's transformer
   is in an outage; else clarify once; unsure again in the same conversation (or within 30 minutes) → handoff;
4. by intent: fault_repair → area_outage when the customer's transformer is in an outage, the open ticket's or
   order's state when one exists, else a new work order; complaint → handoff to the complaints queue with a
   work order (the nightly job opens one for every un-ticketed complaint too); outage_inquiry → area_outage
   or knowledge; bill_inquiry → the customer's bill; tariff_policy → the TOU saving for a candidate, else
   knowledge; payment, service_application, praise_suggestion → knowledge; no article → handoff.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from assistant import answers as A
from assistant.identify import CustomerDirectory, Identity
from assistant.intent import IntentModel, Prediction
from assistant.orders import OrderDesk
from assistant.outages import active_outage
from assistant.store import History, MessageLog

log = logging.getLogger("assistant.messages")
BEIJING = ZoneInfo("Asia/Shanghai")
# Words by which a customer asks for a person; checked before the model, which was not trained for them.
AGENT_WORDS = ("人工", "转接客服", "客服人员", "真人", "接线员", "找客服")
CLARIFY_MEMORY = dt.timedelta(minutes=30)
# An order the assistant opened for the same customer and intent within this window is the same request
# (“还没人来”): the nightly job's lookback for merging repeats.
REPEAT_WINDOW = dt.timedelta(hours=72)


def beijing_now() -> dt.datetime:
    """Now in Beijing time, naive like the data."""
    return dt.datetime.now(BEIJING).replace(tzinfo=None)


@dataclass(frozen=True)
class Message:
    """A validated request of POST /v1/messages."""

    message_id: str
    channel: str
    text: str
    customer_id: str | None = None
    phone: str | None = None
    conversation_id: str | None = None


class Assistant:
    """The library behind POST /v1/messages."""

    def __init__(self, db, model: IntentModel, directory: CustomerDirectory, desk: OrderDesk, kb, clock=beijing_now):
        self.db, self.model, self.directory, self.desk, self.kb = db, model, directory, desk, kb
        self.log = MessageLog(db)
        self.clock = clock

    @classmethod
    def build(cls, db, model: IntentModel, kb, client=None) -> Assistant:
        """The assistant over `db` with its order desk (outbox ensured; orders sent through `client` if given)."""
        desk = OrderDesk(db, hint=kb.best, client=client)
        desk.ensure()
        return cls(db, model, CustomerDirectory(db), desk, kb)

    def identify(self, message: Message) -> Identity:
        """Who wrote (exposed so the API can rate-limit per customer before answering)."""
        return self.directory.identify(message.customer_id, message.phone)

    def handle(self, message: Message, identity: Identity | None = None) -> dict:
        """The response body for a message; recorded in the conversation log before it is returned."""
        started = time.perf_counter()
        now = self.clock()
        identity = identity or self.identify(message)
        history = self.log.history(
            message.message_id, identity.customer_id, now - REPEAT_WINDOW, message.conversation_id
        )
        if history.answer is not None:
            log.info("message_id=%s replay answer_kind=%s", message.message_id, history.answer["answer_kind"])
            return history.answer
        prediction = self.model.predict(message.text)
        answer = self.route(message, identity, prediction, now, history)
        body = {
            "message_id": message.message_id,
            "customer_id": identity.customer_id,
            "intent": prediction.intent,
            "confidence": prediction.confidence,
            "answer_kind": answer.kind,
            "reply": answer.reply,
            "kb_article_id": answer.kb_article_id,
            "work_order": answer.work_order,
            "handoff": answer.handoff,
        }
        latency_ms = round((time.perf_counter() - started) * 1000, 1)
        standing = self.log.record(
            {
                "message_id": message.message_id,
                "conversation_id": message.conversation_id,
                "channel": message.channel,
                "customer_id": identity.customer_id,
                "identity_resolution": identity.resolution,
                "phone": message.phone,
                "message_text": message.text,
                "received_at": now,
                "intent": prediction.intent,
                "confidence": prediction.confidence,
                "out_of_scope": prediction.out_of_scope,
                "model_version": prediction.model_version,
                "answer_kind": answer.kind,
                "answer_reason": answer.reason,
                "kb_article_id": answer.kb_article_id,
                "work_order_id": (answer.work_order or {}).get("external_id"),
                "response": json.dumps(body, ensure_ascii=False, sort_keys=True),
                "latency_ms": latency_ms,
            }
        )
        # Ids, codes and timings only: the text, names and phone numbers stay in the raw zone.
        log.info(
            "message_id=%s channel=%s customer_id=%s resolution=%s intent=%s confidence=%.3f model=%s answer_kind=%s "
            "reason=%s work_order=%s ms=%.1f",
            message.message_id,
            message.channel,
            identity.customer_id,
            identity.resolution,
            prediction.intent,
            prediction.confidence,
            prediction.model_version,
            answer.kind,
            answer.reason,
            (answer.work_order or {}).get("external_id"),
            latency_ms,
        )
        return standing

    def route(
        self, message: Message, identity: Identity, p: Prediction, now: dt.datetime, history: History
    ) -> A.Answer:
        """The answer for a message whose intent was predicted (module docstring: the routing rules)."""
        customer = identity.customer
        logged = history.recent

        def handoff(reason: str) -> A.Answer:
            return A.handoff_answer(self.db, identity, message.channel, p.intent, p.confidence, reason, now, logged)

        if any(w in message.text for w in AGENT_WORDS):
            return handoff("asked_for_agent")
        if p.action == "handoff":
            return handoff("out_of_scope")
        if p.action == "clarify":
            # Unsure between readings, but if the likeliest is about lost supply and the customer's transformer is
            # in an outage, the outage is the answer: asking them to rephrase first only delays it.
            if p.intent in ("fault_repair", "outage_inquiry") and customer is not None:
                outage = active_outage(self.db, customer.transformer_id, now)
                if outage is not None:
                    return A.outage_answer(outage, customer)
            return (
                handoff("low_confidence")
                if self._clarified_before(message, now, history)
                else A.clarify_answer("unclear_intent")
            )
        intent = p.intent
        if intent in ("fault_repair", "outage_inquiry", "complaint", "bill_inquiry") and customer is None:
            if intent == "complaint":
                return handoff("complaint")
            return A.clarify_answer("unidentified")
        if intent in ("fault_repair", "outage_inquiry"):
            outage = active_outage(self.db, customer.transformer_id, now)
            if outage is not None:
                return A.outage_answer(outage, customer)
            if intent == "fault_repair":
                return self._repair(message, customer, p, now, logged)
            return self._knowledge(message.text, handoff)
        if intent == "complaint":
            order = self._order(message, customer, p, now)
            answer = handoff("complaint")
            return A.Answer(
                answer.kind, answer.reply, answer.reason, order.get("kb_article_id"), _order_ref(order), answer.handoff
            )
        if intent == "bill_inquiry":
            return A.bill_answer(self.db, customer) or self._knowledge(message.text, handoff)
        if intent == "tariff_policy" and customer is not None:
            tou = A.tou_line(self.db, customer)
            if tou:
                return A.Answer(A.ACCOUNT, tou)
        if intent == "praise_suggestion":
            hit = self.kb.best(message.text)
            reply = "感谢您的反馈，我们已记录并会转给相关部门。"
            return A.Answer(A.KNOWLEDGE, reply, kb_article_id=hit.article_id if hit else None)
        return self._knowledge(message.text, handoff)

    def _clarified_before(self, message: Message, now: dt.datetime, history: History) -> bool:
        logged = history.recent
        if message.conversation_id:
            last = history.last_in_conversation
        else:
            last = logged[-1] if logged and now - logged[-1].received_at <= CLARIFY_MEMORY else None
        return last is not None and last.answer_kind == A.CLARIFY and last.answer_reason == "unclear_intent"

    def _knowledge(self, text: str, handoff) -> A.Answer:
        hit = self.kb.best(text)
        return A.knowledge_answer(hit) if hit is not None else handoff("no_answer")

    def _repair(self, message: Message, customer, p: Prediction, now: dt.datetime, logged: list) -> A.Answer:
        earlier = [m for m in logged if m.intent == "fault_repair" and m.work_order_id]
        if earlier:
            payload = self.desk.payload_of(earlier[-1].work_order_id)
            if payload is not None:
                return A.work_order_answer(payload, is_repeat=True)
        ticketed = A.tickets_answer(self.db, customer, "您已有报修在处理：", "fault_repair")
        if ticketed is not None:
            return ticketed
        return A.work_order_answer(self._order(message, customer, p, now))

    def _order(self, message: Message, customer, p: Prediction, now: dt.datetime) -> dict:
        order = self.desk.build(
            customer, message.message_id, message.channel, now, p.intent, p.confidence, message.text
        )
        self.desk.open(order)
        return json.loads(json.dumps(order.payload(), ensure_ascii=False))


def _order_ref(payload: dict) -> dict:
    return {
        "external_id": payload["external_id"],
        "assigned_worker_id": payload.get("assigned_worker_id"),
        "due_by": payload["due_by"],
    }
