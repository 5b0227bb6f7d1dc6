"""Demo data: yesterday's punches for a few people, and leave requests in each state."""

from __future__ import annotations

import datetime as dt

from services.attendance import services
from services.attendance.models import LeaveStatus

# (username, [(kind, "HH:MM"), ...]) for yesterday, in UTC.
DAY = [
    ("minjun.lee", [("in", "08:52"), ("out", "12:05"), ("in", "12:58"), ("out", "18:10")]),
    ("sofia.rossi", [("in", "09:03"), ("out", "17:31")]),
    ("liam.chen", [("in", "07:45"), ("out", "16:02")]),
    ("amara.okafor", [("in", "08:30")]),  # forgot to clock out: the summary shows it open
]


def seed(*, people: dict, now) -> None:
    yesterday = (now - dt.timedelta(days=1)).date()
    for username, punches in DAY:
        for kind, clock in punches:
            at = dt.datetime.combine(yesterday, dt.time.fromisoformat(clock), tzinfo=dt.UTC)
            user = people[username]
            services.punch_record(user=user, kind=kind, recorded_by=user, at=at)
    services.punch_record(user=people["hana.kim"], kind="in", recorded_by=people["hana.kim"])

    today = now.date()
    summer = services.leave_request_create(
        user=people["minjun.lee"],
        start_date=today + dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=39),
        reason="Summer holiday with family.",
    )
    services.leave_request_decide(
        leave_request=summer,
        version=summer.version,
        outcome=LeaveStatus.APPROVED,
        decided_by=people["hana.kim"],
    )
    services.leave_request_create(
        user=people["noah.schmidt"],
        start_date=today + dt.timedelta(days=7),
        end_date=today + dt.timedelta(days=8),
        reason="Moving flat.",
    )
    conference = services.leave_request_create(
        user=people["sofia.rossi"],
        start_date=today + dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=4),
        reason="Finance conference (should be a business trip instead).",
    )
    services.leave_request_decide(
        leave_request=conference,
        version=conference.version,
        outcome=LeaveStatus.REJECTED,
        decided_by=people["hana.kim"],
    )
