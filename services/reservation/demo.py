"""Demo data: four meeting rooms and a week of believable bookings."""

from __future__ import annotations

from datetime import timedelta

from services.reservation import services

ROOMS = (("Han River", 12), ("Atlas", 6), ("Focus booth 1", 2), ("Auditorium", 60))
# (room, booker, day offset, start hour, hours, title)
BOOKINGS = (
    ("Han River", "minjun.lee", 1, 9, 1, "Engineering weekly sync"),
    ("Atlas", "sofia.rossi", 1, 14, 2, "Q4 budget review"),
    ("Focus booth 1", "hana.kim", 2, 10, 1, "Interview: backend engineer"),
    ("Han River", "noah.schmidt", 2, 15, 1.5, "Sales pipeline review"),
    ("Auditorium", "admin", 4, 16, 1, "All-hands"),
    ("Atlas", "amara.okafor", 3, 11, 1, "Supplier call: office logistics"),
)


def seed(*, people: dict, now) -> None:
    rooms = {name: services.room_create(name=name, capacity=size) for name, size in ROOMS}
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for room, booker, days, hour, hours, title in BOOKINGS:
        start = day + timedelta(days=days, hours=hour)
        services.booking_create(
            room=rooms[room],
            booker=people[booker],
            start=start,
            end=start + timedelta(hours=hours),
            title=title,
        )
    start = day + timedelta(days=3, hours=9)
    dropped = services.booking_create(
        room=rooms["Han River"],
        booker=people["liam.chen"],
        start=start,
        end=start + timedelta(hours=1),
        title="Laptop refresh briefing",
    )
    services.booking_cancel(booking=dropped, by=people["liam.chen"])
