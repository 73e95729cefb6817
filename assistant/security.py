"""Who may call, and how often: an API key per channel adapter, rate limits per key and per customer.

The limits are sliding one-minute windows kept in each worker process's memory, so with N workers a key may
send up to N times its limit in the worst case; a shared store (PostgreSQL, Redis) would make them exact at the
cost of a round trip per message.
"""

from __future__ import annotations

import collections
import math
import threading
import time

WINDOW_S = 60.0


class RateLimiter:
    """At most `per_minute` events per key in any 60 s window."""

    def __init__(self, per_minute: int, clock=time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._events: dict[str, collections.deque] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> float | None:
        """Count one event for `key`; None when allowed, else the seconds until the next one would be."""
        now = self.clock()
        with self._lock:
            events = self._events.setdefault(key, collections.deque())
            while events and now - events[0] >= WINDOW_S:
                events.popleft()
            if len(events) >= self.per_minute:
                return max(0.0, WINDOW_S - (now - events[0]))
            events.append(now)
            if len(self._events) > 100_000:  # idle keys: drop those with no event in the window
                self._events = {k: v for k, v in self._events.items() if v and now - v[-1] < WINDOW_S}
            return None


def retry_after_header(wait_s: float) -> dict[str, str]:
    """The Retry-After header of a 429 (whole seconds, at least 1)."""
    return {"Retry-After": str(max(1, math.ceil(wait_s)))}
