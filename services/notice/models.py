"""Company announcements, their audiences and per-person read receipts.

Policy: last-writer-wins for notices (either node may update; `version` guards each
edit, soft deletion only). The audience is a many-to-many to groups kept in an explicit
link table rather than a `ManyToManyField`: Django's automatic table carries a UNIQUE
(notice, group) pair that two nodes could race on, and removing a group would hard-delete
a link the other node may be removing too — either stops replication. Links are
therefore only inserted and soft-deleted (`notice.audience_links` holds the live ones).
The notice and its audience links are one aggregate (apps.py): the notice's `members`
lists the live links, so reconcile settles both from the newer notice.
Read receipts are append-only; a second one for a person is harmless and ignored.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone

from services.base.models import AppendOnlyModel, ServiceModel


class Notice(ServiceModel):
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=20000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notices"
    )
    for_everyone = models.BooleanField(default=True)
    pinned = models.BooleanField(default=False)
    publish_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    # The audience's live links as this version has them, "group:<id>" (core/aggregates.py):
    # the notice and its links are one aggregate (docs/ARCHITECTURE.md#rule-9).
    members = models.JSONField(default=list, editable=False)

    class Meta:
        ordering = ["-pinned", "-publish_at", "-id"]
        indexes = [
            models.Index(fields=["publish_at"]),
            models.Index(fields=["author"]),
        ]

    def __str__(self) -> str:
        return self.title


class NoticeAudience(ServiceModel):
    """One group a notice is addressed to; soft-deleted when the audience changes."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="audience_links")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"notice {self.notice_id} → group {self.group_id}"


class ReadReceipt(AppendOnlyModel):
    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="receipts")
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notice_receipts"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["notice", "reader"])]

    def __str__(self) -> str:
        return f"notice {self.notice_id} read by {self.reader_id}"
