"""The reservation service in the shared contract suite and the cluster drills
(services.base.examples)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.base.examples import Change, Contract, ok

# Rooms are the versioned resource (bookings are cancelled, not edited). Only an admin
# manages them; everyone with `read` sees them, so the colleague is refused the edit.
CONTRACT = Contract(
    model="Room",
    path="rooms/",
    create=lambda people: {"name": "Han River", "capacity": 12},
    change=Change(body={"capacity": 14}),
    creator="boss",
    others="admin-only",
)


def exercise(api, admin, *, own_id: int, other_id: int, tag: str) -> None:
    """Create a room (admin), book it, cancel the booking."""
    base = "/api/v1/reservation"
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    start, end = (when + timedelta(hours=3)).isoformat(), (when + timedelta(hours=4)).isoformat()
    room = ok(admin.post(f"{base}/rooms/", {"name": f"Room {tag}", "capacity": 4}))
    booking = ok(api.post(f"{base}/bookings/", {"room": room["id"], "start": start, "end": end}))
    ok(api.post(f"{base}/bookings/{booking['id']}/cancel/"))
