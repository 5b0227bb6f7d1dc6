"""The admin's writes of grants, users and groups, each recorded as a diff in the audit trail.

Every write goes through the model layer inside `write_transaction`, so it lands on the
credential service's home database whichever node serves the admin; the "before" side
of each diff is read there, under the row's lock (`credential.changes.current`).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core.activeactive import versioned_save, write_transaction
from credential.audit import Kind
from credential.changes import current, grant_snapshot, group_snapshot, record_change, user_snapshot
from credential.models import Grant


def _grant_record(grant: Grant, *, by, before, after) -> None:
    record_change(
        Kind.GRANT_CHANGED,
        by=by,
        label=f"{grant.service} grant to {(before or after)['holder']}",
        object_id=grant.pk,
        before=before,
        after=after,
        subject=grant.user if grant.user_id else None,
        group_id=grant.group_id,
    )


def grant_save(grant: Grant, *, by) -> Grant:
    """Save a new or changed grant (a change as the grant's next version), recorded."""
    with write_transaction(Grant):
        before = current(Grant, grant.pk, grant_snapshot) if grant.pk else None
        if before is None:
            grant.save()
        else:
            versioned_save(grant)
        _grant_record(grant, by=by, before=before, after=grant_snapshot(grant))
    return grant


def grant_delete(grant: Grant, *, by) -> None:
    """Remove a grant (nothing references one, so it may go), recorded."""
    with write_transaction(Grant):
        before = current(Grant, grant.pk, grant_snapshot)
        pk = grant.pk
        grant.delete()
        grant.pk = pk
        _grant_record(grant, by=by, before=before, after=None)


def user_before(user) -> dict | None:
    """The user as the home database has it, before an admin's save (None: a new user)."""
    return current(get_user_model(), user.pk, user_snapshot) if user.pk else None


def user_record(user, *, by, before: dict | None) -> dict:
    """Record an admin's save of `user` (fields, groups, permissions) against `before`."""
    return record_change(
        Kind.USER_CHANGED,
        by=by,
        label=f"user {user.get_username()}",
        object_id=user.pk,
        before=before,
        after=user_snapshot(user),
        subject=user,
    )


def group_before(group: Group) -> dict | None:
    return current(Group, group.pk, group_snapshot) if group.pk else None


def group_record(group: Group, *, by, before: dict | None) -> dict:
    return record_change(
        Kind.GROUP_CHANGED,
        by=by,
        label=f"group {group.name}",
        object_id=group.pk,
        before=before,
        after=group_snapshot(group),
    )
