"""Replication setup statements and GTID positions, with no Django imports.

Used by `manage.py replication_setup` on real hosts and by deploy/local/pair.py, so
the local pair is configured exactly as production is.
"""

from __future__ import annotations

GTID_MODES = ("slave_pos", "current_pos")


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def change_master_statements(
    *, host: str, port: int, user: str, password: str, gtid_mode: str = "slave_pos"
) -> list[str]:
    if gtid_mode not in GTID_MODES:
        raise ValueError(f"gtid_mode must be one of {GTID_MODES}")
    return [
        "STOP SLAVE",
        f"CHANGE MASTER TO MASTER_HOST={_quote(host)}, MASTER_PORT={int(port)}, "
        f"MASTER_USER={_quote(user)}, MASTER_PASSWORD={_quote(password)}, "
        f"MASTER_USE_GTID={gtid_mode}, MASTER_CONNECT_RETRY=1",
        "START SLAVE",
    ]


def gtid_positions(text: str | None) -> dict[int, int]:
    """A GTID position list ("1-1-42,2-2-17") as the highest sequence per domain."""
    positions: dict[int, int] = {}
    for part in filter(None, (text or "").split(",")):
        domain, _server, seq = part.strip().split("-")
        positions[int(domain)] = max(positions.get(int(domain), 0), int(seq))
    return positions
