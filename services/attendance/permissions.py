"""Who may punch, see summaries and decide leave — the service's own decision.

A person punches only for themselves and sees only their own punches, summaries and
leave requests; `admin` records a missed punch for someone, sees everyone's, and
approves or rejects leave.
"""

from __future__ import annotations

from services.base.exceptions import Forbidden
from services.base.permissions import can

CODE = "attendance"


def is_admin(request) -> bool:
    return can(request, CODE, "admin")


def require_admin_for_other(request, user_id: int | None, what: str) -> None:
    """Refuse acting on someone else's attendance unless the caller is an admin."""
    if user_id is not None and user_id != request.user.pk and not is_admin(request):
        raise Forbidden("admin_required", f"Only an admin {what} for someone else.")


def refuse_naming_someone_else(request) -> None:
    """A punch is for the caller: only an admin may send `user` (to record a missed punch)."""
    names_someone = isinstance(request.data, dict) and "user" in request.data
    if names_someone and not is_admin(request):
        raise Forbidden("admin_required", "You punch only for yourself.")
