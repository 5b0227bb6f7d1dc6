"""Writes: punches, leave requests and their decisions all go through here."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from services.attendance.models import LeaveRequest, LeaveStatus, Punch
from services.base.concurrency import update_versioned
from services.base.exceptions import RuleViolation


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
    *, leave_request: LeaveRequest, version: int, outcome: str, decided_by, serializer_class
) -> LeaveRequest:
    """Approve or reject a pending request; the check and the write share one row lock."""
    with transaction.atomic():
        current = LeaveRequest.objects.select_for_update().get(pk=leave_request.pk)
        if current.status != LeaveStatus.PENDING:
            raise RuleViolation("not_pending", f"This request is already {current.status}.")
        return update_versioned(
            current,
            version=version,
            changes={"status": outcome, "decided_by": decided_by, "decided_at": timezone.now()},
            serializer_class=serializer_class,
            lock=False,  # already locked above
        )
