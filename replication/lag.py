"""How far this node's database is behind its peer, from local facts only.

The peer's database writes its heartbeat row five times a second (see
`replication.heartbeat`), so the newest heartbeat this database has *applied* is as old as
the part of the peer's history it has yet to apply. That is counted only while the
stream is live and being applied (both replication threads running) and something
received from the peer is still unapplied (its GTID sequence received is ahead of the one
applied): then the node is genuinely catching up. With nothing unapplied the node is
current with all it has received, however old the heartbeat looks — a stopped, stalled
or unreachable peer sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import connections

from replication.setup import gtid_positions
from replication.status import ReplicaState, read_replica


def peer_index() -> int:
    """The other node of the pair (nodes are numbered 1 and 2)."""
    return 2 if settings.PLATFORM_NODE_INDEX == 1 else 1


def peer_domain() -> int:
    # Each node's database logs in its own GTID domain, numbered as the node
    # (deploy/mariadb/node.cnf.template: gtid_domain_id = node index).
    return peer_index()


@dataclass(frozen=True)
class LocalLag:
    replica: ReplicaState
    received_seq: int
    applied_seq: int
    heartbeat_age_ms: float | None

    @property
    def backlog(self) -> bool:
        """Received from the live peer and still being applied."""
        return self.replica.healthy and self.received_seq > self.applied_seq

    @property
    def ms(self) -> float | None:
        """How far behind, in milliseconds (0 with no backlog; None when unknown)."""
        if not self.backlog:
            return 0.0
        return self.heartbeat_age_ms


def local_lag(alias: str = "default") -> LocalLag:
    replica = read_replica(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT @@global.gtid_slave_pos, (SELECT TIMESTAMPDIFF(MICROSECOND, beat_at, "
            "UTC_TIMESTAMP(6)) FROM replication_heartbeat WHERE node_index = %s)",
            [peer_index()],
        )
        applied_pos, age_us = cursor.fetchone()
    domain = peer_domain()
    return LocalLag(
        replica=replica,
        received_seq=gtid_positions(replica.gtid_io_pos).get(domain, 0),
        applied_seq=gtid_positions(applied_pos).get(domain, 0),
        heartbeat_age_ms=None if age_us is None else age_us / 1000,
    )
