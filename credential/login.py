"""Login: lockout, password check, session creation, audit — in that order.

The same answer in about the same time whether or not the user exists: Django's model
backend runs the password hasher for unknown users too, and both paths record the
attempt and the audit event the same way. `password_check` is the part the admin's
sign-in shares (credential/admin_login.py): one lockout and one trail for both doors.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate

from core.errors import ErrorCode
from credential.audit import Kind, audit
from credential.grants import grants_payload
from credential.lockout import Lock, attempt_begin, attempt_succeeded, login_name
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


@dataclass(frozen=True)
class PasswordCheck:
    """The user whose password was right, or None; `lock` when the attempt was refused."""

    user: object = None
    lock: Lock | None = None


def password_check(
    *, username: str, password: str, address: str | None, via: str, request=None
) -> PasswordCheck:
    """The lockout gate, then the password; failures and refusals are audited here.

    The attempt is recorded before the password is checked (credential/lockout.py), and
    the trail names the account only when `username` names one (`login_name`).
    """
    name = login_name(username)
    gate = attempt_begin(name=name, address=address, via=via)
    if isinstance(gate, Lock):
        audit(Kind.LOGIN_LOCKED, username=name, address=address, scope=gate.reason, via=via)
        return PasswordCheck(lock=gate)
    user = authenticate(request, username=username, password=password)
    if user is None:
        audit(Kind.LOGIN_FAILED, username=name, address=address, via=via)
        return PasswordCheck()
    attempt_succeeded(gate)
    return PasswordCheck(user=user)


def login(
    *, username: str, password: str, client: dict, address: str | None, key: bytes
) -> LoginOutcome:
    """Check the credentials and open a session keyed with `key` (the client's K)."""
    check = password_check(username=username, password=password, address=address, via="api")
    if check.lock is not None:
        LOGINS.labels("locked_out").inc()
        return LoginOutcome(error=ErrorCode.LOCKED_OUT, retry_after=check.lock.retry_after_seconds)
    user = check.user
    if user is None:
        LOGINS.labels("invalid_credentials").inc()
        return LoginOutcome(error=ErrorCode.INVALID_CREDENTIALS)
    LOGINS.labels("ok").inc()
    session, session_id = session_create(user=user, key=key, client=client, address=address)
    audit(Kind.LOGIN_OK, user=user, address=address, session=session, client=client, via="api")
    return LoginOutcome(body=session_payload(session, session_id, user), session=session)
