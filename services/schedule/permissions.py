"""Who may see and change which event — the service's own decision, object by object."""

from __future__ import annotations

from services.base.permissions import can, refuse_unless
from services.schedule.apps import ScheduleConfig
from services.schedule.errors import ScheduleCode

CODE = ScheduleConfig.code


def is_admin(request) -> bool:
    return can(request, CODE, "admin")


def may_edit(request, event) -> bool:
    """The owner edits and deletes; an admin too (private details stay hidden from them)."""
    return is_admin(request) or event.owner_id == request.user.pk


def require_edit(request, event) -> None:
    refuse_unless(may_edit(request, event), ScheduleCode.NOT_EVENT_OWNER)
