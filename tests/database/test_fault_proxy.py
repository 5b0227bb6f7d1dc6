"""The fault proxy's modes, as a MySQL client on the far side of a link sees them.

A real MariaDB (the harness's), a real proxy process (deploy/local/faultproxy.py), and
clients connecting through one link: MySQLdb directly, and Django's own MySQL backend,
whose commit must be recognised as the COMMIT that `lose-commit-ok` loses.
"""

from __future__ import annotations

import contextlib
import threading
import time

import MySQLdb
import pytest
from django.db import OperationalError, connections

from deploy.local.faults import FaultProxy

DATABASE = "faults"
CREATE = "CREATE TABLE IF NOT EXISTS faults.item (id INT AUTO_INCREMENT PRIMARY KEY, title TEXT)"


@pytest.fixture(scope="module")
def account(mariadb_server):
    password = mariadb_server.create_app_user(DATABASE, all_databases=False)
    mariadb_server.execute(f"CREATE DATABASE IF NOT EXISTS {DATABASE}", CREATE, log_bin=False)
    return password


@pytest.fixture
def proxy(tmp_path):
    proxy = FaultProxy(tmp_path / "proxy")
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture
def link(proxy, mariadb_server):
    return proxy.add_link("client->db", mariadb_server.port)


@pytest.fixture
def connect(link, account):
    opened = []

    def connect(**options):
        options = {"connect_timeout": 5, "read_timeout": 10, **options}
        conn = MySQLdb.connect(
            host="127.0.0.1",
            port=link.port,
            user=DATABASE,
            password=account,
            database=DATABASE,
            **options,
        )
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        with contextlib.suppress(MySQLdb.Error):
            conn.close()


def titles(mariadb_server, title: str) -> int:
    """Rows with this title, read on the server directly (not through the proxy)."""
    conn = mariadb_server.connect(DATABASE)
    try:
        cursor = conn.cursor()
        cursor.execute("SELECT COUNT(*) FROM item WHERE title = %s", [title])
        return cursor.fetchone()[0]
    finally:
        conn.close()


def insert(conn, title: str) -> None:
    conn.cursor().execute("INSERT INTO item (title) VALUES (%s)", [title])


def test_a_commit_whose_ok_is_lost_fails_on_the_client_yet_is_committed(
    connect, link, mariadb_server
):
    conn = connect()
    insert(conn, "before")
    conn.commit()
    link.set("lose-commit-ok", once=True)
    insert(conn, "ok-lost")
    with pytest.raises(MySQLdb.OperationalError) as lost:
        conn.commit()
    assert lost.value.args[0] == 2013, lost.value.args  # lost connection during query
    assert titles(mariadb_server, "ok-lost") == 1
    status = link.status()
    assert (status["commits_dropped"], status["mode"]) == (1, "forward")
    again = connect()  # `once`: the next commit's answer arrives
    insert(again, "after")
    again.commit()
    assert titles(mariadb_server, "after") == 1
    assert link.status()["commits_dropped"] == 1


def test_without_once_every_commit_on_the_link_loses_its_ok(connect, link, mariadb_server):
    link.set("lose-commit-ok")
    for n in range(3):
        conn = connect()
        insert(conn, f"each-{n}")
        with pytest.raises(MySQLdb.OperationalError):
            conn.commit()
    assert [titles(mariadb_server, f"each-{n}") for n in range(3)] == [1, 1, 1]
    assert link.status()["commits_dropped"] == 3


def test_a_django_commit_is_the_commit_lose_commit_ok_loses(
    link, account, mariadb_server, django_db_blocker
):
    settings = {
        **connections["default"].settings_dict,
        "NAME": DATABASE,
        "USER": DATABASE,
        "PASSWORD": account,
        "HOST": "127.0.0.1",
        "PORT": str(link.port),
        "CONN_MAX_AGE": 0,
    }
    wrapper = type(connections["default"])(settings, alias="through-proxy")
    with django_db_blocker.unblock():
        lose_a_django_commit(wrapper, link, mariadb_server)


def lose_a_django_commit(wrapper, link, mariadb_server) -> None:
    try:
        wrapper.set_autocommit(False)
        with wrapper.cursor() as cursor:
            cursor.execute("INSERT INTO item (title) VALUES (%s)", ["django-commit"])
        seen = link.status()["commits_seen"]
        link.set("lose-commit-ok", once=True)
        with pytest.raises(OperationalError) as lost:
            wrapper.commit()
        assert lost.value.args[0] == 2013, lost.value.args
        assert link.status()["commits_seen"] == seen + 1
        assert titles(mariadb_server, "django-commit") == 1
    finally:
        wrapper.close()


def test_a_rolled_back_transaction_is_no_commit_and_passes(connect, link, mariadb_server):
    link.set("lose-commit-ok")
    conn = connect()
    insert(conn, "rolled-back")
    conn.rollback()
    conn.cursor().execute("SELECT COUNT(*) FROM item")  # the connection still answers
    assert titles(mariadb_server, "rolled-back") == 0
    assert link.status()["commits_dropped"] == 0


def test_blackhole_leaves_a_query_unanswered_until_the_read_timeout(connect, link):
    conn = connect(read_timeout=1)
    conn.cursor().execute("SELECT 1")
    link.set("blackhole")
    started = time.monotonic()
    with pytest.raises(MySQLdb.OperationalError) as silent:
        conn.cursor().execute("SELECT 1")
    waited = time.monotonic() - started
    assert silent.value.args[0] == 2013
    assert waited >= 0.9, waited  # silence until the client gave up, not a reset
    started = time.monotonic()
    with pytest.raises(MySQLdb.OperationalError):
        connect(connect_timeout=1, read_timeout=1)  # accepted, but no server greeting
    assert time.monotonic() - started >= 0.9
    assert link.status()["connections"] >= 1  # held open, not closed


def test_blackhole_holds_a_query_that_completes_when_healed(connect, link):
    cursor = connect().cursor()
    link.set("blackhole")
    healer = threading.Timer(0.5, link.set, ["forward"])
    healer.start()
    started = time.monotonic()
    cursor.execute("SELECT 42")
    assert cursor.fetchall() == ((42,),)
    assert time.monotonic() - started >= 0.4  # it waited for the heal
    healer.join()


def test_reject_resets_open_and_new_connections_at_once(connect, link):
    conn = connect(read_timeout=30, connect_timeout=30)
    conn.cursor().execute("SELECT 1")
    link.set("reject")
    started = time.monotonic()
    with pytest.raises(MySQLdb.OperationalError) as cut:
        conn.cursor().execute("SELECT 1")
    assert cut.value.args[0] in (2006, 2013), cut.value.args
    with pytest.raises(MySQLdb.OperationalError) as refused:
        connect(read_timeout=30, connect_timeout=30)
    assert refused.value.args[0] in (2002, 2003, 2013), refused.value.args
    assert time.monotonic() - started < 15  # reset, not a timeout (limits are 30 s)
    assert link.status()["reset"] >= 1


def test_forward_after_heal_works_again(connect, link, proxy, mariadb_server):
    link.set("reject")
    with pytest.raises(MySQLdb.OperationalError):
        connect()
    proxy.heal()
    conn = connect()
    insert(conn, "healed")
    conn.commit()
    assert titles(mariadb_server, "healed") == 1
    assert link.status()["mode"] == "forward"
