"""Writes: every change to files, their versions and their shares goes through here."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db.models import Max
from django.http import Http404

from core.activeactive import soft_delete, versioned_save, versioned_update, write_transaction
from core.aggregates import link_key
from services.base.exceptions import ServiceError
from services.document.errors import DocumentCode
from services.document.models import File, FileContent, FileVersion, Share


def max_file_bytes() -> int:
    """Read at call time so an operator (or a test) can change it without a restart."""
    return getattr(settings, "DOCUMENT_MAX_FILE_BYTES", 5 * 1024 * 1024)


def file_create(*, owner, name: str, description: str = "", content: bytes | None = None) -> File:
    """A file record and, when content is given, its version 1 — both or neither."""
    with write_transaction(File):
        file = File.objects.create(owner=owner, name=name, description=description)
        if content is not None:
            _version_store(file=file, number=1, created_by=owner, content=content)
    return file


def file_update(*, file: File, version: int, changes: dict) -> File:
    return versioned_update(file, version=version, changes=changes)


def file_delete(*, file: File, version: int) -> None:
    soft_delete(file, version=version)


def version_add(*, file: File, created_by, content: bytes) -> FileVersion:
    """Append version max + 1; the file row is locked so two uploads never share a number."""
    with write_transaction(File):
        locked = _lock(file)
        last = locked.versions.aggregate(last=Max("number"))["last"] or 0
        return _version_store(file=locked, number=last + 1, created_by=created_by, content=content)


def share_add(*, file: File, created_by, user=None, group=None) -> Share:
    """Share with one user or one group; the file row lock keeps the duplicate check honest.

    The file's members list is written too, as its next version: a share is part of the
    file's aggregate (docs/ARCHITECTURE.md#rule-9)."""
    with write_transaction(File):
        locked = _lock(file)
        if user is not None and user.pk == locked.owner_id:
            raise ServiceError(DocumentCode.ALREADY_SHARED, "The owner already has the file.")
        if Share.objects.filter(file=locked, user=user, group=group).exists():
            raise ServiceError(DocumentCode.ALREADY_SHARED, "The file is already shared with them.")
        share = Share.objects.create(file=locked, user=user, group=group, created_by=created_by)
        _members_write(locked)
        return share


def share_remove(*, share: Share, version: int) -> None:
    with write_transaction(File):
        locked = _lock(share.file)
        soft_delete(share, version=version)
        _members_write(locked)


def _members_write(file: File) -> None:
    """Record the file's live shares on the file itself, as its next version."""
    live = Share.objects.filter(file=file).values("user_id", "group_id")
    file.members = sorted({link_key(values, ("user", "group")) for values in live})
    versioned_save(file, fields=["members"])


def _lock(file: File) -> File:
    locked = File.objects.select_for_update().filter(pk=file.pk).first()
    if locked is None:  # deleted since the caller looked it up
        raise Http404
    return locked


def _version_store(*, file: File, number: int, created_by, content: bytes) -> FileVersion:
    blob = FileContent.objects.create(data=content)
    return FileVersion.objects.create(
        file=file,
        number=number,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=blob,
        created_by=created_by,
    )
