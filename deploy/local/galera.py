"""A Galera cluster of MariaDB servers on loopback: three (or any odd number of) members.

Each member is a `MariaDBInstance` whose config comes from deploy/mariadb's Galera
template (deploy/galera_settings.py) with loopback paths and four free ports each:
clients, group communication, IST and SST. `GaleraCluster.start()` is idempotent:

- first start: member 1 bootstraps a new cluster (`--wsrep-new-cluster`, what
  `galera_new_cluster` does), gets the platform's users and database, is stopped cleanly,
  and its datadir is copied to the others before any of them has run: Galera's manual
  state transfer (a copied datadir carries `grastate.dat`, so a joiner with the same
  position needs no transfer). It saves the full copy (SST) each joiner would otherwise
  make, which mariadb-backup's SST script pads with a fixed 10 s wait; the SST itself is
  rehearsed where it belongs, by a joiner that has no data (`join_by_sst`);
- later starts: the member that can bootstrap (`safe_to_bootstrap: 1` in its grastate,
  written by the last one to stop cleanly) bootstraps, the others join;
- a member that crashed (`kill -9`: its grastate holds seqno -1) first recovers its
  position from InnoDB (`mariadbd --wsrep-recover`, what Debian's unit does through
  `galera_recovery`) and starts from it, so it rejoins by IST, not by a full copy.

Users and grants replicate with the cluster (DDL is replicated in total order), so they
are made once, on the bootstrap member.
"""

from __future__ import annotations

import json
import random
import re
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from deploy import galera_settings
from deploy.local import processes
from deploy.local.mariadb import MariaDBError, MariaDBInstance, _binary

APP_USER = "platform"
DATABASE = "platform"
RECOVERED = re.compile(r"WSREP: Recovered position: ([0-9a-f-]{36}:-?\d+)")
NOT_COPIED = ("galera.cache", "gvwstate.dat", "grastate.dat", "mariadb-bin", "sst_in_progress")


@dataclass
class GaleraMember(MariaDBInstance):
    """One member: `gcomm_port`, `ist_port`, `sst_port` beside the client `port`."""

    gcomm_port: int = 0
    ist_port: int = 0
    sst_port: int = 0
    members: tuple[int, ...] = ()  # every member's gcomm port
    failure_timeout: float = 1.0
    _bootstrapping: bool = field(default=False, repr=False)

    @property
    def grastate(self) -> dict[str, str]:
        path = self.datadir / "grastate.dat"
        if not path.exists():
            return {}
        pairs = (line.split(":", 1) for line in path.read_text().splitlines() if ":" in line)
        return {key.strip(): value.strip() for key, value in pairs}

    def render_config(self) -> str:
        inputs = galera_settings.GaleraInputs(
            node_index=self.node_index,
            members=tuple(f"127.0.0.1:{port}" for port in self.members),
            port=self.port,
            gcomm_port=self.gcomm_port,
            ist_port=self.ist_port,
            sst_port=self.sst_port,
            cluster_name="platform-local",
            failure_timeout=self.failure_timeout,
            gcache_mib=64,
            applier_threads=2,
            sst_user="root",  # the launching user (root here) over the socket
            log_bin=str(self.datadir / "mariadb-bin"),
            memory_mib=self.memory_mib,
            slow_log=str(self.base_dir / "slow.log"),
        )
        local = [
            "",
            "# Local member: own paths on loopback (added by deploy/local/galera.py).",
            "[mysqld]",
            "user = root" if _as_root() else "",
            f"datadir = {self.datadir}",
            f"socket = {self.socket}",
            f"pid_file = {self.pid_file}",
            f"log_error = {self.log_path}",
            f"port = {self.port}",
            "",
            "[client]",
            f"socket = {self.socket}",
            f"port = {self.port}",
            "user = root",
            "",
        ]
        return galera_settings.render(inputs) + "\n".join(local)

    def write_config(self) -> None:
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.render_config())

    def start(self, *, tied: bool = True, timeout: float = 120.0, extra_args=()) -> None:
        """Start and wait until the member serves (a joiner's SST included)."""
        self.write_config()
        if self.running():
            return
        args = list(extra_args)
        if self._bootstrapping:
            args.append("--wsrep-new-cluster")
        if self.grastate.get("seqno") == "-1" and (self.datadir / "ibdata1").exists():
            args.append(f"--wsrep_start_position={self.recover_position()}")
        for attempt in range(3):
            try:
                return super().start(tied=tied, timeout=timeout, extra_args=tuple(args))
            except MariaDBError:
                # Galera 4 sometimes aborts while opening the group channel ("Failed to
                # read thread schedparams"); a second start works. Anything else is real.
                if attempt == 2 or "thread schedparams" not in self._log_tail():
                    raise
                time.sleep(0.5)

    def _log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except FileNotFoundError:
            return ""

    def recover_position(self) -> str:
        """The last committed position, from InnoDB (after a crash the grastate has -1)."""
        log = self.base_dir / "wsrep-recover.log"
        log.unlink(missing_ok=True)
        subprocess.run(
            [
                _binary("mariadbd"),
                f"--defaults-file={self.config_path}",
                "--wsrep-recover",
                f"--log-error={log}",
            ],
            capture_output=True,
            timeout=120,
        )
        found = RECOVERED.findall(log.read_text(errors="replace") if log.exists() else "")
        if not found:
            raise MariaDBError(f"{self.name}: no position recovered; see {log}")
        return found[-1]

    def status(self) -> dict[str, str]:
        """The member's wsrep status variables (names without the `wsrep_` prefix); it
        answers even cut off from the others (no transaction, no COMMIT to refuse)."""
        conn = self.connect(connect_timeout=2)
        try:
            cur = conn.cursor()
            cur.execute("SHOW GLOBAL STATUS LIKE 'wsrep%'")
            rows = cur.fetchall()
        finally:
            conn.close()
        return {name[len("wsrep_") :]: value for name, value in rows}

    def synced(self) -> bool:
        try:
            state = self.status()
        except Exception:  # not answering yet: not synced
            return False
        return state.get("local_state_comment") == "Synced" and state.get("ready") == "ON"

    def isolate(self, on: bool = True) -> None:
        """Cut this member off from the group (Galera's own gmcast.isolate), or let it back."""
        conn = self.connect(connect_timeout=2)
        try:
            conn.cursor().execute(f"SET GLOBAL wsrep_provider_options = 'gmcast.isolate={int(on)}'")
        finally:
            conn.close()


def _as_root() -> bool:
    import os

    return os.geteuid() == 0


def quiet_port() -> int:
    """A free port below the kernel's ephemeral range (32768+), for listeners that open
    long after they are chosen (a joiner's SST port, IST, the group's): an ephemeral port
    free now may by then be the source port of some outgoing connection."""
    while True:
        port = random.randrange(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


@dataclass
class GaleraPorts:
    client: tuple[int, ...]
    gcomm: tuple[int, ...]
    ist: tuple[int, ...]
    sst: tuple[int, ...]

    @classmethod
    def free(cls, count: int = 3) -> GaleraPorts:
        def pick():
            return tuple(quiet_port() for _ in range(count))

        return cls(tuple(processes.free_port() for _ in range(count)), pick(), pick(), pick())


@dataclass
class GaleraCluster:
    base_dir: Path
    ports: GaleraPorts
    failure_timeout: float = 1.0

    def __post_init__(self) -> None:
        self.nodes = [
            GaleraMember(
                letter,
                self.base_dir / f"db-{letter}",
                self.ports.client[i],
                node_index=i + 1,
                node_count=len(self.ports.client),
                gcomm_port=self.ports.gcomm[i],
                ist_port=self.ports.ist[i],
                sst_port=self.ports.sst[i],
                members=self.ports.gcomm,
                failure_timeout=self.failure_timeout,
            )
            for i, letter in enumerate("abcdefg"[: len(self.ports.client)])
        ]

    def secrets(self) -> dict[str, str]:
        path = self.base_dir / "secrets.json"
        if path.exists():
            return json.loads(path.read_text())
        values = {"app": secrets.token_urlsafe(18)}
        self.base_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
        path.chmod(0o600)
        return values

    def database_url(self, node: GaleraMember, *, port: int | None = None) -> str:
        return node.database_url(APP_USER, self.secrets()["app"], DATABASE, port=port)

    def start(self, *, tied: bool = True) -> None:
        if not any(n.grastate for n in self.nodes):
            self.create(tied=tied)
        first = self.bootstrap_member()
        if first is not None:
            first._bootstrapping = True
            try:
                first.start(tied=tied)
            finally:
                first._bootstrapping = False
            self.wait_synced(nodes=[first], size=1)
        for node in self.nodes:
            node.start(tied=tied)
        self.wait_synced()

    def bootstrap_member(self) -> GaleraMember | None:
        """The member to bootstrap from when none runs: the one safe to bootstrap."""
        if any(n.running() for n in self.nodes):
            return None
        safe = [n for n in self.nodes if n.grastate.get("safe_to_bootstrap") == "1"]
        if not safe:
            raise MariaDBError(
                "no member is safe to bootstrap (all stopped uncleanly): find the most "
                "advanced with `mariadbd --wsrep-recover`, then set safe_to_bootstrap: 1 in "
                "its grastate.dat (docs/GALERA.md)"
            )
        return safe[0]

    def create(self, *, tied: bool) -> None:
        """A new cluster: member 1 bootstraps and is set up, its datadir seeds the others."""
        first = self.nodes[0]
        first.write_config()
        first.initialize()
        first._bootstrapping = True
        try:
            first.start(tied=tied)
        finally:
            first._bootstrapping = False
        self.wait_synced(nodes=[first], size=1)
        self.prepare(first)
        first.stop()
        for node in self.nodes[1:]:
            seed_from(first, node)

    def prepare(self, node: GaleraMember) -> None:
        """The platform's database and user: made once, replicated to every member."""
        node.execute(f"CREATE DATABASE IF NOT EXISTS `{DATABASE}` CHARACTER SET utf8mb4")
        password = self.secrets()["app"]
        account = f"'{APP_USER}'@'127.0.0.1'"
        node.execute(
            f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY '{password}'",
            f"ALTER USER {account} IDENTIFIED BY '{password}'",
            f"GRANT ALL PRIVILEGES ON *.* TO {account}",
        )

    def wait_synced(self, timeout: float = 120.0, nodes=None, size: int | None = None) -> None:
        """Until `nodes` (all by default) are Synced in a component of `size` (all) members."""
        deadline = time.monotonic() + timeout
        nodes = nodes or self.nodes
        while time.monotonic() < deadline:
            if all(n.synced() for n in nodes):
                sizes = {int(n.status().get("cluster_size") or 0) for n in nodes}
                if min(sizes) >= (size or len(self.nodes)):
                    return
            time.sleep(0.05)
        raise TimeoutError(f"the Galera cluster did not sync: {self.states()}")

    def wait_converged(self, timeout: float = 60.0) -> None:
        """Every member Synced in a full cluster, all at the same last committed write set
        (for a moment with no writes in flight: each has applied all that was certified)."""
        deadline = time.monotonic() + timeout
        self.wait_synced(timeout)
        while time.monotonic() < deadline:
            committed = {n.status().get("last_committed") for n in self.nodes}
            if len(committed) == 1:
                return
            time.sleep(0.05)
        raise TimeoutError(f"the members did not converge: {self.states()}")

    def states(self) -> dict[str, str]:
        found = {}
        for node in self.nodes:
            try:
                found[node.name] = node.status().get("local_state_comment", "?")
            except Exception as exc:  # a diagnosis must not fail itself
                found[node.name] = f"down ({type(exc).__name__})"
        return found

    def stop(self) -> None:
        # Last to stop is safe to bootstrap from: member 1, so the next start begins there.
        for node in reversed(self.nodes):
            node.stop()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)


def seed_from(source: GaleraMember, target: GaleraMember) -> None:
    """Copy a cleanly stopped member's datadir to a member that never ran: the copy joins
    at the source's position. Its own binary log and write-set cache start empty."""
    if processes.pid_alive(source.pid()) or processes.pid_alive(target.pid()):
        raise MariaDBError("seeding needs both members stopped")
    shutil.rmtree(target.datadir, ignore_errors=True)
    shutil.copytree(
        source.datadir,
        target.datadir,
        ignore=lambda _dir, names: [n for n in names if n.startswith(NOT_COPIED)],
    )
    state = (source.datadir / "grastate.dat").read_text()
    (target.datadir / "grastate.dat").write_text(
        re.sub(r"safe_to_bootstrap: *1", "safe_to_bootstrap: 0", state)
    )
    target.write_config()


def join_by_sst(cluster: GaleraCluster, member: GaleraMember, *, tied: bool) -> float:
    """A member with no data at all joins: a full state transfer by mariadb-backup (SST).
    Returns the seconds until it is Synced."""
    member.stop()
    shutil.rmtree(member.datadir, ignore_errors=True)
    member.datadir.mkdir(parents=True)
    started = time.monotonic()
    member.start(tied=tied, timeout=300)
    cluster.wait_synced(timeout=300, nodes=[member])
    return time.monotonic() - started
