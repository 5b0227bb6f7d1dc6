"""Run real MariaDB servers on loopback, each with its own datadir, port and socket.

The test harness starts one for the database tier; the replicated pair and the local
cluster start several with per-node settings. No system service is touched: every
server and client command is given its own `--defaults-file` first, so /etc/mysql
never mixes in.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from deploy import mariadb_settings
from deploy.local import processes

BINARIES = ("mariadbd", "mariadb-install-db", "mariadb")


class MariaDBError(RuntimeError):
    """A local MariaDB server could not be set up, started or reached."""


def missing_binaries() -> list[str]:
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    return [name for name in BINARIES if shutil.which(name, path=search) is None]


def _binary(name: str) -> str:
    search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    found = shutil.which(name, path=search)
    if not found:
        raise MariaDBError(f"{name} not found: install mariadb-server and mariadb-client")
    return found


@dataclass
class MariaDBInstance:
    """One MariaDB server under `base_dir`, listening on 127.0.0.1:`port`."""

    name: str
    base_dir: Path
    port: int
    node_index: int = 1
    node_count: int = 1
    server_id: int | None = None
    gtid_domain_id: int | None = None
    memory_mib: int = 128  # small: a 64 MiB buffer pool (deploy/mariadb_settings.py)
    tls: mariadb_settings.ServerTLS | None = None
    _proc: object = field(default=None, repr=False)

    @property
    def datadir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket(self) -> Path:
        return self.base_dir / "mysqld.sock"

    @property
    def config_path(self) -> Path:
        return self.base_dir / "my.cnf"

    @property
    def pid_file(self) -> Path:
        return self.base_dir / "mysqld.pid"

    @property
    def log_path(self) -> Path:
        return self.base_dir / "mysqld.log"

    def render_config(self) -> str:
        inputs = mariadb_settings.MariaDBInputs(
            node_index=self.node_index,
            node_count=self.node_count,
            server_id=self.server_id or 0,
            gtid_domain_id=self.gtid_domain_id or 0,
            log_bin=str(self.datadir / "mariadb-bin"),
            bind_address="127.0.0.1",
            memory_mib=self.memory_mib,
            slow_log=str(self.base_dir / "slow.log"),
            tls=self.tls,
        )
        shipped = mariadb_settings.render(inputs)
        local = [
            "",
            "# Local instance: own paths on loopback (added by deploy/local/mariadb.py).",
            "[mysqld]",
            "user = root" if os.geteuid() == 0 else "",
            f"datadir = {self.datadir}",
            f"socket = {self.socket}",
            f"pid_file = {self.pid_file}",
            f"log_error = {self.log_path}",
            f"port = {self.port}",
            f"relay_log = {self.datadir / 'relay-bin'}",
            "",
            "[client]",
            f"socket = {self.socket}",
            f"port = {self.port}",
            "user = root",
            "",
        ]
        return shipped + "\n".join(local)

    def initialize(self) -> None:
        """Write the config and create the datadir, once."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.render_config())
        if (self.datadir / "mysql").is_dir():
            return
        result = subprocess.run(
            [
                _binary("mariadb-install-db"),
                f"--defaults-file={self.config_path}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise MariaDBError(
                f"mariadb-install-db failed for {self.name}: {result.stderr[-2000:]}"
            )

    def start(
        self, *, tied: bool = True, timeout: float = 30.0, extra_args: tuple[str, ...] = ()
    ) -> None:
        """Start the server (idempotent) and wait until it answers; `extra_args` for once
        (a rebuilt server starts with `--skip-networking --skip-slave-start`)."""
        self.initialize()
        if self.running():
            return
        self._proc = processes.spawn(
            [_binary("mariadbd"), f"--defaults-file={self.config_path}", *extra_args],
            log=self.base_dir / "mariadbd.stdout.log",
            tied=tied,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ping():
                return
            if self._proc.poll() is not None:
                break
            time.sleep(0.05)
        raise MariaDBError(f"MariaDB {self.name} did not start; see {self.log_path}")

    def pid(self) -> int | None:
        return processes.read_pid(self.pid_file)

    def running(self) -> bool:
        return processes.pid_alive(self.pid()) and self.ping()

    def stop(self, *, timeout: float = 30.0) -> None:
        """Clean shutdown (SIGTERM), waiting for the server to exit."""
        pid = self.pid()
        if pid and processes.pid_alive(pid):
            os.kill(pid, 15)
            deadline = time.monotonic() + timeout
            while processes.pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        if self._proc is not None:
            self._proc.wait(timeout=timeout)
            self._proc = None

    def kill(self) -> None:
        """Crash the server (SIGKILL), as a power cut would."""
        pid = self.pid()
        if pid:
            processes.stop_pid(pid, sig=9, timeout=10)
        if self._proc is not None:
            self._proc.wait(timeout=10)
            self._proc = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def connect(self, database: str | None = None, **kwargs):
        """A root connection over the Unix socket (MySQLdb)."""
        import MySQLdb

        params = {"unix_socket": str(self.socket), "user": "root", "charset": "utf8mb4"}
        if database:
            params["database"] = database
        params.update(kwargs)
        return MySQLdb.connect(**params)

    def ping(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            conn = self.connect(connect_timeout=1)
        except Exception:
            return False
        conn.close()
        return True

    def execute(self, *statements: str, log_bin: bool = True) -> list[tuple]:
        """Run statements as root; `log_bin=False` keeps them out of replication."""
        conn = self.connect()
        try:
            cur = conn.cursor()
            if not log_bin:
                cur.execute("SET SESSION sql_log_bin = 0")
            rows: list[tuple] = []
            for statement in statements:
                cur.execute(statement)
                rows = list(cur.fetchall()) if cur.description else []
            conn.commit()
            return rows
        finally:
            conn.close()

    def create_app_user(
        self, user: str, password: str | None = None, *, all_databases: bool
    ) -> str:
        """A TCP user for Django; per-node setup, so never replicated."""
        password = password or secrets.token_urlsafe(18)
        scope = "*.*" if all_databases else f"`{user}`.*"
        self.execute(
            f"CREATE USER IF NOT EXISTS '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'",
            f"ALTER USER '{user}'@'127.0.0.1' IDENTIFIED BY '{password}'",
            f"GRANT ALL PRIVILEGES ON {scope} TO '{user}'@'127.0.0.1'",
            log_bin=False,
        )
        return password

    def database_url(
        self, user: str, password: str, database: str, *, port: int | None = None
    ) -> str:
        """A TCP URL; `port` when clients reach this server through another (a proxy)."""
        return f"mysql://{user}:{password}@127.0.0.1:{port or self.port}/{database}"

    def version(self) -> str:
        return self.execute("SELECT VERSION()")[0][0]
