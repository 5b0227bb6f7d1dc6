"""Network faults for tests: the fault proxy's process, its control client, the cluster's links.

`FaultProxy` runs `deploy/local/faultproxy.py` as its own process (tied to the test run
through `processes.spawn`) and speaks its control channel; `proxy.link(name)` is a handle
whose `set(mode, once=…)` switches one link between `forward`, `blackhole`, `reject` and
`lose-commit-ok` (the modes are described in faultproxy.py).

`ClusterFaults` is what the local cluster builds with `LocalCluster(fault_links=True)`:
every connection between its processes that can fail on a real network goes through a
link named `FROM->TO` after the side that opens it —

    node-a->db-a   node-b->db-b     each node to its own database (DATABASE_URL)
    node-a->db-b   node-b->db-a     each node to the peer's database (PEER_DATABASE_URL)
    db-b->db-a     db-a->db-b       each database's replica pulling the other's binary log
                                    (db-b->db-a carries A's writes to B)

so a test can say:

    faults = cluster.faults
    faults.partition()            # B cannot reach database A, A cannot reach database B,
                                  # replication stopped both ways (connections reset)
    faults.partition("blackhole") # the same, but silent: connections hang, nothing resets
    faults.heal()                 # every link back to forward
    faults.link("node-a->db-a").set("lose-commit-ok", once=True)
    faults.link("node-b->db-a").set("blackhole")
    faults.link("node-a->db-a").status()["commits_dropped"]

Root connections of the tests themselves (`cluster.pair.a.execute`, over the Unix
socket) never pass through the proxy: a test can always see and repair the databases.
"""

from __future__ import annotations

import json
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from deploy.local import processes

SERVER = Path(__file__).resolve().with_name("faultproxy.py")
MODES = ("forward", "blackhole", "reject", "lose-commit-ok")


class FaultProxyError(RuntimeError):
    """The fault proxy refused a command or could not be reached."""


@dataclass
class Link:
    """A handle on one named link of a running fault proxy."""

    proxy: FaultProxy
    name: str

    def set(self, mode: str, *, once: bool = False) -> Link:
        """Switch the link's mode, for the connections it carries and for new ones."""
        self.proxy.set_links([self.name], mode, once=once)
        return self

    def status(self) -> dict:
        """mode, once, port, target, connections, accepted, reset, commits_seen/_dropped…"""
        return self.proxy.status()[self.name]

    @property
    def port(self) -> int:
        return self.status()["port"]


@dataclass
class FaultProxy:
    """The proxy process under `base_dir`; `links` maps NAME → (listen port, target port)."""

    base_dir: Path
    links: dict[str, tuple[int, int]] = field(default_factory=dict)
    _proc: object = field(default=None, repr=False)

    @property
    def control_path(self) -> Path:
        return self.base_dir / "control.sock"

    @property
    def log_path(self) -> Path:
        return self.base_dir / "faultproxy.log"

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, *, tied: bool = True, timeout: float = 10.0) -> None:
        if self.running():
            return
        self.base_dir.mkdir(parents=True, exist_ok=True)
        specs = [f"{name}={port}:127.0.0.1:{target}" for name, (port, target) in self.links.items()]
        self._proc = processes.spawn(
            [sys.executable, str(SERVER), "--control", str(self.control_path)]
            + [arg for spec in specs for arg in ("--link", spec)],
            log=self.log_path,
            tied=tied,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.status()
                return
            except FaultProxyError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    raise FaultProxyError(
                        f"fault proxy did not start; see {self.log_path}"
                    ) from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self._proc is not None:
            processes.stop_pid(self._proc.pid, timeout=5)
            self._proc.wait(timeout=5)
            self._proc = None

    def command(self, **command) -> dict:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(5)
                sock.connect(str(self.control_path))
                sock.sendall(json.dumps(command).encode() + b"\n")
                answer = sock.makefile("rb").readline()
        except OSError as exc:
            raise FaultProxyError(f"fault proxy unreachable: {exc}") from exc
        if not answer:
            raise FaultProxyError("fault proxy closed the control connection")
        reply = json.loads(answer)
        if not reply.pop("ok"):
            raise FaultProxyError(reply["error"])
        return reply

    def add_link(self, name: str, target_port: int, *, listen_port: int = 0) -> Link:
        """A new link to 127.0.0.1:target_port; its listening port is `link.port`."""
        port = self.command(
            op="add", name=name, listen_port=listen_port, target=f"127.0.0.1:{target_port}"
        )["port"]
        self.links[name] = (port, target_port)
        return Link(self, name)

    def link(self, name: str) -> Link:
        if name not in self.links:
            raise KeyError(f"no link {name!r}; links: {', '.join(sorted(self.links))}")
        return Link(self, name)

    def set_links(self, names: list[str], mode: str, *, once: bool = False) -> None:
        """Several links switched at the same instant (one command)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        self.command(op="set", names=list(names), mode=mode, once=once)

    def status(self) -> dict[str, dict]:
        return self.command(op="status")["links"]

    def heal(self) -> None:
        """Every link back to forward."""
        if self.links:
            self.set_links(list(self.links), "forward")


class ClusterFaults(FaultProxy):
    """The local cluster's six links (see the module docstring), on ports chosen once."""

    NAMES = ("node-a->db-a", "node-a->db-b", "node-b->db-a", "node-b->db-b")
    REPLICATION = ("db-b->db-a", "db-a->db-b")  # the replica of the first pulls from the second
    PARTITION = ("node-a->db-b", "node-b->db-a", "db-b->db-a", "db-a->db-b")

    @classmethod
    def for_databases(cls, base_dir: Path, db_ports: tuple[int, int]) -> ClusterFaults:
        target = dict(zip("ab", db_ports, strict=True))
        names = (*cls.NAMES, *cls.REPLICATION)
        links = {name: (processes.free_port(), target[name[-1]]) for name in names}
        return cls(base_dir, links)

    def port(self, name: str) -> int:
        """The port the side opening connection `name` connects to."""
        return self.links[name][0]

    def partition(self, mode: str = "reject") -> None:
        """Cut A from B: no node reaches the other's database, no replication either way."""
        self.set_links(list(self.PARTITION), mode)
