"""Cluster tier: the replicated MariaDB pair, nodes A and B (nginx + gunicorn), HAProxy.

One cluster per test run (session scope), on free loopback ports under a temporary
directory; every process is tied to the test run and removed with it. Every URL is
HTTPS: clients trust the run's own CA (`cluster.ca_file`), as `transport(cluster)` does.
"""

from __future__ import annotations

import pytest

from client import PlatformClient, RequestsTransport
from core import registry
from deploy.local.cluster import ClusterPorts, LocalCluster

PASSWORD = "Cluster-Passw0rd!"
USERS = """
from django.contrib.auth import get_user_model
from credential.keys import ensure_primary_key
from credential.models import Grant
ensure_primary_key()
User = get_user_model()
for name, actions in {users!r}.items():
    user = User.objects.create_user(name, password={password!r}, is_superuser=name == "root",
                                    is_staff=name == "root")
    for code in {services!r}:
        Grant.objects.create(service=code, user=user, can_read=True,
                             can_write="write" in actions, can_admin="admin" in actions)
"""


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    # The drills stream writes far faster than any person would: no rate limits here.
    no_limits = {
        "GATEWAY_ADDRESS_RATE_PER_SECOND": "0",
        "GATEWAY_SESSION_RATE_PER_SECOND": "0",
        "GATEWAY_LOGIN_RATE_PER_SECOND": "0",
    }
    # Every node→database and replication connection through the fault proxy, so any
    # test can cut, stall or lose one (cluster.faults, deploy/local/faults.py).
    cluster = LocalCluster(
        tmp_path_factory.mktemp("cluster"),
        ClusterPorts.free(),
        workers=2,
        extra_env=no_limits,
        fault_links=True,
    )
    cluster.up()
    users = {"alice": ("write",), "bob": ("write",), "root": ("write", "admin")}
    codes = registry.business_codes()
    cluster.shell(1, USERS.format(users=users, password=PASSWORD, services=codes))
    cluster.wait_in_sync()
    yield cluster
    cluster.down()
    cluster.pair.remove()


def transport(cluster, session=None) -> RequestsTransport:
    """A pooled HTTPS transport trusting the cluster's CA."""
    return RequestsTransport(session, verify=cluster.ca_file)


def login(cluster, index: int, username: str = "alice", *, retries: int = 0) -> PlatformClient:
    api = PlatformClient(cluster.node(index).url, transport=transport(cluster), retries=retries)
    response = api.login(username, PASSWORD)
    assert response.status == 200, response.data
    return api


def on_node(api: PlatformClient, cluster, index: int) -> PlatformClient:
    """The same session, sent to another node."""
    api.base_urls = [cluster.node(index).url]
    return api


@pytest.fixture(scope="session")
def pt_dsn(cluster):
    """pt-table-checksum's login on the cluster's pair (tests/cluster/referee.py)."""
    from tests.cluster import referee

    return referee.pt_dsn(cluster.pair)


@pytest.fixture
def partition(cluster):
    """`cluster.faults.partition`, healed whatever the test does."""
    yield cluster.faults.partition
    cluster.faults.heal()
