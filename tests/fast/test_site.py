"""The node's plain HTTP surface: health for the load balancer and the admin login."""

import pytest


# The checks run in threads with their own connections: the key must be committed.
@pytest.mark.django_db(transaction=True)
def test_health_answers_200_when_the_database_is_up_and_a_key_is_loaded(client, server_key):
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"DatabaseWritable()", "KeysLoaded()", "CaughtUpWithPeer()"}


@pytest.mark.django_db
def test_health_fails_without_a_server_key_to_log_clients_in_with(client):
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 500
    assert "no primary server key" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_replication_endpoint_fails_on_a_node_without_a_peer(client, server_key):
    response = client.get("/health/replication/", HTTP_ACCEPT="application/json")
    assert response.status_code == 500
    assert "no peer configured" in response.content.decode()


@pytest.mark.django_db
def test_the_admin_login_page_renders(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content
