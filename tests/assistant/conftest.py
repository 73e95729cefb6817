"""The assistant running for real: a crafted PostgreSQL warehouse, an MLflow store whose `intent_classifier`
champion is the keyword stand-in, the ticketing stand-in, and the API served by uvicorn on a free port.

The machine's two cores are shared, so one service (one uvicorn worker, in a thread of the test process) serves a
whole module; the restart test starts its own in subprocesses, since it must kill one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import _pg_admin_execute, require_postgres

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"app": "key-app", "wechat": "key-wechat", "ivr": "key-ivr", "counter": "key-counter", "oms": "key-oms"}
KEYS_SPEC = ",".join(f"{c}={k}" for c, k in KEYS.items())
RATE_PER_KEY, RATE_PER_CUSTOMER, MAX_BODY = 120, 5, 4096


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout_s: float = 120.0, proc: subprocess.Popen | None = None) -> dict:
    """Poll /health until it answers 200 (a worker loads the model and the knowledge base first)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"service exited with {proc.returncode}")
        try:
            r = httpx.get(f"{url}/health", timeout=2)
            if r.status_code == 200 and r.json()["model_version"]:
                return r.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} not healthy after {timeout_s} s")


@pytest.fixture(scope="module")
def pg_database():
    """A PostgreSQL database for one module, dropped after it."""
    require_postgres()
    made = []

    def make() -> str:
        name = f"gridcare_test_{uuid.uuid4().hex[:10]}"
        _pg_admin_execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return f"postgresql://postgres@127.0.0.1:5432/{name}"

    yield make
    _pg_admin_execute(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in made))


@pytest.fixture(scope="module")
def crafted_url(pg_database) -> str:
    """A PostgreSQL warehouse holding the crafted rows."""
    from orchestration.warehouse import Warehouse
    from tests.assistant import crafted

    url = pg_database()
    crafted.load(Warehouse(url))
    return url


@pytest.fixture(scope="module")
def mlflow_uri(tmp_path_factory) -> str:
    """An MLflow store whose intent_classifier@champion is the keyword stand-in (version 1)."""
    from tests.doubles.intent_model import KeywordIntentModel, register_champion

    root = tmp_path_factory.mktemp("assistant-mlflow")
    uri = f"sqlite:///{root / 'mlflow.db'}"
    assert register_champion(uri, KeywordIntentModel()) == "1"
    return uri


@pytest.fixture(scope="module")
def ticketing():
    """The ticketing stand-in, running for the module."""
    from tests.doubles.ticketing import TicketingStandIn

    with TicketingStandIn() as standin:
        yield standin


@dataclasses.dataclass
class Service:
    """A running assistant and a client of it."""

    url: str
    warehouse_url: str
    mlflow_uri: str
    ticketing: object

    def post(self, path: str, body=None, channel: str | None = "app", **kw) -> httpx.Response:
        headers = kw.pop("headers", {})
        if channel is not None:
            headers = {"X-API-Key": KEYS[channel], **headers}
        return httpx.post(f"{self.url}{path}", json=body, headers=headers, timeout=30, **kw)

    def message(self, message_id: str, text: str, channel: str = "app", **fields) -> httpx.Response:
        return self.post(
            "/v1/messages", {"message_id": message_id, "channel": channel, "text": text, **fields}, channel
        )


@contextlib.contextmanager
def serving(warehouse_url: str, mlflow_uri: str, ticketing, **overrides):
    """The assistant served by uvicorn in a thread of this process; `overrides` change its settings."""
    import uvicorn

    from assistant.app import create_app
    from assistant.settings import AssistantSettings, parse_api_keys

    settings = AssistantSettings(
        warehouse_url=warehouse_url,
        mlflow_tracking_uri=mlflow_uri,
        ticketing_url=ticketing.url,
        api_keys=parse_api_keys(KEYS_SPEC),
        rate_per_key_per_min=RATE_PER_KEY,
        rate_per_customer_per_min=RATE_PER_CUSTOMER,
        max_body_bytes=MAX_BODY,
        model_poll_s=0.5,
    )
    settings = dataclasses.replace(settings, **overrides)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="assistant", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url)
        yield Service(url, warehouse_url, mlflow_uri, ticketing)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module")
def service(crafted_url, mlflow_uri, ticketing):
    """The assistant on the crafted warehouse, for one module."""
    with serving(crafted_url, mlflow_uri, ticketing) as running:
        yield running


def start_subprocess_service(warehouse_url: str, mlflow_uri: str, ticketing_url: str, port: int, workers: int = 1):
    """`make serve`'s command in a child process (own process group, so a test can kill it outright)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "WAREHOUSE_URL": warehouse_url,
        "MLFLOW_TRACKING_URI": mlflow_uri,
        "TICKETING_URL": ticketing_url,
        "ASSISTANT_API_KEYS": KEYS_SPEC,
        "ASSISTANT_MODEL_POLL_S": "0.5",
    }
    env.pop("TICKETING_TOKEN", None)
    cmd = [sys.executable, "-m", "uvicorn", "assistant.app:create_app", "--factory", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL the service's whole process group: no shutdown hook runs, as in a crash."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
