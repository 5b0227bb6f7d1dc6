"""A node's nginx on loopback, rendered from deploy/nginx/platform-node.conf.template.

The rendered file is the production one with loopback paths and ports, and with the
workers running as the launching user (a production host runs them as www-data): the
run directory, the gunicorn socket and the static files all belong to that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from deploy.local import processes
from deploy.local.tls import LocalCA
from deploy.render import nginx_config

# The address HAProxy connects to the nodes from, on loopback (all of 127/8 is `lo`), so
# that nothing else on the host shares it: a PROXY header from 127.0.0.1 is not believed.
BALANCER_SOURCE = "127.0.0.2"


def binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if not found:
        raise RuntimeError("nginx not found: install the nginx package")
    return found


@dataclass
class WebServer:
    """nginx for one node: direct TLS on `port`, PROXY protocol + TLS on `balancer_port`."""

    name: str
    base_dir: Path
    port: int
    balancer_port: int
    app_socket: Path
    ca: LocalCA
    static_root: Path
    max_body_bytes: int = 10 * 1024 * 1024
    _proc: object = field(default=None, repr=False)

    @property
    def config_path(self) -> Path:
        return self.base_dir / "nginx.conf"

    @property
    def pid_file(self) -> Path:
        return self.base_dir / "nginx.pid"

    @property
    def error_log(self) -> Path:
        return self.base_dir / "nginx-error.log"

    @property
    def access_log(self) -> Path:
        return self.base_dir / "nginx-access.log"

    def render(self) -> str:
        certificate = self.ca.node_certificate(self.name)
        return nginx_config(
            node_name=self.name,
            balancer_addresses=[BALANCER_SOURCE],
            balancer_listen=f"127.0.0.1:{self.balancer_port}",
            direct_listen=f"127.0.0.1:{self.port}",
            certificate=str(certificate.cert_file),
            certificate_key=str(certificate.key_file),
            app_socket=str(self.app_socket),
            static_root=str(self.static_root),
            max_body_bytes=self.max_body_bytes,
            user=pwd.getpwuid(os.geteuid()).pw_name,
            pid_file=str(self.pid_file),
            error_log=str(self.error_log),
            access_log=str(self.access_log),
            temp_dir=str(self.base_dir / "nginx-temp"),
        )

    def running(self) -> bool:
        return processes.pid_alive(processes.read_pid(self.pid_file))

    def start(self, *, tied: bool = True, timeout: float = 15.0) -> None:
        if self.running():
            return
        (self.base_dir / "nginx-temp").mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.render())
        # -e: nginx opens its error log before reading the config; keep it in the run dir.
        self._proc = processes.spawn(
            [binary(), "-e", str(self.error_log), "-c", str(self.config_path), "-g", "daemon off;"],
            log=self.base_dir / "nginx.out",
            tied=tied,
        )
        deadline = time.monotonic() + timeout
        # nginx opens all its listeners at once; probing the PROXY one would log an error.
        while not processes.port_open(self.port):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx {self.name} did not start; see {self.error_log}")
            time.sleep(0.05)

    def reload(self) -> None:
        """Re-read the config and certificates; open connections finish on the old workers."""
        pid = processes.read_pid(self.pid_file)
        if not processes.pid_alive(pid):
            raise RuntimeError(f"nginx {self.name} is not running")
        os.kill(pid, signal.SIGHUP)

    def stop(self) -> None:
        pid = self._proc.pid if self._proc is not None else processes.read_pid(self.pid_file)
        processes.stop_pid(pid)
        self._reap()

    def kill(self) -> None:
        """Master and workers at once (SIGKILL), as a host dying would."""
        pid = self._proc.pid if self._proc is not None else processes.read_pid(self.pid_file)
        processes.stop_pid(pid, sig=9, timeout=10)
        self._reap()
        self.pid_file.unlink(missing_ok=True)

    def _reap(self) -> None:
        if self._proc is not None:
            self._proc.wait(timeout=10)
            self._proc = None
