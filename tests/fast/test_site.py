"""The node's plain HTTP surface: health for the load balancer and the admin login."""

import pytest


@pytest.mark.django_db
def test_health_answers_200_when_the_database_is_up(client):
    response = client.get("/health/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()  # one entry per check, all passing


@pytest.mark.django_db
def test_the_admin_login_page_renders(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content
