"""The routing table's admin: list editing, actions, validation, history, breakers."""

from __future__ import annotations

import pytest

from gateway.models import RouteChange, ServiceRoute

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user("root", superuser=True, is_staff=True))
    return client


def test_the_route_list_shows_policy_and_breaker_columns(admin_client):
    page = admin_client.get("/admin/gateway/serviceroute/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "home-node" in text and "last-writer-wins" in text and "append-only" in text
    assert "circuit breakers" in text.lower()


def test_an_action_puts_services_in_maintenance_and_records_who(admin_client):
    ids = list(
        ServiceRoute.objects.filter(code__in=["task", "notice"]).values_list("pk", flat=True)
    )
    response = admin_client.post(
        "/admin/gateway/serviceroute/",
        {"action": "maintenance_on", "_selected_action": ids},
        follow=True,
    )
    assert response.status_code == 200
    assert set(ServiceRoute.objects.filter(maintenance=True).values_list("code", flat=True)) == {
        "task",
        "notice",
    }
    assert set(RouteChange.objects.values_list("actor", flat=True)) == {"root"}


def test_a_target_that_does_not_import_is_refused(admin_client):
    route = ServiceRoute.objects.get(code="task")
    data = {**route.snapshot(), "target": "services.nowhere.urls"}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = admin_client.post(f"/admin/gateway/serviceroute/{route.pk}/change/", data)
    assert response.status_code == 200  # the form again, with the error
    assert "cannot import" in response.content.decode()
    assert ServiceRoute.objects.get(code="task").target == "services.task.urls"


def test_route_history_is_read_only(admin_client):
    assert admin_client.get("/admin/gateway/routechange/add/").status_code == 403
