"""Writes: every change to files, their versions and their shares goes through here."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.http import Http404

from services.base.concurrency import soft_delete, update_versioned
from services.base.exceptions import RuleViolation
from services.document.models import File, FileContent, FileVersion, Share


def max_file_bytes() -> int:
    """Read at call time so an operator (or a test) can change it without a restart."""
    return getattr(settings, "DOCUMENT_MAX_FILE_BYTES", 5 * 1024 * 1024)


def file_create(*, owner, name: str, description: str = "", content: bytes | None = None) -> File:
    """A file record and, when content is given, its version 1 — both or neither."""
    with transaction.atomic():
        file = File.objects.create(owner=owner, name=name, description=description)
        if content is not None:
            _version_store(file=file, number=1, created_by=owner, content=content)
    return file


def file_update(*, file: File, version: int, changes: dict, serializer_class) -> File:
    return update_versioned(
        file, version=version, changes=changes, serializer_class=serializer_class
    )


def file_delete(*, file: File, version: int, serializer_class) -> None:
    soft_delete(file, version=version, serializer_class=serializer_class)


def version_add(*, file: File, created_by, content: bytes) -> FileVersion:
    """Append version max + 1; the file row is locked so two uploads never share a number."""
    with transaction.atomic():
        locked = _lock(file)
        last = locked.versions.aggregate(last=Max("number"))["last"] or 0
        return _version_store(file=locked, number=last + 1, created_by=created_by, content=content)


def share_add(*, file: File, created_by, user=None, group=None) -> Share:
    """Share with one user or one group; the file row lock keeps the duplicate check honest."""
    with transaction.atomic():
        locked = _lock(file)
        if user is not None and user.pk == locked.owner_id:
            raise RuleViolation("already_shared", "The owner already has the file.")
        if Share.objects.filter(file=locked, user=user, group=group).exists():
            raise RuleViolation("already_shared", "The file is already shared with them.")
        return Share.objects.create(file=locked, user=user, group=group, created_by=created_by)


def share_remove(*, share: Share, version: int, serializer_class) -> None:
    soft_delete(share, version=version, serializer_class=serializer_class)


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
