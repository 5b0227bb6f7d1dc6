"""Loaded (through PYTHONPATH) only into a node process run under libfaketime.

The cluster tier skews node B's wall clock with libfaketime
(tests/cluster/test_safety_settling.py), leaving its monotonic clock real
(FAKETIME_DONT_FAKE_MONOTONIC=1), as a host whose NTP is wrong has it. libfaketime
0.9.10 (Debian 12) then fails Python 3.11's `time.sleep` with EINVAL: it rewrites the
absolute deadline that sleep passes to clock_nanosleep on the monotonic clock. A sleep
through select() waits the same time without that call; the clocks stay as faked.
"""

import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], seconds)


time.sleep = _sleep
