"""Heartbeats: each node's row, replicated, written by its database and by its checks."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, connections, transaction


def beat(*, alias: str = "default", node_index: int | None = None) -> int:
    """Advance this node's heartbeat (creating its row once); returns the new sequence."""
    node_index = node_index or settings.PLATFORM_NODE_INDEX
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        updated = cursor.execute(
            "UPDATE replication_heartbeat SET beat_at = UTC_TIMESTAMP(6), seq = seq + 1 "
            "WHERE node_index = %s",
            [node_index],
        )
        if not updated:
            try:
                with transaction.atomic(using=alias):
                    cursor.execute(
                        "INSERT INTO replication_heartbeat (node_index, node, beat_at, seq) "
                        "VALUES (%s, %s, UTC_TIMESTAMP(6), 1)",
                        [node_index, settings.PLATFORM_NODE],
                    )
            except IntegrityError:
                pass  # another worker of this node made the row a moment ago
        cursor.execute("SELECT seq FROM replication_heartbeat WHERE node_index = %s", [node_index])
        return cursor.fetchone()[0]
