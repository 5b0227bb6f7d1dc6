"""`/metrics` in one process: the scrape-time series, their values, a failing collector.

The replication series need a peer database: the cluster tier checks them on the real
pair (tests/cluster/test_metrics.py). Across gunicorn-like worker processes:
tests/fast/gateway/test_metrics_multiprocess.py.
"""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from replication import metrics as replication_metrics
from replication.models import RequestRecord

pytestmark = pytest.mark.django_db


def scrape(client) -> dict:
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    return {f.name: f for f in text_string_to_metric_families(response.content.decode())}


def value(families: dict, name: str, **labels) -> float:
    (sample,) = [
        s
        for family in families.values()
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    return sample.value


def collector_up(families: dict) -> dict[str, float]:
    return {
        s.labels["collector"]: s.value for s in families["platform_metrics_collector_up"].samples
    }


# The health checks run in threads with their own connections: the key must be committed.
# (serialized_rollback, as the dashboard's tests: a flush without it breaks their restore.)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_rotation_is_the_verdict_of_health_with_a_key_and_without(client, server_key):
    assert client.get("/health/").status_code == 200
    assert value(scrape(client), "platform_node_in_rotation") == 1
    server_key.delete()
    from credential.keys import keyring

    keyring.clear()
    assert client.get("/health/").status_code == 503
    assert value(scrape(client), "platform_node_in_rotation") == 0


def test_every_scrape_time_collector_answers_and_a_single_node_exports_no_replication(
    client, server_key
):
    families = scrape(client)
    assert set(collector_up(families).values()) == {1.0}
    assert set(collector_up(families)) >= {"sessions", "rotation", "process_tree", "doubles"}
    assert not [name for name in families if name.startswith("platform_replication_")]


def test_the_home_node_of_each_home_node_service_is_exported(client):
    from core import registry
    from replication.models import ServiceHome

    ServiceHome.objects.update_or_create(code="reservation", defaults={"home_node": 2})
    from replication.homes import homes

    homes.clear()
    families = scrape(client)
    homed = {s.labels["service"]: s.value for s in families["platform_home_node"].samples}
    assert set(homed) == {c.code for c in registry.services() if c.has_home}
    assert homed["reservation"] == 2 and homed["approval"] == 1


def test_doubles_are_counted_and_recounted_once_the_cache_has_aged(client, monkeypatch):
    counter = replication_metrics.DoublesCollector(max_age=3600)
    monkeypatch.setitem(replication_metrics.__dict__, "_doubles", counter)
    assert value(scrape(client), "platform_exactly_once_doubles") == 0
    for db_index in (1, 2):
        RequestRecord.objects.create(
            scope="s" * 32, nonce="n" * 16, db_index=db_index, digest="d" * 64, method="POST",
            path="/api/v1/task/tasks/", status=201,
        )  # fmt: skip
    assert value(scrape(client), "platform_exactly_once_doubles") == 0  # still cached
    counter.max_age = 0
    assert value(scrape(client), "platform_exactly_once_doubles") == 1


def test_the_process_tree_of_a_single_process_is_itself(client):
    import os

    import psutil

    families = scrape(client)
    me = psutil.Process(os.getpid())
    assert value(families, "platform_node_processes") >= 1
    assert value(families, "platform_node_cpu_seconds_total") > 0
    assert value(families, "platform_node_resident_memory_bytes") >= me.memory_info().rss * 0.5
    assert value(families, "platform_node_proportional_memory_bytes") > 0
    assert (
        0 < value(families, "platform_node_open_fds") <= value(families, "platform_node_fd_limit")
    )
    assert value(families, "platform_node_start_time_seconds") == pytest.approx(me.create_time())


def test_a_failing_collector_costs_its_own_series_only(client, server_key, monkeypatch):
    def broken():
        raise RuntimeError("database gone")

    monkeypatch.setattr("gateway.rotation.in_rotation", broken)
    families = scrape(client)
    assert collector_up(families)["rotation"] == 0 and collector_up(families)["sessions"] == 1
    assert "platform_node_in_rotation" not in families
    assert value(families, "platform_node_processes") >= 1


def test_the_breaker_gauge_has_no_worker_label(client, connect, writer):
    from gateway import metrics

    metrics.BREAKER_STATE.labels("task").set(2)
    samples = scrape(client)["platform_breaker_state"].samples
    assert [s.labels for s in samples if s.labels["service"] == "task"] == [{"service": "task"}]
    assert value(scrape(client), "platform_breaker_state", service="task") == 2
    metrics.BREAKER_STATE.labels("task").set(0)
