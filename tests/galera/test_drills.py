"""The pair's held-failover and exactly-once drills, on the Galera topology.

- a member stalled for 4 s (SIGSTOP) under three write streams: its node leaves rotation,
  the others serve, nothing lost or doubled, checksums equal once it is back;
- COMMITs whose OK is lost between node A and its member (the fault proxy forwards the
  COMMIT, drops the answer): answered `outcome_unknown`, each resend of the identical
  envelope answered as it was, nothing lost or doubled;
- a captured write resent to the other nodes gets the original answer, byte for byte;
  sent to all three nodes at the same moment, it is applied once (its record's key is
  the same on every member and certified cluster-wide) and all three answer alike;
- node A killed (nginx and gunicorn) with a client given every node's address: no failed
  request.
Figures: var/test-artifacts/galera.json.
"""

from __future__ import annotations

import os
import signal
import time
from types import SimpleNamespace

import pytest

from tests.galera.support import (
    BackendStates,
    Writes,
    checksums_equal,
    client,
    judge,
    race,
    record,
    wait_all_up,
)
from tests.support import wire


@pytest.fixture
def scenario(galera):
    galera.faults.heal()
    wait_all_up(galera)
    states = BackendStates(galera)
    states.start()
    streams: list[Writes] = []

    def start(tag: str, *, count: int = 3, urls=None) -> list[Writes]:
        made = [Writes(client(galera, urls), f"{tag}{n}") for n in range(count)]
        for stream in made:
            stream.start()
        streams.extend(made)
        return made

    def finish(name: str, **extra) -> dict:
        for stream in streams:
            stream.stop()
        states.stop()
        outcome = judge(galera, streams)
        differing = checksums_equal(galera)
        since = states.samples[0][0] if states.samples else 0.0
        figures = {
            **outcome.figures(),
            "failed": sum(len(s.failed) for s in streams),
            "all_nodes_down_samples": states.both_down,
            **{f"{n.name}_down_s": states.seconds_down(f"node-{n.name}") for n in galera.nodes},
            # (first, last sample out of rotation), seconds after the scenario began
            "out_of_rotation": {
                n.name: states.down_windows(f"node-{n.name}", since) for n in galera.nodes
            },
            "checksums_differing": differing,
            **extra,
        }
        record(name, figures)
        assert outcome.lost == [], outcome.lost[:10]
        assert outcome.doubled == [], outcome.doubled[:10]
        assert states.both_down == 0, "every node was out of rotation at once"
        assert differing == {}
        return figures

    yield SimpleNamespace(start=start, finish=finish, states=states)
    for stream in streams:
        if stream.is_alive():
            stream.stop()
    states.stop()
    galera.faults.heal()
    for db in galera.databases:
        if not db.running():
            db.start(tied=galera.tied)
        else:
            db.isolate(False)
    for node in galera.nodes:
        node.start(tied=galera.tied)


def settle(galera, seconds: float = 4.0) -> None:
    """Resends go out 3 s after their timestamp (docs/PROTOCOL.md): let them land."""
    time.sleep(seconds)
    wait_all_up(galera)


def test_a_member_stalled_for_four_seconds_loses_and_doubles_nothing(galera, scenario):
    streams = scenario.start("stall")
    time.sleep(1.5)
    pid = galera.database(1).pid()
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(4)
    finally:
        os.kill(pid, signal.SIGCONT)
    galera.galera.wait_synced()
    settle(galera)
    figures = scenario.finish("member_a_stalled_4s_sigstop")
    assert figures["acknowledged"] > 20 and figures["a_down_s"] > 0
    assert all(s.acked for s in streams)


def test_a_commit_whose_ok_is_lost_is_answered_as_it_was_on_resend(galera, scenario):
    scenario.start("lostok-lb", count=2)
    direct = scenario.start("lostok-a", count=1, urls=[galera.node(1).url])
    time.sleep(1.0)
    link = galera.faults.link("node-a->db-a")
    link.set("lose-commit-ok")
    time.sleep(1.5)
    link.set("forward")
    dropped = link.status()["commits_dropped"]
    settle(galera)
    figures = scenario.finish("commit_ok_lost", commits_whose_ok_was_lost=dropped)
    assert dropped > 0 and figures["acknowledged"] > 10
    assert direct[0].acked  # the client resent the identical envelope and was answered


def _sealed(api, title: str):
    return wire.seal(
        key=api.session.key,
        session_id=api.session.session_id,
        method="POST",
        path="/api/v1/task/tasks/",
        payload={"title": title},
    )


def _send(galera, api, index: int, request):
    url = galera.node(index).url
    return api.transport.send(url, "POST", request.target, request.headers, request.body, 10)


def test_a_captured_write_resent_to_the_other_nodes_gets_the_original_answer(galera):
    api = client(galera, [galera.node(1).url])
    captured = _sealed(api, "resent-to-b-and-c")
    first = _send(galera, api, 1, captured)
    again = [_send(galera, api, index, captured) for index in (2, 3)]
    assert first.status == 201
    assert [(a.status, a.body) for a in again] == [(201, first.body)] * 2
    rows = [
        db.execute("SELECT COUNT(*) FROM platform.task_task WHERE title = 'resent-to-b-and-c'")[0][
            0
        ]
        for db in galera.databases
    ]
    assert rows == [1, 1, 1]


def test_one_envelope_sent_to_all_three_nodes_at_once_is_applied_once(galera):
    api = client(galera, [galera.node(1).url])
    rounds, answers = 6, []
    for n in range(rounds):
        captured = _sealed(api, f"raced-envelope-{n}")
        results = race(*[lambda i=i, c=captured: _send(galera, api, i, c) for i in (1, 2, 3)])
        answers.append(sorted(r.status for r in results))
        applied = [r for r in results if r.status == 201]
        # Each got the one answer: the winner's, recorded with the write (the same bytes).
        assert len(applied) == 3 and len({r.body for r in applied}) == 1, answers
    galera.wait_in_sync()
    rows = [
        db.execute("SELECT COUNT(*) FROM platform.task_task WHERE title LIKE 'raced-envelope-%%'")[
            0
        ][0]
        for db in galera.databases
    ]
    doubles = galera.manage(1, "request_doubles", check=False)
    record("envelope_raced_on_three_nodes", {"rounds": rounds, "statuses": answers, "rows": rows})
    assert rows == [rounds] * 3
    assert doubles.returncode == 0, doubles.stdout


def test_a_node_killed_nine_is_survived_by_a_client_given_every_url(galera, scenario):
    urls = [node.url for node in galera.nodes]
    scenario.start("urls", count=2, urls=urls)
    time.sleep(1.0)
    galera.node(1).kill()
    time.sleep(3.0)
    galera.node(1).start(tied=galera.tied)
    settle(galera)
    figures = scenario.finish("node_a_killed_9_client_with_every_url")
    assert figures["failed"] == 0
