"""What the replication-safety scenarios share (tests/cluster/test_safety_*.py).

Commands run as an operator runs them: `manage.py` in a fresh process with a node's
environment (and, for a command that prompts, its answers on stdin with no terminal).
Every scenario ends with `assert_sound`: both replication threads running with no SQL
error, `replication_checksum` equal and pt-table-checksum agreeing. Figures go to
var/test-artifacts/replication-safety.json.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import requests

from deploy.local.node import PROJECT_DIR
from tests.cluster import referee

ARTIFACT = (
    Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "replication-safety.json"
)
# Rows each database's own event rewrites five times a second, and the one column touched
# by whichever node serves a session: the referee's chunks would race them (the
# platform's checksum compares the heartbeats' lag instead and excludes the column).
PT_IGNORED_TABLES = ("replication_heartbeat",)
PT_IGNORED_COLUMNS = ("last_seen_at",)
NEW_PASSWORD = "Rotated-Passw0rd-2026!"


def record(name: str, figures: dict) -> None:
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(ARTIFACT.read_text()) if ARTIFACT.exists() else {}
    data[name] = figures
    ARTIFACT.write_text(json.dumps(data, indent=2, sort_keys=True, default=str))


def manage(cluster, index: int, *args: str, stdin: str | None = None, env=None):
    """`manage.py ARGS` on node `index`, as an operator would run it there."""
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "manage.py"), *args],
        env={**cluster.node(index).process_env(), **(env or {})},
        cwd=PROJECT_DIR,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
        start_new_session=True,  # no terminal: a prompt reads its answer from stdin
    )


def manage_async(cluster, index: int, *args: str) -> subprocess.Popen:
    """`manage.py ARGS` on node `index`, left running; its output read at the end."""
    return subprocess.Popen(
        [sys.executable, str(PROJECT_DIR / "manage.py"), *args],
        env=cluster.node(index).process_env(),
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def rows(db, sql: str, params=()) -> list[tuple]:
    conn = db.connect("platform")
    try:
        cursor = conn.cursor()
        cursor.execute(sql, params)
        return list(cursor.fetchall())
    finally:
        conn.close()


def on_both(cluster, sql: str, params=()) -> dict[str, list[tuple]]:
    return {db.name: rows(db, sql, params) for db in cluster.pair.nodes}


def slave_status(db) -> dict:
    conn = db.connect()
    try:
        cursor = conn.cursor()
        cursor.execute("SHOW SLAVE STATUS")
        return dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
    finally:
        conn.close()


def threads_settling(threads: dict) -> bool:
    """Some replica thread is starting (not yet Yes) while none has an error."""
    return all(errno == 0 for *_, errno in threads.values()) and any(
        io in ("Preparing", "Connecting") or sql == "Preparing" for io, sql, _ in threads.values()
    )


def assert_sound(cluster, pt_dsn: str) -> dict:
    """Both SQL threads running without error, the checksum equal, the referee agreeing."""
    cluster.wait_in_sync(timeout=120)

    def read_threads() -> dict:
        threads = {}
        for db in cluster.pair.nodes:
            status = slave_status(db)
            threads[db.name] = (
                status["Slave_IO_Running"],
                status["Slave_SQL_Running"],
                status["Last_SQL_Errno"],
            )
        return threads

    # An IO thread (re)connecting reads "Preparing" for a moment after a restarted
    # replica: wait for it, but an error or a thread that stays down fails.
    deadline = time.monotonic() + 30
    threads = read_threads()
    while threads_settling(threads) and time.monotonic() < deadline:
        time.sleep(0.2)
        threads = read_threads()
    assert all(t == ("Yes", "Yes", 0) for t in threads.values()), threads
    checksum = cluster.manage(1, "replication_checksum", "--recheck-delay", "0.2", check=False)
    assert checksum.returncode == 0, checksum.stdout + checksum.stderr
    pt = referee.pt_table_checksum(
        pt_dsn, ignore_tables=PT_IGNORED_TABLES, ignore_columns=PT_IGNORED_COLUMNS
    )
    assert pt == (0, set()), pt
    return {"replication_threads": threads, "checksum_equal": True, "pt_table_checksum": "agrees"}


def admin_session(cluster, index: int, username: str, password: str) -> requests.Session:
    """A browser-like session logged into node `index`'s admin."""
    session = requests.Session()
    session.verify = str(cluster.ca_file)  # the nodes speak HTTPS with the run's own CA
    session.trust_env = False  # else REQUESTS_CA_BUNDLE would replace that CA
    base = cluster.node(index).url
    # Over HTTPS Django's CSRF check also wants a same-origin Referer, as a browser sends.
    session.headers["Referer"] = f"{base}/admin/"
    session.get(f"{base}/admin/login/", timeout=10)
    answer = session.post(
        f"{base}/admin/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


def wait_until(predicate, *, timeout: float, interval: float = 0.5):
    """The predicate's first true value within `timeout` s, and the seconds it took."""
    started = time.monotonic()
    while True:
        value = predicate()
        if value:
            return value, time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(interval)


def ok(answer) -> dict:
    """The data of a 2xx answer (anything else fails the test with the answer)."""
    assert 200 <= answer.status < 300, (answer.status, answer.data)
    return answer.data


def title(cluster, index: int, task: int) -> str:
    from tests.cluster.conftest import login

    return login(cluster, index, "alice").get(f"/api/v1/task/tasks/{task}/").data["title"]
