"""Galera tier: three MariaDB Galera members, nodes A, B and C (nginx + gunicorn), HAProxy.

One cluster per test run (session scope), on free loopback ports under a temporary
directory, every process tied to the test run. Each node's connection to its own member
passes through the fault proxy (`galera.faults.link("node-a->db-a")`), so a test can lose
a COMMIT's answer; a member is cut off from the others with Galera's own
`gmcast.isolate` (`galera.database(1).isolate()`). Clients trust the run's CA.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from core import registry
from deploy.local.galera_cluster import GaleraTopologyPorts, LocalGaleraCluster
from tests.galera.support import ARTIFACTS, PASSWORD, USERS, record

STARTED = time.monotonic()


@pytest.fixture(scope="session")
def galera(tmp_path_factory):
    no_limits = {
        "GATEWAY_ADDRESS_RATE_PER_SECOND": "0",
        "GATEWAY_SESSION_RATE_PER_SECOND": "0",
        "GATEWAY_LOGIN_RATE_PER_SECOND": "0",
    }
    cluster = LocalGaleraCluster(
        tmp_path_factory.mktemp("galera"),
        GaleraTopologyPorts.free(),
        workers=2,
        extra_env=no_limits,
        fault_links=True,
    )
    started = time.monotonic()
    cluster.up()
    users = {"alice": ("write",), "bob": ("write",), "root": ("write", "admin")}
    codes = registry.business_codes()
    cluster.shell(1, USERS.format(users=users, password=PASSWORD, services=codes))
    record("tier", {"cluster_start_s": round(time.monotonic() - started, 1)})
    yield cluster
    cluster.down()
    if FAILED:
        keep_logs(cluster.run_dir)
    cluster.galera.remove()


FAILED: list[str] = []
LOGS = ARTIFACTS / "galera-logs"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if outcome.get_result().failed:
        FAILED.append(item.nodeid)


def keep_logs(run_dir: Path) -> None:
    """A failed run keeps every server's log (the run directory itself is removed)."""
    shutil.rmtree(LOGS, ignore_errors=True)
    for log in run_dir.rglob("*.log"):
        target = LOGS / log.relative_to(run_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(log, target)


def pytest_sessionfinish(session, exitstatus):
    if session.testscollected:
        record("tier", {"tier_wall_time_s": round(time.monotonic() - STARTED, 1)}, merge=True)
