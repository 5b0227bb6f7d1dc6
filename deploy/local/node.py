"""Run a platform node (gunicorn) on loopback with its own environment."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from deploy.local import processes

PROJECT_DIR = Path(__file__).resolve().parents[2]


@dataclass
class PlatformNode:
    """One gunicorn node; `env` holds its PLATFORM_*/DATABASE_URL settings."""

    name: str
    base_dir: Path
    port: int
    env: dict[str, str]
    workers: int = 2
    _proc: object = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.base_dir / "gunicorn.pid"

    @property
    def log_path(self) -> Path:
        return self.base_dir / "node.log"

    def process_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PLATFORM_", "DATABASE"))}
        env.update(self.env)
        env.update(
            {
                "PLATFORM_ENV_FILE": "",
                "PLATFORM_STATE_DIR": str(self.base_dir / "state"),
                "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                "GUNICORN_WORKERS": str(self.workers),
                # The project always; a node's own entries (a test's shim) before it.
                "PYTHONPATH": os.pathsep.join(
                    filter(None, [self.env.get("PYTHONPATH"), str(PROJECT_DIR)])
                ),
            }
        )
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
        return processes.pid_alive(processes.read_pid(self.pid_file))

    def start(self, *, tied: bool = True, timeout: float = 30.0) -> None:
        if self.running():
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
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(f"node {self.name} exited; see {self.log_path}")
            try:
                requests.get(self.url + "/health/", timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError(f"node {self.name} did not answer in {timeout}s; see {self.log_path}")

    def kill(self) -> None:
        """Crash the node: SIGKILL to gunicorn's master and workers at once."""
        pid = self._proc.pid if self._proc is not None else processes.read_pid(self.pid_file)
        processes.stop_pid(pid, sig=9, timeout=10)
        if self._proc is not None:
            self._proc.wait(timeout=10)
            self._proc = None
        self.pid_file.unlink(missing_ok=True)

    def stop(self) -> None:
        pid = self._proc.pid if self._proc is not None else processes.read_pid(self.pid_file)
        processes.stop_pid(pid)
        if self._proc is not None:
            self._proc.wait(timeout=10)
            self._proc = None
