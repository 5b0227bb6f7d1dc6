"""Both nodes' /metrics on the real pair: parseable, every series the alert rules use, and
values that move with replication — an SQL thread stopped, a replication error, a
backlog building up — and back.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from deploy.local.cluster import wait_for
from tests.cluster.conftest import login

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "platform.rules.yml"
PROMETHEUS_OWN = {"up"}


def scrape(cluster, index: int) -> dict[str, list]:
    # Through the node's nginx (its direct listener), as Prometheus reaches it.
    response = requests.get(
        cluster.node(index).url + "/metrics", timeout=20, verify=cluster.ca_file
    )
    assert response.status_code == 200, response.text
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def value(samples: dict, name: str, **labels) -> float:
    (sample,) = [s for s in samples[name] if labels.items() <= s.labels.items()]
    return sample.value


def rule_metric_names() -> set[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    exprs = [rule["expr"] for group in groups for rule in group["rules"]]
    names = {n for e in exprs for n in re.findall(r"\b([a-z_][a-z0-9_]*)\s*(?=[{)\[\s]|$)", e)}
    return {n for n in names if n.startswith("platform_")} | (names & PROMETHEUS_OWN)


@pytest.fixture(scope="module")
def served(cluster):
    """A login, a read and a write on each node, so every counter has been touched."""
    for index in (1, 2):
        api = login(cluster, index)
        assert api.get("/api/v1/task/tasks/").status == 200
        assert api.post("/api/v1/task/tasks/", {"title": f"metrics {index}"}).status == 201
    cluster.wait_in_sync()
    return cluster


def test_every_series_the_alert_rules_use_is_exported_by_the_nodes(served):
    wanted = rule_metric_names() - PROMETHEUS_OWN
    assert {"platform_replication_sql_running", "platform_requests_total"} <= wanted
    exported = set(scrape(served, 1)) | set(scrape(served, 2))
    missing = wanted - exported
    assert not missing, f"the alert rules use series no node exports: {sorted(missing)}"


@pytest.mark.parametrize("index,name", [(1, "A"), (2, "B")])
def test_a_healthy_pair_reads_as_healthy_on_each_node(served, index, name):
    samples = scrape(served, index)
    for series in ("io_running", "sql_running"):
        assert value(samples, f"platform_replication_{series}", node=name) == 1
    for series in ("last_io_errno", "last_sql_errno"):
        assert value(samples, f"platform_replication_{series}", node=name) == 0
    assert 0 <= value(samples, "platform_replication_lag_seconds", node=name) < 1
    assert 0 <= value(samples, "platform_replication_heartbeat_age_seconds", node=name) < 5
    assert value(samples, "platform_node_in_rotation") == 1
    assert value(samples, "platform_exactly_once_doubles") == 0
    assert value(samples, "platform_home_node", service="reservation") in (1, 2)
    assert value(samples, "platform_node_processes") == served.workers + 1
    assert value(samples, "platform_node_cpu_seconds_total") > 0
    assert all(s.value == 1 for s in samples["platform_metrics_collector_up"])
    assert not [s for s in samples["platform_breaker_state"] if "pid" in s.labels]


def test_a_stopped_sql_thread_reads_0_and_the_heartbeat_ages_until_it_restarts(served):
    b = served.pair.b
    b.execute("STOP SLAVE SQL_THREAD")
    try:
        stopped = scrape(served, 2)
        assert value(stopped, "platform_replication_sql_running", node="B") == 0
        assert value(stopped, "platform_replication_io_running", node="B") == 1
        time.sleep(2.0)  # A's heartbeats (5 a second) now arrive on B but are not applied
        aged = scrape(served, 2)
        assert value(aged, "platform_replication_heartbeat_age_seconds", node="B") > 1.5
        assert value(scrape(served, 1), "platform_replication_sql_running", node="A") == 1
    finally:
        b.execute("START SLAVE SQL_THREAD")
    served.wait_in_sync()
    back = wait_for(
        lambda: (
            (s := scrape(served, 2))
            and value(s, "platform_replication_heartbeat_age_seconds", node="B") < 1
            and s
        ),
        timeout=15,
        what="B's heartbeat fresh again",
    )
    assert value(back, "platform_replication_sql_running", node="B") == 1


def test_a_replication_error_reads_as_its_errno_until_it_is_cleared(served):
    a, b = served.pair.a, served.pair.b
    a.execute("CREATE TABLE platform.metrics_probe (id INT PRIMARY KEY)")
    served.wait_in_sync()
    try:
        # The same key inserted on B alone first: A's insert then stops B's SQL thread.
        b.execute("INSERT INTO platform.metrics_probe VALUES (1)", log_bin=False)
        a.execute("INSERT INTO platform.metrics_probe VALUES (1)")
        failed = wait_for(
            lambda: (
                (s := scrape(served, 2))
                and value(s, "platform_replication_sql_running", node="B") == 0
                and s
            ),
            timeout=15,
            what="B's SQL thread stopped on the duplicate",
        )
        assert value(failed, "platform_replication_last_sql_errno", node="B") == 1062
    finally:
        b.execute("DELETE FROM platform.metrics_probe WHERE id = 1", log_bin=False)
        b.execute("START SLAVE SQL_THREAD")
        a.execute("DROP TABLE platform.metrics_probe")
    served.wait_in_sync()
    healed = scrape(served, 2)
    assert value(healed, "platform_replication_sql_running", node="B") == 1
    assert value(healed, "platform_replication_last_sql_errno", node="B") == 0
