"""Admin changes as field diffs in the audit trail: users, groups, grants (and routes).

An admin change is an append-only `AuditEvent` (conflict-free on either node) whose
`detail` holds who made it (`by`), the object (`object`, `object_id`, `action`) and the
changed fields (`changes`: field → [before, after]); `node` says where it was made.
The "before" side is read from the database that takes the object's writes (its home,
maybe the peer), under the row's lock, in the transaction of the write, so a node that
lags behind its home never records a stale "before".
"""

from __future__ import annotations

import hashlib

from django.db import connections, router
from django.utils.html import format_html, format_html_join

from credential.audit import Kind, audit

# Compared through a fingerprint, recorded only as "changed": never a hash in the trail.
SECRET_FIELDS = frozenset({"password"})
HIDDEN = "(hidden)"


def diff(before: dict | None, after: dict | None) -> dict[str, list]:
    """{field: [before, after]} for each field whose value differs (None: no object)."""
    old, new = before or {}, after or {}
    changes = {}
    for name in [*old, *(name for name in new if name not in old)]:
        if old.get(name) != new.get(name):
            if name in SECRET_FIELDS:
                had, has = bool(old.get(name)), bool(new.get(name))
                changes[name] = [
                    HIDDEN if had else None,
                    ("changed" if had else "set") if has else None,
                ]
            else:
                changes[name] = [old.get(name), new.get(name)]
    return changes


def user_snapshot(user) -> dict:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "user_permissions": _permissions(user.user_permissions),
        "password": hashlib.sha256(user.password.encode()).hexdigest() if user.password else "",
    }


def group_snapshot(group) -> dict:
    return {"name": group.name, "permissions": _permissions(group.permissions)}


def grant_snapshot(grant) -> dict:
    holder = f"group {grant.group.name}" if grant.group_id else f"user {grant.user.username}"
    return {
        "service": grant.service,
        "holder": holder,
        "read": grant.can_read,
        "write": grant.can_write,
        "admin": grant.can_admin,
    }


def _permissions(manager) -> list[str]:
    rows = manager.values_list("content_type__app_label", "codename")
    return sorted(f"{app}.{codename}" for app, codename in rows)


def current(model, pk, snapshot):
    """The snapshot of row `pk` as its writing database has it now (locked), or None."""
    alias = router.db_for_write(model)
    rows = model._default_manager.using(alias)
    if connections[alias].in_atomic_block:
        rows = rows.select_for_update()  # held until the write commits
    row = rows.filter(pk=pk).first()
    return None if row is None else snapshot(row)


def record_change(
    kind: str, *, by, label: str, object_id, before, after, subject=None, **extra
) -> dict:
    """One audit event for an admin change (none when no field changed); returns the diff."""
    changes = diff(before, after)
    if not changes:
        return changes
    action = "added" if before is None else "removed" if after is None else "changed"
    audit(
        kind,
        user=subject,
        by=actor_name(by),
        object=label,
        object_id=object_id,
        action=action,
        changes=changes,
        **extra,
    )
    return changes


def actor_name(by) -> str:
    """Who acted: a person (their username), a named tool (a string), or "system"."""
    if isinstance(by, str):
        return by or "system"
    return getattr(by, "username", "") or "system"


def _shown(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def render_changes(changes: dict) -> str:
    """The diff as HTML, one line per field: `field: before → after`."""
    if not changes:
        return "—"
    lines = format_html_join(
        "",
        "<li><strong>{}</strong>: <del>{}</del> → <ins>{}</ins></li>",
        ((name, _shown(old), _shown(new)) for name, (old, new) in changes.items()),
    )
    return format_html('<div class="diff"><ul>{}</ul></div>', lines)


def changes_text(changes: dict) -> str:
    """The diff as one line of plain text, for lists and logs."""
    return "; ".join(
        f"{name}: {_shown(old)} → {_shown(new)}" for name, (old, new) in changes.items()
    )


ADMIN_KINDS = (
    Kind.USER_CHANGED,
    Kind.USER_DEACTIVATED,
    Kind.USER_REACTIVATED,
    Kind.GROUP_CHANGED,
    Kind.GRANT_CHANGED,
    Kind.ROUTE_CHANGED,
)
