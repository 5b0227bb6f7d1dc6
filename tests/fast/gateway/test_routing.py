"""Routing through the table: maintenance, disable, grants, breakers, the routes command."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from core import registry
from gateway.breaker import CLOSED, HALF_OPEN, OPEN, Breaker, BreakerParams
from gateway.history import route_update
from gateway.models import RouteChange, ServiceRoute
from gateway.routing import routes, table_stamp

pytestmark = pytest.mark.django_db


def test_every_service_in_the_registry_has_a_routing_row_after_migrate():
    codes = set(ServiceRoute.objects.values_list("code", flat=True))
    assert codes == {config.code for config in registry.services()}
    assert {"credential", "task", "notice", "reservation", "attendance"} <= codes
    credential = ServiceRoute.objects.get(code="credential")
    assert (credential.target, credential.requires_grant) == ("credential.urls", False)


def test_maintenance_round_trip_through_the_client(connect, writer):
    api = connect(writer)
    assert api.get("/api/v1/task/tasks/").status == 200
    call_command(
        "routes", "maintenance", "task", "--message", "Back at 14:00", "--retry-after", "90"
    )
    routes.clear()
    down = api.get("/api/v1/task/tasks/")
    assert (down.status, down.encrypted, down.code) == (503, True, "maintenance")
    assert down.data["detail"] == "Back at 14:00"
    assert down.headers["Retry-After"] == "90"
    assert api.get("/api/v1/credential/me").status == 200  # the others answer normally
    call_command("routes", "maintenance", "task", "--off")
    routes.clear()
    assert api.get("/api/v1/task/tasks/").status == 200


def test_disable_round_trip_through_the_client(connect, writer):
    api = connect(writer)
    call_command("routes", "disable", "task")
    routes.clear()
    gone = api.get("/api/v1/task/tasks/")
    assert (gone.status, gone.encrypted, gone.code) == (503, True, "service_disabled")
    assert "Retry-After" not in gone.headers  # switched off: not a matter of waiting
    call_command("routes", "enable", "task")
    routes.clear()
    assert api.get("/api/v1/task/tasks/").status == 200


def test_an_unknown_service_is_an_encrypted_404(connect, writer):
    response = connect(writer).get("/api/v1/nosuchservice/things/")
    assert (response.status, response.encrypted, response.code) == (404, True, "unknown_service")


def test_a_caller_without_any_grant_gets_no_grant_before_the_service_runs(connect, outsider):
    response = connect(outsider).post("/api/v1/task/tasks/", {"title": "x"})
    assert (response.status, response.code) == (403, "no_grant")
    assert RouteChange.objects.count() == 0


def test_the_credential_service_cannot_be_switched_off():
    with pytest.raises(CommandError, match="cannot be disabled"):
        call_command("routes", "disable", "credential")
    assert ServiceRoute.objects.get(code="credential").enabled


def test_every_change_is_recorded_with_before_and_after():
    call_command("routes", "maintenance", "notice", "--message", "moving")
    change = RouteChange.objects.get(code="notice")
    assert change.before["maintenance"] is False and change.after["maintenance"] is True
    assert change.after["maintenance_message"] == "moving"
    assert change.actor == "manage.py routes" and change.source == "command"
    assert ServiceRoute.objects.get(code="notice").version == 2


def test_export_then_import_is_a_dry_run_unless_applied(tmp_path, capsys):
    target = tmp_path / "routes.json"
    call_command("routes", "export", "--output", str(target))
    data = json.loads(target.read_text())
    for row in data["routes"]:
        if row["code"] == "schedule":
            row["maintenance"], row["maintenance_message"] = True, "restored"
    target.write_text(json.dumps(data))
    call_command("routes", "import", str(target))
    assert not ServiceRoute.objects.get(code="schedule").maintenance
    call_command("routes", "import", str(target), "--apply")
    assert ServiceRoute.objects.get(code="schedule").maintenance_message == "restored"


def test_import_refuses_unknown_fields(tmp_path):
    target = tmp_path / "bad.json"
    target.write_text(json.dumps({"routes": [{"code": "task", "colour": "red"}]}))
    with pytest.raises(CommandError, match="unknown fields"):
        call_command("routes", "import", str(target), "--apply")


def test_a_failing_service_opens_its_breaker_while_others_keep_answering(
    connect, writer, test_service
):
    ServiceRoute.objects.filter(code="test").update(breaker_consecutive_failures=3)
    api = connect(writer)
    statuses = [api.get("/api/v1/test/boom").status for _ in range(5)]
    assert statuses[:3] == [500, 500, 500]
    assert statuses[3:] == [503, 503]
    fast_fail = api.get("/api/v1/test/boom")
    assert fast_fail.code == "service_unavailable" and int(fast_fail.headers["Retry-After"]) >= 1
    assert api.get("/api/v1/test/echo").code == "service_unavailable"  # the whole service
    assert api.get("/api/v1/task/tasks/").status == 200


PARAMS = BreakerParams(
    consecutive_failures=3, error_rate=0.5, window_seconds=10, min_requests=4, open_seconds=5
)


def test_the_breaker_opens_on_an_error_rate_without_consecutive_failures():
    breaker = Breaker()
    for n, failed in enumerate([True, False, True, False]):
        breaker.record(failed, PARAMS, now=float(n))
    assert breaker.state == OPEN


def test_the_breaker_lets_one_probe_through_when_half_open_and_closes_on_success():
    breaker = Breaker()
    for n in range(3):
        breaker.record(True, PARAMS, now=float(n))
    assert breaker.allow(PARAMS, now=4.0) == (False, 3)
    assert breaker.allow(PARAMS, now=8.0) == (True, 0)
    assert breaker.state == HALF_OPEN
    assert breaker.allow(PARAMS, now=8.1)[0] is False  # only one probe at a time
    breaker.record(False, PARAMS, now=8.2)
    assert breaker.state == CLOSED and breaker.allow(PARAMS, now=8.3) == (True, 0)


def test_a_failed_probe_opens_the_breaker_again():
    breaker = Breaker()
    for n in range(3):
        breaker.record(True, PARAMS, now=float(n))
    assert breaker.allow(PARAMS, now=8.0)[0]
    breaker.record(True, PARAMS, now=8.5)
    assert breaker.state == OPEN and breaker.allow(PARAMS, now=9.0)[0] is False


def test_old_outcomes_leave_the_window():
    breaker = Breaker()
    for n in range(2):
        breaker.record(True, PARAMS, now=float(n))
    for n in range(2):
        breaker.record(False, PARAMS, now=100.0 + n)
    assert breaker.state == CLOSED and len(breaker.outcomes) == 2


def test_a_disabled_service_and_an_unknown_one_answer_differently(connect, writer):
    api = connect(writer)
    call_command("routes", "disable", "task")
    routes.clear()
    disabled, unknown = api.get("/api/v1/task/tasks/"), api.get("/api/v1/tsk/tasks/")
    assert (disabled.status, disabled.code) == (503, "service_disabled")
    assert (unknown.status, unknown.code) == (404, "unknown_service")


def test_a_running_table_sees_an_edit_through_its_stamp_without_being_cleared(
    settings, connect, writer
):
    settings.GATEWAY_ROUTES_REFRESH_SECONDS = 0  # every request checks the stamp
    api = connect(writer)
    assert api.get("/api/v1/task/tasks/").status == 200
    before = table_stamp()
    assert before[0] == ServiceRoute.objects.count()
    route_update("task", actor="test", source="test", maintenance=True)
    assert table_stamp() != before  # the version moved
    down = api.get("/api/v1/task/tasks/")
    assert (down.status, down.code) == (503, "maintenance")
    route_update("task", actor="test", source="test", maintenance=False)
    assert api.get("/api/v1/task/tasks/").status == 200
