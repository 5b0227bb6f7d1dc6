"""What each database says about its replication, read by column name.

Both vocabularies are understood (SHOW SLAVE STATUS on MariaDB, SHOW REPLICA STATUS on
MySQL 8), and `Seconds_Behind_Master` is reported but never trusted alone: it reads 0
when idle. Lag is measured with the replicated heartbeat rows instead.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

from django.db import connections

# Settings every node's server must have (docs/ARCHITECTURE.md, deploy/mariadb/node.cnf.template).
REQUIRED = {
    "log_bin": "1",
    "binlog_format": "ROW",
    "log_slave_updates": "1",
    "binlog_row_image": "MINIMAL",
    "gtid_strict_mode": "1",
}
ADVISED = {"sync_binlog": "1", "innodb_flush_log_at_trx_commit": "1"}


def _pick(row: dict, *names, default=None):
    for name in names:
        if name in row and row[name] is not None:
            return row[name]
    return default


@dataclass
class ReplicaState:
    configured: bool
    io_running: str = ""
    sql_running: str = ""
    last_io_errno: int = 0
    last_io_error: str = ""
    last_sql_errno: int = 0
    last_sql_error: str = ""
    source: str = ""
    using_gtid: str = ""
    gtid_io_pos: str = ""
    seconds_behind: int | None = None

    @property
    def healthy(self) -> bool:
        return self.configured and self.io_running == "Yes" and self.sql_running == "Yes"


def read_replica(alias: str) -> ReplicaState:
    conn = connections[alias]
    with conn.cursor() as cursor:
        try:
            cursor.execute("SHOW REPLICA STATUS")
        except Exception:
            cursor.execute("SHOW SLAVE STATUS")
        row = cursor.fetchone()
        names = [d[0] for d in cursor.description or ()]
    if row is None:
        return ReplicaState(configured=False)
    data = dict(zip(names, row, strict=True))
    host = _pick(data, "Source_Host", "Master_Host", default="")
    port = _pick(data, "Source_Port", "Master_Port", default="")
    return ReplicaState(
        configured=bool(host),
        io_running=str(_pick(data, "Replica_IO_Running", "Slave_IO_Running", default="")),
        sql_running=str(_pick(data, "Replica_SQL_Running", "Slave_SQL_Running", default="")),
        last_io_errno=int(_pick(data, "Last_IO_Errno", default=0)),
        last_io_error=str(_pick(data, "Last_IO_Error", default="")),
        last_sql_errno=int(_pick(data, "Last_SQL_Errno", default=0)),
        last_sql_error=str(_pick(data, "Last_SQL_Error", default="")),
        source=f"{host}:{port}",
        using_gtid=str(_pick(data, "Using_Gtid", default="")),
        gtid_io_pos=str(_pick(data, "Gtid_IO_Pos", "Retrieved_Gtid_Set", default="")),
        seconds_behind=_pick(data, "Seconds_Behind_Source", "Seconds_Behind_Master"),
    )


@dataclass
class ServerState:
    alias: str
    reachable: bool
    error: str = ""
    version: str = ""
    server_id: int = 0
    gtid_domain_id: int = 0
    auto_increment_increment: int = 0
    auto_increment_offset: int = 0
    gtid_binlog_pos: str = ""
    gtid_slave_pos: str = ""
    variables: dict = field(default_factory=dict)
    replica: ReplicaState | None = None
    heartbeat_age_ms: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _variables(cursor) -> dict[str, str]:
    names = [
        "version",
        "server_id",
        "gtid_domain_id",
        "auto_increment_increment",
        "auto_increment_offset",
        "gtid_binlog_pos",
        "gtid_slave_pos",
        *REQUIRED,
        *ADVISED,
    ]
    cursor.execute("SELECT " + ", ".join(f"@@global.{name}" for name in names))
    return {
        name: "" if v is None else str(v) for name, v in zip(names, cursor.fetchone(), strict=True)
    }


def read_server(alias: str, *, peer_index: int | None) -> ServerState:
    try:
        with connections[alias].cursor() as cursor:
            values = _variables(cursor)
            age = _heartbeat_age(cursor, peer_index) if peer_index else None
    except Exception as exc:  # any driver error means: not reachable for monitoring
        connections[alias].close()
        return ServerState(alias=alias, reachable=False, error=str(exc)[:200])
    return ServerState(
        alias=alias,
        reachable=True,
        version=values.pop("version"),
        server_id=int(values.pop("server_id")),
        gtid_domain_id=int(values.pop("gtid_domain_id") or 0),
        auto_increment_increment=int(values.pop("auto_increment_increment")),
        auto_increment_offset=int(values.pop("auto_increment_offset")),
        gtid_binlog_pos=values.pop("gtid_binlog_pos"),
        gtid_slave_pos=values.pop("gtid_slave_pos"),
        variables=values,
        replica=read_replica(alias),
        heartbeat_age_ms=age,
    )


def _heartbeat_age(cursor, peer_index: int) -> float | None:
    """How old the peer's newest heartbeat looks here, by this server's clock."""
    cursor.execute(
        "SELECT TIMESTAMPDIFF(MICROSECOND, beat_at, UTC_TIMESTAMP(6)) "
        "FROM replication_heartbeat WHERE node_index = %s",
        [peer_index],
    )
    row = cursor.fetchone()
    return None if row is None else row[0] / 1000


def config_problems(server: ServerState, *, node_index: int, node_count: int) -> list[str]:
    """The config linter: what this server has that the platform's rules forbid."""
    problems = [
        f"{name} is {server.variables.get(name)!r}, must be {wanted!r}"
        for name, wanted in REQUIRED.items()
        if server.variables.get(name, "").upper() not in (wanted, {"1": "ON"}.get(wanted))
    ]
    if server.auto_increment_increment != node_count:
        problems.append(
            f"auto_increment_increment is {server.auto_increment_increment}, must be {node_count}"
        )
    if server.auto_increment_offset != node_index:
        problems.append(
            f"auto_increment_offset is {server.auto_increment_offset}, must be {node_index}"
        )
    return problems


def probe_lag_ms(*, writer_alias: str, reader_alias: str, node_index: int, timeout=5.0):
    """Write a heartbeat through `writer_alias`; time until `reader_alias` sees it."""
    from replication.heartbeat import beat

    seq = beat(alias=writer_alias, node_index=node_index)
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        with connections[reader_alias].cursor() as cursor:
            cursor.execute(
                "SELECT seq FROM replication_heartbeat WHERE node_index = %s", [node_index]
            )
            row = cursor.fetchone()
        if row and row[0] >= seq:
            return (time.perf_counter() - start) * 1000
        time.sleep(0.0005)
    return None
