"""The node-local store: seen nonces in the window, sessions ended on this node."""

from __future__ import annotations

import multiprocessing
import os

from core.nodelocal import NodeState


def test_a_key_is_seen_first_once_and_then_refused_by_every_handle(tmp_path):
    one = NodeState(tmp_path / "s.sqlite3", window_seconds=240)
    other = NodeState(tmp_path / "s.sqlite3", window_seconds=240)  # another worker
    assert one.first_sight(b"k1") is True
    assert one.first_sight(b"k1") is False
    assert other.first_sight(b"k1") is False
    assert other.first_sight(b"k2") is True


def test_a_key_older_than_the_window_is_forgotten(tmp_path):
    state = NodeState(tmp_path / "s.sqlite3", window_seconds=240)
    assert state.first_sight(b"k", now=1_000.0)
    assert not state.first_sight(b"k", now=1_100.0)
    assert state.first_sight(b"k", now=1_000.0 + 241)


def test_what_was_seen_survives_a_new_handle_on_the_same_file(tmp_path):
    NodeState(tmp_path / "s.sqlite3", window_seconds=240).first_sight(b"k")
    restarted = NodeState(tmp_path / "s.sqlite3", window_seconds=240)
    assert restarted.first_sight(b"k") is False


def _claim(path: str, key: bytes, results) -> None:
    results.put(NodeState(path, window_seconds=240).first_sight(key))


def test_two_processes_racing_on_one_key_see_it_first_exactly_once(tmp_path):
    path = str(tmp_path / "s.sqlite3")
    NodeState(path, window_seconds=240).first_sight(b"warm")  # the schema exists
    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    procs = [ctx.Process(target=_claim, args=(path, b"race", results)) for _ in range(6)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(10)
    assert sorted(results.get(timeout=5) for _ in procs) == [False] * 5 + [True]


def test_a_revocation_is_seen_by_every_handle_and_the_file_is_private(tmp_path):
    path = tmp_path / "state" / "s.sqlite3"
    NodeState(path, window_seconds=240).revoke("hash-of-a-session")
    assert NodeState(path, window_seconds=240).is_revoked("hash-of-a-session")
    assert not NodeState(path, window_seconds=240).is_revoked("another")
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert oct(os.stat(path.parent).st_mode & 0o777) == "0o700"


def test_a_flag_is_raised_for_every_handle_until_it_expires(tmp_path):
    one = NodeState(tmp_path / "s.sqlite3", window_seconds=240)
    other = NodeState(tmp_path / "s.sqlite3", window_seconds=240)
    assert not other.flag_raised("fence-down")
    one.raise_flag("fence-down", seconds=5, now=1_000.0)
    assert other.flag_raised("fence-down", now=1_004.0)
    assert not other.flag_raised("fence-down", now=1_005.5)


def _first_request(path, start, errors):
    store = NodeState(path, window_seconds=60)
    start.wait()
    try:
        store.is_revoked("nobody")
        store.first_sight(os.urandom(16))
    except Exception as exc:  # every failure is the finding
        errors.put(repr(exc))


def test_many_workers_opening_a_fresh_file_at_once_all_get_a_working_store(tmp_path):
    # Switching a fresh file to WAL is not covered by SQLite's busy timeout: without the
    # setup lock, two workers' first requests at the same moment failed "database is locked".
    context = multiprocessing.get_context("fork")
    errors = context.Queue()
    for round_ in range(6):
        start = context.Event()
        path = tmp_path / f"round-{round_}" / "node.sqlite3"
        workers = [
            context.Process(target=_first_request, args=(path, start, errors)) for _ in range(8)
        ]
        for worker in workers:
            worker.start()
        start.set()
        for worker in workers:
            worker.join(30)
        assert [worker.exitcode for worker in workers] == [0] * 8
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
