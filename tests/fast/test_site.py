"""The node's plain HTTP surface: health for the load balancer and the admin login."""

import pytest

# The checks run in threads with their own connections, so what they read must be
# committed. serialized_rollback, as every committing test here: a flush without it
# recreates the content types the next serialized test's restore then inserts again.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@committed
def test_health_answers_200_when_the_database_is_up_and_a_key_is_loaded(client, server_key):
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"DatabaseWritable()", "KeysLoaded()", "CaughtUpWithPeer()"}


@pytest.mark.django_db
def test_health_fails_without_a_server_key_to_log_clients_in_with(client):
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert "no primary server key" in response.content.decode()


@committed
def test_the_last_resort_check_asks_only_whether_the_node_can_serve_at_all(client, server_key):
    # HAProxy's backend for when no node passes /health/: lag is not counted there.
    response = client.get("/health/last-resort/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"DatabaseWritable()", "KeysLoaded()"}


@pytest.mark.django_db
def test_the_last_resort_check_fails_without_a_server_key(client):
    response = client.get("/health/last-resort/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert "no primary server key" in response.content.decode()


@committed
def test_the_replication_endpoint_fails_on_a_node_without_a_peer(client, server_key):
    response = client.get("/health/replication/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert "no peer configured" in response.content.decode()


OUTSIDE = "203.0.113.7"  # not in METRICS_ALLOWED_NETWORKS (loopback by default)


@committed
@pytest.mark.parametrize("accept", ["application/json", "text/html"])
def test_outside_monitoring_networks_the_replication_health_says_only_down(client, accept):
    response = client.get("/health/replication/", HTTP_ACCEPT=accept, REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 503
    assert (response["Content-Type"], response.content) == ("text/plain; charset=utf-8", b"down\n")
    as_json = client.get("/health/replication/?format=json", REMOTE_ADDR=OUTSIDE)
    assert as_json.content == b"down\n"


@committed
def test_outside_monitoring_networks_the_node_health_says_only_up_or_down(client, server_key):
    up = client.get("/health/", HTTP_ACCEPT="application/json", REMOTE_ADDR=OUTSIDE)
    assert (up.status_code, up.content) == (200, b"up\n")
    assert "no-cache" in up["Cache-Control"]


@committed
def test_outside_monitoring_networks_a_failing_node_health_says_only_down(client):
    down = client.get("/health/", HTTP_ACCEPT="application/json", REMOTE_ADDR=OUTSIDE)
    assert (down.status_code, down.content) == (503, b"down\n")  # no server key, unsaid


@committed
def test_a_configured_monitoring_network_gets_the_checks_and_reasons(client, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    inside = client.get("/health/replication/?format=json", REMOTE_ADDR="10.20.3.4")
    assert inside.status_code == 503 and "no peer configured" in inside.content.decode()
    loopback = client.get("/health/replication/?format=json")  # no longer in the list
    assert loopback.content == b"down\n"


@pytest.mark.django_db
def test_the_admin_login_page_renders(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content
