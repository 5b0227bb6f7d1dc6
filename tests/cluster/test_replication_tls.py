"""Replication over TLS, as `deploy.render mariadb --tls-*` and `replication_setup --tls-ca`
configure it: a pair of its own with certificates from a run CA; each replica verifies its
peer's certificate, each replication user refuses a plain connection."""

from __future__ import annotations

import MySQLdb
import pytest

from deploy.local.pair import REPL_USER, ReplicatedPair, replica_status
from deploy.local.processes import free_port


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    pair = ReplicatedPair(
        tmp_path_factory.mktemp("tls-pair"), (free_port(), free_port()), replication_tls=True
    )
    try:
        pair.start()
        yield pair
    finally:
        pair.remove()


def repl_login(pair, server, **tls):
    return MySQLdb.connect(
        host="127.0.0.1",
        port=server.port,
        user=REPL_USER,
        password=pair.secrets()["repl"],
        connect_timeout=5,
        **tls,
    )


def test_both_replicas_connect_over_verified_tls_and_replicate(pair):
    pair.a.execute("CREATE TABLE platform.tls_probe (id INT PRIMARY KEY, side CHAR(1))")
    pair.wait_in_sync()
    pair.a.execute("INSERT INTO platform.tls_probe VALUES (1, 'a')")
    pair.b.execute("INSERT INTO platform.tls_probe VALUES (2, 'b')")
    pair.wait_in_sync()
    for server in pair.nodes:
        rows = server.execute("SELECT id, side FROM platform.tls_probe ORDER BY id")
        assert rows == [(1, "a"), (2, "b")]
        status = replica_status(server)
        assert (status["Slave_IO_Running"], status["Slave_SQL_Running"]) == ("Yes", "Yes")
        assert status["Master_SSL_Allowed"] == "Yes"
        assert status["Master_SSL_Verify_Server_Cert"] == "Yes"
        # The peer's replica connection arrived over TLS (the replication user's only way).
        accepts = dict(server.execute("SHOW GLOBAL STATUS LIKE 'Ssl_accepts'"))
        assert int(accepts["Ssl_accepts"]) >= 1


def test_the_replication_user_is_refused_without_tls(pair):
    with pytest.raises(MySQLdb.OperationalError) as refused:
        repl_login(pair, pair.a, ssl_mode="DISABLED")
    assert refused.value.args[0] == 1045
    conn = repl_login(pair, pair.a, ssl={"ca": pair.a.tls.ca})
    try:
        cursor = conn.cursor()
        cursor.execute("SHOW SESSION STATUS LIKE 'Ssl_version'")
        assert cursor.fetchone()[1].startswith("TLSv1.")
    finally:
        conn.close()


def test_the_servers_run_the_rendered_tls_settings(pair):
    for server in pair.nodes:
        config = server.config_path.read_text()
        assert f"ssl_cert = {server.tls.cert}" in config
        values = dict(server.execute("SHOW GLOBAL VARIABLES WHERE Variable_name = 'have_ssl'"))
        assert values["have_ssl"] == "YES"
