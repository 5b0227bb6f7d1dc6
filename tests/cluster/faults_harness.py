"""What every fault scenario of the cluster tier shares (tests/cluster/test_faults.py).

Three write streams through the balancer, each write with a unique title chosen by the
client; a sampler of HAProxy's view of both backends; and, after recovery, the count of
rows *per title* on both databases, the replication threads and the checksums. The
figures of each scenario go to var/test-artifacts/faults.json.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from client import ClientError, OutcomeUnknown, PlatformClient, RequestsTransport
from deploy.local.cluster import wait_for

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
PASSWORD = "Cluster-Passw0rd!"


def record(name: str, figures: dict) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "faults.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = figures
    path.write_text(json.dumps(data, indent=2, sort_keys=True))


def client(cluster, urls=None, username: str = "alice", **kwargs) -> PlatformClient:
    """A logged-in reference client of the cluster (through the balancer by default)."""
    options = {"retries": 8, "retry_backoff": 0.05, "timeout": 5, **kwargs}
    transport = RequestsTransport(verify=cluster.ca_file)
    api = PlatformClient(urls or cluster.lb.url, transport=transport, **options)
    response = api.login(username, PASSWORD)
    assert response.status == 200, response.data
    return api


class Writes(threading.Thread):
    """Encrypted creations with unique titles, one after another, until stopped."""

    def __init__(self, api: PlatformClient, tag: str, path: str = "/api/v1/task/tasks/", body=None):
        super().__init__(daemon=True)
        self.api, self.tag, self.path = api, tag, path
        self.body = body or (lambda title: {"title": title})
        self.acked: list[str] = []  # titles the platform answered 201 for
        self.unknown: list[str] = []  # titles whose outcome stayed unknown to the client
        self.failed: list[tuple[str, str]] = []  # titles refused, with why
        self.stop_at: float | None = None

    def run(self) -> None:
        n = 0
        while self.stop_at is None or time.monotonic() < self.stop_at:
            n += 1
            title = f"{self.tag}-{n}"
            try:
                response = self.api.post(self.path, self.body(title))
            except OutcomeUnknown:
                self.unknown.append(title)
                continue
            except ClientError as exc:
                self.failed.append((title, repr(exc)))
                continue
            if response.status == 201:
                self.acked.append(title)
            else:
                self.failed.append((title, f"{response.status} {response.code}"))

    def stop(self) -> None:
        self.stop_at = time.monotonic()
        self.join(timeout=180)


class BackendStates(threading.Thread):
    """HAProxy's state of both nodes every 50 ms: were they ever both out of rotation?"""

    def __init__(self, cluster):
        super().__init__(daemon=True)
        self.cluster, self.samples, self.running = cluster, [], True

    def run(self) -> None:
        while self.running:
            with contextlib.suppress(OSError):
                self.samples.append((time.monotonic(), self.cluster.lb.server_states()))
            time.sleep(0.05)

    def stop(self) -> None:
        self.running = False
        self.join(timeout=5)

    @property
    def both_down(self) -> int:
        return sum(1 for _, s in self.samples if s and all(v == "DOWN" for v in s.values()))

    def seconds_down(self, server: str) -> float:
        down = [t for t, s in self.samples if s.get(server) == "DOWN"]
        return 0.0 if not down else round(len(down) * 0.05, 2)

    def down_windows(self, server: str, since: float) -> list[tuple[float, float]]:
        """When `server` was out of rotation, in seconds after `since` (first, last sample)."""
        windows: list[list[float]] = []
        previous_down = False
        for at, states in self.samples:
            down = states.get(server) == "DOWN"
            if down and not previous_down:
                windows.append([at, at])
            elif down:
                windows[-1][1] = at
            previous_down = down
        return [(round(a - since, 2), round(b - since, 2)) for a, b in windows]


@dataclass
class Outcome:
    """The verdict on both databases after recovery."""

    acked: int
    unknown: int
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    unknown_applied: int = 0

    def figures(self) -> dict:
        return {
            "acknowledged": self.acked,
            "outcome_unknown": self.unknown,
            "of_which_applied": self.unknown_applied,
            "lost": len(self.lost),
            "doubled": len(self.doubled),
        }


def rows_per_title(db, table: str, titles: list[str], column: str = "title") -> dict[str, int]:
    counts: dict[str, int] = {}
    for start in range(0, len(titles), 400):
        chunk = titles[start : start + 400]
        marks = ",".join(["%s"] * len(chunk))
        conn = db.connect("platform")
        try:
            cur = conn.cursor()
            cur.execute(
                f"SELECT {column}, COUNT(*) FROM {table} WHERE {column} IN ({marks}) "  # noqa: S608
                f"AND deleted_at IS NULL GROUP BY {column}",
                chunk,
            )
            counts.update({title: n for title, n in cur.fetchall()})
        finally:
            conn.close()
    return counts


def judge(cluster, streams: list[Writes], table: str = "task_task", column="title") -> Outcome:
    acked = [t for s in streams for t in s.acked]
    unknown = [t for s in streams for t in s.unknown]
    outcome = Outcome(acked=len(acked), unknown=len(unknown))
    for db in cluster.pair.nodes:
        counts = rows_per_title(db, table, acked + unknown, column)
        outcome.lost += [t for t in acked if counts.get(t, 0) == 0]
        outcome.doubled += [t for t in acked + unknown if counts.get(t, 0) > 1]
        outcome.unknown_applied = sum(1 for t in unknown if counts.get(t, 0) == 1)
    outcome.lost, outcome.doubled = sorted(set(outcome.lost)), sorted(set(outcome.doubled))
    return outcome


def replication_sound(cluster) -> dict:
    """Both SQL threads running without error, and the checksum equal (waits for sync)."""
    try:
        cluster.wait_in_sync(timeout=120)
    except TimeoutError:
        raise AssertionError(f"the pair did not converge: {_slave_status(cluster)}") from None
    threads = {}
    for db in cluster.pair.nodes:
        conn = db.connect()
        try:
            cur = conn.cursor()
            cur.execute("SHOW SLAVE STATUS")
            row = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
        finally:
            conn.close()
        threads[db.name] = (
            row["Slave_IO_Running"],
            row["Slave_SQL_Running"],
            row["Last_SQL_Errno"],
        )
    checksum = cluster.manage(1, "replication_checksum", check=False)
    return {"threads": threads, "checksum_exit": checksum.returncode, "checksum": checksum.stdout}


def wait_up(cluster, timeout: float = 60) -> None:
    wait_for(
        lambda: set(cluster.lb.server_states().values()) == {"UP"},
        timeout=timeout,
        interval=0.05,
        what="both nodes UP",
    )


def _slave_status(cluster) -> dict:
    found = {}
    for db in cluster.pair.nodes:
        try:
            rows = db.execute("SHOW SLAVE STATUS")
            pos = db.execute("SELECT @@global.gtid_binlog_pos, @@global.gtid_slave_pos")
            found[db.name] = {"status": rows[0][:12] + rows[0][30:40] if rows else None, "pos": pos}
        except Exception as exc:  # the diagnosis of a failure must not fail itself
            found[db.name] = repr(exc)
    return found
