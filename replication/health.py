"""Health checks (django-health-check 4.x).

Two endpoints, on purpose (docs/ARCHITECTURE.md): `/health/` is the load balancer's and
holds only what should take *this* node out of rotation — its own database reachable
and writable, server keys loaded, and, while its database is still applying a backlog
from the peer, that backlog caught up (so a node coming back is re-admitted only when
current). Replication health and lag go to `/health/replication/`, for monitoring: a
fault both nodes share (replication broken, the peer down) must never take both out.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.db import DatabaseError, connections
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from replication.setup import gtid_positions
from replication.status import read_replica


def _closing(func):
    """Checks run in worker threads; each closes the connections its thread opened."""

    def run(self):
        try:
            return func(self)
        finally:
            connections.close_all()

    return run


@dataclasses.dataclass
class DatabaseWritable(HealthCheck):
    """This node's own database answers and takes a write (its replicated heartbeat)."""

    timeout = datetime.timedelta(seconds=2)

    @_closing
    def run(self):
        from replication.heartbeat import beat

        if connections["default"].vendor != "mysql":
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT 1")
            return
        try:
            beat()
        except DatabaseError as exc:
            raise ServiceUnavailable("database not writable") from exc


@dataclasses.dataclass
class CaughtUpWithPeer(HealthCheck):
    """While this database applies a backlog from the peer, stay out until it is done.

    Only an *active* catch-up counts: replication threads running and more than
    PLATFORM_READMIT_MAX_BEHIND of the peer's transactions not yet applied. A stopped
    replica or an unreachable peer does not take this node out.
    """

    @_closing
    def run(self):
        if "peer" not in settings.DATABASES:
            return
        try:
            behind = transactions_behind()
        except DatabaseError:
            return  # the peer is unreachable: not this node's fault
        if behind is not None and behind > settings.PLATFORM_READMIT_MAX_BEHIND:
            raise ServiceUnavailable(f"catching up with the peer ({behind} transactions behind)")


def _global(alias: str, name: str):
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT @@global.{name}")
        return cursor.fetchone()[0]


def transactions_behind() -> int | None:
    """How many of the peer's own transactions this database has yet to apply (None: idle)."""
    replica = read_replica("default")
    if not replica.healthy:
        return None
    domain = int(_global("peer", "gtid_domain_id"))
    written = gtid_positions(_global("peer", "gtid_binlog_pos")).get(domain, 0)
    applied = gtid_positions(_global("default", "gtid_slave_pos")).get(domain, 0)
    return max(0, written - applied)


@dataclasses.dataclass
class ReplicationRunning(HealthCheck):
    """Both directions replicate without error (monitoring only)."""

    @_closing
    def run(self):
        if "peer" not in settings.DATABASES:
            raise ServiceUnavailable("no peer configured")
        for alias in ("default", "peer"):
            try:
                replica = read_replica(alias)
            except DatabaseError as exc:
                raise ServiceUnavailable(f"{alias} database unreachable") from exc
            if not replica.healthy:
                raise ServiceUnavailable(
                    f"{alias}: IO {replica.io_running or '-'} SQL {replica.sql_running or '-'} "
                    f"error {replica.last_sql_errno or replica.last_io_errno}"
                )


@dataclasses.dataclass
class PeerHeartbeatFresh(HealthCheck):
    """The peer's heartbeat, as replicated here, is recent (monitoring only)."""

    @_closing
    def run(self):
        from replication.status import read_server

        peer_index = 2 if settings.PLATFORM_NODE_INDEX == 1 else 1
        server = read_server("default", peer_index=peer_index)
        age = server.heartbeat_age_ms
        if age is None or age > settings.PLATFORM_MAX_HEARTBEAT_AGE_MS:
            raise ServiceUnavailable(f"peer heartbeat age {age} ms")
