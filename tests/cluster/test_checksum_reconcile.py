"""replication_checksum and replication_reconcile on a real replicated pair, as an operator
runs them: manage.py subprocesses configured as node A (index 1) or B (index 2).

Divergence is made the way it happens in production: replication stopped both ways
while each side updates the same row, or a write kept out of the binary log.
pt-table-checksum (percona-toolkit) is run on the same pair as an outside referee.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from deploy.local.pair import ReplicatedPair, caught_up, replica_status
from deploy.local.processes import free_port
from tests.cluster import referee

PROJECT = Path(__file__).resolve().parents[2]
SELECT_TASK = "SELECT title, updated_at, origin_node, version FROM task_task WHERE id = %s"
UPDATE_TASK = (
    "UPDATE task_task SET title = %s, updated_at = %s, origin_node = %s, version = version + 1 "
    "WHERE id = %s"
)
INSERT_TASK = (
    "INSERT INTO task_task (id, title, description, creator_id, status, version, created_at, "
    "updated_at, origin_node, deleted_at) VALUES (%s, %s, '', %s, 'todo', 1, %s, %s, %s, NULL)"
)
INSERT_USER = (
    "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, "
    "is_staff, is_active, date_joined) VALUES ('!', 0, %s, '', '', '', 0, 1, UTC_TIMESTAMP(6))"
)


def node_env(pair: ReplicatedPair, index: int, *, peer: bool = True) -> dict[str, str]:
    own, other = pair.nodes[index - 1], pair.nodes[2 - index]
    env = {
        **os.environ,
        "PLATFORM_ENV_FILE": "",
        "DEBUG": "true",
        "PLATFORM_NODE": "AB"[index - 1],
        "PLATFORM_NODE_INDEX": str(index),
        "PLATFORM_NODE_COUNT": "2",
        "DATABASE_URL": pair.database_url(own),
        "PEER_DATABASE_URL": pair.database_url(other),
    }
    if not peer:
        del env["PEER_DATABASE_URL"]
    return env


def manage(pair, index: int, *args: str, peer: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=node_env(pair, index, peer=peer),
        capture_output=True,
        text=True,
        timeout=120,
    )


def checksum(pair, index: int = 1) -> tuple[int, dict]:
    """Exit code and the differing rows by table, from `replication_checksum --json`."""
    done = manage(pair, index, "replication_checksum", "--json", "--recheck-delay", "0.1")
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    return done.returncode, {t["table"]: t["rows"] for t in report["tables"] if t["rows"]}


def sql(node, statement: str, params=(), *, log_bin: bool = True):
    conn = node.connect("platform")
    try:
        cursor = conn.cursor()
        if not log_bin:
            cursor.execute("SET SESSION sql_log_bin = 0")
        cursor.execute(statement, params)
        rows = cursor.fetchall()
        conn.commit()
        return rows, cursor.lastrowid
    finally:
        conn.close()


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_user(pair) -> int:
    """A user written on A and replicated to B."""
    _, user_id = sql(pair.a, INSERT_USER, [f"creator-{secrets.token_hex(4)}"])
    pair.wait_in_sync()
    return user_id


def new_task(pair, title: str) -> int:
    """A task (and its creator) written on A and replicated to B."""
    user_id, stamp = new_user(pair), now()
    _, task_id = sql(pair.a, INSERT_TASK, [None, title, user_id, stamp, stamp, 1])
    pair.wait_in_sync()
    return task_id


def task(node, pk: int) -> tuple:
    return sql(node, SELECT_TASK, [pk])[0][0]


def edit_on_both_sides(pair, pk: int, *, on_a: tuple, on_b: tuple) -> None:
    """Each side updates the row while replication is stopped; each then replays the other's."""
    for node in pair.nodes:
        node.execute("STOP SLAVE", log_bin=False)
    try:
        sql(pair.a, UPDATE_TASK, [*on_a, pk])
        sql(pair.b, UPDATE_TASK, [*on_b, pk])
    finally:
        for node in pair.nodes:
            node.execute("START SLAVE", log_bin=False)
    pair.wait_in_sync()


def assert_replicating(pair, timeout: float = 30.0) -> None:
    """Both SQL threads run without error until each side has applied the other's writes."""
    deadline = time.monotonic() + timeout
    while True:
        for node in pair.nodes:
            status = replica_status(node)
            running = (status["Slave_SQL_Running"], status["Last_SQL_Errno"])
            assert running == ("Yes", 0), status["Last_SQL_Error"]
        if caught_up(pair.a, pair.b) and caught_up(pair.b, pair.a):
            return
        assert time.monotonic() < deadline, "the pair did not converge"
        time.sleep(0.02)


@pytest.fixture(scope="session")
def pair(tmp_path_factory):
    pair = ReplicatedPair(tmp_path_factory.mktemp("checksum-pair"), (free_port(), free_port()))
    try:
        pair.start()
        migrated = manage(pair, 1, "migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr
        pair.wait_in_sync()
        yield pair
    finally:
        pair.remove()


def test_a_clean_pair_checksums_equal_from_either_node(pair):
    assert checksum(pair, 1) == (0, {})
    from_b = manage(pair, 2, "replication_checksum")
    assert from_b.returncode == 0, from_b.stdout + from_b.stderr
    assert "task_task: 1 chunk(s) compared, 0 differing" in from_b.stdout
    assert from_b.stdout.rstrip().endswith("EQUAL")


def test_it_refuses_to_run_without_a_peer(pair):
    done = manage(pair, 1, "replication_checksum", peer=False)
    assert done.returncode == 1 and "no peer configured" in done.stderr


def test_a_row_edited_on_both_sides_is_found_and_settled_by_the_newest_update(pair):
    pk = new_task(pair, "original")
    t0 = now()
    edit_on_both_sides(
        pair, pk, on_a=("edited on A", t0, 1), on_b=("edited on B", t0 + timedelta(seconds=1), 2)
    )
    before = task(pair.a, pk), task(pair.b, pk)
    assert before[0][0] == "edited on B" and before[1][0] == "edited on A"  # crossed over
    assert checksum(pair, 1) == (1, {"task_task": [{"pk": pk, "where": "different"}]})

    dry = manage(pair, 1, "replication_reconcile", "--recheck-delay", "0.1")
    assert dry.returncode == 0, dry.stderr
    assert f"task_task pk={pk}: this node wins" in dry.stdout and "dry run" in dry.stdout
    assert (task(pair.a, pk), task(pair.b, pk)) == before

    applied = manage(pair, 1, "replication_reconcile", "--apply", "--recheck-delay", "0.1")
    assert applied.returncode == 0, applied.stderr
    assert f"updated task_task pk={pk} on peer with this node's row" in applied.stdout
    assert_replicating(pair)
    assert checksum(pair, 1) == (0, {})
    newest = ("edited on B", t0 + timedelta(seconds=1), 2)
    assert task(pair.a, pk)[:3] == task(pair.b, pk)[:3] == newest


def test_a_tie_on_updated_at_is_settled_toward_the_lower_origin_node(pair):
    pk = new_task(pair, "original")
    t0 = now()
    edit_on_both_sides(pair, pk, on_a=("by node 1", t0, 1), on_b=("by node 2", t0, 2))
    assert checksum(pair, 2) == (1, {"task_task": [{"pk": pk, "where": "different"}]})

    applied = manage(pair, 2, "replication_reconcile", "--apply", "--recheck-delay", "0.1")
    assert applied.returncode == 0, applied.stderr
    # Run on B, which holds node 1's edit after the crossover: B's row wins, A is updated.
    assert f"task_task pk={pk}: this node wins" in applied.stdout
    assert_replicating(pair)
    assert checksum(pair, 1) == (0, {})
    assert task(pair.a, pk)[:3] == task(pair.b, pk)[:3] == ("by node 1", t0, 1)


def test_a_row_on_one_side_only_is_reported_and_copied_without_breaking_replication(pair):
    creator = new_user(pair)
    only_a, only_b, stamp = 10_000_001, 10_000_002, now()
    sql(pair.a, INSERT_TASK, [only_a, "only on A", creator, stamp, stamp, 1], log_bin=False)
    sql(pair.b, INSERT_TASK, [only_b, "only on B", creator, stamp, stamp, 2], log_bin=False)
    expected = [{"pk": only_a, "where": "only_local"}, {"pk": only_b, "where": "only_peer"}]
    assert checksum(pair, 1) == (1, {"task_task": expected})
    flipped = [{"pk": only_a, "where": "only_peer"}, {"pk": only_b, "where": "only_local"}]
    assert checksum(pair, 2) == (1, {"task_task": flipped})

    applied = manage(pair, 1, "replication_reconcile", "--apply", "--recheck-delay", "0.1")
    assert applied.returncode == 0, applied.stderr
    assert f"copied task_task pk={only_a} on peer" in applied.stdout
    assert f"copied task_task pk={only_b} on this node" in applied.stdout
    assert_replicating(pair)
    assert checksum(pair, 1) == (0, {})


def test_rows_of_a_home_node_table_are_left_to_an_operator(pair):
    _, user_id = sql(pair.b, INSERT_USER, ["written-on-b-alone"], log_bin=False)
    try:
        assert checksum(pair, 1) == (1, {"auth_user": [{"pk": user_id, "where": "only_peer"}]})
        applied = manage(pair, 1, "replication_reconcile", "--apply", "--recheck-delay", "0.1")
        assert applied.returncode == 1 and "1 row(s) need an operator" in applied.stderr
        assert f"NEEDS AN OPERATOR auth_user pk={user_id} (only_peer): home-node" in applied.stdout
        assert sql(pair.a, "SELECT id FROM auth_user WHERE id = %s", [user_id])[0] == ()
    finally:
        sql(pair.b, "DELETE FROM auth_user WHERE id = %s", [user_id], log_bin=False)
    assert checksum(pair, 1) == (0, {})


@pytest.fixture(scope="session")
def pt_dsn(pair):
    return referee.pt_dsn(pair)


def test_pt_table_checksum_agrees_on_a_clean_and_on_a_diverged_pair(pair, pt_dsn):
    assert checksum(pair, 1) == (0, {})
    assert referee.pt_table_checksum(pt_dsn) == (0, set())

    pk = new_task(pair, "original")
    newer = (now() + timedelta(seconds=1)).replace(microsecond=0)
    sql(pair.b, UPDATE_TASK, ["changed on B alone", newer, 2, pk], log_bin=False)
    assert checksum(pair, 1) == (1, {"task_task": [{"pk": pk, "where": "different"}]})
    assert referee.pt_table_checksum(pt_dsn) == (16, {"platform.task_task"})

    assert manage(pair, 1, "replication_reconcile", "--apply").returncode == 0
    assert_replicating(pair)
    assert referee.pt_table_checksum(pt_dsn) == (0, set())
