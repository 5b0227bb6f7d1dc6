"""Galera tier: three MariaDB Galera members, nodes A, B and C (nginx + gunicorn), HAProxy.

One cluster per test run (session scope), on free loopback ports under a temporary
directory, every process tied to the test run. Each node's connection to its own member
passes through the fault proxy (`galera.faults.link("node-a->db-a")`), so a test can lose
a COMMIT's answer; a member is cut off from the others with Galera's own
`gmcast.isolate` (`galera.database(1).isolate()`). Clients trust the run's CA.
"""

from __future__ import annotations

import time

import pytest

from core import registry
from deploy.local.galera_cluster import GaleraTopologyPorts, LocalGaleraCluster
from tests.galera.support import PASSWORD, USERS, record

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
    cluster.galera.remove()


def pytest_sessionfinish(session, exitstatus):
    if session.testscollected:
        record("tier", {"tier_wall_time_s": round(time.monotonic() - STARTED, 1)}, merge=True)
