"""Database connection settings for a node, built from parsed URLs (no I/O here)."""

from __future__ import annotations

from pathlib import Path

from platform_site.config import NodeIdentity

# Strict mode turns silent truncation into errors, so bad input cannot half-write a row.
SQL_MODE = (
    "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,"
    "NO_ZERO_DATE,NO_ZERO_IN_DATE"
)


def is_mysql(config: dict) -> bool:
    return config.get("ENGINE") == "django.db.backends.mysql"


def mysql_init_command(
    identity: NodeIdentity, *, engine: str = "pair", causal: bool = True, through_peer: bool = False
) -> str:
    """The statement every connection runs first: this node's ids and strict mode.

    Ids step by twice the node count. Node i takes offset i for the rows it writes on its
    own database, and i + count for those it writes on the peer's (home-node writes and
    their request records): a table this node writes on both databases, each with its own
    auto-increment counter, can then never be given one id twice (error 1062 once the two
    rows meet, docs/ARCHITECTURE.md#rule-1). Either way node i's ids are i modulo the node
    count: odd on node 1, even on node 2.

    On Galera the cluster sets the stride itself (wsrep_auto_increment_control), so the
    connection leaves it alone, and its reads wait until this member has applied every
    write set certified before them (`wsrep_sync_wait = 1`): a session's next request may
    reach another node, and a check under a lock must see every committed write.
    `causal=False` is for the balancer's health check, which reads only local state.
    """
    if engine == "galera":
        return f"SET SESSION wsrep_sync_wait = {1 if causal else 0}, sql_mode = '{SQL_MODE}'"
    offset = identity.index + (identity.count if through_peer else 0)
    return (
        f"SET SESSION auto_increment_increment = {2 * identity.count}, "
        f"auto_increment_offset = {offset}, "
        f"sql_mode = '{SQL_MODE}'"
    )


def node_database(
    config: dict | None,
    *,
    identity: NodeIdentity,
    sqlite_path: Path,
    conn_max_age: int,
    connect_timeout: int,
    health_checks: bool = False,
    engine: str = "pair",
    through_peer: bool = False,
) -> dict:
    """Django's DATABASES entry for this node's own database (SQLite when unset)."""
    if config is None:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(sqlite_path),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    config = dict(config)
    config["CONN_MAX_AGE"] = conn_max_age
    # No ping before each request on the node's own database: a connection the server
    # dropped fails its first query with "gone away", which the gateway answers 503
    # database_unavailable (nothing applied, the client sends it again) and Django then
    # replaces the connection. The peer's connection is pinged (`health_checks`): it
    # carries home-node writes, whose failure is not retried by clients.
    config["CONN_HEALTH_CHECKS"] = health_checks
    if is_mysql(config):
        options = dict(config.get("OPTIONS") or {})
        options.update(
            {
                "charset": "utf8mb4",
                "init_command": mysql_init_command(
                    identity, engine=engine, through_peer=through_peer
                ),
                "connect_timeout": connect_timeout,
            }
        )
        config["OPTIONS"] = options
        config.setdefault("TEST", {})
        config["TEST"].update({"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"})
    return config


def with_timeouts(config: dict, *, seconds: int) -> dict:
    """A copy of a MySQL connection's settings whose reads and writes give up after
    `seconds` (a stalled or black-holed server answers an error, not silence)."""
    copy = {**config, "OPTIONS": dict(config.get("OPTIONS") or {}), "TEST": {"MIRROR": "default"}}
    copy["OPTIONS"].update(
        {"connect_timeout": seconds, "read_timeout": seconds, "write_timeout": seconds}
    )
    copy["CONN_MAX_AGE"] = 0
    return copy
