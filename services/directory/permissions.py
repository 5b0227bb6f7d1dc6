"""Who may change what in the directory — the service's own decision, field by field."""

from __future__ import annotations

from services.base.exceptions import Forbidden
from services.base.permissions import can, require

CODE = "directory"

# What a person may change on their own profile; the rest is the admins'.
SELF_EDITABLE = frozenset({"phone", "email"})
PROFILE_FIELDS = frozenset({"user", "display_name", "title", "department", "phone", "email"})


def is_admin(request) -> bool:
    return can(request, CODE, "admin")


def require_admin(request) -> None:
    require(request, CODE, "admin")


def check_profile_edit(request, profile, submitted: set[str]) -> None:
    """Admins edit any profile; a person only the phone and e-mail of their own."""
    if is_admin(request):
        return
    if profile.user_id != request.user.pk:
        raise Forbidden("not_own_profile", "You may edit only your own profile.")
    refused = (submitted & PROFILE_FIELDS) - SELF_EDITABLE
    if refused:
        raise Forbidden(
            "field_not_editable",
            f"You may change only your phone and e-mail, not: {', '.join(sorted(refused))}.",
        )
