"""Approval documents, their ordered line of approvers (steps), and their history.

Policy: home-node. All writes go to one database, so "one outcome per step, never two"
holds by a row lock: every action locks the document row, re-reads its state and its
current step, then writes (services.py). Steps are updated once, when decided; the
history (Action) is append-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from services.base.models import AppendOnlyModel, ServiceModel

MAX_APPROVERS = 10


class DocumentState(models.TextChoices):
    PENDING = "pending", "pending"
    APPROVED = "approved", "approved"
    REJECTED = "rejected", "rejected"
    WITHDRAWN = "withdrawn", "withdrawn"


class StepOutcome(models.TextChoices):
    APPROVED = "approved", "approved"
    REJECTED = "rejected", "rejected"


class ActionKind(models.TextChoices):
    SUBMITTED = "submitted", "submitted"
    APPROVED = "approved", "approved"
    REJECTED = "rejected", "rejected"
    WITHDRAWN = "withdrawn", "withdrawn"


class Document(ServiceModel):
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, max_length=20000)
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_documents"
    )
    state = models.CharField(
        max_length=10, choices=DocumentState.choices, default=DocumentState.PENDING
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["drafter", "state"]), models.Index(fields=["state"])]

    def __str__(self) -> str:
        return self.title


class Step(ServiceModel):
    """One approver's place in the line; `outcome` is set once, by that approver."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="steps")
    order = models.PositiveSmallIntegerField()
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approval_steps"
    )
    outcome = models.CharField(max_length=10, choices=StepOutcome.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["document_id", "order"]
        indexes = [models.Index(fields=["approver", "outcome"])]

    def __str__(self) -> str:
        return f"step {self.order} of {self.document_id}"


class Action(AppendOnlyModel):
    """The history: who did what to a document, when, and why."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="actions")
    step = models.ForeignKey(
        Step, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=ActionKind.choices)
    comment = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} {self.document_id} by {self.actor_id}"
