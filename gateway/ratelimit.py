"""Rate limits per session and per client address: token buckets in each worker.

Kept in memory on purpose: a shared store would put a write (and, in the database, a
row both nodes could race on) on every request. The cost is precision: a node with W
worker processes admits up to W times the configured rate in the worst case, and each
node counts on its own. The limits exist to stop floods and runaway clients, not to
meter usage; Retry-After tells a limited client when a token is back.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict


class Limiter:
    """`rate` tokens per second per key, at most `burst` saved up; 0 disables."""

    def __init__(self, rate: float, burst: int, *, max_keys: int = 50_000) -> None:
        self.rate, self.burst, self.max_keys = rate, max(burst, 1), max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> int:
        """0 when a token was taken, else whole seconds until one is available."""
        if self.rate <= 0:
            return 0
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, stamp = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - stamp) * self.rate)
            allowed = tokens >= 1
            self._buckets[key] = (tokens - 1 if allowed else tokens, now)
            if len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)  # forget the longest-idle key
        return 0 if allowed else max(1, math.ceil((1 - tokens) / self.rate))
