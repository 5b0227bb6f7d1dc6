"""Who may see and change which task — the service's own decision, object by object."""

from __future__ import annotations

from services.base.permissions import can

CODE = "task"


def is_admin(request) -> bool:
    return can(request, CODE, "admin")


def may_edit(request, task) -> bool:
    return is_admin(request) or task.creator_id == request.user.pk


def may_transition(request, task) -> bool:
    return is_admin(request) or request.user.pk in (task.creator_id, task.assignee_id)


def may_reassign(request, task) -> bool:
    return may_edit(request, task)
