"""The HTTP API (FastAPI): thin endpoints over the library modules; OpenAPI at /docs.

    uvicorn assistant.app:create_app --factory --host 127.0.0.1 --port 8000 --workers 2   (make serve)

Each worker process loads the champion intent model, the knowledge base and a pool of warehouse connections
at start. Every /v1 request carries `X-API-Key`: the key says which channel adapter calls (401 without a known
key, 403 when it speaks for another channel), and is rate-limited (429); bodies over the limit are refused
(413) and malformed ones answered 422 with the fields named.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from typing import Annotated, Literal

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.conversation import BEIJING, Assistant, Message, beijing_now
from assistant.identify import phone_key
from assistant.intent import IntentModel
from assistant.outages import report_outage, restore_outage
from assistant.security import RateLimiter, retry_after_header
from assistant.settings import OMS, AssistantSettings, load_assistant_settings
from assistant.store import ServiceWarehouse

log = logging.getLogger("assistant")

Id = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:\-]+$")
]


def _beijing(value: dt.datetime | None) -> dt.datetime | None:
    """A timestamp with an offset becomes Beijing time; one without is taken as Beijing time (as the data)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(BEIJING).replace(tzinfo=None)


class MessageIn(BaseModel):
    """A customer's message as a channel adapter forwards it."""

    model_config = ConfigDict(extra="forbid")

    message_id: Id = Field(description="Unique per message: the same id again returns the same answer")
    channel: Literal["app", "wechat", "ivr", "counter"]
    customer_id: Id | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    conversation_id: Id | None = None


class WorkOrderRef(BaseModel):
    """The order opened for the message."""

    external_id: str
    assigned_worker_id: str | None
    due_by: str = Field(description="Beijing time with its offset, e.g. 2026-10-30T10:45:00+08:00")


class Handoff(BaseModel):
    """Where the conversation goes and what the agent reads first."""

    queue: str
    summary: str


class MessageOut(BaseModel):
    """The answer."""

    message_id: str
    customer_id: str | None
    intent: str
    confidence: float
    answer_kind: Literal["account", "area_outage", "work_order", "knowledge", "handoff", "clarify"]
    reply: str
    kb_article_id: str | None
    work_order: WorkOrderRef | None
    handoff: Handoff | None


Timestamp = Annotated[dt.datetime, AfterValidator(_beijing)]


class OutageIn(BaseModel):
    """An outage as the outage management system reports it."""

    model_config = ConfigDict(extra="forbid")

    outage_id: Id
    transformer_id: Id
    kind: Literal["fault", "planned"] = "fault"
    cause: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    started_at: Timestamp
    estimated_restore_at: Timestamp | None = None


class RestoredIn(BaseModel):
    """The end of an outage; without a time, now."""

    model_config = ConfigDict(extra="forbid")

    restored_at: Timestamp | None = None


class OutageOut(BaseModel):
    """An outage's state after the report."""

    outage_id: str
    transformer_id: str
    state: Literal["active", "restored"]
    is_new: bool = False


def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each field (dotted path) and what is wrong with it; the input itself is not echoed."""
    fields = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        fields.append({"field": ".".join(loc) or "body", "problem": err.get("msg", "invalid")})
    names = ", ".join(f["field"] for f in fields)
    return JSONResponse(status_code=422, content={"error": f"invalid request: {names}", "fields": fields})


def create_app(settings: AssistantSettings | None = None) -> FastAPI:
    """The API for `settings` (default: the environment's)."""
    settings = settings or load_assistant_settings()
    state: dict = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI):
        from ml.knowledge import KnowledgeBase
        from orchestration.serving import TicketingClient

        _logging()
        db = ServiceWarehouse(settings.warehouse_url)
        db.ensure()
        kb = KnowledgeBase.from_dir()
        client = TicketingClient(settings.ticketing_url, settings.ticketing_token) if settings.ticketing_url else None
        model = IntentModel(settings.mlflow_tracking_uri, settings.model_name, settings.model_alias)
        model.load()
        model.start_polling(settings.model_poll_s)
        assistant = Assistant.build(db, model, kb, client)
        assistant.desk.sweep()
        state["assistant"] = assistant
        state["db"] = db
        log.info("assistant ready: warehouse %s, model version %s", db.url.redacted(), model.version)
        try:
            yield
        finally:
            model.stop()
            assistant.desk.close()
            db.close()

    app = FastAPI(
        title="gridcare 智能客服 API",
        version="0.1.0",
        description="The 7×24 service assistant: answers customers from their own data, opens repair orders, "
        "hands over to an agent with a summary. Every /v1 request needs the X-API-Key of its channel adapter.",
        lifespan=lifespan,
    )
    app.add_exception_handler(RequestValidationError, _validation_error)
    # Every refusal has the same shape, {"error": ...}, whichever layer refused.
    app.add_exception_handler(StarletteHTTPException, lambda _r, exc: _error(exc.status_code, str(exc.detail)))
    per_key = RateLimiter(settings.rate_per_key_per_min)
    per_customer = RateLimiter(settings.rate_per_customer_per_min)

    @app.middleware("http")
    async def guard(request: Request, call_next):
        """Size, key and key rate before anything is parsed."""
        if request.url.path.startswith("/v1/"):
            declared = request.headers.get("content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > settings.max_body_bytes):
                return _error(413, f"body larger than {settings.max_body_bytes} bytes")
            if declared is None and len(await request.body()) > settings.max_body_bytes:
                return _error(413, f"body larger than {settings.max_body_bytes} bytes")
            channel = settings.api_keys.get(request.headers.get("x-api-key") or "")
            if channel is None:
                return _error(401, "missing or unknown X-API-Key")
            request.state.channel = channel
            wait = per_key.check(channel)
            if wait is not None:
                return _error(429, "rate limit of this API key exceeded", retry_after_header(wait))
        return await call_next(request)

    @app.post("/v1/messages", response_model=MessageOut, tags=["messages"])
    def post_message(body: MessageIn, request: Request):
        """Answer a customer's message (idempotent on message_id)."""
        if request.state.channel != body.channel:
            raise HTTPException(403, f"this API key belongs to the {request.state.channel} adapter, not {body.channel}")
        assistant: Assistant = state["assistant"]
        message = Message(body.message_id, body.channel, body.text, body.customer_id, body.phone, body.conversation_id)
        identity = assistant.identify(message)
        who = identity.customer_id or (f"phone:{phone_key(body.phone)}" if phone_key(body.phone) else None)
        if who is not None:
            wait = per_customer.check(who)
            if wait is not None:
                return _error(429, "too many messages about this customer", retry_after_header(wait))
        return assistant.handle(message, identity)

    @app.post("/v1/outages", response_model=OutageOut, tags=["outages"])
    def post_outage(body: OutageIn, request: Request):
        """Record an outage reported by the outage management system (again: its cause and estimate updated)."""
        _require_oms(request)
        if body.estimated_restore_at is not None and body.estimated_restore_at < body.started_at:
            raise RequestValidationError(
                [{"loc": ("body", "estimated_restore_at"), "msg": "is before started_at", "type": "value_error"}]
            )
        new = report_outage(
            state["db"],
            body.outage_id,
            body.transformer_id,
            body.kind,
            body.cause,
            body.started_at,
            body.estimated_restore_at,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )
        log.info("outage_id=%s transformer_id=%s kind=%s new=%s", body.outage_id, body.transformer_id, body.kind, new)
        return OutageOut(outage_id=body.outage_id, transformer_id=body.transformer_id, state="active", is_new=new)

    @app.post("/v1/outages/{outage_id}/restored", response_model=OutageOut, tags=["outages"])
    def post_restored(outage_id: Id, request: Request, body: RestoredIn | None = None):
        """Record the end of an outage."""
        _require_oms(request)
        restored_at = (body.restored_at if body else None) or beijing_now()
        row = restore_outage(state["db"], outage_id, restored_at)
        if row is None:
            raise HTTPException(404, f"no outage {outage_id}")
        log.info("outage_id=%s restored", outage_id)
        return OutageOut(outage_id=row[0], transformer_id=row[1], state="restored")

    @app.get("/health", tags=["operations"])
    def health():
        """Liveness and the model version serving."""
        assistant: Assistant | None = state.get("assistant")
        return {"status": "ok", "model_version": assistant.model.version if assistant else None}

    return app


def _require_oms(request: Request) -> None:
    if request.state.channel != OMS:
        raise HTTPException(403, "only the outage management system's key may report outages")


def _error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": message}, headers=headers)


def _logging() -> None:
    """One line per event on stderr for the assistant's loggers (uvicorn configures only its own)."""
    logger = logging.getLogger("assistant")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
