"""What a node's MariaDB server says about itself, compared with the node's settings.

On the pair the node sets its id stride itself (odd ids on node 1, even on node 2); on
Galera the cluster does (`wsrep_auto_increment_control`), so the check is that the
server is a Galera member with that control on, and that this connection kept the
cluster's stride and waits for causality on reads (platform_site/databases.py).
"""

from __future__ import annotations

from dataclasses import dataclass

IDENTITY_QUERY = (
    "SELECT @@global.auto_increment_increment, @@global.auto_increment_offset, "
    "@@global.server_id, @@session.auto_increment_increment, @@session.auto_increment_offset"
)


@dataclass(frozen=True)
class ServerIdentity:
    global_increment: int
    global_offset: int
    server_id: int
    session_increment: int
    session_offset: int


def read_server_identity(connection) -> ServerIdentity:
    with connection.cursor() as cursor:
        cursor.execute(IDENTITY_QUERY)
        row = cursor.fetchone()
    return ServerIdentity(*(int(value) for value in row))


GALERA_QUERY = (
    "SELECT @@global.wsrep_on, @@global.wsrep_auto_increment_control, @@session.wsrep_sync_wait"
)


@dataclass(frozen=True)
class GaleraIdentity:
    wsrep_on: bool
    auto_increment_control: bool
    session_sync_wait: int


def read_galera_identity(connection) -> GaleraIdentity:
    with connection.cursor() as cursor:
        cursor.execute(GALERA_QUERY)
        on, control, wait = cursor.fetchone()
    return GaleraIdentity(bool(int(on)), bool(int(control)), int(wait))


def galera_identity_problems(server: ServerIdentity, galera: GaleraIdentity, *, server_id: int):
    """Every way a Galera member disagrees with what the platform needs, as sentences."""
    problems = []
    if not galera.wsrep_on:
        problems.append("PLATFORM_DB_ENGINE is galera, but the server's wsrep_on is OFF")
    if not galera.auto_increment_control:
        problems.append("wsrep_auto_increment_control is OFF: two members could pick the same id")
    if (server.session_increment, server.session_offset) != (
        server.global_increment,
        server.global_offset,
    ):
        problems.append(
            "this connection overrides the cluster's auto_increment settings "
            f"(increment {server.session_increment}, offset {server.session_offset})"
        )
    if not galera.session_sync_wait & 1:
        problems.append("this connection's reads do not wait for causality (wsrep_sync_wait)")
    if server.server_id != server_id:
        problems.append(
            f"the server's server_id is {server.server_id}, but this node's "
            f"PLATFORM_DB_SERVER_ID means {server_id}"
        )
    return problems


def identity_problems(
    server: ServerIdentity, *, node_index: int, node_count: int, server_id: int
) -> list[str]:
    """Every way the server disagrees with the node's identity (the pair), as sentences."""
    problems = []
    expected = {
        "auto_increment_increment": (server.global_increment, node_count, "PLATFORM_NODE_COUNT"),
        "auto_increment_offset": (server.global_offset, node_index, "PLATFORM_NODE_INDEX"),
        "server_id": (server.server_id, server_id, "PLATFORM_DB_SERVER_ID"),
    }
    for variable, (actual, wanted, setting) in expected.items():
        if actual != wanted:
            problems.append(
                f"the server's {variable} is {actual}, but this node's {setting} means {wanted}"
            )
    # Ids step by twice the count (platform_site/databases.py): this connection, to the
    # node's own database, takes the node's own offset.
    if (server.session_increment, server.session_offset) != (2 * node_count, node_index):
        problems.append(
            "this connection's auto_increment settings were not applied by init_command "
            f"(increment {server.session_increment}, offset {server.session_offset})"
        )
    return problems
