"""Who may manage rooms and cancel which booking — the service's own decision."""

from __future__ import annotations

from services.base.permissions import can, refuse_unless, require
from services.reservation.apps import ReservationConfig
from services.reservation.errors import ReservationCode

CODE = ReservationConfig.code


def is_admin(request) -> bool:
    return can(request, CODE, "admin")


def may_cancel(request, booking) -> bool:
    return is_admin(request) or booking.booker_id == request.user.pk


def require_manage(request) -> None:
    """Creating, editing and removing rooms: `admin` only."""
    require(request, CODE, "admin")


def require_cancel(request, booking) -> None:
    refuse_unless(may_cancel(request, booking), ReservationCode.NOT_BOOKER)
