"""Writes: every change to notices and read receipts goes through these functions."""

from __future__ import annotations

from django.utils import timezone

from core.activeactive import soft_delete, versioned_save, versioned_update, write_transaction
from core.aggregates import members
from services.notice import selectors
from services.notice.models import Notice, NoticeAudience, ReadReceipt


def notice_create(
    *,
    author,
    title: str,
    body: str,
    groups: list | None = None,
    pinned: bool = False,
    publish_at=None,
    expires_at=None,
) -> Notice:
    """`groups` None addresses everyone; otherwise the notice goes to those groups only."""
    fields = {"pinned": pinned, "expires_at": expires_at}
    if publish_at is not None:
        fields["publish_at"] = publish_at
    with write_transaction(Notice):
        notice = Notice.objects.create(
            author=author,
            title=title,
            body=body,
            for_everyone=groups is None,
            members=_members(groups),
            **fields,
        )
        _add_links(notice, groups or [])
    return notice


def notice_update(*, notice: Notice, version: int, changes: dict, groups=...) -> Notice:
    """Apply `changes`; `groups` (None = everyone, a list = those groups) replaces the audience.

    Left as `...`, the audience stays as it is. Replaced links are soft-deleted, never
    removed, so the other node's replication always finds the rows it updates.
    """
    with write_transaction(Notice):
        if groups is not ...:
            changes = {**changes, "for_everyone": groups is None, "members": _members(groups)}
        notice = versioned_update(notice, version=version, changes=changes)
        if groups is not ...:
            _replace_links(notice, groups or [])
    return notice


def notice_delete(*, notice: Notice, version: int) -> None:
    soft_delete(notice, version=version)


def notice_mark_read(*, notice: Notice, reader) -> tuple[ReadReceipt, bool]:
    """The reader's receipt and whether it is new; a second mark returns the first one.

    Two marks racing (or one on each node) may both insert: receipts are append-only with
    no UNIQUE constraint, and every reader of them treats duplicates as one.
    """
    existing = selectors.receipt_of(notice=notice, user=reader)
    if existing is not None:
        return existing, False
    return ReadReceipt.objects.create(notice=notice, reader=reader), True


def _members(groups: list | None) -> list[str]:
    return members("group", (group.pk for group in groups or ()))


def _add_links(notice: Notice, groups: list) -> None:
    NoticeAudience.objects.bulk_create(
        [NoticeAudience(notice=notice, group=group) for group in groups]
    )


def _replace_links(notice: Notice, groups: list) -> None:
    wanted = {group.pk: group for group in groups}
    links = NoticeAudience.objects.select_for_update().filter(notice=notice)
    for link in links:
        if link.group_id in wanted:
            wanted.pop(link.group_id)
        else:
            link.deleted_at = timezone.now()
            versioned_save(link, fields=["deleted_at"])
    _add_links(notice, list(wanted.values()))
