"""Who may manage rooms and cancel which booking — the service's own decision."""

from __future__ import annotations

from services.base.permissions import can

CODE = "reservation"


def is_admin(request) -> bool:
    return can(request, CODE, "admin")


def may_cancel(request, booking) -> bool:
    return is_admin(request) or booking.booker_id == request.user.pk
