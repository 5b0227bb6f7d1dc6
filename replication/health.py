"""Health checks (django-health-check 4.x).

Two endpoints, on purpose (docs/ARCHITECTURE.md): `/health/` is the load balancer's and
answers from **local facts only** — this node's own database reachable and writable,
server keys loaded, and its database not more than PLATFORM_MAX_LAG_MS behind what it has
received from its live peer — through connections that give up within a second, well
inside the balancer's check timeout. Nothing there asks the peer's database, so a dead,
stalled or black-holed peer can never fail both nodes' checks at once.
Replication health (threads, errors, the peer's heartbeat, clock skew) goes to
`/health/replication/`, for monitoring.

On Galera (PLATFORM_DB_ENGINE=galera) there is no peer and no lag: `/health/` asks the
member itself whether it is ready, Synced and in the primary component
(replication/galera.py), and writes nothing — a write would be a cluster operation, and
a stall every member shares (a crashed member not yet evicted, flow control) must not
fail every node's check at once. `/health/replication/` reports the cluster's size.

How far behind, in time: each database writes its node's heartbeat row five times a
second itself (an event, `replication.heartbeat`), and the row replicates. While this
database has received transactions from the peer it has not yet applied, the peer's
newest *applied* heartbeat is as old as that backlog; once the backlog is applied it is
fresh again. With no backlog the node is current with everything it has received,
however old the heartbeat (an idle, stopped or unreachable peer sends nothing).
"""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.db import DatabaseError, connections
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

from replication import clock, galera, lag
from replication.status import read_replica


def health_alias() -> str:
    """This node's own database, through the connection with short timeouts."""
    return "health" if "health" in settings.DATABASES else "default"


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

        alias = health_alias()
        if galera.enabled():
            return _galera_member_serving(alias)
        try:
            if connections[alias].vendor != "mysql":
                with connections[alias].cursor() as cursor:
                    cursor.execute("SELECT 1")
                return
            beat(alias=alias)
        except DatabaseError as exc:
            raise ServiceUnavailable("database not writable") from exc


def _galera_member_serving(alias: str) -> None:
    try:
        problem = galera.serving_problem(galera.member_state(alias))
    except DatabaseError as exc:
        raise ServiceUnavailable("database not answering") from exc
    if problem:
        raise ServiceUnavailable(problem)


@dataclasses.dataclass
class CaughtUpWithPeer(HealthCheck):
    """Out of rotation while this database is more than PLATFORM_MAX_LAG_MS behind the
    backlog it is applying from its peer (bounded staleness); local facts only."""

    timeout = datetime.timedelta(seconds=2)

    @_closing
    def run(self):
        if "peer" not in settings.DATABASES:
            return
        try:
            behind = lag.local_lag(health_alias())
        except DatabaseError as exc:
            raise ServiceUnavailable("database not answering") from exc
        if behind.backlog and behind.ms is not None and behind.ms > settings.PLATFORM_MAX_LAG_MS:
            raise ServiceUnavailable(f"{behind.ms:.0f} ms behind the peer (catching up)")


@dataclasses.dataclass
class ReplicationRunning(HealthCheck):
    """Both directions replicate without error (monitoring only)."""

    @_closing
    def run(self):
        if galera.enabled():
            return _galera_cluster_whole()
        if "peer" not in settings.DATABASES:
            raise ServiceUnavailable("no peer configured")
        for alias in ("default", "peer_fence"):
            try:
                replica = read_replica(alias)
            except DatabaseError as exc:
                raise ServiceUnavailable(f"{_name(alias)} database unreachable") from exc
            if not replica.healthy:
                raise ServiceUnavailable(
                    f"{_name(alias)}: IO {replica.io_running or '-'} SQL "
                    f"{replica.sql_running or '-'} error "
                    f"{replica.last_sql_errno or replica.last_io_errno}"
                )


def _galera_cluster_whole() -> None:
    try:
        state = galera.member_state(health_alias())
    except DatabaseError as exc:
        raise ServiceUnavailable("this node's database unreachable") from exc
    problem = galera.serving_problem(state)
    if problem:
        raise ServiceUnavailable(problem)
    if state.cluster_size < settings.PLATFORM_NODE_COUNT:
        raise ServiceUnavailable(
            f"{state.cluster_size} of {settings.PLATFORM_NODE_COUNT} members in the cluster"
        )


def _name(alias: str) -> str:
    return "this node's" if alias == "default" else "the peer's"


@dataclasses.dataclass
class PeerHeartbeatFresh(HealthCheck):
    """The peer's heartbeat, as replicated here, is recent (monitoring only)."""

    @_closing
    def run(self):
        if galera.enabled():
            return  # no peer heartbeat: members are in step or out of the primary component
        age = lag.local_lag(health_alias()).heartbeat_age_ms
        if age is None or age > settings.PLATFORM_MAX_HEARTBEAT_AGE_MS:
            raise ServiceUnavailable(f"peer heartbeat age {age} ms")


@dataclasses.dataclass
class ClockSkewBounded(HealthCheck):
    """This node's clock within PLATFORM_MAX_CLOCK_SKEW_MS of its own database's and the
    peer database's (monitoring only; `clock_skew`, docs/ARCHITECTURE.md#rule-11)."""

    @_closing
    def run(self):
        found = clock.problems(clock.skews())
        if found:
            raise ServiceUnavailable("; ".join(found))
