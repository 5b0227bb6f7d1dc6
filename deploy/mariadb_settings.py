"""A node's MariaDB settings (deploy/mariadb/node.cnf.template), sized from documented inputs.

Inputs (flags of `python -m deploy.render mariadb`):

- `--memory`: the host's memory in MiB. The buffer pool gets half (the node's gunicorn
  shares the host), the redo log a quarter of the pool (at least 48 MiB).
- `--connections` (150): the platform connections this server must accept at once.
  Every gunicorn worker of every node connects here (to its own database, or to its
  peer's for home-node writes), and its health checks open short-lived ones of their
  own; commands and the heartbeat add a few: about 3 x GUNICORN_WORKERS x nodes + 10.
  `max_connections` adds 16 for replication, monitoring and an administrator.
- `--max-body-bytes`: PLATFORM_MAX_BODY_BYTES, the largest request body. One statement
  may carry all of it as one value, and escaping can double such bytes in the statement
  text: `max_allowed_packet` is twice the body plus 1 MiB, rounded up to a MiB, and never
  under MariaDB's default 16 MiB.
- `--bind-address`: the private interface the nodes and the peer's replica connect to.
- `--binlog-days` (7): how long binary logs are kept, longer than the longest peer
  outage to resume from and than the backup interval.
- `--tls-ca/--tls-cert/--tls-key`: the server's certificate for replication over TLS
  (the replication user is then made to require it; replication/setup.py).
"""

from __future__ import annotations

import argparse
import string
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "mariadb" / "node.cnf.template"
MIB = 1024 * 1024
DEFAULT_MAX_BODY_BYTES = 10 * MIB  # PLATFORM_MAX_BODY_BYTES's default
CONNECTION_HEADROOM = 16


@dataclass(frozen=True)
class ServerTLS:
    """The server's side of replication TLS: PEM files readable by mariadbd."""

    ca: str
    cert: str
    key: str


@dataclass(frozen=True)
class MariaDBInputs:
    node_index: int
    node_count: int = 2
    server_id: int = 0  # 0: the node index
    gtid_domain_id: int = 0  # 0: the node index
    log_bin: str = "/var/lib/mysql/mariadb-bin"
    bind_address: str = "127.0.0.1"
    memory_mib: int = 4096
    connections: int = 150
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    binlog_days: float = 7
    slow_log: str = "/var/log/mysql/mariadb-slow.log"
    tls: ServerTLS | None = None


def max_allowed_packet(max_body_bytes: int) -> int:
    """Bytes: the largest body escaped (twice its size), the statement around it; 16 MiB+."""
    wanted = 2 * max_body_bytes + MIB
    return max(16 * MIB, -(-wanted // MIB) * MIB)


def buffer_pool_mib(memory_mib: int) -> int:
    return max(64, memory_mib // 2 // 64 * 64)


def values(inputs: MariaDBInputs) -> dict[str, str]:
    """The template's placeholders, from the inputs."""
    if not 1 <= inputs.node_index <= inputs.node_count:
        raise ValueError("the node index must be between 1 and the node count")
    if inputs.connections < 1 or inputs.memory_mib < 128 or inputs.max_body_bytes < 1:
        raise ValueError("connections, memory and body size must be positive (memory ≥ 128)")
    pool = buffer_pool_mib(inputs.memory_mib)
    return {
        "server_id": str(inputs.server_id or inputs.node_index),
        "gtid_domain_id": str(inputs.gtid_domain_id or inputs.node_index),
        "node_count": str(inputs.node_count),
        "node_index": str(inputs.node_index),
        "log_bin": inputs.log_bin,
        "bind_address": inputs.bind_address,
        "binlog_expire_seconds": str(int(inputs.binlog_days * 86400)),
        "buffer_pool": f"{pool}M",
        "log_file_size": f"{max(48, pool // 4)}M",
        "max_connections": str(inputs.connections + CONNECTION_HEADROOM),
        "max_allowed_packet": f"{max_allowed_packet(inputs.max_body_bytes) // MIB}M",
        "slow_log": inputs.slow_log,
        "tls": tls_lines(inputs.tls),
    }


def tls_lines(tls: ServerTLS | None) -> str:
    if tls is None:
        return "# Replication TLS: off (render with --tls-ca/--tls-cert/--tls-key to turn it on)."
    return "\n".join(
        [
            "# Replication TLS: the peer's replica connects with MASTER_SSL=1 and verifies",
            "# this certificate; the replication user requires TLS (replication/setup.py).",
            f"ssl_ca = {tls.ca}",
            f"ssl_cert = {tls.cert}",
            f"ssl_key = {tls.key}",
            "tls_version = TLSv1.2,TLSv1.3",
        ]
    )


def render(inputs: MariaDBInputs) -> str:
    return string.Template(TEMPLATE.read_text()).substitute(values(inputs))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--node-index", type=int, required=True, help="This node's number (1-based).")
    add("--node-count", type=int, default=2, help="Number of writing nodes.")
    add("--server-id", type=int, default=0, help="Default: the node index.")
    add("--log-bin", default=MariaDBInputs.log_bin, help="Binary log base name.")
    add("--bind-address", required=True, help="The private address to listen on.")
    add("--memory", type=int, default=4096, help="The host's memory, MiB.")
    add("--connections", type=int, default=150, help="Platform connections to accept.")
    add(
        "--max-body-bytes",
        type=int,
        default=DEFAULT_MAX_BODY_BYTES,
        help="PLATFORM_MAX_BODY_BYTES of the nodes.",
    )
    add("--binlog-days", type=float, default=7, help="Days binary logs are kept.")
    add("--slow-log", default=MariaDBInputs.slow_log, help="Slow query log file.")
    add("--tls-ca", help="CA certificate (PEM) for replication TLS.")
    add("--tls-cert", help="This server's certificate (PEM).")
    add("--tls-key", help="This server's private key (PEM).")


def from_arguments(args: argparse.Namespace) -> MariaDBInputs:
    files = (args.tls_ca, args.tls_cert, args.tls_key)
    if any(files) and not all(files):
        raise ValueError("replication TLS needs --tls-ca, --tls-cert and --tls-key together")
    return MariaDBInputs(
        node_index=args.node_index,
        node_count=args.node_count,
        server_id=args.server_id,
        log_bin=args.log_bin,
        bind_address=args.bind_address,
        memory_mib=args.memory,
        connections=args.connections,
        max_body_bytes=args.max_body_bytes,
        binlog_days=args.binlog_days,
        slow_log=args.slow_log,
        tls=ServerTLS(*files) if all(files) else None,
    )
