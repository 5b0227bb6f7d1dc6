"""Replication no operator or admin action can stop, and conflicts settled per object.

Each scenario of docs/ARCHITECTURE.md rules 7-11 on the real pair, with real partitions
through the fault proxy (node B cannot reach database A, nor A database B, replication
cut both ways): commands on B in and out of a partition, a user deactivated while they
log in on the other side, `move_home` repeated while both nodes book the same slot,
aggregates edited on both sides, a settling write with the winner's replica stopped, node
B's clock skewed with libfaketime, one username submitted in both admins at once. Each
ends sound (tests/cluster/safety_harness.py); figures in
var/test-artifacts/replication-safety.json.
"""

from __future__ import annotations

import glob
import json
import re
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.cluster import referee
from tests.cluster.conftest import PASSWORD, login
from tests.cluster.safety_harness import (
    admin_session,
    assert_sound,
    manage,
    on_both,
    record,
    wait_until,
)

NEW_PASSWORD = "Rotated-Passw0rd-2026!"
HOME_REFUSAL = "whose home is node 1"


@pytest.fixture(scope="module")
def pt_dsn(cluster):
    return referee.pt_dsn(cluster.pair)


@pytest.fixture
def partition(cluster):
    """cluster.faults.partition, healed whatever the test does."""
    yield cluster.faults.partition
    cluster.faults.heal()


def users_named(cluster, username: str) -> dict[str, int]:
    found = on_both(cluster, "SELECT COUNT(*) FROM auth_user WHERE username = %s", [username])
    return {name: result[0][0] for name, result in found.items()}


def refused_plainly(done, *words: str) -> bool:
    text = done.stderr
    return done.returncode == 1 and "Traceback" not in text and all(w in text for w in words)


def test_commands_on_b_write_to_the_home_or_refuse_naming_it_in_and_out_of_a_partition(
    cluster, pt_dsn, partition, tmp_path
):
    tag = secrets.token_hex(3)
    name, env = f"su-b-{tag}", {"DJANGO_SUPERUSER_PASSWORD": PASSWORD}
    create = ("createsuperuser", "--noinput", "--username", name, "--email", "su@example.com")
    refused = manage(cluster, 2, *create, env=env)
    assert refused_plainly(refused, "NotTheHome: auth_user", HOME_REFUSAL, "--database peer"), (
        refused
    )
    made = manage(cluster, 2, *create, "--database", "peer", env=env)
    assert made.returncode == 0, made.stderr
    changed = manage(cluster, 2, "changepassword", name, stdin=f"{NEW_PASSWORD}\n" * 2)
    assert changed.returncode == 0, changed.stderr
    cluster.wait_in_sync()
    assert users_named(cluster, name) == {"a": 1, "b": 1}
    hashes = on_both(cluster, "SELECT password FROM auth_user WHERE username = %s", [name])
    assert hashes["a"] == hashes["b"]
    fixture = tmp_path / "group.json"
    fixture.write_text(json.dumps([{"model": "auth.group", "fields": {"name": f"fx-{tag}"}}]))
    loaded = manage(cluster, 2, "loaddata", str(fixture))
    assert refused_plainly(loaded, HOME_REFUSAL), loaded
    raw = (
        "from django.contrib.auth.models import Group; "
        f"Group.objects.using('default').create(name='sh-{tag}')"
    )
    assert refused_plainly(manage(cluster, 2, "shell", "-c", raw), HOME_REFUSAL)

    partition()
    in_partition = manage(cluster, 2, *create[:3], f"p-b-{tag}", *create[4:], env=env)
    cut_off = manage(cluster, 2, "changepassword", name, stdin=f"{PASSWORD}\n" * 2)
    at_home = manage(cluster, 1, *create[:3], f"p-a-{tag}", *create[4:], env=env)
    cluster.faults.heal()

    assert refused_plainly(in_partition, HOME_REFUSAL), in_partition
    assert refused_plainly(cut_off, "cannot be reached", "nothing was written"), cut_off
    assert at_home.returncode == 0, at_home.stderr
    sound = assert_sound(cluster, pt_dsn)
    assert users_named(cluster, f"p-a-{tag}") == {"a": 1, "b": 1}
    assert users_named(cluster, f"p-b-{tag}") == {"a": 0, "b": 0}
    assert on_both(cluster, "SELECT COUNT(*) FROM auth_group WHERE name LIKE %s", [f"%-{tag}"]) == {
        "a": [(0,)],
        "b": [(0,)],
    }
    record("commands_on_b", {"refused": 4, "written_at_the_home": 3, **sound})


DEACTIVATE = """
from django.contrib.auth import get_user_model
from credential.sessions import sessions_revoke_for_user
user = get_user_model().objects.get(username={name!r})
user.is_active = False
user.save(update_fields=["is_active"])
print(sessions_revoke_for_user(user, reason="user_deactivated"))
"""
MAKE_USER = """
from django.contrib.auth import get_user_model
from credential.models import Grant
user = get_user_model().objects.create_user({name!r}, password={password!r})
Grant.objects.create(service="task", user=user, can_read=True, can_write=True)
print(user.pk)
"""


def test_a_user_deleted_while_logging_in_on_the_other_side_is_deactivated_not_deleted(
    cluster, pt_dsn, partition
):
    name = f"leaver-{secrets.token_hex(3)}"
    user_id = int(cluster.shell(1, MAKE_USER.format(name=name, password=PASSWORD)).split()[-1])
    cluster.wait_in_sync()
    partition()
    delete = (
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.get(username={name!r}).delete()"
    )
    deleted = manage(cluster, 1, "shell", "-c", delete)
    ended = manage(cluster, 1, "shell", "-c", DEACTIVATE.format(name=name))
    on_b = login(cluster, 2, name)  # B has not heard of the deactivation: the login works
    task = on_b.post("/api/v1/task/tasks/", {"title": f"by {name} on B"})
    cluster.faults.heal()

    assert refused_plainly(deleted, "never deleted", "deactivate"), deleted
    assert ended.returncode == 0, ended.stderr
    assert task.status == 201
    sound = assert_sound(cluster, pt_dsn)
    active = on_both(cluster, "SELECT is_active FROM auth_user WHERE id = %s", [user_id])
    assert active == {"a": [(0,)], "b": [(0,)]}
    _, seconds = wait_until(
        lambda: on_b.get("/api/v1/credential/me").status == 401, timeout=10, interval=0.2
    )
    admin = admin_session(cluster, 1, "root", PASSWORD)
    delete_page = admin.get(f"{cluster.node(1).url}/admin/auth/user/{user_id}/delete/", timeout=10)
    assert delete_page.status_code == 403
    sessions = on_both(
        cluster, "SELECT COUNT(*) FROM credential_session WHERE user_id = %s", [user_id]
    )
    assert sessions["a"] == sessions["b"] and sessions["a"][0][0] >= 1
    record(
        "user_deleted_vs_login",
        {
            "delete_refused": True,
            "session_made_on_b_in_the_partition": True,
            "refused_on_b_after_heal_s": round(seconds, 2),
            **sound,
        },
    )


MOVER = """
import json, pathlib, time
from io import StringIO
from django.core.management import call_command
stop, took = pathlib.Path({stop!r}), []
while not stop.exists():
    started = time.monotonic()
    call_command("move_home", "reservation", "--to", str(2 if len(took) % 2 == 0 else 1),
                 "--apply", stdout=StringIO())
    took.append(round(time.monotonic() - started, 3))
    time.sleep(1.0)  # writes flow between two moves: the rounds meet every phase
if len(took) % 2:
    call_command("move_home", "reservation", "--to", "1", "--apply", stdout=StringIO())
print(json.dumps(took))
"""
RACERS, ROUNDS_EACH = 3, 100
CONTESTED = [(201, None), (409, "overlap")]  # both nodes' bookings met: one won


class Racer:
    """Two clients, one per node, booking the very same slot of one room each round."""

    def __init__(self, apis, room: int, day: datetime) -> None:
        self.apis, self.room, self.day = apis, room, day
        self.results = [[None, None] for _ in range(ROUNDS_EACH)]
        self.barrier = threading.Barrier(2)
        self.threads = [threading.Thread(target=self.side, args=(k,)) for k in (0, 1)]

    def side(self, k: int) -> None:
        for n in range(ROUNDS_EACH):
            start = self.day + timedelta(minutes=30 * n)
            body = {
                "room": self.room,
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=30)).isoformat(),
            }
            self.barrier.wait()
            try:
                answer = self.apis[k].post("/api/v1/reservation/bookings/", body)
                self.results[n][k] = (answer.status, answer.code)
            except Exception as exc:  # a client error is counted, not raised, mid-race
                self.results[n][k] = (0, type(exc).__name__)


def test_move_home_repeated_while_both_nodes_book_the_same_slot_never_double_books(
    cluster, pt_dsn, tmp_path
):
    admin = login(cluster, 1, "root")
    rooms = [
        admin.post("/api/v1/reservation/rooms/", {"name": f"Race {n}", "capacity": 4}).data["id"]
        for n in range(RACERS)
    ]
    cluster.wait_in_sync()
    day = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=30)
    racers = [
        Racer([login(cluster, 1, "alice"), login(cluster, 2, "bob")], room, day) for room in rooms
    ]
    stop = tmp_path / "stop"
    mover = manage_async(cluster, 1, "shell", "-c", MOVER.format(stop=str(stop)))
    started = datetime.now(UTC)
    for racer in racers:
        for thread in racer.threads:
            thread.start()
    for racer in racers:
        for thread in racer.threads:
            thread.join(timeout=600)
    race_seconds = (datetime.now(UTC) - started).total_seconds()
    stop.touch()
    out, err = mover.communicate(timeout=300)
    assert mover.returncode == 0, err
    moves = json.loads(out.strip().splitlines()[-1])

    outcomes = [tuple(r) for racer in racers for r in racer.results]
    statuses = [s for pair in outcomes for s, _ in pair]
    codes = [c for pair in outcomes for _, c in pair if c]
    cluster.wait_in_sync()
    doubled = on_both(
        cluster,
        "SELECT room_id, start, COUNT(*) FROM reservation_booking "
        "WHERE room_id IN (%s, %s, %s) AND cancelled_at IS NULL AND deleted_at IS NULL "
        "GROUP BY room_id, start HAVING COUNT(*) > 1",
        rooms,
    )
    booked = on_both(
        cluster,
        "SELECT COUNT(*) FROM reservation_booking WHERE room_id IN (%s, %s, %s)",
        rooms,
    )
    figures = {
        "rounds": len(outcomes),
        "moves": len(moves),
        "move_seconds_median": sorted(moves)[len(moves) // 2] if moves else None,
        "race_seconds": round(race_seconds, 1),
        "rounds_with_a_booking": sum(1 for pair in outcomes if (201, None) in pair),
        "rounds_contested": sum(1 for pair in outcomes if sorted(pair) == CONTESTED),
        "rounds_booked_twice_by_the_api": sum(
            1 for pair in outcomes if pair.count((201, None)) == 2
        ),
        "double_bookings_in_the_databases": {name: len(found) for name, found in doubled.items()},
        "answers": {code: codes.count(code) for code in sorted(set(codes))},
        "server_errors": sum(1 for s in statuses if s >= 500 and s != 503) + statuses.count(0),
    }
    figures.update(assert_sound(cluster, pt_dsn))
    record("move_home_rounds", figures)
    assert figures["rounds"] >= 300 and figures["moves"] >= 5
    assert figures["rounds_contested"] >= 60  # both nodes' bookings met, between the fences
    assert figures["rounds_booked_twice_by_the_api"] == 0
    assert doubled == {"a": [], "b": []}
    assert booked["a"] == booked["b"] == [(figures["rounds_with_a_booking"],)]
    assert figures["answers"].get("home_moving", 0) > 0  # the rounds did meet the fence
    assert figures["server_errors"] == 0, figures["answers"]
    assert set(figures["answers"]) <= {"overlap", "home_moving"}, figures["answers"]


def manage_async(cluster, index: int, *args: str):
    import subprocess
    import sys

    from deploy.local.node import PROJECT_DIR

    return subprocess.Popen(
        [sys.executable, str(PROJECT_DIR / "manage.py"), *args],
        env=cluster.node(index).process_env(),
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


GROUPS_AND_CAROL = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
ids = [Group.objects.create(name=f"{tag}-g{{n}}").pk for n in (1, 2, 3)]
carol = get_user_model().objects.create_user("carol-{tag}", password="x-Unused-Passw0rd")
print(ids + [carol.pk])
"""


def _ok(answer) -> dict:
    assert 200 <= answer.status < 300, (answer.status, answer.data)
    return answer.data


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
    _ok(
        api.patch(f"/api/v1/notice/notices/{made['notice']}/", {"audience": audience, "version": 1})
    )
    _ok(
        api.patch(
            f"/api/v1/schedule/events/{made['event']}/", {"attendees": attendees, "version": 1}
        )
    )
    shares = f"/api/v1/document/files/{made['file']}/shares/"
    _ok(api.post(shares, share))
    assert api.delete(shares, {"share": unshare, "version": 1}).status == 204


def _make_objects(alice_a, root_a, *, tag: str, g1: int, bob: int) -> dict:
    """A notice for g1, an event with bob, a file shared with g1, three departments."""
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=9)
    event = {"title": tag, "start": when.isoformat(), "attendees": [bob]}
    event["end"] = (when + timedelta(hours=1)).isoformat()
    notice = {"title": tag, "body": "b", "audience": [g1]}
    made = {
        "notice": _ok(alice_a.post("/api/v1/notice/notices/", notice))["id"],
        "event": _ok(alice_a.post("/api/v1/schedule/events/", event))["id"],
        "file": _ok(alice_a.post("/api/v1/document/files/", {"name": f"{tag}.txt"}))["id"],
    }
    shares = f"/api/v1/document/files/{made['file']}/shares/"
    made["first_share"] = _ok(alice_a.post(shares, {"group": g1}))["id"]
    for key in ("empty", "x", "y"):
        department = {"name": f"{tag}-{key}"}
        made[key] = _ok(root_a.post("/api/v1/directory/departments/", department))["id"]
    return made


def _department(admin, made: dict, key: str, **changes) -> None:
    url = f"/api/v1/directory/departments/{made[key]}/"
    _ok(admin.patch(url, {**changes, "version": 1}))


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
    _ok(root_a.delete(f"/api/v1/directory/departments/{made['empty']}/", {"version": 1}))
    _ok(root_a.post(people, {"user": alice, "display_name": "Alice on A"}))
    _department(root_a, made, "x", parent=made["y"])
    # B edits every object later: its versions are the newest acknowledged ones.
    _edit_side(alice_b, made, audience=[g3], attendees=[carol], share={"user": carol}, **edits)
    _ok(root_b.post(people, {"user": bob, "display_name": "Bob", "department": made["empty"]}))
    _ok(root_b.post(people, {"user": alice, "display_name": "Alice on B"}))
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


def _title(cluster, index: int, task: int) -> str:
    return login(cluster, index, "alice").get(f"/api/v1/task/tasks/{task}/").data["title"]


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
    task = _ok(on_a.post("/api/v1/task/tasks/", {"title": "original"}))["id"]
    cluster.wait_in_sync()
    partition()
    _ok(on_a.patch(f"/api/v1/task/tasks/{task}/", {"title": "from A, first", "version": 1}))
    _ok(on_b.patch(f"/api/v1/task/tasks/{task}/", {"title": "from B, later", "version": 1}))
    cluster.faults.heal()
    cluster.wait_in_sync()
    # Replication crossed the edits over: database A now holds B's (newer) row, so A is
    # the winner, and its replica (applying B's writes) is the one a late echo would use.
    crossed = (_title(cluster, 1, task), _title(cluster, 2, task))
    winner_replica = cluster.pair.a

    winner_replica.execute("STOP SLAVE", log_bin=False)
    try:
        _ok(on_b.post("/api/v1/task/tasks/", {"title": "in flight to A"}))
        held = cluster.manage(1, "replication_reconcile", "--apply", check=False)
        unchanged = (_title(cluster, 1, task), _title(cluster, 2, task))
    finally:
        winner_replica.execute("START SLAVE", log_bin=False)
    cluster.wait_in_sync()

    before = {db.name: _binlog_position(db) for db in cluster.pair.nodes}
    applied = cluster.manage(1, "replication_reconcile", "--apply", check=False)
    logged = {db.name: _tables_logged_since(db, before[db.name]) for db in cluster.pair.nodes}
    winner_replica.execute("STOP SLAVE", log_bin=False)
    try:
        newest = _ok(
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
    assert _title(cluster, 1, task) == _title(cluster, 2, task) == newest["title"]
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
    answer = requests.get(f"{node.url}/health/replication/?format=json", timeout=10)
    return answer.status_code, answer.json()


def _failing(node):
    status, checks = _replication_health(node)
    return (status, checks) if status == 500 else None


def _skew_metric(node) -> dict[str, float]:
    text = requests.get(f"{node.url}/metrics", timeout=10).text
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
    task = _ok(on_a.post("/api/v1/task/tasks/", {"title": "original"}))["id"]
    cluster.wait_in_sync()
    partition()
    _ok(on_a.patch(f"/api/v1/task/tasks/{task}/", {"title": "from A", "version": 1}))
    time.sleep(2)
    later = _ok(
        on_b.patch(f"/api/v1/task/tasks/{task}/", {"title": "from B, 2 s later", "version": 1})
    )
    cluster.faults.heal()
    settled = cluster.manage(1, "replication_reconcile", "--apply", check=False)
    assert settled.returncode == 0, settled.stdout + settled.stderr
    sound = assert_sound(cluster, pt_dsn)
    assert _title(cluster, 1, task) == _title(cluster, 2, task) == later["title"]
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


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def _add_user_form(session, base: str) -> dict:
    """The add-user page's hidden fields (CSRF token, inline management forms)."""
    page = session.get(f"{base}/admin/auth/user/add/", timeout=10)
    assert page.status_code == 200, page.status_code
    return dict(HIDDEN.findall(page.text))


def _submit_at_once(admins, bases, username: str) -> list[tuple[int, bool]]:
    """The add-user form with `username` posted to both admins at the same moment; each
    answer's status and whether it says the user exists, sorted."""
    hidden = [_add_user_form(s, b) for s, b in zip(admins, bases, strict=True)]
    barrier, statuses = threading.Barrier(2), [None, None]

    def submit(k: int) -> None:
        form = {
            **hidden[k],
            "username": username,
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        }
        barrier.wait()
        answer = admins[k].post(
            f"{bases[k]}/admin/auth/user/add/", data=form, allow_redirects=False, timeout=30
        )
        statuses[k] = (answer.status_code, "already exists" in answer.text)

    threads = [threading.Thread(target=submit, args=(k,)) for k in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_one_username_submitted_in_both_admins_at_once_is_a_form_error_never_a_500(cluster, pt_dsn):
    admins = [admin_session(cluster, index, "root", PASSWORD) for index in (1, 2)]
    bases = [cluster.node(index).url for index in (1, 2)]
    tag, rounds = secrets.token_hex(3), 12
    answers = [_submit_at_once(admins, bases, f"twin-{tag}-{n}") for n in range(rounds)]
    sound = assert_sound(cluster, pt_dsn)
    logs = "".join(cluster.node(i).log_path.read_text() for i in (1, 2))
    record(
        "one_username_in_both_admins",
        {
            "rounds": rounds,
            "answers": [str(a) for a in answers],
            "races_lost_at_the_database": logs.count("lost a uniqueness race"),
            **sound,
        },
    )
    assert all(a == [(200, True), (302, False)] for a in answers), answers
    assert "lost a uniqueness race" in logs  # the two INSERTs did meet at the home's key
    created = on_both(
        cluster, "SELECT COUNT(*) FROM auth_user WHERE username LIKE %s", [f"twin-{tag}-%"]
    )
    assert created == {"a": [(rounds,)], "b": [(rounds,)]}
