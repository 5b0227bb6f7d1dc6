"""Replication setup statements and GTID positions, with no Django imports.

Used by `manage.py replication_setup` on real hosts and by deploy/local/pair.py, so
the local pair is configured exactly as production is.
"""

from __future__ import annotations

from dataclasses import dataclass

GTID_MODES = ("slave_pos", "current_pos")


@dataclass(frozen=True)
class ReplicaTLS:
    """Replication over TLS: the CA that signed the peer's server certificate (PEM path).

    The replica verifies the peer's certificate against it (and its name or address);
    the peer's replication user is made to require TLS (`replication_user_statements`).
    """

    ca: str


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def change_master_statements(
    *,
    host: str,
    port: int,
    user: str,
    password: str,
    gtid_mode: str = "slave_pos",
    tls: ReplicaTLS | None = None,
) -> list[str]:
    if gtid_mode not in GTID_MODES:
        raise ValueError(f"gtid_mode must be one of {GTID_MODES}")
    secure = (
        f", MASTER_SSL=1, MASTER_SSL_CA={_quote(tls.ca)}, MASTER_SSL_VERIFY_SERVER_CERT=1"
        if tls
        else ", MASTER_SSL=0"
    )
    return [
        "STOP SLAVE",
        f"CHANGE MASTER TO MASTER_HOST={_quote(host)}, MASTER_PORT={int(port)}, "
        f"MASTER_USER={_quote(user)}, MASTER_PASSWORD={_quote(password)}, "
        f"MASTER_USE_GTID={gtid_mode}, MASTER_CONNECT_RETRY=1{secure}",
        "START SLAVE",
    ]


def replication_user_statements(
    *, user: str, host: str, password: str, require_tls: bool = False
) -> list[str]:
    """The peer's login on this server; per-node setup, to run with the binary log off.

    With `require_tls`, the server refuses this user over a plain connection, so
    replication cannot silently fall back to clear text; other users are unaffected.
    """
    account = f"{_quote(user)}@{_quote(host)}"
    return [
        f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY {_quote(password)}",
        f"ALTER USER {account} IDENTIFIED BY {_quote(password)} "
        f"REQUIRE {'SSL' if require_tls else 'NONE'}",
        f"GRANT REPLICATION SLAVE ON *.* TO {account}",
    ]


def gtid_positions(text: str | None) -> dict[int, int]:
    """A GTID position list ("1-1-42,2-2-17") as the highest sequence per domain."""
    positions: dict[int, int] = {}
    for part in filter(None, (text or "").split(",")):
        domain, _server, seq = part.strip().split("-")
        positions[int(domain)] = max(positions.get(int(domain), 0), int(seq))
    return positions


BEATS_PER_SECOND = 5
EVENT = "platform_heartbeat"


def heartbeat_event_statements(*, database: str, node_index: int, node: str) -> list[str]:
    """Statements that make this node's database write its own heartbeat, 5 times a second.

    An event of the database itself, not a process of the node: it beats as long as the
    database lives, so a peer that sees no fresh heartbeat knows the *database* is behind
    or silent, whatever its node's app server is doing (replication/lag.py). The event is
    per node: run these with the binary log off (they must not replicate), after
    `migrate`; the UPDATEs it makes are logged and replicate. Needs `event_scheduler = ON`
    (deploy/mariadb/node.cnf.template).
    """
    table = f"`{database}`.`replication_heartbeat`"
    # SYSDATE, not UTC_TIMESTAMP: inside one run of an event the latter stands still at
    # the run's start, and the beats must carry the moment each is written (the event's
    # session time zone is UTC, set below).
    beat_sql = (
        f"INSERT INTO {table} (node_index, node, beat_at, seq) "  # noqa: S608 - our own names
        f"VALUES ({int(node_index)}, '{node}', SYSDATE(6), 1) "
        "ON DUPLICATE KEY UPDATE beat_at = SYSDATE(6), seq = seq + 1"
    )
    pause = 1 / BEATS_PER_SECOND
    return [
        f"DROP EVENT IF EXISTS `{database}`.{EVENT}",
        f"CREATE EVENT `{database}`.{EVENT} ON SCHEDULE EVERY 1 SECOND "
        "ON COMPLETION PRESERVE ENABLE DO BEGIN "
        "DECLARE beats INT DEFAULT 0; "
        "SET time_zone = '+00:00'; "
        f"WHILE beats < {BEATS_PER_SECOND} DO "
        f"{beat_sql}; SET beats = beats + 1; "
        f"IF beats < {BEATS_PER_SECOND} THEN DO SLEEP({pause:.3f}); END IF; "
        "END WHILE; END",
    ]
