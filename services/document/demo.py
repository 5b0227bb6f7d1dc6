"""Demo data: a few shared company files, one with a revision history."""

from __future__ import annotations

from django.contrib.auth.models import Group

from services.document import services

HANDBOOK_V1 = b"""# Employee handbook

Working hours are 09:00-18:00 with a one-hour lunch break.
Leave requests go through the attendance service at least a week ahead.
"""

HANDBOOK_V2 = (
    HANDBOOK_V1
    + b"""
## Remote work
Up to two days a week from home, agreed with your manager.
"""
)

BUDGET = b"""department,q1,q2,q3,q4
engineering,120000,125000,130000,128000
sales,80000,95000,90000,110000
operations,60000,60000,62000,65000
"""

RUNBOOK = b"""Laptop hand-over checklist
1. Wipe and re-image the disk.
2. Record the asset tag in the register.
3. Have the new holder sign the check-out.
"""


def seed(*, people: dict, now) -> None:
    hana, sofia, liam = people["hana.kim"], people["sofia.rossi"], people["liam.chen"]
    handbook = services.file_create(
        owner=hana,
        name="Employee handbook.md",
        description="Policies every employee should know.",
        content=HANDBOOK_V1,
    )
    services.version_add(file=handbook, created_by=hana, content=HANDBOOK_V2)
    staff = Group.objects.filter(name="staff").first()
    if staff is not None:
        services.share_add(file=handbook, created_by=hana, group=staff)
    else:  # an organisation without the demo's groups
        for username in ("minjun.lee", "sofia.rossi", "liam.chen", "amara.okafor"):
            services.share_add(file=handbook, created_by=hana, user=people[username])

    budget = services.file_create(
        owner=sofia,
        name=f"Budget {now.year}.csv",
        description="Quarterly budget per department (draft).",
        content=BUDGET,
    )
    services.share_add(file=budget, created_by=sofia, user=people["amara.okafor"])

    services.file_create(
        owner=liam,
        name="Laptop hand-over checklist.txt",
        description="IT runbook for equipment changes.",
        content=RUNBOOK,
    )
