"""The attendance service in the shared contract suite and the cluster drills
(services.base.examples)."""

from __future__ import annotations

from services.base.examples import Change, Contract, ok

CONTRACT = Contract(
    model="LeaveRequest",
    path="leave-requests/",
    create=lambda people: {
        "start_date": "2027-03-01",
        "end_date": "2027-03-02",
        "reason": "Holiday",
    },
    change=Change(body={}, method="POST", suffix="approve/", by="boss"),
    others="hidden",
)


def exercise(api, admin, *, own_id: int, other_id: int, tag: str) -> None:
    """Clock in and out, ask for leave, an admin approves it."""
    base = "/api/v1/attendance"
    ok(api.post(f"{base}/punches/", {"kind": "in"}))
    ok(api.post(f"{base}/punches/", {"kind": "out"}))
    dates = {"start_date": "2027-03-01", "end_date": "2027-03-02", "reason": tag}
    leave = ok(api.post(f"{base}/leave-requests/", dates))
    ok(admin.post(f"{base}/leave-requests/{leave['id']}/approve/", {"version": 1}))
