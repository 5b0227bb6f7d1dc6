"""The operations dashboard: staff only, every section present, no secret in its data."""

from __future__ import annotations

import base64
import os

import pytest
from django.db import OperationalError

from credential.audit import Kind, audit
from credential.sessions import session_create
from gateway.models import ServiceRoute

SECTIONS = {"node_health", "peer_health", "replication", "routes", "sessions", "audit"}
# The snapshot's sections run in threads with their own connections: data must be
# committed, and the routing rows the migrations made must survive the flush.
committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def staff(make_user):
    return make_user("operator", is_staff=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/ops/", "/ops/data.json"])
def test_it_sends_anonymous_visitors_to_the_admin_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/admin/login/?next={url}")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/ops/", "/ops/data.json"])
def test_it_sends_users_without_staff_status_to_the_admin_login(client, outsider, url):
    client.force_login(outsider)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_staff_get_the_page_with_every_section_and_the_data_url(staff_client):
    response = staff_client.get("/ops/")
    assert response.status_code == 200
    page = response.content.decode()
    for element in ("node-health", "peer-health", "replication", "lag-chart", "routes"):
        assert f'id="{element}"' in page
    for element in ("sessions", "audit", "updated-at", "node-name"):
        assert f'id="{element}"' in page
    assert 'data-data-url="/ops/data.json"' in page
    assert "no-cache" in response["Cache-Control"]


@committed
def test_the_data_has_every_section_for_a_node_running_alone(staff_client, server_key):
    data = staff_client.get("/ops/data.json").json()
    assert set(data) >= SECTIONS
    assert not [name for name in SECTIONS if "error" in data[name]], data
    assert data["this_node"] == {"name": "A", "index": 1}
    assert data["node_health"]["ok"] is True
    assert [c["name"] for c in data["node_health"]["checks"]] == [
        "DatabaseWritable",
        "KeysLoaded",
        "CaughtUpWithPeer",
    ]
    assert data["peer_health"] == {"configured": False}
    assert data["replication"] == {"configured": False, "directions": []}


@committed
def test_the_routing_table_lists_each_service_with_its_policy_and_breaker(staff_client):
    routes = {r["code"]: r for r in staff_client.get("/ops/data.json").json()["routes"]["routes"]}
    assert routes["credential"]["policy"] == "home-node"
    assert routes["message"]["policy"] == "append-only"
    assert routes["task"]["policy"] == "last-writer-wins"
    assert routes["reservation"]["policy"] == "home-node"
    assert routes["task"]["enabled"] is True and routes["task"]["breaker"] == "closed"


@committed
def test_it_shows_active_sessions_and_audit_events_without_any_secret(staff_client, writer):
    key = os.urandom(32)
    session, session_id = session_create(
        user=writer, key=key, client={"app": "Desk", "version": "1.2"}, address="10.0.0.7"
    )
    audit(Kind.LOGIN_OK, user=writer, address="10.0.0.7", session=session)
    response = staff_client.get("/ops/data.json")
    body, data = response.content.decode(), response.json()

    assert data["sessions"]["count"] == 1
    [row] = data["sessions"]["recent"]
    assert row["user"] == "writer" and row["client_app"] == "Desk" and row["address"] == "10.0.0.7"
    assert row["ref"] == session.short_ref
    assert data["audit"]["events"][0]["kind"] == "login_ok"
    assert data["audit"]["events"][0]["session_ref"] == session.short_ref
    wrapped = bytes(session.wrapped_key)
    for secret in (session_id, str(session.pk), session.pk.hex, session.id_hash):
        assert secret not in body
    for raw in (key, wrapped):
        assert raw.hex() not in body
        assert base64.b64encode(raw).decode() not in body
        assert base64.urlsafe_b64encode(raw).decode().rstrip("=") not in body


@committed
def test_revoked_and_idle_sessions_are_not_counted(staff_client, writer):
    from django.utils import timezone

    live, _ = session_create(user=writer, key=os.urandom(32), client={}, address=None)
    revoked, _ = session_create(user=writer, key=os.urandom(32), client={}, address=None)
    idle, _ = session_create(user=writer, key=os.urandom(32), client={}, address=None)
    revoked.revoked_at = timezone.now()
    revoked.save()
    idle.last_seen_at = timezone.now() - timezone.timedelta(seconds=idle.idle_timeout_seconds + 1)
    idle.save()
    sessions = staff_client.get("/ops/data.json").json()["sessions"]
    assert sessions["count"] == 1
    assert [row["ref"] for row in sessions["recent"]] == [live.short_ref]


@committed
def test_a_failing_source_shows_as_an_error_in_its_own_section_only(
    staff_client, server_key, monkeypatch
):
    def broken():
        raise RuntimeError("metrics directory unreadable")

    monkeypatch.setattr("ops.snapshot.breaker_states", broken)
    response = staff_client.get("/ops/data.json")
    assert response.status_code == 200
    data = response.json()
    assert data["routes"] == {"error": "RuntimeError: metrics directory unreadable"}
    assert "error" not in data["sessions"] and "error" not in data["node_health"]


@committed
def test_the_data_links_each_row_to_the_admin_page_that_acts_on_it(staff_client, writer):
    session_create(user=writer, key=os.urandom(32), client={}, address=None)
    data = staff_client.get("/ops/data.json").json()
    task = next(r for r in data["routes"]["routes"] if r["code"] == "task")
    route_pk = ServiceRoute.objects.get(code="task").pk
    assert task["admin_url"] == f"/admin/gateway/serviceroute/{route_pk}/change/"
    assert (
        data["sessions"]["recent"][0]["user_url"]
        == f"/admin/auth/user/{writer.pk}/change/#sessions"
    )
    assert data["admin"]["keys"] == "/admin/credential/serverkey/"
    assert task["home_node"] == "—"  # last-writer-wins: no home to show
    reservation = next(r for r in data["routes"]["routes"] if r["code"] == "reservation")
    assert reservation["home_node"] == 1


@committed
def test_recent_events_are_sign_in_events_not_admin_changes(staff_client, writer):
    audit(Kind.LOGIN_FAILED, username="writer", address="10.0.0.9")
    audit(Kind.ROUTE_CHANGED, by="root", object="route task", changes={"maintenance": [0, 1]})
    kinds = [e["kind"] for e in staff_client.get("/ops/data.json").json()["audit"]["events"]]
    assert kinds == ["login_failed"]


@pytest.mark.django_db
def test_the_page_hides_the_lag_chart_until_there_is_a_peer_and_links_the_admin(staff_client):
    page = staff_client.get("/ops/").content.decode()
    assert '<div id="lag-area" data-testid="lag-area" hidden>' in page
    for url in (
        "/admin/gateway/serviceroute/",
        "/admin/credential/session/",
        "/admin/credential/serverkey/",
    ):
        assert f'href="{url}"' in page


@committed
def test_an_unreadable_database_summary_leaves_the_nodes_checks_on_the_page(
    staff_client, server_key, monkeypatch
):
    def refused(alias, **kwargs):
        raise OperationalError(1227, "Access denied; you need the SLAVE MONITOR privilege")

    monkeypatch.setattr("ops.snapshot.database_summary", refused)
    node = staff_client.get("/ops/data.json").json()["node_health"]
    assert node["database"] == {
        "error": "not readable: OperationalError: (1227, 'Access denied; you need the SLAVE "
        "MONITOR privilege')"
    }
    assert [check["ok"] for check in node["checks"]] == [True, True, True]
