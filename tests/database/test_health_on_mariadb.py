"""/health/ and /metrics on a gunicorn node backed by its own MariaDB, up and then down."""

from __future__ import annotations

import base64
import os

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from deploy.local.mariadb import MariaDBInstance
from deploy.local.node import PlatformNode
from deploy.local.processes import free_port


@pytest.fixture
def node_with_own_database(tmp_path):
    db = MariaDBInstance("health", tmp_path / "db", free_port(), node_index=1, node_count=1)
    db.start()
    password = db.create_app_user("platform", all_databases=True)
    db.execute("CREATE DATABASE platform CHARACTER SET utf8mb4")
    node = PlatformNode(
        "health",
        tmp_path / "node",
        free_port(),
        env={
            "SECRET_KEY": "k" * 50,
            "PLATFORM_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
            "PLATFORM_NODE_COUNT": "1",
            "DATABASE_URL": db.database_url("platform", password, "platform"),
            "DATABASE_CONN_MAX_AGE": "0",
        },
        workers=1,
    )
    node.manage("migrate", "--noinput")
    node.manage("credential_keys", "ensure")
    node.start()
    yield node, db
    node.stop()
    db.remove()


def test_health_is_200_with_the_database_up_and_fails_when_it_is_down(node_with_own_database):
    node, db = node_with_own_database
    up = requests.get(node.url + "/health/?format=json", timeout=10)
    assert up.status_code == 200, up.text
    db.stop()
    down = requests.get(node.url + "/health/?format=json", timeout=15)
    assert down.status_code == 503
    assert "database not writable" in down.text


def scrape(node) -> dict[str, list]:
    response = requests.get(node.url + "/metrics", timeout=20)
    assert response.status_code == 200, response.text
    return {family.name: family.samples for family in text_string_to_metric_families(response.text)}


def test_metrics_still_answer_with_the_database_down_and_say_out_of_rotation(
    node_with_own_database,
):
    node, db = node_with_own_database
    up = scrape(node)
    assert [s.value for s in up["platform_node_in_rotation"]] == [1]
    assert {s.labels["collector"]: s.value for s in up["platform_metrics_collector_up"]} == {
        "sessions": 1,
        "rotation": 1,
        "process_tree": 1,
        "replication": 1,
        "home_node": 1,
        "doubles": 1,
        "clock_skew": 1,
    }
    # Measured against its own database (no peer here), within a second of it.
    skews = {s.labels["against"]: s.value for s in up["platform_clock_skew_seconds"]}
    assert set(skews) == {"database"} and abs(skews["database"]) < 1.0
    db.stop()
    down = scrape(node)
    assert [s.value for s in down["platform_node_in_rotation"]] == [0]
    status = {s.labels["collector"]: s.value for s in down["platform_metrics_collector_up"]}
    assert status["sessions"] == 0 and status["process_tree"] == 1
    # A database it cannot reach gives no skew sample, and the collector still answers.
    assert status["clock_skew"] == 1 and not down.get("platform_clock_skew_seconds")
    assert [s.value for s in down["platform_node_processes"]] == [2]  # master and one worker
