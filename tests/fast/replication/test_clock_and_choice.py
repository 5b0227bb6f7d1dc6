"""One clock, measured (rule 11): the stamp clock's correction, the skew verdicts, and
reconcile refusing to order stamps closer than the measured skew."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from core import clock as core_clock
from replication import clock
from replication.aggregates import Side, Unit
from replication.checksum import platform_tables
from replication.metrics import ClockSkewCollector
from replication.reconcile import Referral, choose, skew_bound

T0 = datetime(2026, 12, 1, 12, 0, 0)


def test_the_stamp_clock_follows_the_registered_database_offset():
    try:
        core_clock.use(lambda: -300.0)
        behind = core_clock.now().timestamp()
    finally:
        core_clock.use(None)
    assert abs(time.time() - 300 - behind) < 1
    assert abs(core_clock.now().timestamp() - time.time()) < 1


def test_a_skew_beyond_the_limit_is_a_clock_skew_problem(settings):
    settings.PLATFORM_MAX_CLOCK_SKEW_MS = 500
    found = clock.problems(
        {"database": clock.Reading(-300.2, 0.001), "peer": clock.Reading(0.4, 0.001)}
    )
    assert len(found) == 1 and found[0].startswith("clock_skew:") and "-300200 ms" in found[0]
    assert clock.problems({"database": None, "peer": clock.Reading(0.499, 0.0)}) == []


def test_on_sqlite_nothing_is_measured_and_the_metric_has_no_sample():
    assert clock.skews() == {"database": None, "peer": None}
    assert clock.stamp_offset() == 0.0
    (family,) = ClockSkewCollector().collect()
    assert family.name == "platform_clock_skew_seconds" and family.samples == []


def _sides(at_local, origin_local, at_peer, origin_peer) -> dict[str, Side]:
    row = {"title": "x"}
    return {
        "default": Side({**row, "updated_at": at_local, "origin_node": origin_local}),
        "peer": Side({**row, "title": "y", "updated_at": at_peer, "origin_node": origin_peer}),
    }


def _unit() -> Unit:
    return Unit(next(t for t in platform_tables() if t.name == "task_task"), 1)


def test_the_newer_stamp_wins_when_it_is_further_than_the_measured_skew():
    bound = skew_bound(clock.Reading(0.0002, 0.0003))
    later = T0 + timedelta(seconds=2)
    assert choose(_unit(), _sides(T0, 1, later, 2), bound) == "peer"
    assert choose(_unit(), _sides(later, 2, T0, 1), bound) == "default"


def test_equal_stamps_go_to_the_lower_node_and_closer_than_the_skew_to_an_operator():
    bound = skew_bound(clock.Reading(0.004, 0.001))  # 5 ms
    assert choose(_unit(), _sides(T0, 2, T0, 1), bound) == "peer"
    close = choose(_unit(), _sides(T0, 1, T0 + timedelta(milliseconds=3), 2), bound)
    assert isinstance(close, Referral) and "within the measured clock skew" in close.reason
