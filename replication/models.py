"""Replication's own data: one heartbeat row per node, written only by that node."""

from __future__ import annotations

from django.db import models


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
