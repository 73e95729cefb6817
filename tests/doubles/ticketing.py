"""A local stand-in for the ticketing system: a real HTTP server for tests, the benchmark and demos.

It behaves like the ticketing system the platform integrates with: `POST /work-orders` stores a work order
under its `Idempotency-Key` and answers 201 with a ticket id; the same key again answers 200 with the same
ticket and stores nothing (how idempotency keys work in payment and ticketing APIs); a wrong bearer token is
401; a body without the required fields is 422. Its behaviour can be switched while it runs, to play a
ticketing system that is down (5xx), slow (responses after the client's timeout) or refusing one order (4xx).

    python -m tests.doubles.ticketing --port 8765     # then TICKETING_URL=http://127.0.0.1:8765
"""

from __future__ import annotations

import argparse
import collections
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REQUIRED_FIELDS = ("external_id", "kind", "priority", "due_by", "summary")


@dataclass
class Behaviour:
    """How the stand-in answers; change the fields while it runs."""

    fail_status: int | None = None  # answer every POST with this status, storing nothing
    delay_after_store_s: float = 0.0  # store, then wait this long before answering (a client timeout)
    reject: dict[str, tuple[int, str]] = field(default_factory=dict)  # external_id -> (status, body)
    # Kill-test hook: after storing the n-th new order, set `stored_nth` and hold the answer until `release`.
    hold_after_nth_new: int | None = None
    stored_nth: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


class TicketingStandIn:
    """The server and what it has received; `start()` runs it in a daemon thread.

    Another system with the same idempotent POST (the notification gateway, tests/doubles/notify_gateway.py)
    is this with another `path`, `id_field`, `required_fields` and `problems`.
    """

    path = "/work-orders"
    id_field = "external_id"  # the body's field that must equal the Idempotency-Key
    required_fields = REQUIRED_FIELDS
    receipt_prefix = "GD"  # of the ticket id answered

    def problems(self, body: dict) -> list[str]:
        """What else makes a body invalid (422), beyond missing required fields."""
        return []

    def __init__(self, host: str = "127.0.0.1", port: int = 0, token: str | None = None):
        self.token = token
        self.behaviour = Behaviour()
        self.orders: dict[str, dict] = {}  # Idempotency-Key -> stored order (with ticket_id)
        self.requests_by_key: collections.Counter[str] = collections.Counter()
        self.requests = 0
        self.unauthorized = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> TicketingStandIn:
        self._thread = threading.Thread(target=self.server.serve_forever, name="ticketing-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.behaviour.release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> TicketingStandIn:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _answer(self, key: str | None, raw: bytes, authorization: str | None) -> tuple[int, dict | str, bool]:
        """(status, body, hold) for one POST; stores the order when it is new."""
        b = self.behaviour
        with self._lock:
            self.requests += 1
            if key:
                self.requests_by_key[key] += 1
            if self.token is not None and authorization != f"Bearer {self.token}":
                self.unauthorized += 1
                return 401, {"error": "unauthorized"}, False
            if b.fail_status is not None:
                return b.fail_status, {"error": "service unavailable"}, False
            if key in b.reject:
                status, text = b.reject[key]
                return status, text, False
            try:
                order = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                return 400, {"error": f"body is not JSON: {exc}"}, False
            missing = [f for f in self.required_fields if not order.get(f)]
            problems = self.problems(order)
            if not key or missing or problems or order.get(self.id_field) != key:
                return (
                    422,
                    {
                        "error": "invalid request",
                        "missing": missing,
                        "problems": problems,
                        "idempotency_key_matches": order.get(self.id_field) == key,
                    },
                    False,
                )
            if key in self.orders:
                return 200, {"ticket_id": self.orders[key]["ticket_id"], "replayed": True}, False
            ticket_id = f"{self.receipt_prefix}{len(self.orders) + 1:08d}"
            self.orders[key] = {**order, "ticket_id": ticket_id}
            hold = b.hold_after_nth_new is not None and len(self.orders) == b.hold_after_nth_new
            return 201, {"ticket_id": ticket_id}, hold

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive: the client reuses its connection
            # Headers and body in one segment, sent at once: otherwise Nagle's algorithm and the client's
            # delayed ACK hold every answer ~40 ms.
            wbufsize = 64 * 1024
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:  # quiet: thousands of requests per test
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.rstrip("/") != standin.path:
                    return self._send(404, {"error": "not found"})
                status, body, hold = standin._answer(
                    self.headers.get("Idempotency-Key"), raw, self.headers.get("Authorization")
                )
                b = standin.behaviour
                if hold:
                    b.stored_nth.set()
                    b.release.wait(timeout=60)
                if b.delay_after_store_s and status < 300:
                    time.sleep(b.delay_after_store_s)
                self._send(status, body)

            def do_GET(self) -> None:
                with standin._lock:
                    repeated = sum(1 for n in standin.requests_by_key.values() if n > 1)
                    self._send(
                        200, {"orders": len(standin.orders), "requests": standin.requests, "repeated_keys": repeated}
                    )

            def _send(self, status: int, body) -> None:
                data = (body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)).encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout) or was killed: the order is stored all the same

        return Handler


def serve(standin_class: type[TicketingStandIn], default_port: int, argv: list[str] | None = None) -> None:
    """Run a stand-in in the foreground until Ctrl-C (`python -m tests.doubles.<module> --port N`)."""
    parser = argparse.ArgumentParser(prog=f"python -m {standin_class.__module__}")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=default_port)
    args = parser.parse_args(argv)
    standin = standin_class(args.host, args.port)
    print(f"{standin_class.__name__} on {standin.url}{standin.path} (Ctrl-C to stop)", flush=True)
    try:
        standin.server.serve_forever()
    except KeyboardInterrupt:
        print(f"received {standin.requests} requests, {len(standin.orders)} stored")


def main(argv: list[str] | None = None) -> None:
    serve(TicketingStandIn, 8765, argv)


if __name__ == "__main__":
    main()
