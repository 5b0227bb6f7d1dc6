"""One clock, measured (docs/ARCHITECTURE.md#rule-11).

`read(alias)` compares this process's clock with a database's `UTC_TIMESTAMP(6)`,
corrected for the round trip: the database read its clock at about the middle of the
query, so skew = (sent + received) / 2 - database time (positive: the process is ahead),
give or take half the round trip.

- `stamp_offset()` is what `core.clock.now()` adds to the process clock, so that
  `updated_at` follows this node's *database* clock whatever the host's clock says: the
  negated skew against `default`, measured again every STAMP_REFRESH_SECONDS (a failed
  measurement keeps the last one).
- `skews()` is the node's report — the process against its own database and against the
  peer's (through `peer_fence`, which gives up within 2 s) — for `/health/replication/`,
  `replication_status` and `/metrics` (`platform_clock_skew_seconds`).
- `database_skew()` is the two databases' clocks against each other, measured by one
  process: how far apart two stamps of the same instant can be. Reconcile does not decide
  between two writes whose stamps are closer than that (replication/reconcile.py).
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.db import DatabaseError, connections

STAMP_REFRESH_SECONDS = 2.0


@dataclass(frozen=True)
class Reading:
    skew: float  # seconds: the process clock minus the database clock
    uncertainty: float  # seconds: half the round trip of the measurement

    def as_dict(self) -> dict:
        return {"skew_ms": round(self.skew * 1000, 3), "uncertainty_ms": self.uncertainty * 1000}


def read(alias: str) -> Reading:
    with connections[alias].cursor() as cursor:
        sent = time.time()
        cursor.execute("SELECT UTC_TIMESTAMP(6)")
        (database_now,) = cursor.fetchone()
        received = time.time()
    database = database_now.replace(tzinfo=UTC).timestamp()
    return Reading(skew=(sent + received) / 2 - database, uncertainty=(received - sent) / 2)


class _StampOffset:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.offset = 0.0
        self.checked = float("-inf")

    def __call__(self) -> float:
        now = time.monotonic()
        if now - self.checked < STAMP_REFRESH_SECONDS:
            return self.offset
        with self.lock:
            self.checked = now
            connection = connections["default"]
            if connection.vendor != "mysql" or connection.needs_rollback:
                return self.offset
            # A failed measurement keeps the last one; the write itself will say what failed.
            with contextlib.suppress(DatabaseError):
                self.offset = -read("default").skew
        return self.offset


stamp_offset = _StampOffset()


def skews() -> dict[str, Reading | None]:
    """This process against its own database and the peer's (None: not measurable now)."""
    own = "health" if "health" in settings.DATABASES else "default"
    found: dict[str, Reading | None] = {}
    for against, alias in (("database", own), ("peer", "peer_fence")):
        found[against] = None
        if alias not in settings.DATABASES or connections[alias].vendor != "mysql":
            continue
        try:
            found[against] = read(alias)
        except DatabaseError:
            pass  # unreachable now: reported by the replication checks, not as skew
        finally:
            if alias != "default":
                connections[alias].close()  # short-timeout connections are not kept
    return found


def problems(found: dict[str, Reading | None]) -> list[str]:
    """`clock_skew: …` for each measured skew beyond PLATFORM_MAX_CLOCK_SKEW_MS."""
    limit = settings.PLATFORM_MAX_CLOCK_SKEW_MS / 1000
    return [
        f"clock_skew: this process's clock is {reading.skew * 1000:+.0f} ms off the "
        f"{'peer database' if against == 'peer' else 'database'}'s (limit {limit * 1000:.0f} ms)"
        for against, reading in found.items()
        if reading is not None and abs(reading.skew) > limit
    ]


def database_skew(local: str = "default", peer: str = "peer") -> Reading:
    """The peer database's clock minus this node's database's, measured from here."""
    mine, theirs = read(local), read(peer)
    return Reading(skew=mine.skew - theirs.skew, uncertainty=mine.uncertainty + theirs.uncertainty)
