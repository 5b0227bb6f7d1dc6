"""Writes: rooms and bookings. Every booking of a room is serialised by its room row lock."""

from __future__ import annotations

from django.utils import timezone

from platform_site.activeactive import write_transaction
from services.base.concurrency import soft_delete, update_versioned
from services.base.exceptions import RuleViolation
from services.reservation.models import Booking, Room
from services.reservation.selectors import overlapping_bookings


def room_create(*, name: str, capacity: int) -> Room:
    return Room.objects.create(name=name, capacity=capacity)


def room_update(*, room: Room, version: int, changes: dict, serializer_class) -> Room:
    return update_versioned(
        room, version=version, changes=changes, serializer_class=serializer_class
    )


def room_delete(*, room: Room, version: int, serializer_class) -> None:
    """Remove a room that has no live booking still to come (past ones stay as history)."""
    with write_transaction(Booking):
        locked = _lock_room(room)
        upcoming = Booking.objects.filter(
            room=locked, cancelled_at__isnull=True, end__gt=timezone.now()
        )
        if upcoming.exists():
            raise RuleViolation("room_in_use", "Cancel the room's upcoming bookings first.")
        soft_delete(locked, version=version, serializer_class=serializer_class)


def booking_create(*, room: Room, booker, start, end, title: str = "") -> Booking:
    """Book [start, end) in `room` unless a live booking overlaps it.

    The room row is locked first, so a concurrent booking of the same room waits here
    until this transaction commits and then sees this booking in its overlap check.
    Without the lock both could check, find nothing, and both insert.
    """
    with write_transaction(Booking):
        locked = _lock_room(room)
        if overlapping_bookings(room=locked, start=start, end=end).exists():
            raise RuleViolation("overlap", "The room is already booked for part of that time.")
        return Booking.objects.create(room=locked, booker=booker, start=start, end=end, title=title)


def booking_cancel(*, booking: Booking, by) -> Booking:
    """Cancel a live booking; its time becomes free for others."""
    with write_transaction(Booking):
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if not locked.is_live:
            raise RuleViolation("already_cancelled", "This booking was already cancelled.")
        locked.cancelled_at = timezone.now()
        locked.cancelled_by = by
        locked.version += 1
        locked.save()
    return locked


def _lock_room(room: Room) -> Room:
    locked = Room.objects.select_for_update().filter(pk=room.pk).first()
    if locked is None:  # removed between the caller's read and this lock
        raise RuleViolation("room_removed", "This room has been removed.")
    return locked
