"""Database tier: a real MariaDB (started by tests/harness.py), and gunicorn nodes on it."""

from __future__ import annotations

import base64
import os

import pytest
from django.db import connection

from client import PlatformClient, RequestsTransport
from deploy.local.node import PlatformNode
from deploy.local.processes import free_port

LIVE_PASSWORD = "Live-node-Passw0rd!"
SETUP = """
from django.contrib.auth import get_user_model
from credential.keys import ensure_primary_key
from credential.models import Grant
from gateway.models import ServiceRoute
ensure_primary_key()
user = get_user_model().objects.create_user("alice", password={password!r})
for code in ("task", "test"):
    Grant.objects.create(service=code, user=user, can_read=True, can_write=True)
ServiceRoute.objects.create(code="test", display_name="Test", target="tests.support.service_urls",
                            statement_timeout_ms=300)
"""


@pytest.fixture(autouse=True, scope="session")
def _runs_on_real_mariadb(django_db_setup, django_db_blocker):
    """The whole tier is pointless on SQLite: fail loudly if the harness did not switch."""
    with django_db_blocker.unblock():
        assert connection.vendor == "mysql", "tests/database must run on the harness's MariaDB"


@pytest.fixture(scope="session")
def live_env(mariadb_server):
    """Settings of node A on a migrated database of its own (apart from pytest's test DB)."""
    password = mariadb_server.create_app_user("live", all_databases=False)
    mariadb_server.execute(
        "CREATE DATABASE IF NOT EXISTS live CHARACTER SET utf8mb4", log_bin=False
    )
    env = {
        "SECRET_KEY": "live-" + "k" * 45,
        "PLATFORM_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        "PLATFORM_NODE": "A",
        "PLATFORM_NODE_INDEX": "1",
        "PLATFORM_NODE_COUNT": "2",
        "DATABASE_URL": mariadb_server.database_url("live", password, "live"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    setup = PlatformNode("setup", mariadb_server.base_dir.parent / "setup", 0, env)
    setup.manage("migrate", "--noinput")
    setup.manage("shell", "-c", SETUP.format(password=LIVE_PASSWORD))
    return env


@pytest.fixture
def start_node(live_env, tmp_path):
    """start_node(workers=2, env={...}) → a running gunicorn node on the live database."""
    started = []

    def start(*, workers: int = 2, name: str = "a", env: dict | None = None) -> PlatformNode:
        settings = {**live_env, **(env or {})}
        node = PlatformNode(name, tmp_path / name, free_port(), settings, workers=workers)
        node.start()
        started.append(node)
        return node

    yield start
    for node in started:
        node.stop()


def live_client(*urls: str) -> PlatformClient:
    api = PlatformClient(list(urls), transport=RequestsTransport(), retries=0)
    response = api.login("alice", LIVE_PASSWORD)
    assert response.status == 200, response.data
    return api
