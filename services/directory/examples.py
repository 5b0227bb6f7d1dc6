"""The directory in the shared contract suite and the cluster drills (base.examples)."""

from __future__ import annotations

import itertools

from services.base.examples import Change, Contract, ok

# A user has at most one profile, so profiles made one after another go to different
# people (never the colleague, who must meet someone else's profile).
_owners = itertools.cycle(("writer", "reader"))

# Only an admin creates profiles and edits every field; everyone with `read` sees the
# directory, and a colleague is refused editing a profile that is not their own.
CONTRACT = Contract(
    model="StaffProfile",
    path="people/",
    create=lambda people: {"user": people[next(_owners)], "display_name": "Min-jun Lee"},
    change=Change(body={"title": "Lead engineer"}, by="boss"),
    creator="boss",
    others="refused",
)


def exercise(api, admin, *, own_id: int, other_id: int, tag: str) -> None:
    """Create, rename and delete departments (an admin's work)."""
    base = "/api/v1/directory"
    department = ok(admin.post(f"{base}/departments/", {"name": f"Dept {tag}"}))
    ok(admin.patch(f"{base}/departments/{department['id']}/", {"name": f"D {tag}", "version": 1}))
    gone = ok(admin.post(f"{base}/departments/", {"name": f"Old {tag}"}))
    ok(admin.delete(f"{base}/departments/{gone['id']}/", {"version": 1}))
