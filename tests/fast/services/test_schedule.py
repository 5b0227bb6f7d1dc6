"""schedule: ranges, attendees, private events as busy time only (the shared contract suite
checks grants, versions and pagination)."""

from __future__ import annotations

import pytest

from services.schedule.models import Event, EventAttendee

pytestmark = pytest.mark.django_db
BASE = "/api/v1/schedule"
DAY = "2026-06-01"


def at(hour: int, minute: int = 0, day: str = DAY) -> str:
    return f"{day}T{hour:02d}:{minute:02d}:00Z"


@pytest.fixture
def as_writer(connect, writer):
    return connect(writer)


def create(api, **fields) -> dict:
    payload = {"title": "Sprint review", "start": at(9), "end": at(10), **fields}
    response = api.post(f"{BASE}/events/", payload)
    assert response.status == 201, response.data
    return response.data


def titles(api, **params) -> list[str]:
    response = api.get(f"{BASE}/events/", params)
    assert response.status == 200, response.data
    return [event["title"] for event in response.data["results"]]


def test_a_created_event_comes_back_with_id_version_times_and_attendees(
    as_writer, writer, colleague
):
    event = create(
        as_writer, attendees=[colleague.pk], location="Room 4", start="2026-06-01T11:00:00+02:00"
    )
    assert event["version"] == 1 and event["owner"] == writer.pk
    assert event["attendees"] == [colleague.pk] and event["details_hidden"] is False
    assert event["start"] == at(9) and event["created_at"].endswith("Z")
    assert Event.objects.get(pk=event["id"]).location == "Room 4"


def test_attendees_see_the_event_and_others_do_not(as_writer, connect, colleague, reader):
    event = create(as_writer, attendees=[colleague.pk])
    assert connect(colleague).get(f"{BASE}/events/{event['id']}/").data["title"] == "Sprint review"
    assert titles(connect(colleague)) == ["Sprint review"]
    assert connect(reader).get(f"{BASE}/events/{event['id']}/").status == 404
    assert titles(connect(reader)) == []


def test_an_attendee_cannot_edit_or_delete_the_event(as_writer, connect, colleague):
    event = create(as_writer, attendees=[colleague.pk])
    api = connect(colleague)
    edited = api.patch(f"{BASE}/events/{event['id']}/", {"title": "Mine now", "version": 1})
    deleted = api.delete(f"{BASE}/events/{event['id']}/", {"version": 1})
    assert (edited.status, edited.code) == (403, "not_event_owner")
    assert (deleted.status, deleted.code) == (403, "not_event_owner")
    assert Event.objects.get(pk=event["id"]).title == "Sprint review"


def test_a_range_query_returns_the_events_overlapping_it(as_writer):
    create(as_writer, title="early", start=at(7), end=at(8))
    create(as_writer, title="straddles", start=at(8, 30), end=at(9, 30))
    create(as_writer, title="inside", start=at(9, 15), end=at(9, 45))
    create(as_writer, title="touches end", start=at(10), end=at(11))
    assert titles(as_writer, start=at(9), end=at(10)) == ["straddles", "inside"]
    assert len(titles(as_writer)) == 4


@pytest.mark.parametrize(
    "params",
    [
        {"start": at(9)},
        {"end": at(10)},
        {"start": "2026-06-01T09:00:00", "end": at(10)},
        {"start": at(10), "end": at(9)},
        {"start": "2026-01-01T00:00:00Z", "end": "2027-01-03T00:00:00Z"},
        {"start": "soon", "end": at(10)},
    ],
)
def test_a_bad_range_query_is_a_400(as_writer, params):
    response = as_writer.get(f"{BASE}/events/", params)
    assert (response.status, response.code) == (400, "invalid") and response.data["fields"]


def test_busy_time_is_merged_and_clipped_and_shows_no_details(
    as_writer, connect, colleague, writer
):
    create(as_writer, title="Secret interview", private=True, start=at(8), end=at(9, 30))
    create(as_writer, title="Review", start=at(9), end=at(10))
    create(connect(colleague), title="Pairing", attendees=[writer.pk], start=at(14), end=at(16))
    busy = connect(colleague).get(
        f"{BASE}/busy/", {"user": writer.pk, "start": at(8, 30), "end": at(15)}
    )
    assert busy.status == 200, busy.data
    assert busy.data["busy"] == [
        {"start": at(8, 30), "end": at(10)},
        {"start": at(14), "end": at(15)},
    ]
    assert busy.data["user"] == writer.pk and "Secret" not in str(busy.data)


def test_busy_defaults_to_the_caller_and_needs_a_range(as_writer):
    create(as_writer)
    mine = as_writer.get(f"{BASE}/busy/", {"start": at(0), "end": at(23)})
    assert mine.data["busy"] == [{"start": at(9), "end": at(10)}]
    missing = as_writer.get(f"{BASE}/busy/", {"end": at(23)})
    assert missing.status == 400 and "start" in missing.data["fields"]
    unknown = as_writer.get(f"{BASE}/busy/", {"user": 999999, "start": at(0), "end": at(23)})
    assert unknown.status == 400 and "user" in unknown.data["fields"]


def test_an_admin_sees_a_private_event_only_as_busy_time_and_cannot_change_it(
    as_writer, connect, boss, writer
):
    event = create(as_writer, title="Doctor", description="Knee", private=True)
    admin = connect(boss)
    assert titles(admin) == []
    seen = admin.get(f"{BASE}/events/", {"owner": writer.pk}).data["results"]
    assert [(e["title"], e["description"], e["details_hidden"]) for e in seen] == [("", "", True)]
    path = f"{BASE}/events/{event['id']}/"
    for body in ({"end": at(11)}, {"private": False}, {"attendees": [boss.pk]}):
        refused = admin.patch(path, {**body, "version": 1})
        assert (refused.status, refused.code) == (403, "private_event"), body
    deleted = admin.delete(path, {"version": 1})
    assert (deleted.status, deleted.code) == (403, "private_event")
    stored = Event.objects.get(pk=event["id"])
    assert (stored.private, stored.version, stored.deleted_at) == (True, 1, None)
    assert not EventAttendee.objects.filter(event=stored, user=boss).exists()
    assert as_writer.get(path).data["title"] == "Doctor"


def test_only_the_owner_changes_private_or_the_attendees(as_writer, connect, boss, colleague):
    event = create(as_writer)
    admin, path = connect(boss), f"{BASE}/events/{event['id']}/"
    for body in ({"private": True}, {"attendees": [boss.pk]}, {"title": "x", "attendees": []}):
        refused = admin.patch(path, {**body, "version": 1})
        assert (refused.status, refused.code) == (403, "owner_only_field"), body
    assert Event.objects.get(pk=event["id"]).version == 1
    moved = admin.patch(path, {"end": at(11), "version": 1})  # other fields: an admin's
    assert (moved.status, moved.data["end"]) == (200, at(11))
    owner = as_writer.patch(path, {"private": True, "attendees": [colleague.pk], "version": 2})
    assert (owner.status, owner.data["private"], owner.data["attendees"]) == (
        200,
        True,
        [colleague.pk],
    )


def test_an_admin_attending_a_private_event_edits_it_but_not_its_privacy(as_writer, connect, boss):
    event = create(as_writer, title="Offsite", private=True, attendees=[boss.pk])
    admin, path = connect(boss), f"{BASE}/events/{event['id']}/"
    assert admin.patch(path, {"location": "Room 9", "version": 1}).status == 200
    refused = admin.patch(path, {"private": False, "version": 2})
    assert (refused.status, refused.code) == (403, "owner_only_field")


def test_an_admin_sees_the_details_of_someone_elses_ordinary_event(as_writer, connect, boss):
    event = create(as_writer)
    assert connect(boss).get(f"{BASE}/events/{event['id']}/").data["title"] == "Sprint review"


def test_taking_an_attendee_off_soft_deletes_their_link(as_writer, connect, colleague, reader):
    event = create(as_writer, attendees=[colleague.pk, reader.pk])
    edited = as_writer.patch(
        f"{BASE}/events/{event['id']}/", {"attendees": [reader.pk], "version": 1}
    )
    assert edited.data["attendees"] == [reader.pk]
    assert connect(colleague).get(f"{BASE}/events/{event['id']}/").status == 404
    links = EventAttendee.all_objects.filter(event_id=event["id"]).order_by("id")
    assert [(link.user_id, link.deleted_at is None) for link in links] == [
        (colleague.pk, False),
        (reader.pk, True),
    ]


def test_an_edit_that_puts_the_end_before_the_start_is_a_400(as_writer):
    event = create(as_writer)
    response = as_writer.patch(f"{BASE}/events/{event['id']}/", {"start": at(11), "version": 1})
    assert response.status == 400 and "end" in response.data["fields"]
    assert Event.objects.get(pk=event["id"]).version == 1


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"title": "", "start": at(9), "end": at(10)},
        {"title": "t", "start": at(10), "end": at(9)},
        {"title": "t", "start": at(9), "end": at(9)},
        {"title": "t", "start": "2026-01-01T00:00:00Z", "end": "2027-01-03T00:00:00Z"},
        {"title": "t", "start": "2026-06-01T09:00:00", "end": at(10)},
        {"title": "t", "start": at(9), "end": at(10), "attendees": [999999]},
        {"title": "t", "start": at(9), "end": at(10), "attendees": "everyone"},
        {"title": "t", "start": at(9), "end": at(10), "private": "maybe"},
    ],
)
def test_invalid_input_is_a_400_with_field_errors(as_writer, payload):
    response = as_writer.post(f"{BASE}/events/", payload)
    assert (response.status, response.code) == (400, "invalid")
    assert response.data["fields"]
    assert not Event.objects.exists() and not EventAttendee.objects.exists()


def test_deleting_is_soft_and_needs_the_version(as_writer):
    event = create(as_writer)
    assert as_writer.delete(f"{BASE}/events/{event['id']}/").status == 400
    assert as_writer.delete(f"{BASE}/events/{event['id']}/", {"version": 1}).status == 204
    assert as_writer.get(f"{BASE}/events/{event['id']}/").status == 404
    assert Event.all_objects.get(pk=event["id"]).deleted_at is not None
