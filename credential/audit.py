"""The security audit trail: append-only events that never carry a secret."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError

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
