"""Two MariaDB servers replicating master-master with GTIDs, on loopback.

Node 1 ("a") and node 2 ("b") get their server config from deploy/mariadb's template
(distinct server_id and gtid_domain_id, odd/even auto-increment), a replication user
each and a platform user each (per-node setup, kept out of the binary log), and
replicate both ways. `start()` is idempotent: it leaves a running, configured pair
alone. Data lives under one run directory.

GTID mode: MASTER_USE_GTID=slave_pos. Each server resumes from the GTIDs it has
*applied from its peer* (mysql.gtid_slave_pos, crash-safe in InnoDB), not from its own
binary log; with distinct domain ids both modes resume after a restart or a kill -9
(tests/cluster/test_replication_recovery.py checks both), but slave_pos does not count
local writes made with the binary log on as replicated history, so a stray local
write in the peer's domain cannot make a server skip its peer's events.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from deploy.local import replication_tls
from deploy.local.mariadb import MariaDBInstance
from replication.setup import (
    ReplicaTLS,
    change_master_statements,
    gtid_positions,
    heartbeat_event_statements,
    replication_user_statements,
)

DEFAULT_PORTS = (33061, 33062)
REPL_USER = "repl"
APP_USER = "platform"
DATABASE = "platform"


@dataclass
class ReplicatedPair:
    base_dir: Path
    ports: tuple[int, int] = DEFAULT_PORTS
    gtid_mode: str = "slave_pos"
    # Where each server's replica connects to reach its peer (a fault proxy's links, say);
    # None: straight to the peer's port.
    source_ports: tuple[int, int] | None = None
    # Replication over TLS: a certificate per server from a CA of the run's own, each
    # replica verifying its peer, each replication user requiring TLS.
    replication_tls: bool = False

    def __post_init__(self) -> None:
        self.nodes = [
            MariaDBInstance(name, self.base_dir / f"db-{name}", port, node_index=i, node_count=2)
            for i, (name, port) in enumerate(zip("ab", self.ports, strict=True), start=1)
        ]
        if self.replication_tls:
            for node in self.nodes:
                node.tls = replication_tls.server_tls(self.base_dir / "tls", f"db-{node.name}")

    @property
    def a(self) -> MariaDBInstance:
        return self.nodes[0]

    @property
    def b(self) -> MariaDBInstance:
        return self.nodes[1]

    def secrets(self) -> dict[str, str]:
        """Per-run passwords, kept in the (git-ignored) run directory."""
        path = self.base_dir / "secrets.json"
        if path.exists():
            return json.loads(path.read_text())
        values = {"repl": secrets.token_urlsafe(18), "app": secrets.token_urlsafe(18)}
        self.base_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
        path.chmod(0o600)
        return values

    def start(self, *, tied: bool = True) -> None:
        for node in self.nodes:
            node.start(tied=tied)
            self.prepare(node)
        for node, peer in ((self.a, self.b), (self.b, self.a)):
            if not replica_configured(node):
                self.configure_replication(node, peer)

    def prepare(self, node: MariaDBInstance) -> None:
        """Per-node setup (users, the database), idempotent and never replicated."""
        values = self.secrets()
        node.execute(
            *replication_user_statements(
                user=REPL_USER,
                host="127.0.0.1",
                password=values["repl"],
                require_tls=self.replication_tls,
            ),
            f"CREATE DATABASE IF NOT EXISTS `{DATABASE}` CHARACTER SET utf8mb4",
            log_bin=False,
        )
        node.create_app_user(APP_USER, values["app"], all_databases=True)

    def configure_replication(self, node: MariaDBInstance, peer: MariaDBInstance) -> None:
        statements = change_master_statements(
            host="127.0.0.1",
            port=self.source_ports[node.node_index - 1] if self.source_ports else peer.port,
            user=REPL_USER,
            password=self.secrets()["repl"],
            gtid_mode=self.gtid_mode,
            tls=ReplicaTLS(ca=peer.tls.ca) if self.replication_tls else None,
        )
        node.execute(*statements, log_bin=False)

    def database_url(
        self, node: MariaDBInstance, database: str = DATABASE, *, port: int | None = None
    ) -> str:
        return node.database_url(APP_USER, self.secrets()["app"], database, port=port)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def remove(self) -> None:
        for node in self.nodes:
            node.remove()

    def start_heartbeats(self, database: str = DATABASE) -> None:
        """Each database's own heartbeat event (after migrate made its table)."""
        for node in self.nodes:
            self.start_heartbeat(node, database)

    def start_heartbeat(self, node: MariaDBInstance, database: str = DATABASE) -> None:
        """`node`'s own heartbeat event, replacing any (a restored backup brings the
        source's, which would beat under the source's name)."""
        statements = heartbeat_event_statements(
            database=database, node_index=node.node_index, node="AB"[node.node_index - 1]
        )
        node.execute(*statements, log_bin=False)

    def wait_in_sync(self, timeout: float = 30.0) -> None:
        """Until each server has applied everything the other has written."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(caught_up(n, p) for n, p in ((self.a, self.b), (self.b, self.a))):
                return
            time.sleep(0.02)
        raise TimeoutError("the pair did not converge")


def replica_status(node: MariaDBInstance) -> dict:
    conn = node.connect()
    try:
        cur = conn.cursor()
        cur.execute("SHOW SLAVE STATUS")
        row = cur.fetchone()
        if row is None:
            return {}
        return dict(zip([d[0] for d in cur.description], row, strict=True))
    finally:
        conn.close()


def replica_configured(node: MariaDBInstance) -> bool:
    return bool(replica_status(node).get("Master_Host"))


def caught_up(node: MariaDBInstance, peer: MariaDBInstance) -> bool:
    """Has `node` applied every transaction `peer` wrote in its own domain?"""
    domain = peer.gtid_domain_id or peer.node_index
    written = gtid_positions(peer.execute("SELECT @@global.gtid_binlog_pos")[0][0]).get(domain, 0)
    applied = gtid_positions(node.execute("SELECT @@global.gtid_slave_pos")[0][0]).get(domain, 0)
    return applied >= written
