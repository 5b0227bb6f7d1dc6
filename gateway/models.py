"""Gateway data: the nonces already seen, for replay protection."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from platform_site.activeactive import this_node_index


class SeenNonce(models.Model):
    """A request nonce used with one key.

    The UNIQUE key includes the node index, so each node only ever inserts into its own
    part of the key space: two workers of one node racing with one nonce collide here
    (one wins), while rows arriving from the other node can never conflict and stop
    replication. The other node's rows are found by the (scope, nonce) prefix.
    """

    scope = models.CharField(max_length=32)
    nonce = models.CharField(max_length=24)
    node_index = models.PositiveSmallIntegerField(default=this_node_index)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "nonce", "node_index"], name="gateway_nonce_once_per_node"
            )
        ]
        indexes = [models.Index(fields=["node_index", "seen_at"])]

    def __str__(self) -> str:
        return f"nonce {self.nonce} ({self.scope[:8]}…) on node {self.node_index}"
