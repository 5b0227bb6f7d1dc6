"""Reads: which files a caller may see, their versions, content and shares."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery

from services.document.models import File, FileVersion, Share


def _latest() -> dict:
    """The newest version's number, size and SHA-256 per file, without loading content."""
    newest = FileVersion.objects.filter(file=OuterRef("pk")).order_by("-number", "-id")
    return {
        f"latest_{field}": Subquery(newest.values(field)[:1])
        for field in ("number", "size", "sha256")
    }


def file_list(*, user, see_all: bool, filters: dict) -> QuerySet[File]:
    """Files the caller owns or that are shared with them or one of their groups."""
    files = File.objects.annotate(**_latest())
    if not see_all:
        shared = Share.objects.filter(Q(user=user) | Q(group__in=user.groups.all()))
        files = files.filter(Q(owner=user) | Q(pk__in=shared.values("file_id")))
    if filters.get("owner"):
        files = files.filter(owner_id=filters["owner"])
    if filters.get("q"):
        files = files.filter(
            Q(name__icontains=filters["q"]) | Q(description__icontains=filters["q"])
        )
    return files


def version_list(*, file: File) -> QuerySet[FileVersion]:
    """Metadata only: the content rows are never joined here."""
    return FileVersion.objects.filter(file=file)


def version_get(*, file: File, number: int) -> FileVersion | None:
    """The version `number` with its content; the newest row if two nodes both wrote it."""
    return (
        FileVersion.objects.filter(file=file, number=number)
        .select_related("content")
        .order_by("-id")
        .first()
    )


def share_list(*, file: File) -> QuerySet[Share]:
    return Share.objects.filter(file=file)


def file_with_latest(*, pk: int) -> File:
    """One file (even soft-deleted) with its latest version's facts, as file_list gives them."""
    return File.all_objects.annotate(**_latest()).get(pk=pk)
