"""The notice service in the shared contract suite and the cluster drills (base.examples)."""

from __future__ import annotations

from services.base.examples import Change, Contract, ok

CONTRACT = Contract(
    model="Notice",
    path="notices/",
    create=lambda people: {"title": "Office closed", "body": "The office is closed on Friday."},
    change=Change(body={"title": "Office closed on Friday"}),
    # Addressed to everyone and published now: a colleague reads it but may not edit it.
    others="refused",
)


def exercise(api, admin, *, own_id: int, other_id: int, tag: str) -> None:
    """Post, edit, mark read, delete."""
    base = "/api/v1/notice"
    notice = ok(api.post(f"{base}/notices/", {"title": f"Notice {tag}", "body": "b"}))
    ok(api.patch(f"{base}/notices/{notice['id']}/", {"title": f"N {tag}", "version": 1}))
    ok(api.post(f"{base}/notices/{notice['id']}/read/", {}))
    gone = ok(api.post(f"{base}/notices/", {"title": f"Gone {tag}", "body": "b"}))
    ok(api.delete(f"{base}/notices/{gone['id']}/", {"version": 1}))
