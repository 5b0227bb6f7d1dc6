"""Reads: punches, daily summaries computed from them, and leave requests.

Hours worked on a day are the sum of its in -> out pairs, taken in time order. An `in`
while already clocked in is ignored (the earlier one counts); an `out` with no open
`in` is ignored; an `in` with no `out` after it that day is not counted and the summary
says `open` (a shift still running, or a forgotten clock-out an admin should correct).
Days are calendar days in the server's time zone (TIME_ZONE, UTC); a shift across
midnight counts on neither day.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from django.db.models import QuerySet
from django.utils import timezone

from services.attendance.models import LeaveRequest, Punch, PunchKind


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def punch_list(*, user_id: int | None, filters: dict) -> QuerySet[Punch]:
    """Punches of one person (`user_id`), or of everyone when it is None (admin only)."""
    punches = Punch.objects.all()
    if user_id is not None:
        punches = punches.filter(user_id=user_id)
    if filters.get("from"):
        punches = punches.filter(created_at__gte=day_start(filters["from"]))
    if filters.get("to"):
        punches = punches.filter(created_at__lt=day_start(filters["to"] + dt.timedelta(days=1)))
    return punches


def daily_summaries(*, day: dt.date, user_id: int | None) -> list[dict]:
    """One summary per person with punches that day; for one named person, always one."""
    punches = punch_list(user_id=user_id, filters={"from": day, "to": day}).order_by(
        "user_id", "created_at", "id"
    )
    summaries = [
        summarize(list(rows), user_id=person, day=day)
        for person, rows in groupby(punches, key=lambda punch: punch.user_id)
    ]
    if user_id is not None and not summaries:
        summaries = [summarize([], user_id=user_id, day=day)]
    return summaries


def summarize(punches: list[Punch], *, user_id: int, day: dt.date) -> dict:
    """First in, last out and time worked from one person's punches of one day, in order."""
    worked, opened = dt.timedelta(), None
    for punch in punches:
        if punch.kind == PunchKind.IN and opened is None:
            opened = punch.created_at
        elif punch.kind == PunchKind.OUT and opened is not None:
            worked += punch.created_at - opened
            opened = None
    ins = [p.created_at for p in punches if p.kind == PunchKind.IN]
    outs = [p.created_at for p in punches if p.kind == PunchKind.OUT]
    seconds = int(worked.total_seconds())
    return {
        "user": user_id,
        "date": day,
        "first_in": ins[0] if ins else None,
        "last_out": outs[-1] if outs else None,
        "worked_seconds": seconds,
        "hours": round(seconds / 3600, 2),
        "open": opened is not None,
        "punches": len(punches),
    }


def leave_request_list(*, user, see_all: bool, filters: dict) -> QuerySet[LeaveRequest]:
    requests = LeaveRequest.objects.all()
    if not see_all:
        requests = requests.filter(user=user)
    if filters.get("status"):
        requests = requests.filter(status=filters["status"])
    if filters.get("user"):
        requests = requests.filter(user_id=filters["user"])
    return requests
