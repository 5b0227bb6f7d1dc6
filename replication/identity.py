"""What a node's MariaDB server says about itself, compared with the node's settings."""

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


def identity_problems(
    server: ServerIdentity, *, node_index: int, node_count: int, server_id: int
) -> list[str]:
    """Every way the server disagrees with the node's identity, as sentences."""
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
