"""Who may see and change which task — the service's own decision, object by object."""

from __future__ import annotations

from services.base.permissions import can, refuse_unless
from services.task.apps import TaskConfig
from services.task.errors import TaskCode

CODE = TaskConfig.code


def is_admin(request) -> bool:
    return can(request, CODE, "admin")


def may_edit(request, task) -> bool:
    return is_admin(request) or task.creator_id == request.user.pk


def may_transition(request, task) -> bool:
    return is_admin(request) or request.user.pk in (task.creator_id, task.assignee_id)


def require_edit(request, task) -> None:
    refuse_unless(may_edit(request, task), TaskCode.NOT_TASK_OWNER)


def require_transition(request, task) -> None:
    refuse_unless(may_transition(request, task), TaskCode.NOT_TASK_PARTY)
