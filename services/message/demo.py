"""Demo data: a short thread or two between colleagues, some read, some not."""

from __future__ import annotations

from services.message import services


def seed(*, people: dict, now) -> None:
    hana, minjun, sofia = people["hana.kim"], people["minjun.lee"], people["sofia.rossi"]
    liam, amara, noah = people["liam.chen"], people["amara.okafor"], people["noah.schmidt"]

    services.message_send(
        sender=hana,
        recipients=[minjun, sofia, liam, amara, noah],
        subject="Welcome to the new staff platform",
        body="From today notices, leave requests and documents all live here. "
        "The employee handbook is in Documents; ask me if anything is unclear.",
    )
    services.message_send(
        sender=sofia,
        recipients=[amara],
        subject="Q3 operations budget",
        body="Could you review the operations line in the budget file before Friday?",
    )
    reply = services.message_send(
        sender=amara,
        recipients=[sofia],
        subject="Re: Q3 operations budget",
        body="Looked at it: the 62k is right, we moved the warehouse lease to Q4.",
    )
    sofia_copy = reply.message.deliveries.get(person=sofia)
    services.message_mark_read(delivery=sofia_copy, version=sofia_copy.version)
    services.message_send(
        sender=minjun,
        recipients=[liam],
        subject="Laptop keyboard",
        body="My laptop's keyboard is failing (the E key sticks). Is there a spare one?",
    )
