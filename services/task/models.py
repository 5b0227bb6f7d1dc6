"""Work items and their comments.

Policy: last-writer-wins for tasks (either node may update; `version` guards each
edit, soft deletion only); comments are append-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from services.base.models import AppendOnlyModel, ServiceModel


class Status(models.TextChoices):
    TODO = "todo", "to do"
    DOING = "doing", "doing"
    DONE = "done", "done"
    CANCELLED = "cancelled", "cancelled"


# The allowed moves; done and cancelled are final.
TRANSITIONS = {
    Status.TODO: {Status.DOING, Status.CANCELLED},
    Status.DOING: {Status.DONE, Status.TODO, Status.CANCELLED},
    Status.DONE: set(),
    Status.CANCELLED: set(),
}


class Task(ServiceModel):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=20000)
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks_created"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks_assigned",
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TODO)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["assignee", "status"]), models.Index(fields=["creator"])]

    def __str__(self) -> str:
        return self.title


class Comment(AppendOnlyModel):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    body = models.TextField(max_length=5000)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment on {self.task_id} by {self.author_id}"
