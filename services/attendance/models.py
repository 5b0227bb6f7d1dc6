"""Time-clock punches and leave requests.

Policy: append-only punches — a punch is only ever inserted, stamped with the server's
clock (`created_at`), so the two nodes can never conflict over one. Leave requests are
mutable rows (an `admin` approves or rejects them; `version` guards each change, soft
deletion only), settled last-writer-wins.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from services.base.models import AppendOnlyModel, ServiceModel


class PunchKind(models.TextChoices):
    IN = "in", "clock in"
    OUT = "out", "clock out"


class Punch(AppendOnlyModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="punches"
    )
    kind = models.CharField(max_length=3, choices=PunchKind.choices)
    # The person who pressed the button: the user, or an admin correcting a missed punch.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["user", "created_at"]), models.Index(fields=["created_at"])]
        verbose_name_plural = "punches"

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} at {self.created_at:%Y-%m-%d %H:%M}"


class LeaveStatus(models.TextChoices):
    PENDING = "pending", "pending"
    APPROVED = "approved", "approved"
    REJECTED = "rejected", "rejected"


MAX_LEAVE_DAYS = 60


class LeaveRequest(ServiceModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leave_requests"
    )
    start_date = models.DateField()
    end_date = models.DateField()
    reason = models.TextField(blank=True, max_length=2000)
    status = models.CharField(
        max_length=10, choices=LeaveStatus.choices, default=LeaveStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["user", "start_date"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"leave {self.start_date} to {self.end_date} for {self.user_id}"
