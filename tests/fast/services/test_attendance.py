"""attendance: punches for oneself, daily summaries, leave requests and their decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from services.attendance import services
from services.attendance.models import LeaveRequest, Punch
from services.attendance.selectors import summarize

pytestmark = pytest.mark.django_db
BASE = "/api/v1/attendance"
DAY = dt.date(2026, 3, 10)


@pytest.fixture
def as_writer(connect, writer):
    return connect(writer)


def at(clock: str, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(clock), tzinfo=dt.UTC)


def punches(user, *entries, day: dt.date = DAY) -> None:
    for kind, clock in entries:
        services.punch_record(user=user, kind=kind, recorded_by=user, at=at(clock, day))


def leave(api, start="2026-07-01", end="2026-07-05", **fields) -> dict:
    payload = {"start_date": start, "end_date": end, "reason": "Holiday", **fields}
    response = api.post(f"{BASE}/leave-requests/", payload)
    assert response.status == 201, response.data
    return response.data


def test_a_punch_is_for_the_caller_at_the_servers_time(as_writer, writer):
    before = timezone.now()
    response = as_writer.post(
        f"{BASE}/punches/", {"kind": "in", "created_at": "2020-01-01T08:00:00Z"}
    )
    assert response.status == 201
    assert (response.data["user"], response.data["recorded_by"]) == (writer.pk, writer.pk)
    stamped = Punch.objects.get().created_at
    assert before <= stamped <= timezone.now() and response.data["created_at"].endswith("Z")


@pytest.mark.parametrize("whom", ["colleague", "self"])
def test_someone_who_is_not_an_admin_cannot_name_a_user(as_writer, writer, colleague, whom):
    user = colleague if whom == "colleague" else writer
    response = as_writer.post(f"{BASE}/punches/", {"kind": "in", "user": user.pk})
    assert (response.status, response.code) == (403, "admin_required")
    assert not Punch.objects.exists()


def test_an_admin_records_a_missed_punch_for_someone(connect, boss, colleague):
    response = connect(boss).post(f"{BASE}/punches/", {"kind": "out", "user": colleague.pk})
    assert (response.status, response.data["user"]) == (201, colleague.pk)
    assert response.data["recorded_by"] == boss.pk


@pytest.mark.parametrize("payload", [{}, {"kind": "lunch"}, {"kind": ["in"]}, {"kind": None}])
def test_an_invalid_punch_is_a_400(as_writer, payload):
    response = as_writer.post(f"{BASE}/punches/", payload)
    assert (response.status, response.code) == (400, "invalid") and "kind" in response.data[
        "fields"
    ]
    assert not Punch.objects.exists()


def test_an_admin_naming_an_unknown_user_gets_a_400(connect, boss):
    response = connect(boss).post(f"{BASE}/punches/", {"kind": "in", "user": 999999})
    assert response.status == 400 and "user" in response.data["fields"]


def test_one_lists_ones_own_punches_within_a_date_range(as_writer, writer, colleague):
    punches(writer, ("in", "09:00"), ("out", "17:00"))
    punches(writer, ("in", "09:00"), day=DAY + dt.timedelta(days=1))
    punches(colleague, ("in", "08:00"))
    assert as_writer.get(f"{BASE}/punches/").data["count"] == 3
    day = as_writer.get(f"{BASE}/punches/", {"from": "2026-03-10", "to": "2026-03-10"}).data
    assert [p["kind"] for p in day["results"]] == ["out", "in"]  # newest first
    later = as_writer.get(f"{BASE}/punches/", {"from": "2026-03-11"}).data
    assert later["count"] == 1
    page = as_writer.get(f"{BASE}/punches/", {"page_size": 2}).data
    assert len(page["results"]) == 2 and page["next"]


@pytest.mark.parametrize(
    "query", [{"from": "2026-03-11", "to": "2026-03-10"}, {"from": "10/03/2026"}, {"user": "x"}]
)
def test_a_bad_punch_filter_is_a_400(as_writer, query):
    response = as_writer.get(f"{BASE}/punches/", query)
    assert (response.status, response.code) == (400, "invalid") and response.data["fields"]


def test_others_punches_need_admin(as_writer, connect, boss, colleague):
    punches(colleague, ("in", "08:00"))
    refused = as_writer.get(f"{BASE}/punches/", {"user": colleague.pk})
    assert (refused.status, refused.code) == (403, "admin_required")
    assert connect(boss).get(f"{BASE}/punches/", {"user": colleague.pk}).data["count"] == 1


def test_hours_are_the_sum_of_in_out_pairs_ignoring_repeats(as_writer, writer):
    punches(
        writer,
        ("out", "08:00"),  # no open in: ignored
        ("in", "09:00"),
        ("out", "12:00"),
        ("in", "13:00"),
        ("in", "13:30"),  # already in: the 13:00 one counts
        ("out", "17:30"),
        ("out", "18:00"),  # no open in: ignored, but it is the last out
    )
    response = as_writer.get(f"{BASE}/summary/", {"date": "2026-03-10"})
    (summary,) = response.data["results"]
    assert (summary["hours"], summary["worked_seconds"], summary["open"]) == (7.5, 27000, False)
    assert summary["first_in"] == "2026-03-10T09:00:00Z"
    assert summary["last_out"] == "2026-03-10T18:00:00Z"
    assert (summary["punches"], summary["date"]) == (7, "2026-03-10")


def test_an_in_without_an_out_is_open_and_not_counted(writer):
    punches(writer, ("in", "09:00"), ("out", "11:00"), ("in", "12:00"))
    summary = summarize(list(Punch.objects.order_by("created_at")), user_id=writer.pk, day=DAY)
    assert (summary["hours"], summary["open"]) == (2.0, True)


def test_a_day_without_punches_has_an_empty_summary(as_writer, writer):
    (summary,) = as_writer.get(f"{BASE}/summary/").data["results"]
    assert summary["date"] == timezone.localdate().isoformat() and summary["user"] == writer.pk
    assert (summary["first_in"], summary["last_out"], summary["hours"]) == (None, None, 0.0)


def test_others_summaries_need_admin_who_may_see_everyone(
    as_writer, connect, boss, writer, colleague
):
    punches(writer, ("in", "09:00"), ("out", "10:00"))
    punches(colleague, ("in", "09:00"), ("out", "11:00"))
    refused = as_writer.get(f"{BASE}/summary/", {"date": "2026-03-10", "user": colleague.pk})
    assert (refused.status, refused.code) == (403, "admin_required")
    mine = as_writer.get(f"{BASE}/summary/", {"date": "2026-03-10"}).data["results"]
    assert [s["user"] for s in mine] == [writer.pk]
    everyone = connect(boss).get(f"{BASE}/summary/", {"date": "2026-03-10"}).data["results"]
    assert {s["user"]: s["hours"] for s in everyone} == {writer.pk: 1.0, colleague.pk: 2.0}


def test_a_bad_summary_date_is_a_400(as_writer):
    response = as_writer.get(f"{BASE}/summary/", {"date": "2026-02-30"})
    assert response.status == 400 and "date" in response.data["fields"]


def test_a_leave_request_starts_pending_for_the_caller(as_writer, writer):
    request = leave(as_writer)
    assert (request["status"], request["user"], request["version"]) == ("pending", writer.pk, 1)
    assert request["decided_by"] is None and request["updated_at"].endswith("Z")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"start_date": "2026-07-05", "end_date": "2026-07-01"}, "end_date"),
        ({"start_date": "2026-07-01", "end_date": "2026-08-30"}, "end_date"),  # 61 days
        ({"start_date": "2026-07-01"}, "end_date"),
        ({"start_date": "July", "end_date": "2026-07-01"}, "start_date"),
        ({"start_date": "2026-07-01", "end_date": "2026-07-02", "reason": "r" * 2001}, "reason"),
    ],
)
def test_an_invalid_leave_request_is_a_400(as_writer, payload, field):
    response = as_writer.post(f"{BASE}/leave-requests/", payload)
    assert (response.status, response.code) == (400, "invalid") and field in response.data["fields"]
    assert not LeaveRequest.objects.exists()


def test_sixty_days_is_the_longest_leave(as_writer):
    assert leave(as_writer, start="2026-07-01", end="2026-08-29")["end_date"] == "2026-08-29"


def test_one_sees_ones_own_leave_requests_and_an_admin_sees_all(
    as_writer, connect, boss, colleague
):
    leave(as_writer)
    leave(connect(colleague))
    assert as_writer.get(f"{BASE}/leave-requests/").data["count"] == 1
    admin = connect(boss)
    assert admin.get(f"{BASE}/leave-requests/").data["count"] == 2
    theirs = admin.get(f"{BASE}/leave-requests/", {"user": colleague.pk}).data["results"]
    assert [r["user"] for r in theirs] == [colleague.pk]
    assert admin.get(f"{BASE}/leave-requests/", {"status": "approved"}).data["count"] == 0
    assert admin.get(f"{BASE}/leave-requests/", {"status": "maybe"}).status == 400


def test_an_admin_approves_a_pending_request_once(as_writer, connect, boss):
    request = leave(as_writer)
    admin = connect(boss)
    url = f"{BASE}/leave-requests/{request['id']}"
    approved = admin.post(f"{url}/approve/", {"version": 1})
    assert (approved.status, approved.data["status"], approved.data["version"]) == (
        200,
        "approved",
        2,
    )
    assert approved.data["decided_by"] == boss.pk and approved.data["decided_at"]
    again = admin.post(f"{url}/approve/", {"version": 2})
    rejected = admin.post(f"{url}/reject/", {"version": 2})
    assert [(r.status, r.code) for r in (again, rejected)] == [(409, "not_pending")] * 2
    assert LeaveRequest.objects.get().status == "approved"


def test_an_admin_rejects_a_request(as_writer, connect, boss):
    request = leave(as_writer)
    response = connect(boss).post(f"{BASE}/leave-requests/{request['id']}/reject/", {"version": 1})
    assert (response.status, response.data["status"]) == (200, "rejected")


def test_a_stale_version_on_a_decision_is_a_409(as_writer, connect, boss):
    request = leave(as_writer)
    LeaveRequest.objects.filter(pk=request["id"]).update(version=3)
    response = connect(boss).post(f"{BASE}/leave-requests/{request['id']}/approve/", {"version": 1})
    assert (response.status, response.code) == (409, "version_conflict")
    assert response.data["current"]["version"] == 3
    assert connect(boss).post(f"{BASE}/leave-requests/{request['id']}/approve/", {}).status == 400


def test_one_cannot_approve_ones_own_or_reach_anothers_request(as_writer, connect, colleague):
    own = leave(as_writer)
    theirs = leave(connect(colleague))
    mine = as_writer.post(f"{BASE}/leave-requests/{own['id']}/approve/", {"version": 1})
    other = as_writer.post(f"{BASE}/leave-requests/{theirs['id']}/reject/", {"version": 1})
    assert (mine.status, mine.code, other.status) == (403, "admin_required", 404)
    assert set(LeaveRequest.objects.values_list("status", flat=True)) == {"pending"}


def test_a_read_only_caller_cannot_punch_but_sees_their_summary(connect, reader):
    api = connect(reader)
    punched = api.post(f"{BASE}/punches/", {"kind": "in"})
    assert (punched.status, punched.code) == (403, "missing_grant")
    assert not Punch.objects.exists()
    assert api.get(f"{BASE}/summary/").status == 200


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_an_admin_cannot_decide_their_own_leave_request(connect, boss, decision):
    admin = connect(boss)
    mine = leave(admin)
    response = admin.post(f"{BASE}/leave-requests/{mine['id']}/{decision}/", {"version": 1})
    assert (response.status, response.code) == (403, "own_leave_request")
    assert LeaveRequest.objects.get(pk=mine["id"]).status == "pending"


def test_another_admin_decides_an_admins_leave_request(connect, boss, make_user):
    other_admin = make_user("hr", grants={"attendance": ("read", "write", "admin")})
    mine = leave(connect(boss))
    decided = connect(other_admin).post(
        f"{BASE}/leave-requests/{mine['id']}/approve/", {"version": 1}
    )
    assert (decided.status, decided.data["status"]) == (200, "approved")
    assert decided.data["decided_by"] == other_admin.pk
