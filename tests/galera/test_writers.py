"""Three writers: every node writes its own member, certification settles what they race on.

Writes stream through HAProxy and to each node directly; every acknowledged one is on all
three members exactly once. The same booking (and the same new asset tag) sent to the
three nodes at the same moment is won once: the others get the service's own 409, never
a 500, whether their transaction lost on its own member's lock or at certification (then
the node ran it again and it saw the winner). Figures: var/test-artifacts/galera.json.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.galera.support import Writes, client, judge, race, record, scalar

ROUNDS = 8


def test_writes_on_all_three_nodes_are_on_all_three_databases(galera):
    streams = [Writes(client(galera), f"lb{n}") for n in range(3)]
    streams += [Writes(client(galera, [node.url]), f"direct-{node.name}") for node in galera.nodes]
    for stream in streams:
        stream.start()
    time.sleep(6)
    for stream in streams:
        stream.stop()
    galera.wait_in_sync()
    outcome = judge(galera, streams)
    titles = [t for s in streams for t in s.acked]
    origins = {
        row[0]
        for row in galera.database(1).execute(
            "SELECT DISTINCT origin_node FROM platform.task_task WHERE title LIKE 'lb%%' "
            "OR title LIKE 'direct-%%'"
        )
    }
    ids = [row[0] for row in galera.database(2).execute("SELECT id FROM platform.task_task")]
    failed = sum(len(s.failed) for s in streams)
    record("three_writers", {**outcome.figures(), "failed": failed, "nodes": sorted(origins)})
    assert len(titles) > 60 and outcome.lost == [] and outcome.doubled == []
    assert all(s.failed == [] for s in streams), [s.failed[:3] for s in streams]
    assert origins == {1, 2, 3}  # every node wrote (origin_node is the writing node's index)
    assert len(ids) == len(set(ids))  # Galera's own auto-increment stride: no id twice


def test_each_node_passes_its_system_check_with_galeras_auto_increment(galera):
    for index in (1, 2, 3):
        done = galera.manage(index, "check", "--database", "default", check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    query = "SELECT @@global.auto_increment_increment, @@global.auto_increment_offset"
    found = [db.execute(query)[0] for db in galera.databases]
    assert {stride for stride, _ in found} == {3} and {o for _, o in found} == {1, 2, 3}


def _slot(day: datetime, n: int) -> tuple[str, str]:
    start = day + timedelta(hours=n)
    return start.isoformat(), (start + timedelta(minutes=45)).isoformat()


def test_the_same_booking_raced_on_all_three_nodes_is_won_exactly_once(galera):
    apis = [client(galera, [node.url], username) for node, username in
            zip(galera.nodes, ("alice", "bob", "root"), strict=True)]  # fmt: skip
    room = (
        client(galera, username="root")
        .post("/api/v1/reservation/rooms/", {"name": "Galera room", "capacity": 6})
        .data
    )
    day = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=3)
    winners, answers = [], []
    for n in range(ROUNDS):
        start, end = _slot(day, n)
        body = {"room": room["id"], "start": start, "end": end}
        bodies = [{**body, "title": f"n{i}"} for i in (1, 2, 3)]
        results = race(*[
            (lambda api=api, body=body: api.post("/api/v1/reservation/bookings/", body))
            for api, body in zip(apis, bodies, strict=True)
        ])  # fmt: skip
        statuses = [r.status for r in results]
        answers.append(statuses)
        winners += [i + 1 for i, status in enumerate(statuses) if status == 201]
        assert sorted(statuses) == [201, 409, 409], [(r.status, r.data) for r in results]
        assert {r.data["code"] for r in results if r.status == 409} == {"overlap"}
    galera.wait_in_sync()
    query = (
        "SELECT COUNT(*) FROM reservation_booking WHERE room_id = %s "
        "AND cancelled_at IS NULL AND deleted_at IS NULL"
    )
    live = [scalar(db, query, room["id"]) for db in galera.databases]
    failures = sum(int(db.status()["local_cert_failures"]) for db in galera.databases)
    aborts = sum(int(db.status()["local_bf_aborts"]) for db in galera.databases)
    record(
        "booking_race",
        {
            "rounds": ROUNDS,
            "winners_by_node": {str(i): winners.count(i) for i in (1, 2, 3)},
            "statuses": answers,
            "certification_failures_total": failures,
            "brute_force_aborts_total": aborts,
        },
    )
    assert live == [ROUNDS] * 3


def test_one_new_asset_tag_registered_on_all_three_nodes_at_once_is_taken_once(galera):
    apis = [client(galera, [node.url], "root") for node in galera.nodes]
    bodies = [{"tag": "GAL-0001", "name": f"Laptop {i}", "category": "laptop"} for i in (1, 2, 3)]
    results = race(*[
        (lambda api=api, body=body: api.post("/api/v1/asset/assets/", body))
        for api, body in zip(apis, bodies, strict=True)
    ])  # fmt: skip
    statuses = sorted(r.status for r in results)
    galera.wait_in_sync()
    rows = [
        db.execute(
            "SELECT COUNT(*) FROM platform.asset_asset WHERE tag = 'GAL-0001' "
            "AND deleted_at IS NULL"
        )[0][0]
        for db in galera.databases
    ]
    record("asset_tag_race", {"statuses": statuses, "rows_per_member": rows})
    assert statuses == [201, 409, 409], [(r.status, r.data) for r in results]
    assert rows == [1, 1, 1]
