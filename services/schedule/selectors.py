"""Reads: which events a caller sees, and anyone's busy time (times only, no details)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from services.schedule.models import Event, EventAttendee


def event_list(*, user, see_all: bool, filters: dict) -> QuerySet[Event]:
    """The caller's calendar: events they own or attend, optionally in a time range.

    An admin may look at anyone's events with `owner` (private ones come out redacted by
    the serializer); without it an admin's list is their own calendar like everyone's.
    """
    events = Event.objects.select_related("owner").prefetch_related("attendee_links")
    owner = filters.get("owner")
    if not (see_all and owner is not None):
        events = events.filter(_involving(user))
    if owner is not None:
        events = events.filter(owner_id=owner)
    if filters.get("start") is not None:
        events = events.filter(_overlapping(filters["start"], filters["end"]))
    return events


def event_visible(*, user, see_all: bool) -> QuerySet[Event]:
    """What one may open by id: one's own and attended events; an admin, any event."""
    events = Event.objects.select_related("owner").prefetch_related("attendee_links")
    return events if see_all else events.filter(_involving(user))


def busy_intervals(*, user, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The user's busy time in [start, end): merged, clipped, from every event they are in."""
    spans = (
        Event.objects.filter(_involving(user), _overlapping(start, end))
        .order_by("start", "end")
        .values_list("start", "end")
    )
    merged: list[list[datetime]] = []
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, start), min(span_end, end)
        if merged and span_start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], span_end)
        else:
            merged.append([span_start, span_end])
    return [(a, b) for a, b in merged]


def _involving(user) -> Q:
    attends = EventAttendee.objects.filter(event=OuterRef("pk"), user=user)
    return Q(owner=user) | Q(Exists(attends))


def _overlapping(start: datetime, end: datetime) -> Q:
    return Q(start__lt=end, end__gt=start)
