"""reservation: rooms, the no-overlap rule, time limits, cancelling, permissions, input.

The promises every service keeps (grants, versions, pagination) are in test_contract.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.reservation.models import Booking, Room

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reservation"


def at(hours: float, *, days: int = 1) -> str:
    """An ISO time `days` ahead at 08:00 UTC plus `hours`: always in the future."""
    day = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    return (day + timedelta(days=days, hours=hours)).isoformat()


@pytest.fixture
def as_writer(connect, writer):
    return connect(writer)


@pytest.fixture
def room(connect, boss) -> dict:
    response = connect(boss).post(f"{BASE}/rooms/", {"name": "Han River", "capacity": 12})
    assert response.status == 201, response.data
    return response.data


def book(api, room, start, end, **fields):
    return api.post(f"{BASE}/bookings/", {"room": room["id"], "start": start, "end": end, **fields})


def test_a_booking_comes_back_with_its_booker_and_times(as_writer, writer, room):
    response = book(as_writer, room, at(1), at(2), title="Sprint planning")
    assert response.status == 201, response.data
    assert response.data["booker"] == writer.pk and response.data["version"] == 1
    assert response.data["start"].endswith("Z") and response.data["cancelled_at"] is None
    assert Booking.objects.get(pk=response.data["id"]).title == "Sprint planning"


@pytest.mark.parametrize(
    ("start", "end"),
    [(0, 2), (1.5, 1.75), (0.5, 1.5), (1.5, 3), (1, 2)],
    ids=["covers", "inside", "overlaps-start", "overlaps-end", "same"],
)
def test_an_overlapping_booking_of_the_same_room_is_refused(
    as_writer, connect, colleague, room, start, end
):
    assert book(as_writer, room, at(1), at(2)).status == 201
    response = book(connect(colleague), room, at(start), at(end))
    assert (response.status, response.code) == (409, "overlap")
    assert Booking.objects.count() == 1


def test_back_to_back_bookings_do_not_overlap(as_writer, room):
    assert book(as_writer, room, at(1), at(2)).status == 201
    assert book(as_writer, room, at(2), at(3)).status == 201
    assert book(as_writer, room, at(0), at(1)).status == 201


def test_another_room_at_the_same_time_is_free(as_writer, connect, boss, room):
    other = connect(boss).post(f"{BASE}/rooms/", {"name": "Atlas", "capacity": 6}).data
    assert book(as_writer, room, at(1), at(2)).status == 201
    assert book(as_writer, other, at(1), at(2)).status == 201


def test_cancelling_frees_the_slot(as_writer, connect, colleague, room):
    booking = book(as_writer, room, at(1), at(2)).data
    cancelled = as_writer.post(f"{BASE}/bookings/{booking['id']}/cancel/")
    assert (
        cancelled.status == 200
        and cancelled.data["cancelled_at"]
        and cancelled.data["version"] == 2
    )
    assert book(connect(colleague), room, at(1), at(2)).status == 201
    again = as_writer.post(f"{BASE}/bookings/{booking['id']}/cancel/")
    assert (again.status, again.code) == (409, "already_cancelled")


def test_only_the_booker_or_an_admin_cancels(as_writer, connect, colleague, boss, room):
    booking = book(as_writer, room, at(1), at(2)).data
    refused = connect(colleague).post(f"{BASE}/bookings/{booking['id']}/cancel/")
    assert (refused.status, refused.code) == (403, "not_booker")
    assert Booking.objects.get(pk=booking["id"]).cancelled_at is None
    assert connect(boss).post(f"{BASE}/bookings/{booking['id']}/cancel/").status == 200


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (at(2), at(1), "end"),
        (at(1), at(1), "end"),
        (at(1), at(13.5), "end"),
        (at(0, days=-1), at(1, days=-1), "start"),
        ("2030-01-01T09:00:00", "2030-01-01T10:00:00", "start"),
        ("tomorrow", at(1), "start"),
    ],
    ids=["end-before-start", "empty", "over-12h", "in-the-past", "naive", "garbage"],
)
def test_bad_times_are_a_400_and_nothing_is_written(as_writer, room, start, end, field):
    response = book(as_writer, room, start, end)
    assert (response.status, response.code) == (400, "invalid")
    assert field in response.data["fields"]
    assert not Booking.objects.exists()


def test_a_start_a_few_minutes_ago_is_accepted(as_writer, room):
    start = datetime.now(UTC) - timedelta(minutes=3)
    response = book(as_writer, room, start.isoformat(), (start + timedelta(hours=1)).isoformat())
    assert response.status == 201, response.data


def test_twelve_hours_exactly_is_allowed(as_writer, room):
    assert book(as_writer, room, at(0), at(12)).status == 201


@pytest.mark.parametrize(
    "payload",
    [{}, {"room": 999999, "start": at(1), "end": at(2)}, {"room": "x"}, {"title": ["a"]}],
)
def test_invalid_booking_input_is_a_400_with_field_errors(as_writer, payload):
    response = as_writer.post(f"{BASE}/bookings/", payload)
    assert (response.status, response.code) == (400, "invalid")
    assert response.data["fields"]
    assert not Booking.objects.exists()


def test_a_removed_room_cannot_be_booked(as_writer, connect, boss, room):
    assert connect(boss).delete(f"{BASE}/rooms/{room['id']}/", {"version": 1}).status == 204
    response = book(as_writer, room, at(1), at(2))
    assert response.status == 400 and "room" in response.data["fields"]
    assert as_writer.get(f"{BASE}/rooms/{room['id']}/").status == 404
    assert Room.all_objects.get(pk=room["id"]).deleted_at is not None


def test_a_room_with_upcoming_bookings_cannot_be_removed(as_writer, connect, boss, room):
    book(as_writer, room, at(1), at(2))
    response = connect(boss).delete(f"{BASE}/rooms/{room['id']}/", {"version": 1})
    assert (response.status, response.code) == (409, "room_in_use")
    assert Room.objects.filter(pk=room["id"]).exists()


def test_only_an_admin_manages_rooms(as_writer, room):
    created = as_writer.post(f"{BASE}/rooms/", {"name": "Mine", "capacity": 4})
    assert (created.status, created.code) == (403, "missing_grant")
    patched = as_writer.patch(f"{BASE}/rooms/{room['id']}/", {"name": "x", "version": 1})
    assert (patched.status, patched.code) == (403, "missing_grant")
    assert as_writer.delete(f"{BASE}/rooms/{room['id']}/", {"version": 1}).status == 403
    assert list(Room.objects.values_list("name", flat=True)) == ["Han River"]


@pytest.mark.parametrize(
    "payload", [{}, {"name": "", "capacity": 3}, {"name": "A", "capacity": 0}, {"name": "A"}]
)
def test_invalid_room_input_is_a_400(connect, boss, payload):
    response = connect(boss).post(f"{BASE}/rooms/", payload)
    assert (response.status, response.code) == (400, "invalid") and response.data["fields"]
    assert not Room.objects.exists()


def test_a_read_only_caller_sees_the_calendar_but_cannot_book(connect, reader, as_writer, room):
    book(as_writer, room, at(1), at(2))
    api = connect(reader)
    assert api.get(f"{BASE}/bookings/").data["count"] == 1
    response = book(api, room, at(3), at(4))
    assert (response.status, response.code) == (403, "missing_grant")
    assert Booking.objects.count() == 1


def test_bookings_filter_by_room_time_window_and_mine(as_writer, connect, colleague, boss, room):
    other = connect(boss).post(f"{BASE}/rooms/", {"name": "Atlas", "capacity": 6}).data
    book(as_writer, room, at(1), at(2))
    book(as_writer, other, at(1), at(2))
    book(connect(colleague), room, at(5), at(6))

    def count(**params):
        return as_writer.get(f"{BASE}/bookings/", params).data["count"]

    assert count() == 3 and count(room=other["id"]) == 1 and count(mine="true") == 2
    assert count(start=at(2), end=at(5.5)) == 1  # only the 5-6 booking shares that window
    assert count(start=at(1.5)) == 3 and count(end=at(1)) == 0
    assert as_writer.get(f"{BASE}/bookings/", {"start": "2030-01-01"}).status == 400


def test_cancelled_bookings_are_listed_only_on_request(as_writer, room):
    booking = book(as_writer, room, at(1), at(2)).data
    as_writer.post(f"{BASE}/bookings/{booking['id']}/cancel/")
    assert as_writer.get(f"{BASE}/bookings/").data["count"] == 0
    listed = as_writer.get(f"{BASE}/bookings/", {"include_cancelled": "true"}).data
    assert [b["id"] for b in listed["results"]] == [booking["id"]]


def test_rooms_paginate_and_filter(connect, boss):
    admin = connect(boss)
    for n, size in enumerate((2, 6, 12)):
        admin.post(f"{BASE}/rooms/", {"name": f"Room {n}", "capacity": size})
    page = admin.get(f"{BASE}/rooms/", {"page_size": 2}).data
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert admin.get(f"{BASE}/rooms/", {"min_capacity": 6}).data["count"] == 2
    assert admin.get(f"{BASE}/rooms/", {"q": "room 1"}).data["count"] == 1


def test_the_demo_data_seeds_without_overlaps(make_user):
    from services.reservation import demo

    names = ("hana.kim", "minjun.lee", "sofia.rossi", "liam.chen", "amara.okafor")
    people = {name: make_user(name) for name in (*names, "noah.schmidt", "admin")}
    demo.seed(people=people, now=datetime.now(UTC))
    assert Room.objects.count() == 4
    assert Booking.objects.filter(cancelled_at__isnull=True).count() == 6
