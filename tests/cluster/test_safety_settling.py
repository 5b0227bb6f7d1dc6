"""Divergence settled per object, never by a stale echo or a skewed clock (rules 9-11).

On the real pair with real partitions (the fault proxy): a notice's audience, an
event's attendees and a file's shares edited on both sides, with the directory's
cross-row invariants broken across the partition; a settling write with the winner's
replica stopped; node B's clock 300 s behind under libfaketime. Each ends sound
(tests/cluster/safety_harness.py); figures in var/test-artifacts/replication-safety.json.
"""

from __future__ import annotations

import glob
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.cluster.conftest import login
from tests.cluster.safety_harness import (
    assert_sound,
    manage,
    ok,
    on_both,
    record,
    title,
    wait_until,
)

GROUPS_AND_CAROL = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
ids = [Group.objects.create(name=f"{tag}-g{{n}}").pk for n in (1, 2, 3)]
carol = get_user_model().objects.create_user("carol-{tag}", password="x-Unused-Passw0rd")
print(ids + [carol.pk])
"""


def _me(api) -> int:
    return api.get("/api/v1/credential/me").data["user"]["id"]


def _aggregates(api, notice: int, event: int, file: int) -> dict:
    """Each aggregate as the API shows it: the audience, the attendees, the shares."""
    shares = api.get(f"/api/v1/document/files/{file}/shares/").data["results"]
    return {
        "audience": sorted(api.get(f"/api/v1/notice/notices/{notice}/").data["audience"]),
        "attendees": sorted(api.get(f"/api/v1/schedule/events/{event}/").data["attendees"]),
        "shares": sorted(
            f"user:{s['user']}" if s["user"] else f"group:{s['group']}" for s in shares
        ),
    }


def _edit_side(api, made: dict, *, audience, attendees, share, unshare) -> None:
    """One side's edits during the partition, each from version 1 of the object."""
    ok(api.patch(f"/api/v1/notice/notices/{made['notice']}/", {"audience": audience, "version": 1}))
    ok(
        api.patch(
            f"/api/v1/schedule/events/{made['event']}/", {"attendees": attendees, "version": 1}
        )
    )
    shares = f"/api/v1/document/files/{made['file']}/shares/"
    ok(api.post(shares, share))
    assert api.delete(shares, {"share": unshare, "version": 1}).status == 204


def _make_objects(alice_a, root_a, *, tag: str, g1: int, bob: int) -> dict:
    """A notice for g1, an event with bob, a file shared with g1, three departments."""
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=9)
    event = {"title": tag, "start": when.isoformat(), "attendees": [bob]}
    event["end"] = (when + timedelta(hours=1)).isoformat()
    notice = {"title": tag, "body": "b", "audience": [g1]}
    made = {
        "notice": ok(alice_a.post("/api/v1/notice/notices/", notice))["id"],
        "event": ok(alice_a.post("/api/v1/schedule/events/", event))["id"],
        "file": ok(alice_a.post("/api/v1/document/files/", {"name": f"{tag}.txt"}))["id"],
    }
    shares = f"/api/v1/document/files/{made['file']}/shares/"
    made["first_share"] = ok(alice_a.post(shares, {"group": g1}))["id"]
    for key in ("empty", "x", "y"):
        department = {"name": f"{tag}-{key}"}
        made[key] = ok(root_a.post("/api/v1/directory/departments/", department))["id"]
    return made


def _department(admin, made: dict, key: str, **changes) -> None:
    url = f"/api/v1/directory/departments/{made[key]}/"
    ok(admin.patch(url, {**changes, "version": 1}))


def test_aggregates_edited_on_both_sides_settle_to_the_newest_whole_version(
    cluster, pt_dsn, partition
):
    tag = secrets.token_hex(3)
    printed = cluster.shell(1, GROUPS_AND_CAROL.format(tag=tag)).strip().splitlines()[-1]
    g1, g2, g3, carol = json.loads(printed)
    alice_a, root_a = login(cluster, 1, "alice"), login(cluster, 1, "root")
    bob, alice = _me(login(cluster, 2, "bob")), _me(alice_a)
    made = _make_objects(alice_a, root_a, tag=tag, g1=g1, bob=bob)
    models = {key: made[key] for key in ("notice", "event", "file")}
    cluster.wait_in_sync()
    alice_b, root_b = login(cluster, 2, "alice"), login(cluster, 2, "root")
    people = "/api/v1/directory/people/"

    partition()
    edits = {"unshare": made["first_share"]}
    _edit_side(
        alice_a, made, audience=[g2, g3], attendees=[bob, carol], share={"group": g2}, **edits
    )
    ok(root_a.delete(f"/api/v1/directory/departments/{made['empty']}/", {"version": 1}))
    ok(root_a.post(people, {"user": alice, "display_name": "Alice on A"}))
    _department(root_a, made, "x", parent=made["y"])
    # B edits every object later: its versions are the newest acknowledged ones.
    _edit_side(alice_b, made, audience=[g3], attendees=[carol], share={"user": carol}, **edits)
    ok(root_b.post(people, {"user": bob, "display_name": "Bob", "department": made["empty"]}))
    ok(root_b.post(people, {"user": alice, "display_name": "Alice on B"}))
    _department(root_b, made, "y", parent=made["x"])
    acknowledged = {"a": _aggregates(alice_a, **models), "b": _aggregates(alice_b, **models)}
    cluster.faults.heal()
    cluster.wait_in_sync()

    found = cluster.manage(
        1, "replication_checksum", "--json", "--recheck-delay", "0.2", check=False
    )
    report = json.loads(found.stdout)
    settled = cluster.manage(
        1, "replication_reconcile", "--apply", "--recheck-delay", "0.2", check=False
    )
    assert settled.returncode == 0, settled.stdout + settled.stderr
    sound = assert_sound(cluster, pt_dsn)
    final = {index: _aggregates(login(cluster, index, "alice"), **models) for index in (1, 2)}
    assert final[1] == final[2] == acknowledged["b"] != acknowledged["a"]
    directory = on_both(
        cluster,
        "SELECT (SELECT COUNT(*) FROM directory_staffprofile "
        "WHERE user_id = %s AND deleted_at IS NULL), "
        "(SELECT deleted_at IS NULL FROM directory_department WHERE id = %s), "
        "(SELECT COUNT(*) FROM directory_department WHERE id IN (%s, %s) AND parent_id IS NULL)",
        [alice, made["empty"], made["x"], made["y"]],
    )
    assert directory["a"] == directory["b"] == [(1, 1, 1)]
    record(
        "aggregates_after_a_partition",
        {
            "objects_differing_before": len(report["objects"]),
            "links_disagreeing_before": len(report["inconsistent"]),
            "invariants_broken_before": len(report["invariants"]),
            "acknowledged": acknowledged,
            "final": final[1],
            "reconcile": settled.stdout.splitlines()[-12:],
            **sound,
        },
    )
    assert found.returncode == 1 and report["invariants"], found.stdout


def _binlog_position(db) -> tuple[str, int]:
    file, position, *_ = db.execute("SHOW MASTER STATUS")[0]
    return file, int(position)


def _tables_logged_since(db, position: tuple[str, int]) -> set[str]:
    """The tables of every row event each server logged since `position`."""
    events = db.execute(f"SHOW BINLOG EVENTS IN '{position[0]}' FROM {position[1]}")
    return {
        info.split("(")[-1].rstrip(")") for *_, kind, _, _, info in events if kind == "Table_map"
    }


def test_a_settling_write_never_lands_late_over_a_newer_edit(cluster, pt_dsn, partition):
    """With the winner's replica stopped and a change of the peer still to apply,
    reconcile writes nothing. Settled once replication runs, it leaves no event in either
    binary log: nothing of it can reach a database late, over a newer edit."""
    on_a, on_b = login(cluster, 1, "alice"), login(cluster, 2, "alice")
    task = ok(on_a.post("/api/v1/task/tasks/", {"title": "original"}))["id"]
    cluster.wait_in_sync()
    partition()
    ok(on_a.patch(f"/api/v1/task/tasks/{task}/", {"title": "from A, first", "version": 1}))
    ok(on_b.patch(f"/api/v1/task/tasks/{task}/", {"title": "from B, later", "version": 1}))
    cluster.faults.heal()
    cluster.wait_in_sync()
    # Replication crossed the edits over: database A now holds B's (newer) row, so A is
    # the winner, and its replica (applying B's writes) is the one a late echo would use.
    crossed = (title(cluster, 1, task), title(cluster, 2, task))
    winner_replica = cluster.pair.a

    winner_replica.execute("STOP SLAVE", log_bin=False)
    try:
        ok(on_b.post("/api/v1/task/tasks/", {"title": "in flight to A"}))
        held = cluster.manage(1, "replication_reconcile", "--apply", check=False)
        unchanged = (title(cluster, 1, task), title(cluster, 2, task))
    finally:
        winner_replica.execute("START SLAVE", log_bin=False)
    cluster.wait_in_sync()

    before = {db.name: _binlog_position(db) for db in cluster.pair.nodes}
    applied = cluster.manage(1, "replication_reconcile", "--apply", check=False)
    logged = {db.name: _tables_logged_since(db, before[db.name]) for db in cluster.pair.nodes}
    winner_replica.execute("STOP SLAVE", log_bin=False)
    try:
        newest = ok(
            on_a.patch(f"/api/v1/task/tasks/{task}/", {"title": "newest, on A", "version": 2})
        )
    finally:
        winner_replica.execute("START SLAVE", log_bin=False)
    sound = assert_sound(cluster, pt_dsn)

    assert crossed == ("from B, later", "from A, first")
    assert held.returncode == 1 and "replication in flight" in held.stdout, held.stdout
    assert unchanged == crossed
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert f"updated task_task pk={task} on peer" in applied.stdout
    assert all("platform.task_task" not in tables for tables in logged.values()), logged
    assert title(cluster, 1, task) == title(cluster, 2, task) == newest["title"]
    record(
        "settling_write_with_the_winners_replica_stopped",
        {
            "held_while_in_flight": True,
            "settling_events_in_the_binary_logs": 0,
            "final_title": newest["title"],
            **sound,
        },
    )


FAKETIME = {
    "FAKETIME": "-300",  # node B's host clock five minutes behind; the databases on time
    "FAKETIME_DONT_FAKE_MONOTONIC": "1",  # a wrong wall clock; the monotonic one is real
    "NO_FAKE_STAT": "1",
    # libfaketime 0.9.10 breaks Python's time.sleep there: tests/support/faketime/
    "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "support" / "faketime"),
}


@pytest.fixture
def skewed_b(cluster):
    """Node B's gunicorn (and its operators' commands) on a host clock 300 s behind."""
    found = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
    if not found:
        pytest.fail("libfaketime is missing: `scripts/system-deps test` installs faketime")
    node = cluster.node(2)
    before = dict(node.env)
    node.env.update({**FAKETIME, "LD_PRELOAD": found[0]})
    try:
        node.stop()
        node.start(tied=cluster.tied)
        yield node
    finally:
        node.env.clear()
        node.env.update(before)
        node.stop()
        node.start(tied=cluster.tied)


def _replication_health(node) -> tuple[int, dict]:
    answer = requests.get(
        f"{node.url}/health/replication/?format=json", timeout=10, verify=str(node.ca_file)
    )
    return answer.status_code, answer.json()


def _failing(node):
    status, checks = _replication_health(node)
    return (status, checks) if status == 503 else None


def _skew_metric(node) -> dict[str, float]:
    text = requests.get(f"{node.url}/metrics", timeout=10, verify=str(node.ca_file)).text
    found = {}
    for line in text.splitlines():
        if line.startswith("platform_clock_skew_seconds{"):
            labels, value = line.rsplit(" ", 1)
            found[labels.split('against="')[1].split('"')[0]] = float(value)
    return found


def test_a_skewed_node_is_reported_within_a_minute_and_never_picks_the_winner(
    cluster, pt_dsn, partition, skewed_b
):
    (_, checks), seconds = wait_until(lambda: _failing(skewed_b), timeout=60)
    assert any("clock_skew" in str(v) for v in checks.values()), checks
    metric = _skew_metric(skewed_b)
    assert -310 < metric["database"] < -290 and -310 < metric["peer"] < -290, metric
    reported = manage(cluster, 2, "replication_status", "--json", "--no-probe")
    assert reported.returncode == 1 and "clock_skew" in reported.stdout, reported.stdout
    assert _replication_health(cluster.node(1))[0] == 200  # node A's clock is fine

    on_a, on_b = login(cluster, 1, "alice"), login(cluster, 2, "alice")
    task = ok(on_a.post("/api/v1/task/tasks/", {"title": "original"}))["id"]
    cluster.wait_in_sync()
    partition()
    ok(on_a.patch(f"/api/v1/task/tasks/{task}/", {"title": "from A", "version": 1}))
    time.sleep(2)
    later = ok(
        on_b.patch(f"/api/v1/task/tasks/{task}/", {"title": "from B, 2 s later", "version": 1})
    )
    cluster.faults.heal()
    settled = cluster.manage(1, "replication_reconcile", "--apply", check=False)
    assert settled.returncode == 0, settled.stdout + settled.stderr
    sound = assert_sound(cluster, pt_dsn)
    assert title(cluster, 1, task) == title(cluster, 2, task) == later["title"]
    stamped = datetime.fromisoformat(later["updated_at"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - stamped).total_seconds()) < 60  # the database's clock
    record(
        "node_b_clock_300_s_behind",
        {
            "reported_after_s": round(seconds, 1),
            "platform_clock_skew_seconds": metric,
            "winner": later["title"],
            **sound,
        },
    )
