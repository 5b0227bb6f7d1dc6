"""Replication's own data: the heartbeats, and where each service's home-node writes go."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from core.activeactive import VersionedModel


class Heartbeat(models.Model):
    """A node's heartbeat; it replicates to the peer, where its age measures the lag.

    Only the node named by `node_index` inserts or updates its row, so the two nodes
    never write the same row, and the key (the node's own index) is one only that node
    ever picks.
    """

    node_index = models.PositiveSmallIntegerField(primary_key=True)
    node = models.CharField(max_length=32)
    beat_at = models.DateTimeField()
    seq = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"heartbeat of node {self.node} (#{self.seq})"


class ServiceHome(VersionedModel):
    """Which node's database takes a service's home-node writes.

    One row per service that has home-node data (the credential service and the services
    declaring the home-node policy); a service with no row uses
    PLATFORM_HOME_NODE_DEFAULT. Changed only by `move_home`, which fences the hand-over.
    Its writes go to the credential service's home, so the UNIQUE code cannot race.
    """

    code = models.SlugField(max_length=40, unique=True)
    home_node = models.PositiveSmallIntegerField(
        help_text="Node index whose database takes this service's home-node writes."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} → node {self.home_node}"


class HomeChange(models.Model):
    """Append-only history of home moves: who, when, from which node to which."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    code = models.CharField(max_length=40, db_index=True)
    from_node = models.PositiveSmallIntegerField()
    to_node = models.PositiveSmallIntegerField()
    actor = models.CharField(max_length=150)
    node = models.CharField(max_length=32, help_text="The node the move was made on.")

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.code}: node {self.from_node} → {self.to_node} by {self.actor}"
