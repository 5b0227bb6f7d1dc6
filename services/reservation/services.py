"""Writes: rooms and bookings. Every booking of a room is serialised by its room row lock."""

from __future__ import annotations

from django.utils import timezone

from core import certified
from core.activeactive import soft_delete, versioned_save, versioned_update, write_transaction
from services.base.exceptions import ServiceError
from services.reservation.errors import ReservationCode
from services.reservation.models import Booking, Room
from services.reservation.selectors import overlapping_bookings


def room_create(*, name: str, capacity: int) -> Room:
    return Room.objects.create(name=name, capacity=capacity)


def room_update(*, room: Room, version: int, changes: dict) -> Room:
    return versioned_update(room, version=version, changes=changes)


def room_delete(*, room: Room, version: int) -> None:
    """Remove a room that has no live booking still to come (past ones stay as history)."""
    with write_transaction(Booking):
        locked = _lock_room(room)
        upcoming = Booking.objects.filter(
            room=locked, cancelled_at__isnull=True, end__gt=timezone.now()
        )
        if upcoming.exists():
            raise ServiceError(ReservationCode.ROOM_IN_USE)
        soft_delete(locked, version=version)


def booking_create(*, room: Room, booker, start, end, title: str = "") -> Booking:
    """Book [start, end) in `room` unless a live booking overlaps it.

    The room row is locked first, so a concurrent booking of the same room waits here
    until this transaction commits and then sees this booking in its overlap check.
    Without the lock both could check, find nothing, and both insert.
    """
    with write_transaction(Booking):
        locked = _lock_room(room)
        if overlapping_bookings(room=locked, start=start, end=end).exists():
            raise ServiceError(ReservationCode.OVERLAP)
        return Booking.objects.create(room=locked, booker=booker, start=start, end=end, title=title)


def booking_cancel(*, booking: Booking, by) -> Booking:
    """Cancel a live booking; its time becomes free for others."""
    with write_transaction(Booking):
        locked = Booking.objects.select_for_update().get(pk=booking.pk)
        if not locked.is_live:
            raise ServiceError(ReservationCode.ALREADY_CANCELLED)
        locked.cancelled_at = timezone.now()
        locked.cancelled_by = by
        versioned_save(locked, fields=["cancelled_at", "cancelled_by"])
    return locked


def _lock_room(room: Room) -> Room:
    locked = Room.objects.select_for_update().filter(pk=room.pk).first()
    if locked is None:  # removed between the caller's read and this lock
        raise ServiceError(ReservationCode.ROOM_REMOVED)
    certified.claim(f"reservation.room.{locked.pk}", model=Booking)  # Galera: cluster-wide
    return locked
