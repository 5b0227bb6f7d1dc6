"""Reads: which notices a caller may see, and whether they have read them."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from services.notice.models import Notice, NoticeAudience, ReadReceipt


def notice_list(*, user, see_all: bool, filters: dict) -> QuerySet[Notice]:
    """Visible notices, pinned first then newest, each annotated with `read_by_me`."""
    notices = Notice.objects.select_related("author").prefetch_related(
        Prefetch("audience_links", queryset=NoticeAudience.objects.select_related("group"))
    )
    if not see_all:
        notices = notices.filter(_visible_to(user))
    notices = notices.annotate(
        read_by_me=Exists(ReadReceipt.objects.filter(notice=OuterRef("pk"), reader=user))
    )
    if filters.get("pinned") is not None:
        notices = notices.filter(pinned=filters["pinned"])
    if filters.get("unread") is not None:
        notices = notices.filter(read_by_me=not filters["unread"])
    if filters.get("q"):
        notices = notices.filter(Q(title__icontains=filters["q"]) | Q(body__icontains=filters["q"]))
    return notices


def _visible_to(user) -> Q:
    """Authors see their own; others what is published, unexpired and addressed to them."""
    now = timezone.now()
    in_my_groups = NoticeAudience.objects.filter(notice=OuterRef("pk"), group__in=user.groups.all())
    addressed = Q(for_everyone=True) | Q(Exists(in_my_groups))
    current = Q(publish_at__lte=now) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    return Q(author=user) | (addressed & current)


def receipt_of(*, notice: Notice, user) -> ReadReceipt | None:
    return (
        ReadReceipt.objects.filter(notice=notice, reader=user).order_by("created_at", "id").first()
    )
