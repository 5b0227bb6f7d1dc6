"""GTID positions of the pair's databases, and waiting for one to apply the other's.

Each database logs its own transactions in the GTID domain of its node's index
(deploy/mariadb/node.cnf.template), so "everything database X wrote" is the last GTID of
X's own domain in its `gtid_binlog_pos`, and "database Y has applied it" is
`MASTER_GTID_WAIT` on Y returning 0.
"""

from __future__ import annotations

from django.db import connections

from replication.guard import node_of


def own_position(alias: str) -> str:
    """The last GTID the database behind `alias` logged in its own domain ("" if none)."""
    if connections[alias].vendor != "mysql":
        return ""  # a single node on SQLite: nothing replicates, nothing to wait for
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT @@global.gtid_binlog_pos")
        (text,) = cursor.fetchone()
    prefix = f"{node_of(alias)}-"
    for part in filter(None, (text or "").split(",")):
        if part.strip().startswith(prefix):
            return part.strip()
    return ""


def applied(alias: str, position: str, *, timeout: float) -> bool:
    """Whether the database behind `alias` has applied `position`, waiting up to
    `timeout` seconds for it (an empty position is applied everywhere)."""
    if not position:
        return True
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT MASTER_GTID_WAIT(%s, %s)", [position, timeout])
        (result,) = cursor.fetchone()
    return result == 0


def backlog(local: str, peer: str, *, timeout: float) -> str | None:
    """None when each database has applied everything the other logged so far; else
    which one has not (within `timeout` seconds each)."""
    for source, replica in ((peer, local), (local, peer)):
        position = own_position(source)
        if not applied(replica, position, timeout=timeout):
            return (
                f"node {node_of(replica)}'s database has not applied node "
                f"{node_of(source)}'s writes up to {position}"
            )
    return None
