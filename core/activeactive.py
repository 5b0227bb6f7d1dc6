"""The active-active data rules in code: what every mutable row carries, and how it is written.

Both nodes' databases take writes and replicate asynchronously (docs/ARCHITECTURE.md,
data rules). A mutable row carries `updated_at` (microseconds, UTC), a `version` counter
for optimistic concurrency, and the index of the node that last wrote it, which breaks
`updated_at` ties when diverged rows are settled (last writer wins).

Every change to a versioned row goes through `versioned_save` (the one place that bumps
the version) or `versioned_update` (which also checks the version the caller read), and
every write that must be atomic runs in `write_transaction(Model)`, which opens the
transaction on the database that takes that model's writes — this node's own, or the
home node's for home-node data — so the choice never depends on the call site.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, router, transaction
from django.utils import timezone

from core import clock


def this_node_index() -> int:
    return settings.PLATFORM_NODE_INDEX


def write_transaction(model):
    """A transaction on the database that takes `model`'s writes (its home, maybe the peer).

    Right for every conflict policy: for a home-node model the lock and the write happen
    on the home database; for any other model this is this node's own database.
    """
    return transaction.atomic(using=router.db_for_write(model))


class VersionConflict(Exception):
    """The caller edited an old version; `current` is the row as it is now.

    The API layer answers 409 with `current` rendered by the view's own serializer.
    """

    def __init__(self, current) -> None:
        super().__init__(f"{type(current).__name__} {current.pk} is at version {current.version}")
        self.current = current


class VersionedModel(models.Model):
    """Abstract base for rows that either node may update."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    origin_node = models.PositiveSmallIntegerField(default=this_node_index, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        """Stamp every save with the time and this node; `versioned_save` bumps `version`.

        The time is the database-corrected clock (core/clock.py), whose skew against the
        peer the platform measures (docs/ARCHITECTURE.md#rule-11).
        """
        self.updated_at = clock.now()
        self.origin_node = this_node_index()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at", "origin_node"}
        super().save(*args, **kwargs)


def versioned_save(row: VersionedModel, *, fields=None, using: str | None = None):
    """Save a change to an existing row as its next version (stamped by `save`).

    `fields` limits the UPDATE to those columns (plus the stamps). The caller holds the
    row's lock, or accepts that a concurrent change of other columns may interleave.
    """
    row.version += 1
    update_fields = None if fields is None else {*fields, "version"}
    row.save(update_fields=update_fields, using=using)
    return row


def versioned_update(row: VersionedModel, *, version: int, changes: dict, lock: bool = True):
    """Apply `changes` if the row is still at `version`; returns the row as saved.

    The row is re-read (under a lock unless `lock` is False), so two updates from the
    same version cannot both win on one database. A stale version raises
    VersionConflict carrying the current row.
    """
    model = type(row)
    with write_transaction(model):
        objects = model._default_manager
        manager = objects.select_for_update() if lock else objects
        current = manager.get(pk=row.pk)
        if current.version != version:
            raise VersionConflict(current)
        for field, value in changes.items():
            setattr(current, field, value)
        return versioned_save(current)


def soft_delete(row, *, version: int):
    """Mark a soft-deletable row deleted, as its next version (rows are never removed)."""
    return versioned_update(row, version=version, changes={"deleted_at": clock.now()})


def delete_in_batches(queryset, *, batch_size: int = 1000) -> int:
    """Delete the queryset's rows `batch_size` at a time, each batch its own short
    transaction (never one huge lock or binlog event); returns how many went.

    Only for rows this node alone deletes (a node prunes the rows it created): a delete
    replayed on a replica that already lost the row would stop replication there.
    """
    total = 0
    while True:
        batch = list(queryset.values_list("pk", flat=True)[:batch_size])
        if not batch:
            return total
        # Re-filtered by the queryset's condition, so a row is only deleted if still prunable.
        queryset.filter(pk__in=batch).delete()
        total += len(batch)
