"""Optimistic concurrency: an update names the version it read, else 409."""

from __future__ import annotations

from rest_framework.exceptions import ValidationError

from platform_site.activeactive import write_transaction
from services.base.exceptions import VersionConflict


def expected_version(data) -> int:
    """The `version` the client read; required on every update."""
    value = data.get("version") if hasattr(data, "get") else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        value = int(value)  # from query parameters (DELETE)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**31:
        raise ValidationError({"version": ["The version you read is required (an integer)."]})
    return value


def update_versioned(instance, *, version: int, changes: dict, serializer_class, lock=True):
    """Apply `changes` if the row is still at `version`; bump the version; return the row.

    The row is re-read under a lock, so two updates from the same version cannot both
    win on one database. A stale version raises VersionConflict carrying the current
    object as `serializer_class` renders it.
    """
    model = type(instance)
    with write_transaction(model):
        manager = model.objects.select_for_update() if lock else model.objects
        current = manager.get(pk=instance.pk)
        if current.version != version:
            raise VersionConflict(serializer_class(current).data)
        for field, value in changes.items():
            setattr(current, field, value)
        current.version += 1
        current.save()
    return current


def soft_delete(instance, *, version: int, serializer_class) -> None:
    from django.utils import timezone

    update_versioned(
        instance,
        version=version,
        changes={"deleted_at": timezone.now()},
        serializer_class=serializer_class,
    )
