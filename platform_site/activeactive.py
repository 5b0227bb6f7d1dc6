"""The active-active data rules in code: what every mutable row carries.

Both nodes' databases take writes and replicate asynchronously (ARCHITECTURE.md). A
mutable row carries `updated_at` (microseconds, UTC), a `version` counter for optimistic
concurrency, and the index of the node that last wrote it, which breaks `updated_at` ties
when diverged rows are settled (last writer wins).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, router, transaction
from django.utils import timezone


def this_node_index() -> int:
    return settings.PLATFORM_NODE_INDEX


def write_transaction(model):
    """A transaction on the database that takes `model`'s writes (its home, maybe the peer).

    Use it, not a bare `transaction.atomic()`, around writes and `select_for_update()`
    of home-node data: the lock and the write must happen on the home database.
    """
    return transaction.atomic(using=router.db_for_write(model))


class VersionedModel(models.Model):
    """Abstract base for rows that either node may update."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    origin_node = models.PositiveSmallIntegerField(default=this_node_index, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        """Stamp every save; `version` is bumped by the caller's update helper, not here."""
        self.updated_at = timezone.now()
        self.origin_node = this_node_index()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at", "origin_node"}
        super().save(*args, **kwargs)
