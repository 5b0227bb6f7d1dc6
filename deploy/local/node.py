"""Run a platform node on loopback: gunicorn, alone or behind its own nginx.

Alone (`web_server=False`, the default), gunicorn listens on 127.0.0.1:`port` and the
node is reached over plain HTTP: the database tier and a benchmark's direct figures.
With `web_server=True` the node is built as in production: gunicorn on a Unix socket,
nginx in front with TLS (a certificate from the run's CA) on `port` (direct) and on
`balancer_port` (PROXY protocol, for HAProxy); `url` is then https://127.0.0.1:`port`
and `ca_file` the file a client must trust. `app_port` adds a plain-HTTP bind of the
same gunicorn on 127.0.0.1 (`app_url`), never in production: for a benchmark comparing
the node with and without its web server, and drills probing the app itself.

    node = PlatformNode("a", run_dir / "node-a", free_port(), env, web_server=True,
                        app_port=free_port())
    node.start()  # collectstatic once, gunicorn, nginx; node.url, node.app_url, node.ca_file
"""

from __future__ import annotations

import os
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from deploy.local import processes
from deploy.local.tls import LocalCA, NodeCertificate
from deploy.local.webserver import WebServer

PROJECT_DIR = Path(__file__).resolve().parents[2]
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024  # PLATFORM_MAX_BODY_BYTES's default


@dataclass
class PlatformNode:
    """One node; `env` holds its PLATFORM_*/DATABASE_URL settings."""

    name: str
    base_dir: Path
    port: int
    env: dict[str, str]
    workers: int = 2
    web_server: bool = False
    # With web_server: the listener HAProxy connects to (0: a free port), and the CA
    # issuing the node's certificate (None: one of its own under base_dir).
    balancer_port: int = 0
    ca: LocalCA | None = None
    app_port: int = 0
    _proc: object = field(default=None, repr=False)
    nginx: WebServer | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self.web_server:
            return
        self.ca = self.ca or LocalCA(self.base_dir / "tls")
        self.nginx = WebServer(
            name=f"node-{self.name}",
            base_dir=self.base_dir,
            port=self.port,
            balancer_port=self.balancer_port or processes.free_port(),
            app_socket=self.app_socket,
            ca=self.ca,
            static_root=self.static_root,
        )

    @property
    def url(self) -> str:
        scheme = "https" if self.web_server else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def app_url(self) -> str:
        """gunicorn itself over plain HTTP (`port` alone, `app_port` behind nginx)."""
        if self.web_server and not self.app_port:
            raise RuntimeError(f"node {self.name} has no direct app port")
        return f"http://127.0.0.1:{self.app_port or self.port}"

    @property
    def ca_file(self) -> Path | None:
        return self.ca.ca_file if self.ca else None

    @property
    def certificate(self) -> NodeCertificate:
        """The node's TLS certificate and key (web_server only)."""
        if self.ca is None:
            raise RuntimeError(f"node {self.name} has no web server, so no certificate")
        return self.ca.node_certificate(f"node-{self.name}")

    @property
    def app_socket(self) -> Path:
        return self.base_dir / "gunicorn.sock"

    @property
    def static_root(self) -> Path:
        return self.base_dir / "static"

    @property
    def pid_file(self) -> Path:
        return self.base_dir / "gunicorn.pid"

    @property
    def log_path(self) -> Path:
        return self.base_dir / "node.log"

    def process_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PLATFORM_", "DATABASE"))}
        env.update(self.env)
        bind = f"unix:{self.app_socket}" if self.web_server else f"127.0.0.1:{self.port}"
        if self.web_server and self.app_port:
            bind += f" 127.0.0.1:{self.app_port}"
        env.update(
            {
                "PLATFORM_ENV_FILE": "",
                "PLATFORM_STATE_DIR": str(self.base_dir / "state"),
                "GUNICORN_BIND": bind,
                "GUNICORN_WORKERS": str(self.workers),
                # The project always; a node's own entries (a test's shim) before it.
                "PYTHONPATH": os.pathsep.join(
                    filter(None, [self.env.get("PYTHONPATH"), str(PROJECT_DIR)])
                ),
            }
        )
        if self.web_server:
            env.update({"PLATFORM_BEHIND_WEB_SERVER": "true", "STATIC_ROOT": str(self.static_root)})
        return env

    def manage(self, *args: str, check: bool = True):
        import subprocess

        return subprocess.run(
            [sys.executable, str(PROJECT_DIR / "manage.py"), *args],
            env=self.process_env(),
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=check,
        )

    def running(self) -> bool:
        app = processes.pid_alive(processes.read_pid(self.pid_file))
        return app and (self.nginx is None or self.nginx.running())

    def start(self, *, tied: bool = True, timeout: float = 30.0) -> None:
        """gunicorn, then (with web_server) nginx; each only if not running already."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if self.nginx is not None and not (self.static_root / "admin").is_dir():
            self.manage("collectstatic", "--noinput")
        self.start_app(tied=tied, timeout=timeout)
        if self.nginx is not None:
            # nginx refuses what the app would: the same body limit.
            limit = self.process_env().get("PLATFORM_MAX_BODY_BYTES")
            self.nginx.max_body_bytes = int(limit) if limit else DEFAULT_MAX_BODY_BYTES
            self.nginx.start(tied=tied)
            self.wait_until_serving(timeout)

    def start_app(self, *, tied: bool = True, timeout: float = 30.0) -> None:
        """gunicorn alone (after `kill_app`, nginx still running)."""
        if processes.pid_alive(processes.read_pid(self.pid_file)):
            return
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self._proc = processes.spawn(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(PROJECT_DIR / "deploy" / "gunicorn.conf.py"),
                "--pid",
                str(self.pid_file),
                "platform_site.wsgi:application",
            ],
            log=self.log_path,
            env=self.process_env(),
            tied=tied,
        )
        self.wait_until_serving(timeout)

    def wait_until_serving(self, timeout: float) -> None:
        """Until the node answers /health/ (any status) where a client would reach it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(f"node {self.name} exited; see {self.log_path}")
            if self._answers():
                return
            time.sleep(0.1)
        raise RuntimeError(f"node {self.name} did not answer in {timeout}s; see {self.log_path}")

    def _answers(self) -> bool:
        if self.nginx is not None and self.nginx.running():
            try:
                answer = requests.get(self.url + "/health/", timeout=1, verify=str(self.ca_file))
            except requests.RequestException:
                return False
            return b'"outcome_unknown"' not in answer.content  # nginx's: no gunicorn yet
        if self.web_server:
            return _unix_http_answers(self.app_socket)
        try:
            requests.get(self.url + "/health/", timeout=1)
        except requests.RequestException:
            return False
        return True

    def kill(self) -> None:
        """Crash the node, as a host dying would: gunicorn's master and workers and nginx."""
        self.kill_app()
        if self.nginx is not None:
            self.nginx.kill()

    def kill_app(self) -> None:
        """SIGKILL to gunicorn's master and workers at once; nginx (if any) stays up."""
        pid = self._proc.pid if self._proc is not None else processes.read_pid(self.pid_file)
        processes.stop_pid(pid, sig=9, timeout=10)
        if self._proc is not None:
            self._proc.wait(timeout=10)
            self._proc = None
        self.pid_file.unlink(missing_ok=True)

    def stop(self) -> None:
        if self.nginx is not None:
            self.nginx.stop()
        pid = self._proc.pid if self._proc is not None else processes.read_pid(self.pid_file)
        processes.stop_pid(pid)
        if self._proc is not None:
            self._proc.wait(timeout=10)
            self._proc = None


def _unix_http_answers(path: Path) -> bool:
    """Does an HTTP server answer on this Unix socket? (gunicorn before nginx is up)"""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(str(path))
            sock.sendall(b"GET /health/ HTTP/1.0\r\nHost: localhost\r\nX-Real-IP: ::1\r\n\r\n")
            return sock.recv(12).startswith(b"HTTP/1.")
    except OSError:
        return False
