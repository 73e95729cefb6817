"""Who may call and how much: 401, 403, 413, 422 naming the field, 429 per customer and per key."""

from __future__ import annotations

import httpx
import pytest

from assistant.security import RateLimiter
from assistant.settings import parse_api_keys
from tests.assistant.conftest import MAX_BODY, RATE_PER_CUSTOMER, RATE_PER_KEY

pytestmark = pytest.mark.postgres

GOOD = {"message_id": "m-sec", "channel": "app", "text": "电费多少", "customer_id": "OK1"}


def test_without_a_known_key_401(service):
    assert service.post("/v1/messages", GOOD, channel=None).status_code == 401
    r = service.post("/v1/messages", GOOD, channel=None, headers={"X-API-Key": "not-a-key"})
    assert (r.status_code, r.json()) == (401, {"error": "missing or unknown X-API-Key"})
    assert service.post("/v1/outages/O-1/restored", {}, channel=None).status_code == 401


def test_a_key_speaking_for_another_channel_403(service):
    r = service.post("/v1/messages", {**GOOD, "channel": "wechat"}, channel="app")
    assert (r.status_code, r.json()) == (403, {"error": "this API key belongs to the app adapter, not wechat"})
    report = {"outage_id": "O-x", "transformer_id": "TR_OK", "cause": "x", "started_at": "2026-12-01T10:00:00"}
    assert service.post("/v1/outages", report, channel="app").status_code == 403


def test_body_over_the_limit_413(service):
    r = service.post("/v1/messages", {**GOOD, "text": "电" * MAX_BODY}, channel="app")
    assert (r.status_code, r.json()) == (413, {"error": f"body larger than {MAX_BODY} bytes"})


def test_malformed_requests_422_name_the_field(service):
    r = service.post("/v1/messages", {"message_id": "m-422", "channel": "sms", "text": ""}, channel="app")
    assert r.status_code == 422
    assert [f["field"] for f in r.json()["fields"]] == ["channel", "text"]
    assert r.json()["error"] == "invalid request: channel, text"
    r = service.post("/v1/messages", {"channel": "app", "text": "hi", "extra": 1}, channel="app")
    assert [f["field"] for f in r.json()["fields"]] == ["message_id", "extra"]
    r = service.post("/v1/messages", {**GOOD, "message_id": "m'; DROP TABLE raw.raw_assistant__messages; --"})
    assert [f["field"] for f in r.json()["fields"]] == ["message_id"]
    r = httpx.post(f"{service.url}/v1/messages", content=b"{not json", headers={"X-API-Key": "key-app"}, timeout=10)
    assert r.status_code == 422
    report = {"outage_id": "O-bad", "transformer_id": "TR_OK", "cause": "x", "started_at": "yesterday"}
    r = service.post("/v1/outages", report, channel="oms")
    assert [f["field"] for f in r.json()["fields"]] == ["started_at"]
    report = {**report, "started_at": "2026-12-01T10:00:00", "estimated_restore_at": "2026-12-01T09:00:00"}
    r = service.post("/v1/outages", report, channel="oms")
    assert (r.status_code, [f["field"] for f in r.json()["fields"]]) == (422, ["estimated_restore_at"])


def test_text_reaches_sql_only_as_a_parameter(service):
    text = "电费'); DELETE FROM raw.raw_assistant__messages; --"
    r = service.message("m-sql-1", text, customer_id="OK1", channel="wechat")
    assert r.status_code == 200
    from orchestration.warehouse import Warehouse

    rows = Warehouse(service.warehouse_url).query(
        "SELECT message_text FROM raw.raw_assistant__messages WHERE message_id = 'm-sql-1'"
    )
    assert rows == [(text,)]


def test_per_customer_rate_limit_429(service):
    codes = [
        service.message(f"m-rate-{i}", "电费多少", customer_id="RATE", channel="ivr").status_code
        for i in range(RATE_PER_CUSTOMER + 1)
    ]
    assert codes == [200] * RATE_PER_CUSTOMER + [429]
    # By phone it is the same customer's budget: a phone number cannot be used to get round it.
    r = service.message("m-rate-phone", "电费多少", phone="13800000007", channel="ivr")
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) >= 1


def test_per_key_rate_limit_429(service):
    codes = [service.message(f"m-key-{i}", "电费多少", channel="counter").status_code for i in range(RATE_PER_KEY + 1)]
    assert codes == [200] * RATE_PER_KEY + [429]
    # Another adapter's key has its own budget.
    assert service.message("m-key-other", "电费多少", channel="wechat").status_code == 200


def test_rate_limiter_window_slides():
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert [limiter.check("k"), limiter.check("k")] == [None, None]
    assert limiter.check("k") == 60.0
    now[0] = 59.0
    assert limiter.check("k") == 1.0
    now[0] = 60.0
    assert limiter.check("k") is None


def test_api_keys_parsed_and_refused_with_reasons():
    assert parse_api_keys("app=a1, wechat=w1,oms=o1") == {"a1": "app", "w1": "wechat", "o1": "oms"}
    with pytest.raises(ValueError, match="unknown channel 'sms'"):
        parse_api_keys("sms=s1")
    with pytest.raises(ValueError, match="the key of wechat is also the key of app"):
        parse_api_keys("app=same,wechat=same")
    with pytest.raises(ValueError, match="pair 1 \\(app\\) is not channel=key"):
        parse_api_keys("app")
