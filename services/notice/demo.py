"""Demo notices: a pinned policy, news, a scheduled notice, an expired one, some receipts."""

from __future__ import annotations

from datetime import timedelta

from services.notice.services import notice_create, notice_mark_read


def seed(*, people: dict, now) -> None:
    hana, liam, amara = people["hana.kim"], people["liam.chen"], people["amara.okafor"]
    handbook = notice_create(
        author=hana,
        title="Updated staff handbook",
        body="The 2026 handbook is in the document store under HR/Policies. Please read the "
        "new sections on remote work and travel expenses by the end of the month.",
        pinned=True,
        publish_at=now - timedelta(days=6),
    )
    maintenance = notice_create(
        author=liam,
        title="E-mail maintenance on Saturday",
        body="Mail will be unavailable on Saturday from 07:00 to 09:00 UTC while we move to "
        "the new servers. The desktop client keeps working; messages are delivered after.",
        publish_at=now - timedelta(days=1),
        expires_at=now + timedelta(days=5),
    )
    notice_create(
        author=amara,
        title="Fire drill next Tuesday",
        body="A fire drill takes place at 10:30. Leave by the nearest exit and meet in the car "
        "park. It takes about fifteen minutes.",
        publish_at=now + timedelta(days=2),
        expires_at=now + timedelta(days=8),
    )
    notice_create(
        author=hana,
        title="Summer party sign-up",
        body="Sign-up for the summer party has closed. Thank you to everyone who joined!",
        publish_at=now - timedelta(days=40),
        expires_at=now - timedelta(days=10),
    )
    for username in ("minjun.lee", "sofia.rossi", "noah.schmidt"):
        notice_mark_read(notice=handbook, reader=people[username])
    notice_mark_read(notice=maintenance, reader=people["minjun.lee"])
