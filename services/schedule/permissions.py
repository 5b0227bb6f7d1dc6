"""Who may see and change which event — the service's own decision, object by object.

The owner changes everything of their event. An `admin` edits and deletes other people's
events, with two limits, so that an admin's write can never reveal what an admin's read
hides: only the owner changes `private` and the attendees (setting `private` to false,
or adding oneself as an attendee, would show the details), and a private event whose
details are hidden from the admin (they are not among its attendees) is not theirs to
change or delete at all. Each is refused with its own code, and nothing is applied.
"""

from __future__ import annotations

from services.base.permissions import can, refuse_unless
from services.schedule.apps import ScheduleConfig
from services.schedule.errors import ScheduleCode

CODE = ScheduleConfig.code
# The fields whose change could reveal an event: the owner's alone.
OWNER_ONLY = frozenset({"private", "attendees"})


def is_admin(request) -> bool:
    return can(request, CODE, "admin")


def is_owner(request, event) -> bool:
    return event.owner_id == request.user.pk


def may_edit(request, event) -> bool:
    """The owner; an admin too, unless the event is private and hidden from them."""
    if is_owner(request, event):
        return True
    return is_admin(request) and not (event.private and not event.involves(request.user))


def require_edit(request, event, submitted=frozenset()) -> None:
    """`submitted`: the fields the edit changes (an empty set for a delete)."""
    if is_owner(request, event):
        return
    refuse_unless(is_admin(request), ScheduleCode.NOT_EVENT_OWNER)
    refuse_unless(may_edit(request, event), ScheduleCode.PRIVATE_EVENT)
    refused = sorted(OWNER_ONLY & set(submitted))
    detail = f"Only the event's owner changes: {', '.join(refused)}."
    refuse_unless(not refused, ScheduleCode.OWNER_ONLY_FIELD, detail)
