"""The security audit trail: append-only events that never carry a secret."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.conf import settings
from django.db import DatabaseError

from core.nodelocal import node_state
from credential.models import AuditEvent

logger = logging.getLogger("platform.audit")
Kind = AuditEvent.Kind


def audit(
    kind: str,
    *,
    user=None,
    username: str = "",
    address: str | None = None,
    session=None,
    **detail,
) -> None:
    """Record one event; a failure to record is logged, never raised into the request."""
    event = AuditEvent(
        kind=kind,
        user_id_ref=getattr(user, "pk", None),
        username=(getattr(user, "username", "") or username)[:150],
        client_address=address or None,
        session_ref=getattr(session, "short_ref", ""),
        node=settings.PLATFORM_NODE,
        detail=detail,
    )
    try:
        event.save()
    except DatabaseError:
        logger.exception("audit event not recorded", extra={"audit_kind": kind})
    logger.info(
        "audit",
        extra={"audit_kind": kind, "username": event.username, "session": event.session_ref},
    )


# Failures before a request is authenticated cost nothing to send: each source gets one
# audit row when it starts failing in a window, and one with the count when the window
# closes, never one per request.
FAILURE_WINDOW_SECONDS = 60


def audit_failure(kind: str, *, address: str | None, path: str) -> None:
    """Audit an unauthenticated failure from `address`, aggregated per source and window."""
    count, finished = node_state().tally(
        f"{kind}|{address or '-'}", window_seconds=FAILURE_WINDOW_SECONDS
    )
    if finished is not None and finished[1] > 1:
        since = datetime.fromtimestamp(finished[0], UTC).isoformat()
        audit(kind, address=address, count=finished[1], since=since, aggregated=True)
    if count == 1:
        audit(kind, address=address, path=path[:200], count=1)
