"""Demo tasks: work in every state, some assigned across teams, a few comments."""

from __future__ import annotations

from datetime import timedelta

from services.task.models import Status
from services.task.services import comment_add, task_create, task_transition

# (creator, assignee, title, due in days, the statuses to walk through)
TASKS = [
    ("sofia.rossi", "noah.schmidt", "Send Q3 invoices to key accounts", 3, ["doing"]),
    ("hana.kim", "amara.okafor", "Book venue for the all-hands", 10, []),
    ("liam.chen", "minjun.lee", "Rotate the VPN certificates", 5, ["doing", "done"]),
    ("minjun.lee", "liam.chen", "Order a second monitor for the new hire", 2, ["doing"]),
    ("amara.okafor", None, "Update the fire-drill checklist", 14, []),
    ("noah.schmidt", "sofia.rossi", "Approve the travel budget for the fair", 7, ["cancelled"]),
]


def seed(*, people: dict, now) -> None:
    for creator, assignee, title, due_days, steps in TASKS:
        task = task_create(
            creator=people[creator],
            title=title,
            assignee=people.get(assignee) if assignee else None,
            due_date=(now + timedelta(days=due_days)).date(),
        )
        for status in steps:
            task = task_transition(task=task, version=task.version, to=Status(status))
        if assignee:
            comment_add(task=task, author=people[creator], body="Thanks for picking this up.")
