"""The clock that stamps `updated_at`: this process's clock, corrected to its database's.

Last-writer-wins compares `updated_at` written by different processes on different
hosts (docs/ARCHITECTURE.md#rule-11). A process clock can be wrong by any amount; the
database's clock is one per node and the platform measures it against the peer's. So
`now()` is the process clock plus the offset the replication app measures between the
process and its own database (`replication/clock.py` registers it with `use`), and the
stamps of both nodes follow their databases' clocks, whose skew is measured and alerted
on. With no source registered (SQLite, a single node) it is the process clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

_source: Callable[[], float] | None = None


def use(source: Callable[[], float] | None) -> None:
    """Register the function giving the seconds to add to the process clock."""
    global _source
    _source = source


def now() -> datetime:
    """The current time (aware, UTC) on the node's database clock, as far as measured."""
    offset = _source() if _source is not None else 0.0
    return datetime.fromtimestamp(time.time() + offset, tz=UTC)
