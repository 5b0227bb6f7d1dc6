"""Reads: rooms, and bookings (every caller with `read` sees the whole calendar)."""

from __future__ import annotations

from django.db.models import QuerySet

from services.reservation.models import Booking, Room


def room_list(*, filters: dict) -> QuerySet[Room]:
    rooms = Room.objects.all()
    if filters.get("q"):
        rooms = rooms.filter(name__icontains=filters["q"])
    if filters.get("min_capacity"):
        rooms = rooms.filter(capacity__gte=filters["min_capacity"])
    return rooms


def booking_list(*, user, filters: dict) -> QuerySet[Booking]:
    """Live bookings, or all with `include_cancelled`; `start`/`end` select those overlapping."""
    bookings = Booking.objects.select_related("room", "booker")
    if not filters.get("include_cancelled"):
        bookings = bookings.filter(cancelled_at__isnull=True)
    if filters.get("room"):
        bookings = bookings.filter(room_id=filters["room"])
    if filters.get("start"):
        bookings = bookings.filter(end__gt=filters["start"])
    if filters.get("end"):
        bookings = bookings.filter(start__lt=filters["end"])
    if filters.get("mine"):
        bookings = bookings.filter(booker=user)
    return bookings


def overlapping_bookings(*, room: Room, start, end) -> QuerySet[Booking]:
    """Live bookings of `room` sharing any instant with [start, end) (half-open)."""
    return Booking.objects.filter(
        room=room, cancelled_at__isnull=True, start__lt=end, end__gt=start
    )
