"""The routing table's admin: list editing, actions, fieldsets, validation, diffs, breakers."""

from __future__ import annotations

import re

import pytest

from core import registry
from credential.models import AuditEvent
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
    assert "circuit breaker" in text.lower()


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


def test_a_target_that_is_no_installed_service_is_refused_in_plain_words(admin_client):
    route = ServiceRoute.objects.get(code="task")
    data = {**route.snapshot(), "target": "services.nowhere.urls"}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    response = admin_client.post(f"/admin/gateway/serviceroute/{route.pk}/change/", data)
    assert response.status_code == 200  # the form again, with the error
    assert "“services.nowhere.urls” is not an installed service" in response.content.decode()
    assert ServiceRoute.objects.get(code="task").target == "services.task.urls"


def test_route_history_is_read_only(admin_client):
    assert admin_client.get("/admin/gateway/routechange/add/").status_code == 403


def route_page(admin_client, code: str = "task") -> str:
    route = ServiceRoute.objects.get(code=code)
    return admin_client.get(f"/admin/gateway/serviceroute/{route.pk}/change/").content.decode()


def fieldset_names(page: str) -> list[str]:
    return re.findall(r'<h2 id="fieldset-[^"]+" class="fieldset-heading">([^<]+)</h2>', page)


def test_the_route_form_groups_its_fields_with_help_and_units(admin_client):
    page = route_page(admin_client)
    names = fieldset_names(page)
    assert names[:4] == ["Routing", "Maintenance", "Protection", "Circuit breaker"]
    for words in (
        "Milliseconds.",
        "Seconds. How far back",
        "A share from 0 to 1",
        "Retry after (s)",
    ):
        assert words in page
    for field in ("breaker_consecutive_failures", "breaker_min_requests", "breaker_open_seconds"):
        assert f'id="id_{field}_helptext"' in page


def test_the_target_is_chosen_from_the_installed_services(admin_client):
    page = route_page(admin_client)
    select = page.split('name="target"')[1].split("</select>")[0]
    for config in registry.services():
        assert f'value="{config.urlconf}"' in select
    assert (
        '<option value="services.task.urls" selected>Tasks (services.task.urls)</option>' in select
    )


def test_a_routes_code_cannot_be_edited_once_it_exists(admin_client):
    assert 'name="code"' not in route_page(admin_client)


def test_a_breaker_error_rate_outside_zero_to_one_is_refused_in_words(admin_client):
    route = ServiceRoute.objects.get(code="task")
    data = {k: ("" if v is None else v) for k, v in route.snapshot().items()}
    data["breaker_error_rate"] = "5"
    response = admin_client.post(f"/admin/gateway/serviceroute/{route.pk}/change/", data)
    assert "Give a share between 0 and 1, such as 0.5 for half." in response.content.decode()
    assert ServiceRoute.objects.get(code="task").breaker_error_rate == 0.5


def test_a_change_in_the_list_is_recorded_as_a_diff_with_who_and_where(admin_client):
    ids = list(ServiceRoute.objects.filter(code="task").values_list("pk", flat=True))
    admin_client.post(
        "/admin/gateway/serviceroute/", {"action": "maintenance_on", "_selected_action": ids}
    )
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ROUTE_CHANGED)
    assert event.detail["changes"] == {"maintenance": [False, True]}
    assert (event.detail["by"], event.detail["object"], event.node) == ("root", "route task", "A")
    route = ServiceRoute.objects.get(code="task")
    history = admin_client.get(f"/admin/gateway/serviceroute/{route.pk}/history/").content.decode()
    assert "<strong>maintenance</strong>: <del>no</del> → <ins>yes</ins>" in history
    assert "root (admin)" in history
    listing = admin_client.get("/admin/gateway/routechange/").content.decode()
    assert "maintenance: no → yes" in listing


def test_the_breaker_column_summarises_workers_instead_of_listing_them(admin_client, monkeypatch):
    states = {"task": [("101", "open"), ("102", "closed"), ("103", "closed")]}
    monkeypatch.setattr("gateway.admin.breaker_states", lambda: states)
    page = admin_client.get("/admin/gateway/serviceroute/").content.decode()
    assert '<span class="badge bad">open</span> on 1 of 3 workers' in page
    assert "101" not in page.split('id="result_list"')[1].split("</table>")[0]


def test_a_route_is_switched_off_never_deleted(admin_client):
    route = ServiceRoute.objects.get(code="task")
    assert admin_client.get(f"/admin/gateway/serviceroute/{route.pk}/delete/").status_code == 403
    assert (
        "delete_selected" not in admin_client.get("/admin/gateway/serviceroute/").content.decode()
    )
