"""The Galera topology on loopback: three MariaDB members, nodes A, B and C, HAProxy.

The same layers as the pair's topology (deploy/local/cluster.py) — each node nginx with
TLS in front of gunicorn on a Unix socket, HAProxy passing TLS through to the nodes'
balancer listeners — over a three-member Galera cluster (deploy/local/galera.py) instead
of two replicating servers. Every node writes to its own member; there is no peer
database and no home node. Migrations run once, on node A; Galera carries the schema to
the others. With `fault_links`, each node's connection to its member passes through the
fault proxy (links `node-a->db-a`, …), so a test can lose a COMMIT's answer.

Used by the Galera test tier (tests/galera/) and by `deploy/cluster up --engine galera`.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from deploy.local import processes
from deploy.local.cluster import wait_for
from deploy.local.faults import FaultProxy
from deploy.local.galera import GaleraCluster, GaleraPorts
from deploy.local.haproxy import LoadBalancer
from deploy.local.node import PlatformNode
from deploy.local.tls import LocalCA

LETTERS = "abc"
COMPONENTS = tuple([f"db-{x}" for x in LETTERS] + [f"node-{x}" for x in LETTERS] + ["lb"])


@dataclass
class GaleraTopologyPorts:
    db: GaleraPorts
    nodes: tuple[int, ...]  # each node's nginx, direct TLS
    node_balancer: tuple[int, ...]  # each node's nginx, from HAProxy
    lb: int
    lb_stats: int

    @classmethod
    def free(cls, count: int = 3) -> GaleraTopologyPorts:
        def pick():
            return tuple(processes.free_port() for _ in range(count))

        free = processes.free_port
        return cls(GaleraPorts.free(count), pick(), pick(), free(), free())

    @classmethod
    def fixed(cls) -> GaleraTopologyPorts:
        """`make cluster`'s Galera ports: beside the pair's, so both can run at once."""
        return cls(
            GaleraPorts(
                (33071, 33072, 33073),
                (34571, 34572, 34573),
                (34581, 34582, 34583),
                (34441, 34442, 34443),
            ),
            (8181, 8182, 8183),
            (8191, 8192, 8193),
            8180,
            8504,
        )


@dataclass
class LocalGaleraCluster:
    run_dir: Path
    ports: GaleraTopologyPorts = field(default_factory=GaleraTopologyPorts.fixed)
    workers: int = 2
    tied: bool = True
    extra_env: dict = field(default_factory=dict)
    fault_links: bool = False
    # Seconds a silent member may stay before the others evict it (Galera's default: 5).
    failure_timeout: float = 1.0
    engine: str = "galera"

    def __post_init__(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.galera = GaleraCluster(
            self.run_dir / "db", self.ports.db, failure_timeout=self.failure_timeout
        )
        self.faults = self._fault_proxy() if self.fault_links else None
        self.ca = LocalCA(self.run_dir / "tls")
        self.nodes = [
            PlatformNode(
                letter,
                self.run_dir / f"node-{letter}",
                port,
                {},
                workers=self.workers,
                web_server=True,
                balancer_port=balancer_port,
                ca=self.ca,
            )
            for letter, port, balancer_port in zip(
                LETTERS, self.ports.nodes, self.ports.node_balancer, strict=True
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
            engine="galera",
        )

    @property
    def databases(self):
        return self.galera.nodes

    @property
    def ca_file(self) -> Path:
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
        own = self.galera.nodes[index - 1]
        port = self.faults.links[f"node-{own.name}->db-{own.name}"][0] if self.faults else None
        return {
            **self.secrets(),
            "PLATFORM_DB_ENGINE": "galera",
            "PLATFORM_NODE": LETTERS[index - 1].upper(),
            "PLATFORM_NODE_INDEX": str(index),
            "PLATFORM_NODE_COUNT": str(len(self.nodes)),
            "DATABASE_URL": self.galera.database_url(own, port=port),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Every request arrives over TLS through nginx: production's HTTPS settings.
            "SESSION_COOKIE_SECURE": "true",
            "CSRF_COOKIE_SECURE": "true",
            "SECURE_SSL_REDIRECT": "true",
            "SECURE_HSTS_SECONDS": "31536000",
            "DATABASE_CONN_MAX_AGE": "60",
            **self.extra_env,
        }

    def _fault_proxy(self) -> FaultProxy:
        links = {
            f"node-{x}->db-{x}": (processes.free_port(), db.port)
            for x, db in zip(LETTERS, self.galera.nodes, strict=True)
        }
        return FaultProxy(self.run_dir / "faults", links)

    def node(self, index: int) -> PlatformNode:
        return self.nodes[index - 1]

    def database(self, index: int):
        return self.galera.nodes[index - 1]

    def start_databases(self) -> None:
        if self.faults is not None:
            self.faults.start(tied=self.tied)
        self.galera.start(tied=self.tied)

    def migrate(self) -> None:
        """Schema changes on node A only; Galera replicates each DDL to every member."""
        self.node(1).manage("migrate", "--noinput")
        self.node(1).manage("credential_keys", "ensure")

    def start_nodes(self) -> None:
        for node in self.nodes:
            node.start(tied=self.tied)

    def start_lb(self) -> None:
        self.lb.start(tied=self.tied)
        wait_for(
            lambda: set(self.lb.server_states().values()) == {"UP"},
            timeout=20,
            what="every node UP in HAProxy",
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
        self.galera.stop()
        if self.faults is not None:
            self.faults.stop()

    def component(self, name: str):
        """The object behind a component name: db-a…db-c, node-a…node-c or lb."""
        if name not in COMPONENTS:
            raise ValueError(f"unknown component {name!r}; one of {', '.join(COMPONENTS)}")
        if name == "lb":
            return self.lb
        kind, letter = name.split("-")
        index = LETTERS.index(letter)
        return self.galera.nodes[index] if kind == "db" else self.nodes[index]

    def stop(self, name: str) -> None:
        self.component(name).stop()

    def start(self, name: str) -> None:
        self.component(name).start(tied=self.tied)

    def manage(self, index: int, *args: str, check: bool = True):
        return self.node(index).manage(*args, check=check)

    def shell(self, index: int, code: str) -> str:
        return self.manage(index, "shell", "-c", code).stdout

    def wait_in_sync(self, timeout: float = 60.0) -> None:
        """Every member Synced in a full cluster, at the same last committed write set."""
        self.galera.wait_converged(timeout)
