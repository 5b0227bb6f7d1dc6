"""Writes: every change to tasks and comments goes through these functions."""

from __future__ import annotations

from services.base.concurrency import soft_delete, update_versioned
from services.base.exceptions import RuleViolation
from services.task.models import TRANSITIONS, Comment, Task


def task_create(
    *, creator, title: str, description: str = "", assignee=None, due_date=None
) -> Task:
    return Task.objects.create(
        creator=creator, title=title, description=description, assignee=assignee, due_date=due_date
    )


def task_update(*, task: Task, version: int, changes: dict, serializer_class) -> Task:
    return update_versioned(
        task, version=version, changes=changes, serializer_class=serializer_class
    )


def task_transition(*, task: Task, version: int, to: str, serializer_class) -> Task:
    """Move along an allowed transition only; the check and the write share one lock."""
    if to not in TRANSITIONS[task.status]:
        raise RuleViolation(
            "transition_not_allowed", f"A task cannot go from {task.status} to {to}."
        )
    updated = update_versioned(
        task, version=version, changes={"status": to}, serializer_class=serializer_class
    )
    return updated


def task_delete(*, task: Task, version: int, serializer_class) -> None:
    soft_delete(task, version=version, serializer_class=serializer_class)


def comment_add(*, task: Task, author, body: str) -> Comment:
    return Comment.objects.create(task=task, author=author, body=body)
