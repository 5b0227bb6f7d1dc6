"""A partition: replication stopped both ways while both nodes take writes in all ten
services; healed, the pair converges with no replication error, and the checksum is
equal once last-writer-wins rows that diverged are reconciled."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

from tests.cluster.conftest import login


def ok(response, *statuses):
    assert response.status in (statuses or (200, 201, 204)), (response.status, response.data)
    return response.data


def exercise(api, admin, other_id: int, own_id: int, tag: str) -> None:
    """Create, update and delete something in every service through this node."""
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    at = lambda hours: (when + timedelta(hours=hours)).isoformat()  # noqa: E731

    n = ok(api.post("/api/v1/notice/notices/", {"title": f"Notice {tag}", "body": "b"}))
    ok(api.patch(f"/api/v1/notice/notices/{n['id']}/", {"title": f"N {tag}", "version": 1}))
    ok(api.post(f"/api/v1/notice/notices/{n['id']}/read/", {}))
    gone = ok(api.post("/api/v1/notice/notices/", {"title": f"Gone {tag}", "body": "b"}))
    ok(api.delete(f"/api/v1/notice/notices/{gone['id']}/", {"version": 1}))

    d = ok(admin.post("/api/v1/directory/departments/", {"name": f"Dept {tag}"}))
    ok(admin.patch(f"/api/v1/directory/departments/{d['id']}/", {"name": f"D {tag}", "version": 1}))
    gone = ok(admin.post("/api/v1/directory/departments/", {"name": f"Old {tag}"}))
    ok(admin.delete(f"/api/v1/directory/departments/{gone['id']}/", {"version": 1}))

    doc = ok(
        api.post(
            "/api/v1/approval/documents/",
            {"title": f"Trip {tag}", "body": "b", "approvers": [other_id]},
        )
    )
    ok(api.post(f"/api/v1/approval/documents/{doc['id']}/withdraw/", {"version": doc["version"]}))

    e = ok(
        api.post("/api/v1/schedule/events/", {"title": f"Ev {tag}", "start": at(1), "end": at(2)})
    )
    ok(api.patch(f"/api/v1/schedule/events/{e['id']}/", {"title": f"E {tag}", "version": 1}))
    ok(api.delete(f"/api/v1/schedule/events/{e['id']}/", {"version": 2}))

    t = ok(api.post("/api/v1/task/tasks/", {"title": f"Task {tag}", "assignee": other_id}))
    ok(api.post(f"/api/v1/task/tasks/{t['id']}/transition/", {"to": "doing", "version": 1}))
    ok(api.post(f"/api/v1/task/tasks/{t['id']}/comments/", {"body": f"on it {tag}"}))
    gone = ok(api.post("/api/v1/task/tasks/", {"title": f"Drop {tag}"}))
    ok(api.delete(f"/api/v1/task/tasks/{gone['id']}/", {"version": 1}))

    content = base64.b64encode(f"draft {tag}".encode()).decode()
    second = base64.b64encode(f"second draft {tag}".encode()).decode()
    f = ok(api.post("/api/v1/document/files/", {"name": f"{tag}.txt", "content": content}))
    ok(api.post(f"/api/v1/document/files/{f['id']}/versions/", {"content": second}))
    ok(api.patch(f"/api/v1/document/files/{f['id']}/", {"name": f"{tag}-v2.txt", "version": 1}))
    ok(api.post(f"/api/v1/document/files/{f['id']}/shares/", {"user": other_id}))

    m = ok(
        api.post(
            "/api/v1/message/messages/",
            {"recipients": [other_id], "subject": f"Hi {tag}", "body": "b"},
        )
    )
    ok(api.delete(f"/api/v1/message/messages/{m['id']}/", {"version": m["version"]}))

    ok(api.post("/api/v1/attendance/punches/", {"kind": "in"}))
    ok(api.post("/api/v1/attendance/punches/", {"kind": "out"}))
    leave = ok(
        api.post(
            "/api/v1/attendance/leave-requests/",
            {"start_date": "2027-03-01", "end_date": "2027-03-02", "reason": tag},
        )
    )
    ok(admin.post(f"/api/v1/attendance/leave-requests/{leave['id']}/approve/", {"version": 1}))

    asset = ok(
        admin.post(
            "/api/v1/asset/assets/", {"tag": f"P-{tag}", "name": "Phone", "category": "phone"}
        )
    )
    ok(api.post(f"/api/v1/asset/assets/{asset['id']}/checkout/", {"user": own_id}))
    ok(api.post(f"/api/v1/asset/assets/{asset['id']}/return/"))

    room = ok(admin.post("/api/v1/reservation/rooms/", {"name": f"Room {tag}", "capacity": 4}))
    booking = ok(
        api.post(
            "/api/v1/reservation/bookings/", {"room": room["id"], "start": at(3), "end": at(4)}
        )
    )
    ok(api.post(f"/api/v1/reservation/bookings/{booking['id']}/cancel/"))


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
