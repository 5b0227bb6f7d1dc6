"""The whole topology on loopback: MariaDB A and B replicating, node A and B, HAProxy.

Each node is nginx (TLS, certificates from a CA made for the run directory) in front
of gunicorn on a Unix socket, as in production; HAProxy passes TLS through to the
nodes' balancer listeners. Clients trust `ca_file`.

Used by the cluster test tier and by `deploy/cluster` (`make cluster`). Migrations run
once, on node A only; replication carries the schema to B. Every component can be
stopped and started on its own, for failover drills.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from deploy.local import processes
from deploy.local.faults import ClusterFaults
from deploy.local.haproxy import LoadBalancer
from deploy.local.node import PROJECT_DIR, PlatformNode
from deploy.local.pair import ReplicatedPair
from deploy.local.tls import LocalCA

COMPONENTS = ("db-a", "db-b", "node-a", "node-b", "lb")


@dataclass
class ClusterPorts:
    db: tuple[int, int] = (33061, 33062)
    nodes: tuple[int, int] = (8081, 8082)  # each node's nginx, direct TLS
    lb: int = 8080
    lb_stats: int = 8404
    node_balancer: tuple[int, int] = (8091, 8092)  # each node's nginx, from HAProxy

    @classmethod
    def free(cls) -> ClusterPorts:
        free = processes.free_port
        return cls((free(), free()), (free(), free()), free(), free(), (free(), free()))


@dataclass
class LocalCluster:
    engine = "pair"  # (deploy/local/galera_cluster.py is the Galera topology)
    run_dir: Path
    ports: ClusterPorts = field(default_factory=ClusterPorts)
    workers: int = 2
    tied: bool = True
    gtid_mode: str = "slave_pos"
    extra_env: dict = field(default_factory=dict)
    # Route every node→database and replication connection through the fault proxy
    # (deploy/local/faults.py), so tests can cut, stall or lose them: `cluster.faults`.
    fault_links: bool = False
    # A plain-HTTP port of each node's gunicorn beside nginx (PlatformNode.app_url), for
    # benchmarks that probe the app itself; the tests and `make cluster` have none.
    direct_app: bool = False

    def __post_init__(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.pair = ReplicatedPair(self.run_dir / "db", self.ports.db, gtid_mode=self.gtid_mode)
        self.faults = self._fault_proxy() if self.fault_links else None
        self.ca = LocalCA(self.run_dir / "tls")
        self.nodes = [
            PlatformNode(
                name,
                self.run_dir / f"node-{name}",
                port,
                {},
                workers=self.workers,
                web_server=True,
                balancer_port=balancer_port,
                ca=self.ca,
                app_port=processes.free_port() if self.direct_app else 0,
            )
            for name, port, balancer_port in zip(
                "ab", self.ports.nodes, self.ports.node_balancer, strict=True
            )
        ]
        for index, node in enumerate(self.nodes, start=1):
            node.env = self.node_env(index)
        self.lb = LoadBalancer(
            self.run_dir / "lb",
            self.ports.lb,
            self.ports.lb_stats,
            {f"node-{n.name}": n.nginx.balancer_port for n in self.nodes},
            self.ca.ca_file,
        )

    @property
    def ca_file(self) -> Path:
        """The CA every client of this cluster must trust (made on first use)."""
        return self.ca.ensure()

    def secrets(self) -> dict[str, str]:
        path = self.run_dir / "node-secrets.json"
        if path.exists():
            return json.loads(path.read_text())
        values = {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "PLATFORM_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
        }
        path.write_text(json.dumps(values))
        path.chmod(0o600)
        return values

    def node_env(self, index: int) -> dict[str, str]:
        own, peer = self.pair.nodes[index - 1], self.pair.nodes[2 - index]
        return {
            **self.secrets(),
            "PLATFORM_NODE": "AB"[index - 1],
            "PLATFORM_NODE_INDEX": str(index),
            "PLATFORM_NODE_COUNT": "2",
            "DATABASE_URL": self.pair.database_url(own),
            "PEER_DATABASE_URL": self.pair.database_url(peer),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Every request arrives over TLS through nginx: the production HTTPS
            # settings, whatever the launching environment says (the test harness
            # turns them off for its in-process tiers).
            "SESSION_COOKIE_SECURE": "true",
            "CSRF_COOKIE_SECURE": "true",
            "SECURE_SSL_REDIRECT": "true",
            "SECURE_HSTS_SECONDS": "31536000",
            "DATABASE_CONN_MAX_AGE": "60",
            **self._fault_env(index),
            **self.extra_env,
        }

    def _fault_proxy(self) -> ClusterFaults:
        faults = ClusterFaults.for_databases(self.run_dir / "faults", self.ports.db)
        self.pair.source_ports = (faults.port("db-a->db-b"), faults.port("db-b->db-a"))
        return faults

    def _fault_env(self, index: int) -> dict[str, str]:
        """Database URLs through the node's proxy links, when the cluster has them."""
        if self.faults is None:
            return {}
        me, other = "ab"[index - 1], "ab"[2 - index]
        own, peer = self.pair.nodes[index - 1], self.pair.nodes[2 - index]
        return {
            "DATABASE_URL": self.pair.database_url(
                own, port=self.faults.port(f"node-{me}->db-{me}")
            ),
            "PEER_DATABASE_URL": self.pair.database_url(
                peer, port=self.faults.port(f"node-{me}->db-{other}")
            ),
        }

    def node(self, index: int) -> PlatformNode:
        return self.nodes[index - 1]

    def start_databases(self) -> None:
        if self.faults is not None:
            self.faults.start(tied=self.tied)
        self.pair.start(tied=self.tied)

    def migrate(self) -> None:
        """Schema changes on node A only; B receives them through replication."""
        self.node(1).manage("migrate", "--noinput")
        self.node(1).manage("credential_keys", "ensure")
        self.pair.wait_in_sync()
        self.pair.start_heartbeats()

    def start_nodes(self) -> None:
        for node in self.nodes:
            node.start(tied=self.tied)

    def start_lb(self) -> None:
        self.lb.start(tied=self.tied)
        wait_for(
            lambda: set(self.lb.server_states().values()) == {"UP"},
            timeout=15,
            what="both nodes UP in HAProxy",
        )

    def up(self, *, with_lb: bool = True) -> None:
        self.start_databases()
        self.migrate()
        self.start_nodes()
        if with_lb:
            self.start_lb()

    def down(self) -> None:
        self.lb.stop()
        for node in self.nodes:
            node.stop()
        self.pair.stop()
        if self.faults is not None:
            self.faults.stop()

    def component(self, name: str):
        """The object behind a component name: db-a, db-b, node-a, node-b or lb."""
        if name not in COMPONENTS:
            raise ValueError(f"unknown component {name!r}; one of {', '.join(COMPONENTS)}")
        if name == "lb":
            return self.lb
        kind, letter = name.split("-")
        index = "ab".index(letter)
        return self.pair.nodes[index] if kind == "db" else self.nodes[index]

    def stop(self, name: str) -> None:
        self.component(name).stop()

    def start(self, name: str) -> None:
        target = self.component(name)
        target.start(tied=self.tied)

    def manage(self, index: int, *args: str, check: bool = True):
        return self.node(index).manage(*args, check=check)

    def shell(self, index: int, code: str) -> str:
        return self.manage(index, "shell", "-c", code).stdout

    def wait_in_sync(self, timeout: float = 30.0) -> None:
        self.pair.wait_in_sync(timeout)


def python() -> str:
    return sys.executable


def wait_for(predicate, *, timeout: float, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what}")


__all__ = ["PROJECT_DIR", "ClusterPorts", "LocalCluster", "wait_for"]
