"""The equipment register: assets and their checkout history.

Policy: home-node. All writes go to one database, so an asset's state machine holds by a
row lock: checkout and return lock the asset row, check its state, then write
(services.py). A checkout row is updated once, on return (`returned_at`); that update is
safe because only the home database writes it.

A tag is unique among assets that are not retired. There is deliberately no UNIQUE
constraint (the active-active data rules): services.py enforces it, checking inside the
registering transaction while holding a lock on the tag (see services._tag_lock).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from services.base.models import ServiceModel


class AssetState(models.TextChoices):
    AVAILABLE = "available", "available"
    CHECKED_OUT = "checked_out", "checked out"
    RETIRED = "retired", "retired"


class Asset(ServiceModel):
    tag = models.CharField(max_length=50, help_text="The label on the device, e.g. LAP-0042.")
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=50)
    state = models.CharField(
        max_length=12, choices=AssetState.choices, default=AssetState.AVAILABLE
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assets_held",
    )

    class Meta:
        ordering = ["tag", "id"]
        indexes = [
            models.Index(fields=["tag"]),
            models.Index(fields=["state", "category"]),
        ]

    def __str__(self) -> str:
        return f"{self.tag} {self.name}"


class Checkout(ServiceModel):
    """One lending of an asset: open until `returned_at` is set."""

    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="checkouts")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="asset_checkouts"
    )
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_out_at = models.DateTimeField(default=timezone.now)
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-checked_out_at", "-id"]
        indexes = [models.Index(fields=["asset", "returned_at"])]

    def __str__(self) -> str:
        return f"{self.asset_id} to {self.holder_id} at {self.checked_out_at:%Y-%m-%d %H:%M}"
