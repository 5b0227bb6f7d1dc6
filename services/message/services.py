"""Writes: sending, marking read and deleting for oneself all go through here."""

from __future__ import annotations

from django.utils import timezone

from core.activeactive import soft_delete, versioned_update, write_transaction
from services.message.models import Delivery, Message


def message_send(*, sender, recipients: list, subject: str, body: str) -> Delivery:
    """Insert the message and one mailbox row per participant; return the sender's row.

    Sending to oneself is allowed: the sender's row is then in both boxes, unread.
    """
    with write_transaction(Message):
        message = Message.objects.create(sender=sender, subject=subject, body=body)
        people = {user.pk: user for user in recipients}
        rows = [
            Delivery(message=message, person=user, is_recipient=True, created_at=message.created_at)
            for user in people.values()
            if user.pk != sender.pk
        ]
        own = Delivery(
            message=message,
            person=sender,
            is_sender=True,
            is_recipient=sender.pk in people,
            read_at=None if sender.pk in people else message.created_at,
            created_at=message.created_at,
        )
        own.save()
        Delivery.objects.bulk_create(rows)
    return own


def message_mark_read(*, delivery: Delivery, version: int) -> Delivery:
    """Idempotent: a message already read stays read at its first reading."""
    if delivery.read_at is not None:
        return delivery
    return versioned_update(delivery, version=version, changes={"read_at": timezone.now()})


def message_delete_for_me(*, delivery: Delivery, version: int) -> None:
    """Hides the message from this person's boxes; the other participants keep theirs."""
    soft_delete(delivery, version=version)
