"""Client sessions: 256-bit random ids stored only as hashes, keys wrapped at rest.

A session ends at logout, on revocation, after its idle timeout or at its absolute
lifetime, whichever comes first; every node reads the same rows, so each rule holds on
both. `last_seen_at` is written at most once per CREDENTIAL_SESSION_TOUCH_SECONDS, so
ordinary requests do not write (the idle timeout is precise to that interval).

Each process keeps a resolved session for CREDENTIAL_SESSION_CACHE_SECONDS (1 s), as it
keeps grants: the lookup and key unwrap are most of a request's database cost. Expiry is
still checked on every request, and so is the node's own list of sessions ended here
(core/nodelocal.py): a logout or revocation made on this node holds on its next request
in every worker. One made on the other node holds here once replicated (the node leaves
the balancer's rotation when more than PLATFORM_MAX_LAG_MS behind) and this cache
entry has expired: within PLATFORM_MAX_LAG_MS + CREDENTIAL_SESSION_CACHE_SECONDS.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.activeactive import versioned_save, write_transaction
from core.crypto import atrest
from core.nodelocal import node_state
from credential.audit import Kind, audit
from credential.models import Session


class SessionError(Exception):
    code = "session_invalid"


class SessionInvalid(SessionError):
    code = "session_invalid"


class SessionExpired(SessionError):
    code = "session_expired"


def new_session_id() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


def _context(id_hash: str) -> bytes:
    return b"platform/session-key/" + id_hash.encode()


def session_create(*, user, key: bytes, client: dict, address: str | None) -> tuple[Session, str]:
    """A new session for `user` keyed with `key`; returns it and its (secret) id."""
    session_id = new_session_id()
    id_hash = hash_session_id(session_id)
    now = timezone.now()
    session = Session.objects.create(
        id_hash=id_hash,
        user=user,
        wrapped_key=atrest.wrap(settings.PLATFORM_MASTER_KEY, key, context=_context(id_hash)),
        expires_at=now + timedelta(seconds=settings.CREDENTIAL_SESSION_LIFETIME_SECONDS),
        idle_timeout_seconds=settings.CREDENTIAL_SESSION_IDLE_SECONDS,
        last_seen_at=now,
        client_app=str(client.get("app", ""))[:100],
        client_version=str(client.get("version", ""))[:50],
        client_machine=str(client.get("machine", ""))[:100],
        client_address=address,
    )
    return session, session_id


_cache: dict[str, tuple[float, Session, bytes]] = {}


def _load(id_hash: str) -> tuple[Session, bytes]:
    matches = list(Session.objects.select_related("user").filter(id_hash=id_hash)[:1])
    if not matches:
        raise SessionInvalid
    session = matches[0]
    key = atrest.unwrap(
        settings.PLATFORM_MASTER_KEY, bytes(session.wrapped_key), context=_context(id_hash)
    )
    return session, key


def session_resolve(session_id: str) -> tuple[Session, bytes]:
    """The live session behind `session_id` and its key; raises a SessionError."""
    id_hash = hash_session_id(session_id)
    cached = _cache.get(id_hash)
    if cached and time.monotonic() - cached[0] < settings.CREDENTIAL_SESSION_CACHE_SECONDS:
        session, key = cached[1], cached[2]
    else:
        session, key = _load(id_hash)
        _cache[id_hash] = (time.monotonic(), session, key)
        if len(_cache) > 10_000:
            _cache.clear()  # a crude bound; the next requests refill it
    if session.revoked_at is not None or not session.user.is_active:
        raise SessionInvalid
    if node_state().is_revoked(id_hash):  # ended on this node since this cache entry was made
        _cache.pop(id_hash, None)
        raise SessionInvalid
    now = timezone.now()
    if now >= session.ends_at():
        raise SessionExpired
    _touch(session, now)
    return session, key


def forget_cached_sessions() -> None:
    _cache.clear()


def _touch(session: Session, now) -> None:
    interval = timedelta(seconds=settings.CREDENTIAL_SESSION_TOUCH_SECONDS)
    if now - session.last_seen_at < interval:
        return
    # A plain UPDATE of one column: no version bump, and it commutes with a revocation
    # replicated from the other node (binlog_row_image=MINIMAL ships changed columns only).
    Session.objects.filter(pk=session.pk, last_seen_at__lt=now - interval).update(last_seen_at=now)
    session.last_seen_at = now


def session_revoke(session: Session, *, reason: str, by=None) -> bool:
    """End a session; returns False when it had already ended."""
    with write_transaction(Session):
        row = Session.objects.select_for_update().get(pk=session.pk)
        if row.revoked_at is not None:
            return False
        row.revoked_at = timezone.now()
        row.revoked_reason = reason[:40]
        versioned_save(row, fields=["revoked_at", "revoked_reason"])
    session.revoked_at, session.revoked_reason = row.revoked_at, row.revoked_reason
    # Every worker of this node refuses it from its next request, cache or not.
    node_state().revoke(session.id_hash)
    _cache.pop(session.id_hash, None)
    kind = Kind.LOGOUT if reason == "logout" else Kind.REVOKE
    audit(kind, user=session.user, session=session, reason=reason, by=getattr(by, "username", ""))
    return True


def sessions_revoke_for_user(user, *, reason: str, by=None) -> int:
    """Revoke every session of `user` that has not ended yet; returns how many."""
    return sum(
        session_revoke(session, reason=reason, by=by) for session in sessions_active_for_user(user)
    )


def sessions_active_for_user(user):
    now = timezone.now()
    return [
        s
        for s in Session.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now)
        if s.is_active(now)
    ]


def sessions_prunable(*, retention: timedelta):
    """Sessions this node created that were revoked, or passed their absolute lifetime,
    more than `retention` ago (an idle session always reaches its lifetime too)."""
    cutoff = timezone.now() - retention
    ended = Q(revoked_at__lt=cutoff) | Q(expires_at__lt=cutoff)
    return Session.objects.filter(ended, created_on_node=settings.PLATFORM_NODE_INDEX)
