"""A partition: replication stopped both ways while both nodes take writes in all ten
services; healed, the pair converges with no replication error, and the checksum is
equal once last-writer-wins rows that diverged are reconciled."""

from __future__ import annotations

import json

from core import registry
from services.base.examples import ok
from tests.cluster.conftest import login


def exercise(api, admin, other_id: int, own_id: int, tag: str) -> None:
    """Create, update and delete something in every service through this node (each
    service says how, in its examples module)."""
    for config in registry.business_services():
        config.examples_module().exercise(api, admin, own_id=own_id, other_id=other_id, tag=tag)


def replicas(cluster, *statements):
    for db in cluster.pair.nodes:
        db.execute(*statements, log_bin=False)


def status(cluster, index: int) -> dict:
    result = cluster.manage(index, "replication_status", "--json", check=False)
    return json.loads(result.stdout), result.returncode


def test_both_nodes_write_through_a_partition_and_the_pair_converges(cluster):
    alice_a, bob_b = login(cluster, 1, "alice"), login(cluster, 2, "bob")
    root_a, root_b = login(cluster, 1, "root"), login(cluster, 2, "root")
    alice = alice_a.get("/api/v1/credential/me").data["user"]["id"]
    bob = bob_b.get("/api/v1/credential/me").data["user"]["id"]
    shared = ok(alice_a.post("/api/v1/task/tasks/", {"title": "shared", "assignee": bob}))
    cluster.wait_in_sync()

    replicas(cluster, "STOP SLAVE")
    try:
        exercise(alice_a, root_a, bob, alice, "a")
        exercise(bob_b, root_b, alice, bob, "b")
        # The same last-writer-wins row edited on both sides, B last.
        ok(alice_a.patch(f"/api/v1/task/tasks/{shared['id']}/", {"title": "from A", "version": 1}))
        edit = {"description": "from B", "version": 1}
        ok(root_b.patch(f"/api/v1/task/tasks/{shared['id']}/", edit))
        diverged = root_b.get(f"/api/v1/task/tasks/{shared['id']}/").data
    finally:
        replicas(cluster, "START SLAVE")
    cluster.wait_in_sync()

    report, code = status(cluster, 1)
    assert code == 0, report["problems"]
    for server in report["servers"].values():
        assert server["replica"]["sql_running"] == "Yes"
        assert server["replica"]["last_sql_errno"] == 0

    checksum = cluster.manage(1, "replication_checksum", check=False)
    assert checksum.returncode == 1 and "task_task" in checksum.stdout, checksum.stdout
    plan = cluster.manage(1, "replication_reconcile", check=False)
    assert str(shared["id"]) in plan.stdout, plan.stdout
    cluster.manage(1, "replication_reconcile", "--apply")
    cluster.wait_in_sync()
    final = cluster.manage(1, "replication_checksum", check=False)
    assert final.returncode == 0, final.stdout + final.stderr
    # The newest write (B's) won on both nodes.
    for index in (1, 2):
        seen = login(cluster, index, "alice").get(f"/api/v1/task/tasks/{shared['id']}/").data
        assert (seen["title"], seen["description"]) == (diverged["title"], diverged["description"])
    assert status(cluster, 2)[1] == 0
