"""Reads: a caller's own mailbox rows, each with its message, newest first."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from services.message.models import Delivery


def _recipient_rows() -> Prefetch:
    # All recipients, including those who deleted the message for themselves.
    rows = Delivery.all_objects.filter(is_recipient=True).order_by("id")
    return Prefetch("message__deliveries", queryset=rows, to_attr="recipient_rows")


def mailbox(*, user, box: str = "all", filters: dict | None = None) -> QuerySet[Delivery]:
    """`box` is "all" (sent or received), "inbox" or "sent"; deleted-for-me rows are gone."""
    filters = filters or {}
    rows = (
        Delivery.objects.filter(person=user)
        .select_related("message")
        .prefetch_related(_recipient_rows())
    )
    if box == "inbox":
        rows = rows.filter(is_recipient=True)
    elif box == "sent":
        rows = rows.filter(is_sender=True)
    if filters.get("unread"):
        rows = rows.filter(is_recipient=True, read_at__isnull=True)
    if filters.get("q"):
        text = filters["q"]
        rows = rows.filter(Q(message__subject__icontains=text) | Q(message__body__icontains=text))
    return rows


def recipient_ids(delivery: Delivery) -> list[int]:
    rows = getattr(delivery.message, "recipient_rows", None)
    if rows is None:  # a row read outside mailbox(), e.g. after a write
        rows = Delivery.all_objects.filter(message_id=delivery.message_id, is_recipient=True)
        rows = rows.order_by("id")
    return [row.person_id for row in rows]
