"""Writes: punches, leave requests and their decisions all go through here."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.activeactive import versioned_update, write_transaction
from services.attendance.errors import AttendanceCode
from services.attendance.models import LeaveRequest, LeaveStatus, Punch
from services.base.exceptions import ServiceError


def punch_record(*, user, kind: str, recorded_by, at: dt.datetime | None = None) -> Punch:
    """The server's clock stamps the punch: the API never passes `at` (only seeding does)."""
    return Punch.objects.create(
        user=user, kind=kind, recorded_by=recorded_by, created_at=at or timezone.now()
    )


def leave_request_create(
    *, user, start_date: dt.date, end_date: dt.date, reason: str = ""
) -> LeaveRequest:
    return LeaveRequest.objects.create(
        user=user, start_date=start_date, end_date=end_date, reason=reason
    )


def leave_request_decide(
    *, leave_request: LeaveRequest, version: int, outcome: str, decided_by
) -> LeaveRequest:
    """Approve or reject a pending request; the check and the write share one row lock."""
    with write_transaction(LeaveRequest):
        current = LeaveRequest.objects.select_for_update().get(pk=leave_request.pk)
        if current.status != LeaveStatus.PENDING:
            raise ServiceError(
                AttendanceCode.NOT_PENDING, f"This request is already {current.status}."
            )
        return versioned_update(
            current,
            version=version,
            changes={"status": outcome, "decided_by": decided_by, "decided_at": timezone.now()},
            lock=False,  # already locked above
        )
