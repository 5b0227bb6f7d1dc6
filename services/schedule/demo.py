"""Demo calendars: this week's meetings, a private appointment, a one-to-one."""

from __future__ import annotations

from datetime import timedelta

from services.schedule.services import event_create


def seed(*, people: dict, now) -> None:
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    hana, minjun, sofia = people["hana.kim"], people["minjun.lee"], people["sofia.rossi"]
    liam, amara, noah = people["liam.chen"], people["amara.okafor"], people["noah.schmidt"]

    def at(days: int, hour: int, minute: int = 0):
        return today + timedelta(days=days, hours=hour, minutes=minute)

    event_create(
        owner=amara,
        title="Weekly operations meeting",
        description="Status of open tickets, facilities, supplier issues.",
        start=at(1, 9),
        end=at(1, 10),
        location="Meeting room Atlas",
        attendees=[liam, hana, sofia],
    )
    event_create(
        owner=minjun,
        title="Sprint review",
        description="Demo of the new desktop client release to sales and operations.",
        start=at(2, 14),
        end=at(2, 15, 30),
        location="Meeting room Borealis",
        attendees=[noah, amara, liam],
    )
    event_create(
        owner=sofia,
        title="Quarter-end close",
        description="Finance team blocks the afternoon for the quarterly close.",
        start=at(3, 13),
        end=at(3, 17),
        location="Finance office",
    )
    event_create(
        owner=hana,
        title="Doctor's appointment",
        start=at(2, 8),
        end=at(2, 9, 30),
        private=True,
    )
    event_create(
        owner=hana,
        title="One-to-one: Noah",
        description="Quarterly check-in.",
        start=at(4, 11),
        end=at(4, 11, 30),
        location="HR office",
        attendees=[noah],
        private=True,
    )
    event_create(
        owner=noah,
        title="Client visit: Contoso",
        description="Renewal discussion at the client's office.",
        start=at(5, 10),
        end=at(5, 12),
        location="Contoso HQ, Berlin",
    )
