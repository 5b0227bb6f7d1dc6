"""A per-process circuit breaker for each service.

Written here rather than taken from a library because the policy is the platform's
own: it opens on N consecutive failures *or* on an error rate over a sliding window
(pybreaker, the maintained option, counts consecutive failures only), reads its
parameters from the routing table on every call so an admin's edit applies at once, and
reports its state to the metrics. While open it fails fast; after `open_seconds` one
probe request is let through (half-open): success closes it, failure opens it again.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
BREAKER_STATES = {CLOSED: 0, HALF_OPEN: 1, OPEN: 2}


@dataclass(frozen=True)
class BreakerParams:
    consecutive_failures: int
    error_rate: float
    window_seconds: int
    min_requests: int
    open_seconds: int


@dataclass
class Breaker:
    state: str = CLOSED
    opened_at: float = 0.0
    consecutive: int = 0
    probing: bool = False
    outcomes: deque = field(default_factory=deque)  # (monotonic time, failed)
    failures: int = 0  # failed outcomes in the window, kept so no request sums it
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def allow(self, params: BreakerParams, now: float | None = None) -> tuple[bool, int]:
        """(may the request go through, seconds until the next probe when not)."""
        now = time.monotonic() if now is None else now
        with self.lock:
            if self.state == CLOSED:
                return True, 0
            remaining = self.opened_at + params.open_seconds - now
            if self.state == OPEN and remaining <= 0:
                self.state, self.probing = HALF_OPEN, False
            if self.state == HALF_OPEN and not self.probing:
                self.probing = True
                return True, 0
            return False, max(1, int(remaining + 0.999))

    def record(self, failed: bool, params: BreakerParams, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self.lock:
            if self.state == HALF_OPEN:
                self._settle_probe(failed, now)
                return
            self.consecutive = self.consecutive + 1 if failed else 0
            self.outcomes.append((now, failed))
            self.failures += failed
            while self.outcomes and self.outcomes[0][0] < now - params.window_seconds:
                self.failures -= self.outcomes.popleft()[1]
            if self.state == CLOSED and self._should_open(params):
                self._open(now)

    def _should_open(self, params: BreakerParams) -> bool:
        if self.consecutive >= params.consecutive_failures:
            return True
        total = len(self.outcomes)
        return total >= params.min_requests and self.failures / total >= params.error_rate

    def _settle_probe(self, failed: bool, now: float) -> None:
        self.probing = False
        if failed:
            self._open(now)
        else:
            self.state, self.consecutive, self.failures = CLOSED, 0, 0
            self.outcomes.clear()

    def _open(self, now: float) -> None:
        self.state, self.opened_at, self.probing = OPEN, now, False
