"""The schedule service in the shared contract suite and the cluster drills (base.examples)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.base.examples import Change, Contract, ok

CONTRACT = Contract(
    model="Event",
    path="events/",
    create=lambda people: {
        "title": "Sprint review",
        "start": "2026-06-01T09:00:00Z",
        "end": "2026-06-01T10:00:00Z",
    },
    change=Change(body={"title": "Sprint demo"}),
    # A calendar shows its owner's and attendees' events only.
    others="hidden",
)


def exercise(api, admin, *, own_id: int, other_id: int, tag: str) -> None:
    """Create, edit, delete an event five days from now."""
    base = "/api/v1/schedule"
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    start, end = when + timedelta(hours=1), when + timedelta(hours=2)
    body = {"title": f"Ev {tag}", "start": start.isoformat(), "end": end.isoformat()}
    event = ok(api.post(f"{base}/events/", body))
    ok(api.patch(f"{base}/events/{event['id']}/", {"title": f"E {tag}", "version": 1}))
    ok(api.delete(f"{base}/events/{event['id']}/", {"version": 2}))
