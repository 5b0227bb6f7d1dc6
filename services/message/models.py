"""Direct messages and each participant's own mailbox row.

Policy: append-only messages. A `Message` (sender, subject, body) is only ever
inserted. Each participant — the sender and every recipient — has one `Delivery` row
carrying their own flags: `read_at`, and `deleted_at` for "deleted for me" (the soft
deletion of ServiceModel). Those per-person rows are mutable, updated only by the person
they belong to (`version` guards each change), and settled last-writer-wins.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from services.base.models import AppendOnlyModel, ServiceModel


class Message(AppendOnlyModel):
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages_sent"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=20000)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class Delivery(ServiceModel):
    """One participant's copy: in their sent box, their inbox, or both (a note to self)."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="deliveries")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="message_deliveries"
    )
    is_sender = models.BooleanField(default=False)
    is_recipient = models.BooleanField(default=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "is_recipient", "created_at"])]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"message {self.message_id} for {self.person_id}"
