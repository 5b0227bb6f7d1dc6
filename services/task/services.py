"""Writes: every change to tasks and comments goes through these functions."""

from __future__ import annotations

from core.activeactive import soft_delete, versioned_update
from services.base.exceptions import ServiceError
from services.task.errors import TaskCode
from services.task.models import TRANSITIONS, Comment, Task


def task_create(
    *, creator, title: str, description: str = "", assignee=None, due_date=None
) -> Task:
    return Task.objects.create(
        creator=creator, title=title, description=description, assignee=assignee, due_date=due_date
    )


def task_update(*, task: Task, version: int, changes: dict) -> Task:
    return versioned_update(task, version=version, changes=changes)


def task_transition(*, task: Task, version: int, to: str) -> Task:
    """Move along an allowed transition only; the check and the write share one lock."""
    if to not in TRANSITIONS[task.status]:
        raise ServiceError(
            TaskCode.TRANSITION_NOT_ALLOWED, f"A task cannot go from {task.status} to {to}."
        )
    return versioned_update(task, version=version, changes={"status": to})


def task_delete(*, task: Task, version: int) -> None:
    soft_delete(task, version=version)


def comment_add(*, task: Task, author, body: str) -> Comment:
    return Comment.objects.create(task=task, author=author, body=body)
