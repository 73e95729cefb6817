"""A newly promoted champion is taken up while messages keep coming, and not one request fails."""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest

from tests.assistant.conftest import KEYS, serving
from tests.doubles.intent_model import RULES, KeywordIntentModel, register_champion

pytestmark = pytest.mark.postgres

# Version 2 reads 电费 as payment: which version answered shows in the intent.
RULES_V2 = tuple((k, ("payment", 0.96, 0.01, "answer")) if k == "电费" else (k, r) for k, r in RULES)


def test_champion_swapped_under_load_without_a_failed_request(crafted_url, mlflow_uri, ticketing):
    with serving(crafted_url, mlflow_uri, ticketing, rate_per_key_per_min=1_000_000) as service:
        stop = threading.Event()
        seen: list[list[tuple[int, str | None]]] = [[] for _ in range(4)]

        def load(out: list) -> None:
            with httpx.Client(base_url=service.url, headers={"X-API-Key": KEYS["app"]}, timeout=30) as client:
                while not stop.is_set():
                    body = {"message_id": f"m-swap-{uuid.uuid4().hex}", "channel": "app", "text": "电费多少"}
                    try:
                        r = client.post("/v1/messages", json=body)
                        out.append((r.status_code, r.json().get("intent") if r.status_code == 200 else None))
                    except httpx.HTTPError as exc:
                        out.append((0, type(exc).__name__))

        threads = [threading.Thread(target=load, args=(out,)) for out in seen]
        for t in threads:
            t.start()
        time.sleep(1.5)
        assert register_champion(mlflow_uri, KeywordIntentModel(RULES_V2)) == "2"
        deadline = time.monotonic() + 20
        while httpx.get(f"{service.url}/health").json()["model_version"] != "2":
            assert time.monotonic() < deadline, "version 2 was not taken up"
            time.sleep(0.1)
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join()

    answers = [a for out in seen for a in out]
    assert len(answers) > 40
    assert [a for a in answers if a[0] != 200] == []
    assert {intent for _, intent in answers} == {"bill_inquiry", "payment"}
    for out in seen:
        intents = [intent for _, intent in out]
        switch = intents.index("payment")
        # Each client saw version 1 until the swap and version 2 after it, never back.
        assert set(intents[:switch]) <= {"bill_inquiry"} and set(intents[switch:]) == {"payment"}
