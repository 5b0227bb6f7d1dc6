"""Replication's own data: heartbeats, where home-node writes go, and applied requests."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from core.activeactive import VersionedModel, this_node_index


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
    declaring the home-node policy), made after `migrate` with PLATFORM_HOME_NODE_DEFAULT.
    Changed only by `move_home`, which fences the hand-over: while `moving_to` is set,
    every write of the service is refused (`home_moving`). Every home-node write reads
    this row on the database it writes to, under a shared lock held to its commit
    (replication/guard.py), so a fence applied on a database has drained it. Its writes
    go to the credential service's home, so the UNIQUE code cannot race.
    """

    code = models.SlugField(max_length=40, unique=True)
    home_node = models.PositiveSmallIntegerField(
        help_text="Node index whose database takes this service's home-node writes."
    )
    moving_to = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="While a move is under way: the new home; the service's writes wait.",
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


class RequestRecord(models.Model):
    """That an unsafe request was applied on this database, with the answer it got.

    Written in the request's own transaction, on the database that took its write
    (replication/exactly_once.py), and replicated, so a resend of the identical envelope
    gets the original answer on either node. The UNIQUE key holds `db_index`, the node
    index of the database the record was written on, and rows with that index are only
    ever inserted there: two databases never insert the same key, while two claims of one
    nonce on one database (two workers, or both nodes writing to a home database) meet
    it. The answer is the response exactly as sealed under the session key: no plaintext.
    """

    # A random key, not an auto-increment one: a node writes records on two databases (its
    # own, and a home database through the peer connection, which keeps this node's
    # auto-increment offset), so ids it picks on both could meet when they replicate.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    scope = models.CharField(max_length=32)
    nonce = models.CharField(max_length=24)
    db_index = models.PositiveSmallIntegerField()
    node_index = models.PositiveSmallIntegerField(
        default=this_node_index, help_text="The node that served the request."
    )
    at = models.DateTimeField(default=timezone.now)
    digest = models.CharField(max_length=64, help_text="SHA-256 naming the sealed request.")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    status = models.PositiveSmallIntegerField(null=True)
    answer_headers = models.JSONField(default=dict)
    answer_body = models.BinaryField(default=b"")
    effects = models.JSONField(
        default=list, help_text="Rows the request wrote: [model, pk, created]."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "nonce", "db_index"], name="replication_request_once_per_db"
            )
        ]
        indexes = [models.Index(fields=["db_index", "at"]), models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.method} {self.path} applied on database {self.db_index} at {self.at}"


class RequestRepair(models.Model):
    """Append-only: a request found applied on both databases, and what undid the extra one."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    scope = models.CharField(max_length=32)
    nonce = models.CharField(max_length=24)
    kept_db_index = models.PositiveSmallIntegerField()
    undone_db_index = models.PositiveSmallIntegerField()
    actions = models.JSONField(default=list)
    node = models.CharField(max_length=32)

    class Meta:
        indexes = [models.Index(fields=["scope", "nonce"])]

    def __str__(self) -> str:
        return f"double of {self.nonce} repaired at {self.at} on {self.node}"


class WriteClaim(models.Model):
    """A name a transaction claims by writing it, so that on Galera two transactions on two
    members that claim the same name cannot both commit: certification refuses the later.

    Galera certifies what a transaction *writes*; a row lock (`SELECT … FOR UPDATE`) holds
    on the member that took it only. A check that must hold cluster-wide ("this room is
    free then", "no asset carries this tag") claims its name first (`core/certified.py`).
    Written only when PLATFORM_DB_ENGINE=galera: on the pair, such checks run on their
    service's home database, where the row lock is enough, and a natural key written on
    both databases would stop replication (docs/ARCHITECTURE.md#rule-1).
    """

    name = models.CharField(max_length=100, primary_key=True)
    count = models.BigIntegerField(default=0)
    claimed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"claim {self.name} (#{self.count})"
