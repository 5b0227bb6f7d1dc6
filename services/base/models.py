"""Model bases obeying the active-active data rules (docs/ARCHITECTURE.md).

- `ServiceModel`: a mutable row (last-writer-wins or home-node): `created_at`,
  `updated_at`, `version`, `origin_node`, and soft deletion — a row deleted on one node
  while the other updates it would stop replication (the update finds no row), so rows
  are marked deleted instead and pruned later by the node that created them.
- `AppendOnlyModel`: rows that are only ever inserted (receipts, comments, punches).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.activeactive import VersionedModel, this_node_index


class LiveManager(models.Manager):
    """Rows not soft-deleted."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class ServiceModel(VersionedModel):
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = LiveManager()
    all_objects = models.Manager()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"


class AppendOnlyModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    origin_node = models.PositiveSmallIntegerField(default=this_node_index, editable=False)

    class Meta:
        abstract = True
