"""Login lockout per username and per client address, from append-only attempts.

Failures are counted inside a sliding window (a success resets the username's count);
reaching a threshold locks for CREDENTIAL_LOCKOUT_SECONDS after the last failure.
Attempts are plain inserts with auto-increment keys, so both nodes may record them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from credential.models import LoginAttempt


@dataclass(frozen=True)
class Lock:
    reason: str
    retry_after_seconds: int


def _lock_from(failures, threshold: int, reason: str, now) -> Lock | None:
    recent = list(failures.order_by("-at").values_list("at", flat=True)[:threshold])
    if len(recent) < threshold:
        return None
    until = recent[0] + timedelta(seconds=settings.CREDENTIAL_LOCKOUT_SECONDS)
    if until <= now:
        return None
    return Lock(reason, max(1, math.ceil((until - now).total_seconds())))


def lockout_check(*, username: str, address: str | None) -> Lock | None:
    """The lock that applies to this attempt, if any."""
    if not settings.CREDENTIAL_LOCKOUT_ENABLED:
        return None
    now = timezone.now()
    since = now - timedelta(seconds=settings.CREDENTIAL_LOCKOUT_WINDOW_SECONDS)
    by_user = LoginAttempt.objects.filter(username=username, at__gte=since)
    last_ok = by_user.filter(succeeded=True).aggregate(at=Max("at"))["at"]
    user_failures = by_user.filter(succeeded=False)
    if last_ok is not None:
        user_failures = user_failures.filter(at__gt=last_ok)
    lock = _lock_from(user_failures, settings.CREDENTIAL_LOCKOUT_USER_FAILURES, "user", now)
    if lock is None and address:
        address_failures = LoginAttempt.objects.filter(
            client_address=address, at__gte=since, succeeded=False
        )
        lock = _lock_from(
            address_failures, settings.CREDENTIAL_LOCKOUT_ADDRESS_FAILURES, "address", now
        )
    return lock


def attempt_record(*, username: str, address: str | None, succeeded: bool) -> None:
    LoginAttempt.objects.create(
        username=username[:150], client_address=address, succeeded=succeeded
    )
