"""Who may change what in the directory — the service's own decision, field by field."""

from __future__ import annotations

from services.base.permissions import can, refuse_unless, require
from services.directory.apps import DirectoryConfig
from services.directory.errors import DirectoryCode

CODE = DirectoryConfig.code

# What a person may change on their own profile; the rest is the admins'.
SELF_EDITABLE = frozenset({"phone", "email"})
PROFILE_FIELDS = frozenset({"user", "display_name", "title", "department", "phone", "email"})


def is_admin(request) -> bool:
    return can(request, CODE, "admin")


def require_admin(request) -> None:
    """Departments and other people's profiles are the admins' (a `missing_grant` refusal)."""
    require(request, CODE, "admin")


def may_edit_profile(request, profile) -> bool:
    return is_admin(request) or profile.user_id == request.user.pk


def fields_refused(request, submitted: set[str]) -> set[str]:
    """The submitted profile fields this caller may not change: admins change them all."""
    return set() if is_admin(request) else (submitted & PROFILE_FIELDS) - SELF_EDITABLE


def require_profile_edit(request, profile, submitted: set[str]) -> None:
    """Admins edit any profile; a person only the phone and e-mail of their own."""
    refuse_unless(may_edit_profile(request, profile), DirectoryCode.NOT_OWN_PROFILE)
    refused = fields_refused(request, submitted)
    detail = f"You may change only your phone and e-mail, not: {', '.join(sorted(refused))}."
    refuse_unless(not refused, DirectoryCode.FIELD_NOT_EDITABLE, detail)
