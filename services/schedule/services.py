"""Writes: every change to events and their attendees goes through these functions."""

from __future__ import annotations

from django.utils import timezone

from core.activeactive import soft_delete, versioned_save, versioned_update, write_transaction
from core.aggregates import members
from services.schedule.models import Event, EventAttendee


def event_create(
    *,
    owner,
    title: str,
    start,
    end,
    description: str = "",
    location: str = "",
    private: bool = False,
    attendees: list | tuple = (),
) -> Event:
    with write_transaction(Event):
        event = Event.objects.create(
            owner=owner,
            title=title,
            start=start,
            end=end,
            description=description,
            location=location,
            private=private,
            members=_members(attendees),
        )
        _add_attendees(event, attendees)
    return event


def event_update(*, event: Event, version: int, changes: dict, attendees=...) -> Event:
    """Apply `changes`; a list of `attendees` replaces them (left as `...`, they stay).

    Attendees taken off are soft-deleted, never removed, so the other node's replication
    always finds the rows it updates.
    """
    with write_transaction(Event):
        if attendees is not ...:
            changes = {**changes, "members": _members(attendees)}
        event = versioned_update(event, version=version, changes=changes)
        if attendees is not ...:
            _replace_attendees(event, attendees)
    return event


def event_delete(*, event: Event, version: int) -> None:
    soft_delete(event, version=version)


def _members(users) -> list[str]:
    return members("user", (user.pk for user in users))


def _add_attendees(event: Event, users) -> None:
    EventAttendee.objects.bulk_create([EventAttendee(event=event, user=user) for user in users])


def _replace_attendees(event: Event, users) -> None:
    wanted = {user.pk: user for user in users}
    for link in EventAttendee.objects.select_for_update().filter(event=event):
        if link.user_id in wanted:
            wanted.pop(link.user_id)  # kept; a duplicate link from a race is retired below
        else:
            link.deleted_at = timezone.now()
            versioned_save(link, fields=["deleted_at"])
    _add_attendees(event, wanted.values())
