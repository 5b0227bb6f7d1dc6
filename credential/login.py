"""Login: lockout, password check, session creation, audit — in that order.

The same answer in about the same time whether or not the user exists: Django's model
backend runs the password hasher for unknown users too, and both paths record the
attempt and the audit event the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate

from core.errors import ErrorCode
from credential.audit import Kind, audit
from credential.grants import grants_payload
from credential.lockout import attempt_record, lockout_check
from credential.metrics import LOGINS
from credential.sessions import session_create


@dataclass(frozen=True)
class LoginOutcome:
    """A session (`body` is the login answer) or a refusal (`error`, maybe `retry_after`)."""

    body: dict | None = None
    session: object = None
    error: ErrorCode | None = None
    retry_after: int | None = None


def user_payload(user) -> dict:
    return {
        "id": user.pk,
        "username": user.get_username(),
        "display_name": user.get_full_name() or user.get_username(),
        "groups": sorted(user.groups.values_list("name", flat=True)),
    }


def session_payload(session, session_id: str, user) -> dict:
    return {
        "session_id": session_id,
        "expires_at": session.expires_at.isoformat().replace("+00:00", "Z"),
        "idle_timeout_seconds": session.idle_timeout_seconds,
        "node": settings.PLATFORM_NODE,
        "user": user_payload(user),
        "grants": grants_payload(user),
    }


def login(
    *, username: str, password: str, client: dict, address: str | None, key: bytes
) -> LoginOutcome:
    """Check the credentials and open a session keyed with `key` (the client's K)."""
    lock = lockout_check(username=username, address=address)
    if lock is not None:
        LOGINS.labels("locked_out").inc()
        audit(Kind.LOGIN_LOCKED, username=username, address=address, scope=lock.reason)
        return LoginOutcome(error=ErrorCode.LOCKED_OUT, retry_after=lock.retry_after_seconds)
    user = authenticate(None, username=username, password=password)
    attempt_record(username=username, address=address, succeeded=user is not None)
    if user is None:
        LOGINS.labels("invalid_credentials").inc()
        audit(Kind.LOGIN_FAILED, username=username, address=address)
        return LoginOutcome(error=ErrorCode.INVALID_CREDENTIALS)
    LOGINS.labels("ok").inc()
    session, session_id = session_create(user=user, key=key, client=client, address=address)
    audit(Kind.LOGIN_OK, user=user, address=address, session=session, client=client)
    return LoginOutcome(body=session_payload(session, session_id, user), session=session)
