"""HAProxy for the local cluster, rendered from deploy/haproxy/haproxy.cfg.template.

The production file with loopback addresses and paths, minus what a loopback run as
any user cannot use: logs go to stdout (the log file here) rather than /dev/log, no
chroot or user switch, and connections to the nodes leave from 127.0.0.2 (the one
address each node's nginx believes PROXY headers from).
"""

from __future__ import annotations

import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from deploy.local import processes
from deploy.local.webserver import BALANCER_SOURCE
from deploy.render import haproxy_config


def _binary() -> str:
    found = shutil.which("haproxy") or (
        "/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None
    )
    if not found:
        raise RuntimeError("haproxy not found: install the haproxy package")
    return found


@dataclass
class LoadBalancer:
    base_dir: Path
    port: int
    stats_port: int
    backends: dict[str, int]  # server name → port of its nginx's balancer listener
    ca_file: Path  # the CA that issued the nodes' certificates
    engine: str = "pair"  # or "galera": how many failed checks take a node out
    _proc: object = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def stats_socket(self) -> Path:
        return self.base_dir / "haproxy.sock"

    @property
    def pid_file(self) -> Path:
        return self.base_dir / "haproxy.pid"

    @property
    def stats_url(self) -> str:
        return f"http://127.0.0.1:{self.stats_port}/"

    def render(self) -> str:
        return haproxy_config(
            bind=f"127.0.0.1:{self.port}",
            stats_bind=f"127.0.0.1:{self.stats_port}",
            stats_socket=str(self.stats_socket),
            nodes={name: f"127.0.0.1:{port}" for name, port in self.backends.items()},
            ca_file=str(self.ca_file),
            source=BALANCER_SOURCE,
            log="stdout format raw",
            privileges=False,
            engine=self.engine,
        )

    def running(self) -> bool:
        return processes.pid_alive(processes.read_pid(self.pid_file))

    def start(self, *, tied: bool = True) -> None:
        if self.running():
            return
        self.base_dir.mkdir(parents=True, exist_ok=True)
        config = self.base_dir / "haproxy.cfg"
        config.write_text(self.render())
        self._proc = processes.spawn(
            [_binary(), "-db", "-f", str(config), "-p", str(self.pid_file)],
            log=self.base_dir / "haproxy.log",
            tied=tied,
        )
        deadline = time.monotonic() + 10
        while not processes.port_open(self.port):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"haproxy did not start; see {self.base_dir / 'haproxy.log'}")
            time.sleep(0.05)
        self.pid_file.write_text(str(self._proc.pid))

    def stop(self) -> None:
        pid = self._proc.pid if self._proc is not None else processes.read_pid(self.pid_file)
        processes.stop_pid(pid)
        self._proc = None

    def command(self, text: str) -> str:
        """One command on the stats socket (e.g. 'show servers state')."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(str(self.stats_socket))
            sock.sendall(text.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_states(self, backend: str = "nodes") -> dict[str, str]:
        """Server name → UP / DOWN / MAINT in `backend` ("nodes", or the "last_resort"
        used while none of those is up), as HAProxy sees it now.

        A server HAProxy has not checked yet counts as "INIT", not "UP": a server is
        presumed up at start until its checks say otherwise.
        """
        lines = self.command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        states = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") != backend or row.get("svname") in ("BACKEND", "FRONTEND"):
                continue
            state = row.get("status", "").split(" ")[0]
            checked = row.get("check_status", "").lstrip("* ") not in ("", "INI")
            states[row["svname"]] = state if checked else "INIT"
        return states
