"""The MariaDB template as rendered for hosts (`deploy.render mariadb`) and for the local
instances the test tiers run: the sizing rules, the flags, replication TLS statements."""

from __future__ import annotations

import configparser

import pytest

from deploy import mariadb_settings, render
from deploy.local.mariadb import MariaDBInstance
from deploy.mariadb_settings import MIB, MariaDBInputs, ServerTLS, max_allowed_packet
from replication.setup import ReplicaTLS, change_master_statements, replication_user_statements

# What the local instance may set differently from a host: paths, ports, small sizes.
LOCAL_ONLY = {
    "log_bin",
    "slow_query_log_file",
    "innodb_buffer_pool_size",
    "innodb_log_file_size",
    "user",
    "datadir",
    "socket",
    "pid_file",
    "log_error",
    "port",
    "relay_log",
}


def mysqld(text: str) -> dict[str, str]:
    parser = configparser.ConfigParser(strict=False, allow_no_value=True, interpolation=None)
    parser.read_string(text)
    return dict(parser["mysqld"])


def rendered(*args: str, capsys) -> dict[str, str]:
    assert render.main(["mariadb", *args]) == 0
    return mysqld(capsys.readouterr().out)


def test_a_host_is_sized_from_its_memory_connections_and_body_limit(capsys):
    config = rendered(
        "--node-index=2",
        "--bind-address=10.0.0.12",
        "--memory=8192",
        "--connections=200",
        "--max-body-bytes=20971520",
        "--binlog-days=3",
        capsys=capsys,
    )
    assert config["server_id"] == config["gtid_domain_id"] == config["auto_increment_offset"]
    assert config["bind_address"] == "10.0.0.12"
    assert config["innodb_buffer_pool_size"] == "4096M"
    assert config["innodb_log_file_size"] == "1024M"
    assert config["max_connections"] == "216"
    assert config["max_allowed_packet"] == "41M"  # 2 x 20 MiB + 1 MiB
    assert config["binlog_expire_logs_seconds"] == str(3 * 86400)
    assert config["slow_query_log"] == "ON"
    for kept in ("gtid_strict_mode", "log_slave_updates", "relay_log_recovery"):
        assert config[kept] == "ON"
    assert (config["binlog_format"], config["binlog_row_image"]) == ("ROW", "MINIMAL")
    assert (config["sync_binlog"], config["innodb_flush_log_at_trx_commit"]) == ("1", "1")
    assert config["sql_mode"].startswith("STRICT_TRANS_TABLES")
    assert "ssl_cert" not in config


@pytest.mark.parametrize("body", [1024, 5 * MIB, 10 * MIB, 64 * MIB + 1])
def test_max_allowed_packet_holds_the_largest_body_escaped(body):
    packet = max_allowed_packet(body)
    assert packet >= 2 * body + MIB
    assert packet >= 16 * MIB and packet % MIB == 0


def test_the_private_address_must_be_given(capsys):
    with pytest.raises(SystemExit):
        render.main(["mariadb", "--node-index=1"])
    assert "--bind-address" in capsys.readouterr().err


def test_replication_tls_needs_all_three_files(capsys):
    with pytest.raises(SystemExit, match="together"):
        render.main(["mariadb", "--node-index=1", "--bind-address=10.0.0.11", "--tls-ca=ca.pem"])
    config = rendered(
        "--node-index=1",
        "--bind-address=10.0.0.11",
        "--tls-ca=/etc/mysql/tls/ca.pem",
        "--tls-cert=/etc/mysql/tls/a.pem",
        "--tls-key=/etc/mysql/tls/a-key.pem",
        capsys=capsys,
    )
    assert (config["ssl_ca"], config["ssl_key"]) == (
        "/etc/mysql/tls/ca.pem",
        "/etc/mysql/tls/a-key.pem",
    )


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        mariadb_settings.values(MariaDBInputs(node_index=3, node_count=2))
    with pytest.raises(ValueError):
        mariadb_settings.values(MariaDBInputs(node_index=1, memory_mib=64))


def test_the_local_instance_overrides_only_paths_ports_and_small_sizes(tmp_path):
    tls = ServerTLS(ca="/x/ca.pem", cert="/x/a.pem", key="/x/a-key.pem")
    local = MariaDBInstance("a", tmp_path, 33999, node_index=1, node_count=2, tls=tls)
    host = mysqld(mariadb_settings.render(MariaDBInputs(node_index=1, node_count=2, tls=tls)))
    mine = mysqld(local.render_config())
    differing = {key for key in host.keys() | mine.keys() if host.get(key) != mine.get(key)}
    assert differing <= LOCAL_ONLY, differing - LOCAL_ONLY
    assert mine["bind_address"] == "127.0.0.1"


def test_replication_statements_turn_tls_on_with_verification_and_off_explicitly():
    common = {"host": "10.0.0.11", "port": 3306, "user": "repl", "password": "pw"}
    plain = change_master_statements(**common)[1]
    secure = change_master_statements(**common, tls=ReplicaTLS(ca="/etc/mysql/tls/ca.pem"))[1]
    assert "MASTER_SSL=0" in plain
    assert "MASTER_SSL=1" in secure and "MASTER_SSL_VERIFY_SERVER_CERT=1" in secure
    assert "MASTER_SSL_CA='/etc/mysql/tls/ca.pem'" in secure
    user = replication_user_statements(user="repl", host="10.0.0.%", password="p'w")
    assert user[1].endswith("REQUIRE NONE") and "'p\\'w'" in user[0]
    required = replication_user_statements(
        user="repl", host="10.0.0.%", password="pw", require_tls=True
    )
    assert required[1].endswith("REQUIRE SSL")
