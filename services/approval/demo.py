"""Demo data: documents at every stage of their approval line."""

from __future__ import annotations

from services.approval import services


def seed(*, people: dict, now) -> None:
    p = people
    travel = _submit(
        p["minjun.lee"],
        "Conference travel: PyCon Korea",
        "Two days in Seoul, economy flight and hotel; estimated 1,450 EUR.",
        [p["hana.kim"], p["sofia.rossi"]],
    )
    travel = services.document_approve(document=travel, actor=p["hana.kim"], version=travel.version)
    services.document_approve(
        document=travel,
        actor=p["sofia.rossi"],
        version=travel.version,
        comment="Within the travel budget.",
    )
    hiring = _submit(
        p["hana.kim"],
        "Hiring plan 2027",
        "Four new positions: two engineers, one analyst, one sales lead.",
        [p["sofia.rossi"], p["admin"]],
    )
    services.document_approve(document=hiring, actor=p["sofia.rossi"], version=hiring.version)
    discount = _submit(
        p["noah.schmidt"],
        "Special discount for Hanbit Logistics",
        "25 % off the first-year licence to close the deal this quarter.",
        [p["sofia.rossi"]],
    )
    services.document_reject(
        document=discount,
        actor=p["sofia.rossi"],
        version=discount.version,
        comment="Above the 15 % limit; propose a longer contract instead.",
    )
    _submit(
        p["amara.okafor"],
        "Warehouse shelving purchase",
        "Replace the shelving in storage room B; three quotes attached.",
        [p["liam.chen"], p["sofia.rossi"]],
    )
    monitors = _submit(
        p["liam.chen"], "Monitor replacement", "Ten 27-inch monitors.", [p["sofia.rossi"]]
    )
    services.document_withdraw(
        document=monitors,
        actor=p["liam.chen"],
        version=monitors.version,
        comment="Merged into the laptop refresh request.",
    )


def _submit(drafter, title, body, approvers):
    return services.document_submit(drafter=drafter, title=title, body=body, approvers=approvers)
