"""A changed password ends every session of its user, whatever changed it.

Django has no "password changed" signal, so this module watches the one place every
path goes through: the user row's save. `pre_save` compares the hash about to be
written with the stored one; when they differ, `post_save` revokes all of the user's
sessions (`sessions_revoke_for_user`, reason `password_changed`) and records a
`password_changed` audit event. That catches `set_password()` + `save()` from anywhere
(the admin's password form, its "disable password-based authentication", `manage.py
changepassword`, Django's password-reset views, a shell), `set_unusable_password()`, and a
hash assigned directly. Wrapping `set_password` would miss the last two, and a custom
user model would be a migration of every table that points at users; a signal costs
one primary-key read per save of a user row that may carry a new password (none when
`update_fields` leaves the password out, as `last_login` updates do).

Not a change: Django's own upgrade of a hash at login (same password, new parameters,
credential/hashers.py). Django saves it with `update_fields=["password"]` and clears the
instance's pending raw password first so that it is not taken for a change; a change
from a hash due for upgrade to the preferred hasher's, saved that way, is let through.
Not seen: a `QuerySet.update()` of the password column, or raw SQL, neither of which
sends a signal; the code base has neither (tests/fast/credential/test_password_change.py
checks).

The session that made the change: there is no API endpoint to change one's own password,
so a change always comes from outside the API — every API session of the user ends, none
is kept. An admin changing their own password in the admin keeps that browser session
(Django's `update_session_auth_hash`); their other browser sessions end (Django checks
each cookie session's password hash).

Revocation runs in `post_save`, after the row is written but before any surrounding
transaction commits: a change rolled back afterwards has still ended the sessions, the
safe direction. Sessions live on this node's database; the user row on the credential
home node's.
"""

from __future__ import annotations

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, get_hasher, identify_hasher

from credential.audit import Kind, audit
from credential.sessions import sessions_revoke_for_user

REASON = "password_changed"
_MARK = "_credential_password_changed"


def before_user_save(sender, instance, raw=False, using=None, update_fields=None, **kwargs):
    """Note on the instance whether this save writes a new password hash."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    stored = (
        sender._base_manager.using(using)
        .filter(pk=instance.pk)
        .values_list("password", flat=True)
        .first()
    )
    if stored is None or stored == instance.password:
        return
    if _is_hash_upgrade(instance, stored, update_fields):
        return
    setattr(instance, _MARK, True)


def after_user_save(sender, instance, created=False, raw=False, **kwargs):
    """End every session of a user whose password hash was just replaced."""
    if raw or created or not getattr(instance, _MARK, False):
        return
    delattr(instance, _MARK)
    ended = sessions_revoke_for_user(instance, reason=REASON)
    audit(Kind.PASSWORD_CHANGED, user=instance, sessions_ended=ended)


def _is_hash_upgrade(instance, stored: str, update_fields) -> bool:
    """Django's rehash of the same password (BaseUser.check_password's setter), and only that."""
    if update_fields is None or set(update_fields) != {"password"}:
        return False
    if getattr(instance, "_password", None) is not None:
        return False  # set_password() ran on this instance: a new password
    new = instance.password or ""
    if stored.startswith(UNUSABLE_PASSWORD_PREFIX) or new.startswith(UNUSABLE_PASSWORD_PREFIX):
        return False
    try:
        old_hasher, preferred = identify_hasher(stored), get_hasher()
        new_hasher = identify_hasher(new)
    except ValueError:
        return False
    due = old_hasher.algorithm != preferred.algorithm or preferred.must_update(stored)
    return due and new_hasher.algorithm == preferred.algorithm and not preferred.must_update(new)
