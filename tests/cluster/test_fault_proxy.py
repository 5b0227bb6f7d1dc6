"""A partition through the fault proxy is a real one: node B cannot reach database A at
all (home-node writes on B fail cleanly, local writes go on), replication is cut both
ways, and after the heal the pair replicates again and agrees."""

from __future__ import annotations

import secrets
import time

from deploy.local.cluster import wait_for
from deploy.local.pair import replica_status
from tests.cluster.conftest import login

ROOM_COUNT = "SELECT COUNT(*) FROM platform.reservation_room WHERE name = '{}'"
TASK_COUNT = "SELECT COUNT(*) FROM platform.task_task WHERE title = '{}'"


def count(db, query: str, name: str) -> int:
    return db.execute(query.format(name))[0][0]


def io_threads(cluster) -> list[str]:
    return [replica_status(db)["Slave_IO_Running"] for db in cluster.pair.nodes]


def threads_running(cluster) -> bool:
    states = [replica_status(db) for db in cluster.pair.nodes]
    return all(
        (s["Slave_IO_Running"], s["Slave_SQL_Running"], s["Last_SQL_Errno"]) == ("Yes", "Yes", 0)
        for s in states
    )


def test_every_database_connection_of_the_cluster_goes_through_its_link(cluster):
    login(cluster, 1)
    login(cluster, 2)
    links = cluster.faults.status()
    assert all(links[name]["mode"] == "forward" for name in links)
    for name in ("node-a->db-a", "node-b->db-b", "db-a->db-b", "db-b->db-a"):
        assert links[name]["accepted"] >= 1, (name, links[name])
    for db, name in zip(cluster.pair.nodes, ("db-a->db-b", "db-b->db-a"), strict=True):
        assert replica_status(db)["Master_Port"] == cluster.faults.port(name)


def test_a_partition_cuts_node_b_from_database_a_and_the_heal_restores_replication(cluster):
    root_b, bob_b = login(cluster, 2, "root"), login(cluster, 2, "bob")
    room, task = f"Cut-{secrets.token_hex(3)}", f"During-{secrets.token_hex(3)}"
    cluster.faults.partition()
    try:
        wait_for(lambda: "Yes" not in io_threads(cluster), timeout=15, what="replication cut")
        refused = root_b.post("/api/v1/reservation/rooms/", {"name": room, "capacity": 4})
        assert (refused.status, refused.code) == (503, "home_unavailable"), refused.data
        written = bob_b.post("/api/v1/task/tasks/", {"title": task})
        assert written.status == 201, written.data
        assert count(cluster.pair.b, TASK_COUNT, task) == 1
        assert count(cluster.pair.a, TASK_COUNT, task) == 0  # nothing crosses the cut
        assert cluster.faults.link("node-b->db-a").status()["reset"] >= 1
        # A peer that resets at once takes no node out: each health check answers from
        # its own database (HAProxy needs two failed checks, 1 s, to mark one DOWN).
        seen = []
        for _ in range(8):
            seen.append(set(cluster.lb.server_states().values()))
            time.sleep(0.25)
        assert {"DOWN"} not in seen, seen
    finally:
        cluster.faults.heal()
    wait_for(lambda: threads_running(cluster), timeout=30, what="both replicas running again")
    cluster.wait_in_sync()
    assert count(cluster.pair.a, TASK_COUNT, task) == 1
    assert [count(db, ROOM_COUNT, room) for db in cluster.pair.nodes] == [0, 0]  # no half-write
    wait_for(
        lambda: (
            root_b.post("/api/v1/reservation/rooms/", {"name": room, "capacity": 4}).status == 201
        ),
        timeout=30,
        what="home writes from B to work again",
    )
    cluster.wait_in_sync()
    assert [count(db, ROOM_COUNT, room) for db in cluster.pair.nodes] == [1, 1]
    checksum = cluster.manage(1, "replication_checksum", check=False)
    assert checksum.returncode == 0, checksum.stdout + checksum.stderr
