"""The Galera member's template as rendered for hosts (`deploy.render mariadb --engine
galera`) and for the local members the Galera tier runs (deploy/local/galera.py)."""

from __future__ import annotations

import configparser

import pytest

from deploy import galera_settings, render
from deploy.local.galera import GaleraMember

MEMBERS = ["--member=10.0.0.11", "--member=10.0.0.12", "--member=10.0.0.13"]
# Galera 4's own failure-detector defaults, which the shipped default must keep.
GALERA_DEFAULTS = {
    "evs.suspect_timeout": "PT5S",
    "evs.inactive_timeout": "PT15S",
    "evs.keepalive_period": "PT1S",
    "evs.inactive_check_period": "PT0.5S",
    "evs.install_timeout": "PT7.5S",
    "evs.join_retrans_period": "PT1S",
    "pc.announce_timeout": "PT3S",
}
# What a local member may set differently from a host: paths, ports, addresses, sizes,
# the failure-detection time, and the launching user for the state transfer.
LOCAL_ONLY = {
    "log_bin",
    "slow_query_log_file",
    "innodb_buffer_pool_size",
    "innodb_log_file_size",
    "bind_address",
    "wsrep_cluster_name",
    "wsrep_cluster_address",
    "wsrep_node_address",
    "wsrep_node_incoming_address",
    "wsrep_sst_receive_address",
    "wsrep_provider_options",
    "wsrep_sst_auth",
    "wsrep_slave_threads",
    "user",
    "datadir",
    "socket",
    "pid_file",
    "log_error",
    "port",
}


def sections(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, allow_no_value=True, interpolation=None)
    parser.read_string(text)
    return parser


def options(config) -> dict[str, str]:
    text = config["mysqld"]["wsrep_provider_options"].strip('"')
    return dict(part.strip().split("=", 1) for part in text.split(";"))


def rendered(*args: str, capsys) -> configparser.ConfigParser:
    assert render.main(["mariadb", "--engine=galera", *args]) == 0
    return sections(capsys.readouterr().out)


def test_a_host_member_has_what_galera_and_the_platform_need(capsys):
    config = rendered("--node-index=2", "--bind-address=10.0.0.12", *MEMBERS, capsys=capsys)
    mysqld = config["mysqld"]
    assert mysqld["wsrep_provider"] == "/usr/lib/galera/libgalera_smm.so"
    assert mysqld["wsrep_cluster_address"] == "gcomm://10.0.0.11:4567,10.0.0.12:4567,10.0.0.13:4567"
    assert (mysqld["wsrep_node_name"], mysqld["server_id"]) == ("db-2", "2")
    assert mysqld["wsrep_node_address"] == "10.0.0.12:4567"
    assert mysqld["wsrep_sst_receive_address"] == "10.0.0.12:4444"
    assert (mysqld["wsrep_sst_method"], mysqld["wsrep_sst_auth"]) == ("mariabackup", "mysql:")
    assert (mysqld["binlog_format"], mysqld["innodb_autoinc_lock_mode"]) == ("ROW", "2")
    assert mysqld["wsrep_auto_increment_control"] == "ON"
    assert mysqld["wsrep_sync_wait"] == "0"  # the platform's connections set 1
    assert (mysqld["wsrep_gtid_mode"], mysqld["wsrep_gtid_domain_id"]) == ("ON", "100")
    assert config["sst"]["sockopt"] == "bind=10.0.0.12"
    provider = options(config)
    assert provider["gmcast.listen_addr"] == "tcp://10.0.0.12:4567"
    assert provider["ist.recv_addr"] == "10.0.0.12:4568"
    assert {name: provider[name] for name in GALERA_DEFAULTS} == GALERA_DEFAULTS


@pytest.mark.parametrize("count", [2, 4])
def test_an_even_or_too_small_cluster_is_refused(count, capsys):
    members = [f"--member=10.0.0.{10 + n}" for n in range(count)]
    args = ["mariadb", "--engine=galera", "--node-index=1", "--bind-address=10.0.0.11"]
    with pytest.raises(SystemExit) as refused:
        render.main([*args, *members])
    assert "odd number of members" in str(refused.value)


def test_a_shorter_failure_timeout_scales_every_detector_time():
    times = galera_settings.failure_detection(1.0)
    assert times["evs.suspect_timeout"] == "PT1S"
    assert times["evs.inactive_timeout"] == "PT3S" and times["evs.install_timeout"] == "PT1.5S"
    assert times["evs.keepalive_period"] == "PT0.2S"


def test_a_local_member_renders_the_shipped_template_but_for_paths_ports_and_sizes(
    tmp_path, capsys
):
    host = rendered("--node-index=1", "--bind-address=10.0.0.11", *MEMBERS, capsys=capsys)
    member = GaleraMember(
        "a", tmp_path, 33071, node_index=1, node_count=3, gcomm_port=24571, ist_port=24581,
        sst_port=24591, members=(24571, 24572, 24573),
    )  # fmt: skip
    local = sections(member.render_config())
    differing = {
        key
        for key in set(host["mysqld"]) | set(local["mysqld"])
        if host["mysqld"].get(key) != local["mysqld"].get(key)
    }
    assert differing <= LOCAL_ONLY, differing - LOCAL_ONLY
    assert local["sst"]["sockopt"] == "bind=127.0.0.1"
    assert options(local)["evs.suspect_timeout"] == "PT1S"
