"""People leave by deactivation, never by deletion.

A user row is referenced by rows either node may insert at any moment (a session from a
login on the other node, a task, a message): deleting it during a partition stops
replication on both sides when the two histories meet. So a user is deactivated — sign-in
refused, every session ended — and a retention job may anonymise the row later. The
write goes through the model layer, so the home-node router sends it to the credential
service's home database, whichever node the admin used.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from core.activeactive import write_transaction
from credential.audit import Kind, audit
from credential.changes import actor_name
from credential.sessions import sessions_revoke_for_user

DEACTIVATED_REASON = "user_deactivated"


def _set_active(user, *, active: bool) -> bool:
    """Set `is_active` on the home database; returns whether it changed."""
    model = get_user_model()
    with write_transaction(model):
        row = model._default_manager.select_for_update().get(pk=user.pk)
        changed = row.is_active != active
        if changed:
            row.is_active = active
            row.save(update_fields=["is_active"])
    user.is_active = active
    return changed


def user_deactivate(user, *, by) -> int:
    """Refuse `user`'s sign-ins from now on and end every session; returns sessions ended.

    `by` is the person (or None for a job) doing it, recorded in the audit trail. Ending
    the sessions comes after the flag, so a login racing this call is refused or its
    session is ended here.
    """
    changed = _set_active(user, active=False)
    ended = sessions_revoke_for_user(user, reason=DEACTIVATED_REASON, by=by)
    if changed or ended:
        audit(
            Kind.USER_DEACTIVATED,
            user=user,
            by=actor_name(by),
            sessions_ended=ended,
            changes={"is_active": [True, False]} if changed else {},
        )
    return ended


def user_reactivate(user, *, by) -> bool:
    """Let a deactivated user sign in again; returns whether they were inactive."""
    changed = _set_active(user, active=True)
    if changed:
        audit(
            Kind.USER_REACTIVATED,
            user=user,
            by=actor_name(by),
            changes={"is_active": [False, True]},
        )
    return changed
