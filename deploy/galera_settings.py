"""A Galera node's MariaDB settings (deploy/mariadb/galera-node.cnf.template), from inputs.

`python -m deploy.render mariadb --engine galera` takes the pair's sizing flags
(deploy/mariadb_settings.py: memory, connections, body size, binary log days, slow log)
and these:

- `--member HOST[:PORT]` (repeatable, every member, this node included): the cluster
  address, `gcomm://…`; PORT is each member's group-communication port (4567).
- `--node-index`: this node's number (1-based): its name (`db-1`, …), `server_id` and
  local `gtid_domain_id`. The cluster's write sets log in `--cluster-gtid-domain` (100),
  apart from the pair's per-node domains, so a cluster made from a pair never continues
  one of the pair's sequences.
- `--gcomm-port` 4567, `--ist-port` 4568, `--sst-port` 4444, `--port` 3306: where this
  node listens for the group, incremental and full state transfers, and clients.
- `--failure-timeout` (5 s, Galera's own default): how long a member may be silent before
  the others evict it. A member that crashes stalls every commit of the cluster for about
  this long (its write sets cannot be ordered without it until it is gone); a shorter
  time risks evicting a member over a network hiccup. The other failure-detector times
  follow it in Galera's own proportions, so at 5 s they are exactly Galera's defaults.
- `--gcache-mib` (1024): the write-set cache; a member away for less than what it holds
  catches up by IST (seconds) instead of a full copy (SST).
- `--applier-threads` (4): write sets applied in parallel on each member.
- `--sst-user` (`mysql`): the account the state transfer's mariadb-backup uses on the
  donor, authenticated over the Unix socket (Debian's `'mysql'@'localhost'`).
"""

from __future__ import annotations

import argparse
import string
from dataclasses import dataclass, field
from pathlib import Path

from deploy import mariadb_settings

TEMPLATE = Path(__file__).resolve().parent / "mariadb" / "galera-node.cnf.template"
PROVIDER = "/usr/lib/galera/libgalera_smm.so"
DEFAULT_GCOMM_PORT = 4567


@dataclass(frozen=True)
class GaleraInputs:
    node_index: int
    members: tuple[str, ...]  # HOST or HOST:PORT of every member's group port
    bind_address: str = "127.0.0.1"
    port: int = 3306
    gcomm_port: int = DEFAULT_GCOMM_PORT
    ist_port: int = 4568
    sst_port: int = 4444
    cluster_name: str = "platform"
    cluster_gtid_domain: int = 100
    failure_timeout: float = 5.0
    gcache_mib: int = 1024
    applier_threads: int = 4
    sst_user: str = "mysql"
    log_bin: str = "/var/lib/mysql/mariadb-bin"
    memory_mib: int = 4096
    connections: int = 150
    max_body_bytes: int = mariadb_settings.DEFAULT_MAX_BODY_BYTES
    binlog_days: float = 7
    slow_log: str = "/var/log/mysql/mariadb-slow.log"
    extra_provider_options: tuple[str, ...] = field(default=())


def _period(seconds: float) -> str:
    return f"PT{round(seconds, 3):g}S"


def failure_detection(timeout: float) -> dict[str, str]:
    """Galera's failure-detector times, scaled from the suspect timeout (5 s: its defaults)."""
    return {
        "evs.suspect_timeout": _period(timeout),
        "evs.inactive_timeout": _period(3 * timeout),
        "evs.keepalive_period": _period(timeout / 5),
        "evs.inactive_check_period": _period(timeout / 10),
        "evs.install_timeout": _period(1.5 * timeout),
        "evs.join_retrans_period": _period(timeout / 5),
        "pc.announce_timeout": _period(0.6 * timeout),
        # A read that waits for causality (the platform's wsrep_sync_wait) gives up after
        # this, rather than Galera's 30 s, which outlasts every timeout above it.
        "repl.causal_read_timeout": _period(5 * timeout),
    }


def provider_options(inputs: GaleraInputs) -> str:
    options = {
        "gmcast.listen_addr": f"tcp://{inputs.bind_address}:{inputs.gcomm_port}",
        "ist.recv_addr": f"{inputs.bind_address}:{inputs.ist_port}",
        "gcache.size": f"{inputs.gcache_mib}M",
        **failure_detection(inputs.failure_timeout),
    }
    text = "; ".join(f"{name}={value}" for name, value in options.items())
    return "; ".join([text, *inputs.extra_provider_options])


def values(inputs: GaleraInputs) -> dict[str, str]:
    """The template's placeholders, from the inputs."""
    if not inputs.members or inputs.node_index < 1:
        raise ValueError("a Galera node needs its index (1-based) and the cluster's members")
    if inputs.failure_timeout < 0.5 or inputs.gcache_mib < 16 or inputs.applier_threads < 1:
        raise ValueError("failure timeout ≥ 0.5 s, gcache ≥ 16 MiB, at least one applier")
    pair = mariadb_settings.values(
        mariadb_settings.MariaDBInputs(
            node_index=1,
            node_count=1,
            log_bin=inputs.log_bin,
            bind_address=inputs.bind_address,
            memory_mib=inputs.memory_mib,
            connections=inputs.connections,
            max_body_bytes=inputs.max_body_bytes,
            binlog_days=inputs.binlog_days,
            slow_log=inputs.slow_log,
        )
    )
    sized = (
        "log_bin",
        "binlog_expire_seconds",
        "buffer_pool",
        "log_file_size",
        "max_connections",
        "max_allowed_packet",
        "slow_log",
        "bind_address",
    )
    members = [m if ":" in m else f"{m}:{DEFAULT_GCOMM_PORT}" for m in inputs.members]
    return {
        **{name: pair[name] for name in sized},
        "server_id": str(inputs.node_index),
        "gtid_domain_id": str(inputs.node_index),
        "cluster_gtid_domain": str(inputs.cluster_gtid_domain),
        "cluster_name": inputs.cluster_name,
        "cluster_address": ",".join(members),
        "node_name": f"db-{inputs.node_index}",
        "node_address": f"{inputs.bind_address}:{inputs.gcomm_port}",
        "incoming_address": f"{inputs.bind_address}:{inputs.port}",
        "sst_address": f"{inputs.bind_address}:{inputs.sst_port}",
        "provider_options": provider_options(inputs),
        "sst_user": inputs.sst_user,
        "applier_threads": str(inputs.applier_threads),
    }


def render(inputs: GaleraInputs) -> str:
    return string.Template(TEMPLATE.read_text()).substitute(values(inputs))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The Galera flags, beside the pair's sizing flags (mariadb_settings.add_arguments)."""
    add = parser.add_argument
    add("--member", action="append", default=[], help="HOST[:PORT] of a member (repeatable).")
    add("--port", type=int, default=3306, help="Galera: the client port of this node.")
    add("--gcomm-port", type=int, default=DEFAULT_GCOMM_PORT, help="Galera: group port.")
    add("--ist-port", type=int, default=4568, help="Galera: incremental state transfer port.")
    add("--sst-port", type=int, default=4444, help="Galera: full state transfer port.")
    add("--cluster-name", default="platform", help="Galera: the cluster's name.")
    add("--cluster-gtid-domain", type=int, default=100, help="Galera: write sets' GTID domain.")
    add("--failure-timeout", type=float, default=5.0, help="Galera: seconds to evict a member.")
    add("--gcache-mib", type=int, default=1024, help="Galera: write-set cache, MiB.")
    add("--applier-threads", type=int, default=4, help="Galera: parallel appliers.")
    add("--sst-user", default="mysql", help="Galera: socket-authenticated SST account.")


def from_arguments(args: argparse.Namespace) -> GaleraInputs:
    if len(args.member) < 3 or len(args.member) % 2 == 0:
        raise ValueError(
            "a Galera cluster needs an odd number of members, three or more (--member, "
            "repeatable): a partition must always leave one side with a majority"
        )
    return GaleraInputs(
        node_index=args.node_index,
        members=tuple(args.member),
        bind_address=args.bind_address,
        port=args.port,
        gcomm_port=args.gcomm_port,
        ist_port=args.ist_port,
        sst_port=args.sst_port,
        cluster_name=args.cluster_name,
        cluster_gtid_domain=args.cluster_gtid_domain,
        failure_timeout=args.failure_timeout,
        gcache_mib=args.gcache_mib,
        applier_threads=args.applier_threads,
        sst_user=args.sst_user,
        log_bin=args.log_bin,
        memory_mib=args.memory,
        connections=args.connections,
        max_body_bytes=args.max_body_bytes,
        binlog_days=args.binlog_days,
        slow_log=args.slow_log,
    )
