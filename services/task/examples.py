"""The task service in the shared contract suite and the cluster drills (services.base.examples)."""

from __future__ import annotations

from services.base.examples import Change, Contract, ok

CONTRACT = Contract(
    model="Task",
    path="tasks/",
    create=lambda people: {"title": "Write the quarterly report"},
    change=Change(body={"title": "Write the Q4 report"}),
    others="hidden",
)


def exercise(api, admin, *, own_id: int, other_id: int, tag: str) -> None:
    """Create, move, comment, delete."""
    base = "/api/v1/task"
    task = ok(api.post(f"{base}/tasks/", {"title": f"Task {tag}", "assignee": other_id}))
    ok(api.post(f"{base}/tasks/{task['id']}/transition/", {"to": "doing", "version": 1}))
    ok(api.post(f"{base}/tasks/{task['id']}/comments/", {"body": f"on it {tag}"}))
    gone = ok(api.post(f"{base}/tasks/", {"title": f"Drop {tag}"}))
    ok(api.delete(f"{base}/tasks/{gone['id']}/", {"version": 1}))
