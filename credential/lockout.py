"""Login lockout per login name and per client address, from append-only attempts.

Failures are counted inside a sliding window (CREDENTIAL_LOCKOUT_WINDOW_SECONDS);
reaching a threshold locks for CREDENTIAL_LOCKOUT_SECONDS after the last failure. A
success resets the name's count; an unlock marker (`lockout_clear`) resets the name's or
the address's count. Both the API login and the admin's sign-in go through
`attempt_begin`, so one store and one count cover both.

Atomic per node: an attempt is *recorded before its password is checked* (as a failure
until `attempt_succeeded`), and the count and that insert take turns (credential/turns.py):
of any number of concurrent guesses on one node, at most the threshold reach the
password hasher in a window. A locked attempt records nothing, so it cannot extend the
lock.

Across nodes: attempts are plain inserts (auto-increment keys, odd/even by node) and an
unlock is an inserted marker, never a delete, so both nodes may write and replication
never conflicts. No UNIQUE key, no row both nodes update. Each node counts the other's
attempts once they have replicated (sub-millisecond on a healthy pair): guesses spread
over both nodes at the same instant, or during a partition, may reach the hasher up to
the threshold on each node — at most PLATFORM_NODE_COUNT times the threshold per window
(docs/SECURITY.md).

What is typed as a username is stored only when it names an account (`login_name`);
anything else becomes a keyed hash, which still groups the attempts for the per-name lock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from credential.audit import Kind as AuditKind
from credential.audit import audit
from credential.models import LoginAttempt
from credential.turns import TurnBusy, attempts_alias, taking_turns

UNKNOWN_PREFIX = "unknown:"
Kind = LoginAttempt.Kind


@dataclass(frozen=True)
class Lock:
    reason: str  # "user", "address", or "busy" (no turn within the wait)
    retry_after_seconds: int


@dataclass(frozen=True)
class Attempt:
    """A recorded attempt whose password may now be checked."""

    pk: int
    alias: str


@dataclass(frozen=True)
class ScopeState:
    """One counter of the lockout: a login name's or a client address's."""

    subject: str
    failures: int  # failures in the window since the last reset
    locked_until: datetime | None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


@dataclass(frozen=True)
class LockoutState:
    """What the lockout holds about one login name, for the admin and the command."""

    name: str  # the name attempts are recorded under (see login_name)
    user: ScopeState
    addresses: tuple[ScopeState, ...]  # each address this name failed from in the window

    @property
    def locked(self) -> bool:
        return self.user.locked or any(a.locked for a in self.addresses)


def login_name(typed: str) -> str:
    """The name attempts, audit events and logs record for what was typed as a username.

    The account's own username when `typed` names one (looked up as authentication looks
    it up, so on MariaDB "Alice" and "alice" share one count); otherwise `unknown:` and a
    64-bit HMAC of it under SECRET_KEY — the same on every node, so it groups one
    stranger's attempts without keeping what was typed (maybe a password).
    """
    model = get_user_model()
    found = model._default_manager.filter(**{model.USERNAME_FIELD: typed})
    username = found.values_list(model.USERNAME_FIELD, flat=True).first()
    if username is not None:
        return username
    tag = salted_hmac("credential.lockout.login_name", typed, algorithm="sha256").hexdigest()
    return UNKNOWN_PREFIX + tag[:16]


def attempt_begin(*, name: str, address: str | None, via: str) -> Attempt | Lock:
    """Record an attempt for `name` from `address`, or refuse it with the lock that applies.

    Call it before checking the password, and `attempt_succeeded` after a good one.
    """
    alias = attempts_alias()
    if not settings.CREDENTIAL_LOCKOUT_ENABLED:
        return _record(alias, name, address, via)
    try:
        with taking_turns(alias, name, address):
            lock = _lock_for(alias, name, address, timezone.now())
            return lock if lock is not None else _record(alias, name, address, via)
    except TurnBusy:
        return Lock("busy", 1)


def attempt_succeeded(attempt: Attempt) -> None:
    """Mark the attempt's password as right: the name's count starts again after it."""
    LoginAttempt.objects.using(attempt.alias).filter(pk=attempt.pk).update(succeeded=True)


def lockout_check(*, name: str, address: str | None) -> Lock | None:
    """The lock that would apply to an attempt now (a read; records nothing)."""
    if not settings.CREDENTIAL_LOCKOUT_ENABLED:
        return None
    return _lock_for(attempts_alias(), name, address, timezone.now())


def lockout_state(username: str, *, address: str | None = None) -> LockoutState:
    """The lockout state of `username` (typed as at login): its own count, and the count of
    each address it failed from within the window (and of `address`, if given), each with
    when its lock ends. For the admin's user page and `credential_unlock`."""
    name, now = login_name(username), timezone.now()
    alias, since = attempts_alias(), _since(now)
    user_failures = _name_failures(alias, name, since)
    addresses = {a for a in user_failures.values_list("client_address", flat=True) if a}
    addresses |= {address} if address else set()
    address_limit = settings.CREDENTIAL_LOCKOUT_ADDRESS_FAILURES
    return LockoutState(
        name=name,
        user=_scope(name, user_failures, settings.CREDENTIAL_LOCKOUT_USER_FAILURES, now),
        addresses=tuple(
            _scope(a, _address_failures(alias, a, since), address_limit, now)
            for a in sorted(addresses)
        ),
    )


def lockout_clear(*, username: str | None = None, address: str | None = None, by=None) -> str:
    """Unlock `username` (typed as at login) and/or `address`; returns the name cleared.

    Appends one unlock marker: counting starts again after it, on every node once it has
    replicated. Attempts are never deleted (a delete of a row the other node may prune
    too would stop replication). Audited as `login_unlocked` with who did it (`by`: a
    user, or None for a command). For the admin's unlock action and `credential_unlock`.
    """
    if not username and not address:
        raise ValueError("give a username, an address, or both")
    name = login_name(username) if username else ""
    LoginAttempt.objects.using(attempts_alias()).create(
        kind=Kind.UNLOCK,
        username=name,
        client_address=address or None,
        succeeded=None,
        via="admin" if by is not None else "command",
    )
    by_name = getattr(by, "username", "") if by is not None else "command"
    audit(AuditKind.LOGIN_UNLOCKED, username=name, address=address, by=by_name)
    return name


def _record(alias: str, name: str, address: str | None, via: str) -> Attempt:
    row = LoginAttempt.objects.using(alias).create(
        username=name[:150], client_address=address, succeeded=False, via=via
    )
    return Attempt(pk=row.pk, alias=alias)


def _lock_for(alias: str, name: str, address: str | None, now) -> Lock | None:
    since = _since(now)
    limit = settings.CREDENTIAL_LOCKOUT_USER_FAILURES
    lock = _lock_from(_name_failures(alias, name, since), limit, "user", now)
    if lock is None and address:
        limit = settings.CREDENTIAL_LOCKOUT_ADDRESS_FAILURES
        lock = _lock_from(_address_failures(alias, address, since), limit, "address", now)
    return lock


def _since(now) -> datetime:
    return now - timedelta(seconds=settings.CREDENTIAL_LOCKOUT_WINDOW_SECONDS)


def _failures_after_reset(rows: QuerySet, resets: Q) -> QuerySet:
    last_reset = rows.filter(resets).aggregate(at=Max("at"))["at"]
    failures = rows.filter(kind=Kind.PASSWORD, succeeded=False)
    return failures if last_reset is None else failures.filter(at__gt=last_reset)


def _name_failures(alias: str, name: str, since) -> QuerySet:
    rows = LoginAttempt.objects.using(alias).filter(username=name, at__gte=since)
    return _failures_after_reset(rows, Q(kind=Kind.UNLOCK) | Q(succeeded=True))


def _address_failures(alias: str, address: str, since) -> QuerySet:
    rows = LoginAttempt.objects.using(alias).filter(client_address=address, at__gte=since)
    return _failures_after_reset(rows, Q(kind=Kind.UNLOCK))


def _locked_until(failures: QuerySet, threshold: int, now) -> datetime | None:
    recent = list(failures.order_by("-at").values_list("at", flat=True)[:threshold])
    if len(recent) < threshold:
        return None
    until = recent[0] + timedelta(seconds=settings.CREDENTIAL_LOCKOUT_SECONDS)
    return until if until > now else None


def _lock_from(failures: QuerySet, threshold: int, reason: str, now) -> Lock | None:
    until = _locked_until(failures, threshold, now)
    if until is None:
        return None
    return Lock(reason, max(1, math.ceil((until - now).total_seconds())))


def _scope(subject: str, failures: QuerySet, threshold: int, now) -> ScopeState:
    locked_until = _locked_until(failures, threshold, now) if _enabled() else None
    return ScopeState(subject=subject, failures=failures.count(), locked_until=locked_until)


def _enabled() -> bool:
    return settings.CREDENTIAL_LOCKOUT_ENABLED
