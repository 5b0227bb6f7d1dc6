"""Gateway data: the service routing table and its history."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.activeactive import VersionedModel


class ServiceRoute(VersionedModel):
    """One row per service: where `/api/v1/<code>/` goes, and how the gateway guards it.

    A row is made for every service in the registry after `migrate` (which runs on one
    node) and edited by admins; routing-table writes go to the credential service's home
    node, so the UNIQUE code cannot race between nodes. Where a home-node service's writes
    go is replication's `ServiceHome`, changed only by `move_home`.
    """

    code = models.SlugField(max_length=40, unique=True)
    display_name = models.CharField(max_length=100)
    target = models.CharField(
        max_length=200, help_text="Python path of the URLconf that implements the service."
    )
    enabled = models.BooleanField(default=True)
    maintenance = models.BooleanField(default=False)
    maintenance_message = models.CharField(max_length=300, blank=True)
    maintenance_retry_after_seconds = models.PositiveIntegerField(default=300)
    requires_grant = models.BooleanField(
        default=True, help_text="Refuse callers holding no grant at all for this service."
    )
    statement_timeout_ms = models.PositiveIntegerField(
        default=5000, help_text="Longest a single database statement may run (MariaDB)."
    )
    breaker_consecutive_failures = models.PositiveIntegerField(default=5)
    breaker_error_rate = models.FloatField(
        default=0.5, help_text="Open when this share of recent requests failed (0-1)."
    )
    breaker_window_seconds = models.PositiveIntegerField(default=30)
    breaker_min_requests = models.PositiveIntegerField(default=20)
    breaker_open_seconds = models.PositiveIntegerField(default=10)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def snapshot(self) -> dict:
        """The editable fields, for the change history and export."""
        return {f.name: getattr(self, f.name) for f in self._meta.fields if f.editable}


class RouteChange(models.Model):
    """Append-only history of routing-table edits: who, when, before and after."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    code = models.CharField(max_length=40, db_index=True)
    actor = models.CharField(max_length=150)
    source = models.CharField(max_length=20)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    node = models.CharField(max_length=32)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.code} changed by {self.actor} at {self.at:%Y-%m-%d %H:%M:%S}"
