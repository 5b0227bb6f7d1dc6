"""The operations dashboard's snapshot: health, replication, routes, sessions, audit.

Each section is built in its own thread, with its own database connections, under one
deadline: a slow or failing source (the peer's database during a partition, say) shows
as an error in its own section while the rest of the page stays live. Nothing here
carries a secret: sessions appear only by their 12-character `short_ref`, and no key,
session id or hash of one is ever read into the snapshot.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import DatabaseError, connections
from django.urls import reverse
from django.utils import timezone
from health_check.exceptions import HealthCheckException

from core import registry
from credential.health import KeysLoaded
from credential.models import AuditEvent, Session
from gateway.admin import conflict_policy
from gateway.breaker import BREAKER_STATES, CLOSED
from gateway.metrics import breaker_states
from gateway.models import ServiceRoute
from gateway.routing import routes
from replication import health
from replication.homes import homes
from replication.models import Heartbeat
from replication.status import config_problems, probe_lag_ms, read_replica, read_server

logger = logging.getLogger("platform.ops")

POLL_SECONDS = 2.0
SECTION_TIMEOUT_SECONDS = 4.0
# Two probes in a row must fit in the section's deadline.
PROBE_TIMEOUT_SECONDS = 1.5
RECENT = 20
NODE_CHECKS = (health.DatabaseWritable, KeysLoaded, health.CaughtUpWithPeer)
PEER_CHECKS = (health.ReplicationRunning, health.PeerHeartbeatFresh)
# What the page calls recent sign-in events: the trail's admin changes have their own list.
AUTH_KINDS = (
    AuditEvent.Kind.LOGIN_OK,
    AuditEvent.Kind.LOGIN_FAILED,
    AuditEvent.Kind.LOGIN_LOCKED,
    AuditEvent.Kind.LOGOUT,
    AuditEvent.Kind.REVOKE,
    AuditEvent.Kind.USER_DEACTIVATED,
    AuditEvent.Kind.DECRYPT_FAILED,
    AuditEvent.Kind.REPLAY,
    AuditEvent.Kind.PERMISSION_DENIED,
    AuditEvent.Kind.KEY_CHANGED,
)
# The admin pages that act on what the page shows.
ADMIN_PAGES = {
    "routes": "admin:gateway_serviceroute_changelist",
    "sessions": "admin:credential_session_changelist",
    "keys": "admin:credential_serverkey_changelist",
    "audit": "admin:credential_auditevent_changelist",
    "users": "admin:auth_user_changelist",
}


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:200]


def _peer_index() -> int:
    return 2 if settings.PLATFORM_NODE_INDEX == 1 else 1


def _has_peer() -> bool:
    return "peer" in settings.DATABASES


def _closing(build):
    """Run in a worker thread: build one section, then close the thread's connections."""
    try:
        return build()
    finally:
        connections.close_all()


def build_snapshot() -> dict:
    """Every section of the dashboard; a section that fails holds only `error`."""
    started = time.perf_counter()
    sections = run_guarded(SECTIONS, timeout=SECTION_TIMEOUT_SECONDS)
    return {
        "this_node": {"name": settings.PLATFORM_NODE, "index": settings.PLATFORM_NODE_INDEX},
        "admin": {name: reverse(view) for name, view in ADMIN_PAGES.items()},
        "generated_at": timezone.now(),
        **sections,
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def run_guarded(builders: dict, *, timeout: float) -> dict:
    """Run each builder in its own thread; a failure or a late answer becomes `error`."""
    pool = ThreadPoolExecutor(max_workers=len(builders), thread_name_prefix="ops")
    futures = {name: pool.submit(_closing, build) for name, build in builders.items()}
    deadline = time.monotonic() + timeout
    try:
        return {name: _outcome(name, future, deadline) for name, future in futures.items()}
    finally:
        # A late section finishes on its own and closes its connections; nobody waits.
        pool.shutdown(wait=False, cancel_futures=True)


def _outcome(name: str, future, deadline: float) -> dict:
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        return {"error": f"no answer within {SECTION_TIMEOUT_SECONDS:g} s"}
    except Exception as exc:
        logger.warning("ops dashboard section %s failed", name, exc_info=True)
        return {"error": _describe(exc)}


def run_check(check_class) -> dict:
    """One health check, run as the health endpoints run it, as a row of the page."""
    name = check_class.__name__
    try:
        check_class().run()
    except HealthCheckException as exc:
        return {"name": name, "ok": False, "message": str(exc.message)}
    except Exception as exc:
        return {"name": name, "ok": False, "message": _describe(exc)}
    return {"name": name, "ok": True, "message": "working"}


def database_summary(alias: str, *, node_index: int, heartbeat_of: int | None) -> dict:
    """Identity and configuration of one database server; `heartbeat_of` whose beat to age."""
    connection = connections[alias]
    if connection.vendor != "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"reachable": True, "vendor": connection.vendor}
    server = read_server(alias, peer_index=heartbeat_of)
    if not server.reachable:
        return {"reachable": False, "vendor": "mysql", "error": server.error}
    count = settings.PLATFORM_NODE_COUNT
    return {
        "reachable": True,
        "vendor": "mysql",
        "version": server.version,
        "server_id": server.server_id,
        "gtid_domain_id": server.gtid_domain_id,
        "auto_increment": f"{server.auto_increment_offset}/{server.auto_increment_increment}",
        "gtid_binlog_pos": server.gtid_binlog_pos,
        "gtid_slave_pos": server.gtid_slave_pos,
        "heartbeat_age_ms": server.heartbeat_age_ms,
        "problems": config_problems(server, node_index=node_index, node_count=count),
    }


def peer_name() -> str:
    """The peer's name as its replicated heartbeat row gives it."""
    rows = Heartbeat.objects.filter(node_index=_peer_index()).values_list("node", flat=True)
    try:
        name = rows.first()
    except DatabaseError:
        name = None
    return name or f"node {_peer_index()}"


def node_health() -> dict:
    checks = [run_check(check) for check in NODE_CHECKS]
    return {
        "name": settings.PLATFORM_NODE,
        "index": settings.PLATFORM_NODE_INDEX,
        "ok": all(check["ok"] for check in checks),
        "checks": checks,
        "database": guarded_summary(
            "default",
            node_index=settings.PLATFORM_NODE_INDEX,
            heartbeat_of=_peer_index() if _has_peer() else None,
        ),
    }


def guarded_summary(alias: str, **kwargs) -> dict:
    """The database's summary, or what kept it from being read (a monitoring privilege
    missing, say), without hiding the node's checks beside it."""
    try:
        return database_summary(alias, **kwargs)
    except DatabaseError as exc:
        return {"error": f"not readable: {_describe(exc)}"}


def peer_health() -> dict:
    if not _has_peer():
        return {"configured": False}
    checks = [run_check(check) for check in PEER_CHECKS]
    return {
        "configured": True,
        "name": peer_name(),
        "index": _peer_index(),
        "ok": all(check["ok"] for check in checks),
        "checks": checks,
        "database": guarded_summary(
            "peer", node_index=_peer_index(), heartbeat_of=settings.PLATFORM_NODE_INDEX
        ),
    }


def replication() -> dict:
    """Both directions: this node's database to the peer's ("out") and back ("in")."""
    if not _has_peer():
        return {"configured": False, "directions": []}
    me, peer, me_index = settings.PLATFORM_NODE, peer_name(), settings.PLATFORM_NODE_INDEX
    out = {"key": "out", "from": me, "to": peer}
    back = {"key": "in", "from": peer, "to": me}
    return {
        "configured": True,
        "directions": [
            direction(out, writer=("default", me_index), replica_alias="peer"),
            direction(back, writer=("peer", _peer_index()), replica_alias="default"),
        ],
    }


def direction(entry: dict, *, writer: tuple[str, int], replica_alias: str) -> dict:
    """One direction's replica threads, and its lag by an active heartbeat probe."""
    entry = {**entry, "running": False, "lag_ms": None}
    writer_alias, writer_index = writer
    try:
        replica = read_replica(replica_alias)
        lag = None
        if replica.healthy:
            lag = probe_lag_ms(
                writer_alias=writer_alias,
                reader_alias=replica_alias,
                node_index=writer_index,
                timeout=PROBE_TIMEOUT_SECONDS,
            )
    except Exception as exc:
        return {**entry, "error": _describe(exc)}
    return {
        **entry,
        "configured": replica.configured,
        "running": replica.healthy,
        "io_running": replica.io_running,
        "sql_running": replica.sql_running,
        "last_error": _last_error(replica),
        "using_gtid": replica.using_gtid,
        "seconds_behind": replica.seconds_behind,
        "lag_ms": None if lag is None else round(lag, 3),
        "lag_timed_out": replica.healthy and lag is None,
    }


def _last_error(replica) -> str:
    if replica.last_sql_errno:
        return f"SQL {replica.last_sql_errno}: {replica.last_sql_error}"[:300]
    if replica.last_io_errno:
        return f"IO {replica.last_io_errno}: {replica.last_io_error}"[:300]
    return ""


def routing_table() -> dict:
    states = breaker_states()
    pks = dict(ServiceRoute.objects.values_list("code", "pk"))
    rows = [
        route_row(route, states.get(route.code, []), pks.get(route.code)) for route in routes.all()
    ]
    return {"count": len(rows), "routes": rows}


def route_row(route, workers: list[tuple[str, str]], pk: int | None = None) -> dict:
    worst = max((state for _, state in workers), key=BREAKER_STATES.get, default=CLOSED)
    return {
        "code": route.code,
        "admin_url": reverse("admin:gateway_serviceroute_change", args=[pk]) if pk else None,
        "display_name": route.display_name,
        "enabled": route.enabled,
        "maintenance": route.maintenance,
        "policy": conflict_policy(route),
        "home_node": homes.home_node(route.code) if _has_home(route.code) else "—",
        "breaker": worst,
        "breakers": [{"worker": worker, "state": state} for worker, state in workers],
    }


def _has_home(code: str) -> bool:
    config = registry.service(code)
    return bool(config and config.has_home)


def active_sessions() -> dict:
    """How many sessions are live, and the most recently seen of them."""
    now = timezone.now()
    candidates = (
        Session.objects.filter(revoked_at__isnull=True, expires_at__gt=now)
        .select_related("user")
        .order_by("-last_seen_at")
    )
    count, recent = 0, []
    # The idle timeout is per row, so the exact rule is Session.is_active's, in Python.
    for session in candidates.iterator(chunk_size=500):
        if session.is_active(now):
            count += 1
            if len(recent) < RECENT:
                recent.append(session_row(session))
    return {"count": count, "recent": recent}


def session_row(session: Session) -> dict:
    return {
        "ref": session.short_ref,
        "user": session.user.get_username(),
        "user_url": reverse("admin:auth_user_change", args=[session.user_id]) + "#sessions",
        "client_app": session.client_app,
        "client_version": session.client_version,
        "machine": session.client_machine,
        "address": session.client_address,
        "last_seen_at": session.last_seen_at,
        "ends_at": session.ends_at(),
        "node": session.created_on_node,
    }


def recent_audit() -> dict:
    """The latest sign-in, session and key events (admin changes are in the admin's trail)."""
    events = AuditEvent.objects.filter(kind__in=AUTH_KINDS).order_by("-at")[:RECENT]
    return {"events": [audit_row(event) for event in events]}


def audit_row(event: AuditEvent) -> dict:
    return {
        "at": event.at,
        "kind": event.kind,
        "label": event.get_kind_display(),
        "username": event.username,
        "user_url": (
            reverse("admin:auth_user_change", args=[event.user_id_ref])
            if event.user_id_ref
            else None
        ),
        "address": event.client_address,
        "session_ref": event.session_ref,
        "node": event.node,
        "detail": json.dumps(event.detail, sort_keys=True, default=str)[:200],
    }


SECTIONS = {
    "node_health": node_health,
    "peer_health": peer_health,
    "replication": replication,
    "routes": routing_table,
    "sessions": active_sessions,
    "audit": recent_audit,
}
