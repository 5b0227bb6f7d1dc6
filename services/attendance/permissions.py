"""Who may punch, see summaries and decide leave — the service's own decision.

A person punches only for themselves and sees only their own punches, summaries and
leave requests; `admin` records a missed punch for someone, sees everyone's, and
approves or rejects leave — anyone's but their own: nobody decides their own request.
"""

from __future__ import annotations

from services.attendance.apps import AttendanceConfig
from services.attendance.errors import AttendanceCode
from services.base.permissions import can, refuse_unless

CODE = AttendanceConfig.code


def is_admin(request) -> bool:
    return can(request, CODE, "admin")


def may_see(request, user_id: int | None) -> bool:
    """One's own attendance (`user_id` None or the caller's), or anyone's for an admin."""
    return user_id is None or user_id == request.user.pk or is_admin(request)


def may_name_a_user(request) -> bool:
    """Only an admin sends `user` with a punch (to record someone's missed punch)."""
    return is_admin(request)


def may_decide(request, leave_request) -> bool:
    return is_admin(request) and leave_request.user_id != request.user.pk


def require_see(request, user_id: int | None, what: str) -> None:
    """`what` completes the refusal: "Only an admin <what> for someone else."."""
    refuse_unless(
        may_see(request, user_id),
        AttendanceCode.ADMIN_REQUIRED,
        f"Only an admin {what} for someone else.",
    )


def require_punch(request) -> None:
    """A punch is for the caller: naming any `user`, even oneself, needs admin."""
    names_someone = isinstance(request.data, dict) and "user" in request.data
    refuse_unless(
        not names_someone or may_name_a_user(request),
        AttendanceCode.ADMIN_REQUIRED,
        "You punch only for yourself.",
    )


def require_decide(request, leave_request) -> None:
    refuse_unless(
        is_admin(request), AttendanceCode.ADMIN_REQUIRED, "Only an admin decides leave requests."
    )
    refuse_unless(may_decide(request, leave_request), AttendanceCode.OWN_LEAVE_REQUEST)
