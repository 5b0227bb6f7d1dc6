"""Anonymising deactivated users, later and safely (docs/ARCHITECTURE.md#rule-8).

A user is never deleted: rows either node may insert at any moment refer to them. After
deactivation and a retention period, what identifies the person is removed from their
row instead — the username becomes `anonymised-<id>`, names and e-mail are blanked, the
password made unusable, the staff and superuser flags dropped. The row stays, so every
reference to it stays valid on both databases.

Safely, under active-active, means:

- on the credential service's home only: the user row is home-node data, and this is
  where its writes go (elsewhere the command refuses, naming the home);
- only for rows no node can still be writing for: the user is inactive on *both*
  databases (the deactivation has replicated), has no session still live on either, and
  shows no activity on either — no login, login attempt or session in use — for the
  retention period. A peer that cannot be read means nothing is anonymised.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import router
from django.db.models import Max
from django.utils import timezone

from core.activeactive import write_transaction
from credential.models import LoginAttempt, Session

PREFIX = "anonymised-"
ANONYMISED_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "password",
    "is_staff",
    "is_superuser",
]


class NotTheHome(Exception):
    """Run on the credential service's home node (the message names it)."""


def databases() -> list[str]:
    return ["default", "peer"] if "peer" in settings.DATABASES else ["default"]


def require_home() -> None:
    alias = router.db_for_write(get_user_model()) or "default"
    if alias != "default":
        home = 3 - settings.PLATFORM_NODE_INDEX
        raise NotTheHome(
            f"users are written on the credential service's home, node {home}: run it there"
        )


def last_activity(user, alias: str) -> datetime | None:
    """The newest sign of the user on the database behind `alias`."""
    sessions = (
        Session.objects.using(alias)
        .filter(user_id=user.pk)
        .aggregate(seen=Max("last_seen_at"), revoked=Max("revoked_at"), made=Max("created_at"))
    )
    attempts = LoginAttempt.objects.using(alias).filter(username=user.get_username())
    stamps = [*sessions.values(), attempts.aggregate(at=Max("at"))["at"]]
    row = get_user_model()._default_manager.using(alias).filter(pk=user.pk).first()
    stamps.append(row.last_login if row else None)
    return max((s for s in stamps if s is not None), default=None)


def why_not(user, *, cutoff: datetime, now: datetime) -> str | None:
    """None if `user` may be anonymised now, else why not (checked on every database)."""
    for alias in databases():
        row = get_user_model()._default_manager.using(alias).filter(pk=user.pk).first()
        if row is None or row.is_active:
            return f"not deactivated on the {alias} database yet"
        live = Session.objects.using(alias).filter(
            user_id=user.pk, revoked_at__isnull=True, expires_at__gt=now
        )
        if any(session.is_active(now) for session in live):
            return f"a session is still live on the {alias} database"
        seen = last_activity(user, alias)
        if seen is not None and seen > cutoff:
            return f"active on the {alias} database at {seen:%Y-%m-%d %H:%M}"
    return None


def candidates(*, retention: timedelta) -> list[tuple]:
    """(user, None or why not) for each deactivated user not yet anonymised."""
    now = timezone.now()
    cutoff = now - retention
    users = (
        get_user_model()
        ._default_manager.filter(is_active=False)
        .exclude(username__startswith=PREFIX)
    )
    return [(user, why_not(user, cutoff=cutoff, now=now)) for user in users.order_by("pk")]


def anonymise(user) -> bool:
    """Blank what identifies `user`, on the home database; False if it moved meanwhile."""
    model = get_user_model()
    with write_transaction(model):
        row = model._default_manager.select_for_update().filter(pk=user.pk).first()
        if row is None or row.is_active or row.get_username() != user.get_username():
            return False
        row.username = f"{PREFIX}{row.pk}"
        row.first_name = row.last_name = row.email = ""
        row.password = make_password(None)
        row.is_staff = row.is_superuser = False
        row.save(update_fields=ANONYMISED_FIELDS)
    return True
