"""Checks that hold across Galera members: claim a name by writing it.

A home-node service keeps its invariants (no two overlapping bookings of a room, no two
assets with one tag) by checking under a row lock on its home database. On Galera every
member takes writes and a row lock holds on one member only; what the cluster certifies
is what a transaction *writes*. So before such a check, the transaction claims the name
of what it checks (`claim("reservation.room.7", model=Booking)`): it writes that name's
row (`replication_writeclaim`). Two transactions on two members that claim one name
cannot both commit: certification refuses the later one (MariaDB error 1213), the
gateway runs it again (gateway/certification.py), and the retry's check sees the
winner's write. On one member, the claim's row lock makes them take turns as before.

On the pair (and SQLite) this does nothing: those checks run on the home database,
where the row lock they take is enough.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connections, router

TABLE = "replication_writeclaim"  # replication.models.WriteClaim


def claim(name: str, *, model) -> None:
    """Inside the transaction of a write to `model`: make `name` part of its write set."""
    if settings.PLATFORM_DB_ENGINE != "galera":
        return
    with connections[router.db_for_write(model)].cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (name, count, claimed_at) "  # noqa: S608 - a constant
            "VALUES (%s, 1, UTC_TIMESTAMP(6)) "
            "ON DUPLICATE KEY UPDATE count = count + 1, claimed_at = UTC_TIMESTAMP(6)",
            [name[:100]],
        )
