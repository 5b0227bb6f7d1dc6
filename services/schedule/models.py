"""Calendars: events with a time range, location, attendees and a private flag.

Policy: last-writer-wins (either node may update; `version` guards each edit, soft
deletion only). Attendees are a many-to-many to users kept in an explicit link table
rather than a `ManyToManyField`: Django's automatic table carries a UNIQUE (event, user)
pair that two nodes could race on, and removing an attendee would hard-delete a link the
other node may be removing too — either stops replication. Links are therefore only
inserted and soft-deleted (`event.attendee_links` holds the live ones). The event and
its attendee links are one aggregate (apps.py): the event's `members` lists the live
links, so reconcile settles both from the newer event.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models

from services.base.models import ServiceModel

# The longest event, and the longest range one query may cover.
MAX_SPAN = timedelta(days=366)


class Event(ServiceModel):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="events_owned"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=20000)
    start = models.DateTimeField()
    end = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    private = models.BooleanField(default=False)
    # The attendees' live links as this version has them, "user:<id>" (core/aggregates.py):
    # the event and its attendee links are one aggregate (docs/ARCHITECTURE.md#rule-9).
    members = models.JSONField(default=list, editable=False)

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["start", "end"]), models.Index(fields=["owner", "start"])]

    def __str__(self) -> str:
        return self.title

    def involves(self, user) -> bool:
        """Owner or a live attendee: the people who see the event's details."""
        if user is None:
            return False
        return self.owner_id == user.pk or any(
            link.user_id == user.pk for link in self.attendee_links.all()
        )


class EventAttendee(ServiceModel):
    """One attendee of an event; soft-deleted when they are taken off it."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="attendee_links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="event_attendances"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["user", "event"])]

    def __str__(self) -> str:
        return f"{self.user_id} attends {self.event_id}"
