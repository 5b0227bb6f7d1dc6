"""Files, their immutable versions (metadata and content apart) and their shares.

Policy: append-only versions, last-writer-wins metadata. A file's name and description
may be edited on either node (`version` guards each edit, soft deletion only); shares
are mutable rows too (soft-deleted when revoked). A version and its content are only
ever inserted. Version numbers are computed as max + 1 with the file row locked, which
holds on one database; there is deliberately no unique constraint on (file, number), so
two nodes uploading at the same moment may both write the same number, and readers
take the newest row of a number (both stay listed). The file and its shares are one
aggregate (apps.py): every share added or removed writes the file's `members` as its next
version, so reconcile settles the file and its shares together from the newer file.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models

from services.base.models import AppendOnlyModel, ServiceModel


class File(ServiceModel):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="document_files"
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True, max_length=5000)
    # The shares' live links as this version has them, "user:<id>" / "group:<id>"
    # (core/aggregates.py): the file and its shares are one aggregate (rule 9).
    members = models.JSONField(default=list, editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name


class FileContent(AppendOnlyModel):
    """The bytes of one version, in a row of their own so lists never load them."""

    data = models.BinaryField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"content {self.pk}"


class FileVersion(AppendOnlyModel):
    file = models.ForeignKey(File, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.ForeignKey(FileContent, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["number", "id"]
        indexes = [models.Index(fields=["file", "number"])]

    def __str__(self) -> str:
        return f"{self.file_id} v{self.number}"


class Share(ServiceModel):
    """Read access to a file for one user or one group (exactly one of the two)."""

    file = models.ForeignKey(File, on_delete=models.PROTECT, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document_shares",
    )
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.PROTECT, related_name="document_shares"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        target = f"user {self.user_id}" if self.user_id else f"group {self.group_id}"
        return f"file {self.file_id} shared with {target}"
