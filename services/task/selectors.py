"""Reads: what a caller may see of tasks and comments."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from services.task.models import Comment, Task


def task_list(*, user, see_all: bool, filters: dict) -> QuerySet[Task]:
    tasks = Task.objects.select_related("creator", "assignee")
    if not see_all:
        tasks = tasks.filter(Q(creator=user) | Q(assignee=user))
    if filters.get("status"):
        tasks = tasks.filter(status=filters["status"])
    if filters.get("assignee"):
        tasks = tasks.filter(assignee_id=filters["assignee"])
    if filters.get("mine") == "created":
        tasks = tasks.filter(creator=user)
    elif filters.get("mine") == "assigned":
        tasks = tasks.filter(assignee=user)
    if filters.get("q"):
        tasks = tasks.filter(
            Q(title__icontains=filters["q"]) | Q(description__icontains=filters["q"])
        )
    return tasks


def comment_list(*, task: Task) -> QuerySet[Comment]:
    return Comment.objects.filter(task=task).select_related("author")
