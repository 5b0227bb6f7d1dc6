"""Meeting rooms and their bookings.

Policy: home-node. All writes go to one database, so the rule that no two live bookings
of a room overlap holds by a row lock: a booking is inserted only while its room row is
locked (services.booking_create), which serialises every booking of that room.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models

from services.base.models import ServiceModel

LONGEST_BOOKING = timedelta(hours=12)
# A booking may start a little in the past: the form was opened a few minutes ago.
START_GRACE = timedelta(minutes=5)


class Room(ServiceModel):
    name = models.CharField(max_length=100)
    capacity = models.PositiveIntegerField()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Booking(ServiceModel):
    """A time range [start, end) in a room; cancelling marks it, the row stays."""

    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="bookings")
    booker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="room_bookings"
    )
    title = models.CharField(max_length=200, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="room_bookings_cancelled",
    )

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["room", "start"])]

    def __str__(self) -> str:
        return f"{self.room_id} {self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M}"

    @property
    def is_live(self) -> bool:
        return self.cancelled_at is None
