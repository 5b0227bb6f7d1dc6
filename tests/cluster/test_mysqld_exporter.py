"""Debian's prometheus-mysqld-exporter on database A of the real pair, with the user that
deploy/prometheus/mysqld-exporter.sql makes: the grants suffice for every default
collector, replication is read, and the user stays on its own host.

The file's user authenticates by Unix socket as the system user `prometheus`; this run is
root, so the same grants go to a password user for the test. The binary comes from
scripts/system-deps (test): missing, the test fails.
"""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from deploy.local import processes
from deploy.local.cluster import wait_for

USER_SQL = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "mysqld-exporter.sql"
EXPORTER = "prometheus-mysqld-exporter"


def statements(password: str) -> list[str]:
    text = "\n".join(
        line for line in USER_SQL.read_text().splitlines() if not line.startswith("--")
    )
    text = text.replace("IDENTIFIED VIA unix_socket", f"IDENTIFIED BY '{password}'")
    return [part.strip() for part in text.split(";") if part.strip()]


@pytest.fixture
def exporter(cluster, tmp_path):
    binary = shutil.which(EXPORTER)
    assert binary, f"{EXPORTER} missing: install Debian's package (scripts/system-deps test)"
    a = cluster.pair.a
    password = secrets.token_urlsafe(16)
    a.execute(*statements(password))
    port = processes.free_port()
    proc = processes.spawn(
        [binary, f"--web.listen-address=127.0.0.1:{port}"],
        log=tmp_path / "exporter.log",
        env={"DATA_SOURCE_NAME": f"prometheus:{password}@unix({a.socket})/"},
        tied=True,
    )
    wait_for(lambda: processes.port_open(port), timeout=15, what="the exporter listening")
    yield f"http://127.0.0.1:{port}/metrics"
    processes.stop_pid(proc.pid)
    a.execute("DROP USER IF EXISTS 'prometheus'@'localhost'", log_bin=False)


def scrape(url: str) -> dict[str, list]:
    response = requests.get(url, timeout=30)
    assert response.status_code == 200
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def test_the_exporter_reads_the_database_and_its_replica_with_the_documented_grants(
    cluster, exporter
):
    samples = scrape(exporter)
    assert [s.value for s in samples["mysql_up"]] == [1]
    assert [s.value for s in samples["mysql_exporter_last_scrape_error"]] == [0]
    failed = [s.labels for s in samples.get("mysql_exporter_collector_success", []) if not s.value]
    assert not failed, failed
    (sql_running,) = samples["mysql_slave_status_slave_sql_running"]
    assert sql_running.value == 1
    assert samples["mysql_global_status_threads_connected"][0].value >= 1
    # Made with the binary log off: database B never sees the user.
    users = cluster.pair.b.execute("SELECT COUNT(*) FROM mysql.user WHERE user = 'prometheus'")
    assert users == [(0,)]
