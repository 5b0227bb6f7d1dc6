"""Failover drill through HAProxy with the reference client (as tests/cluster/test_failover.py).

Several clients (client/, retries on: a POST whose connection broke after sending is
resent as the identical envelope, so it applies once or reports OutcomeUnknown) write
tasks through the load balancer; node A is killed (SIGKILL to its nginx and gunicorn's
master and workers: the whole node). Detection: kill → HAProxy marks it DOWN.
Recovery: kill → every client has completed a write again. Then node A is restarted
and readmitted, the pair converges, and every acknowledged write is looked up on both
databases.
"""

from __future__ import annotations

import threading
import time

from client import ClientError, OutcomeUnknown, PlatformClient, RequestsTransport
from deploy.local.cluster import wait_for


class _Writer(threading.Thread):
    """One reference client writing tasks through the load balancer until stopped."""

    def __init__(self, url: str, ca_file, username: str, password: str, tag: str) -> None:
        super().__init__(daemon=True)
        self.api = PlatformClient(
            url,
            transport=RequestsTransport(verify=ca_file),
            retries=6,
            retry_backoff=0.05,
            timeout=5,
        )
        if self.api.login(username, password).status != 200:
            raise RuntimeError("the failover client could not log in")
        self.tag, self.halt = tag, threading.Event()
        self.acked: list[int] = []
        self.ok_times: list[float] = []
        self.applied_answer_lost = 0
        self.failures: list[str] = []

    def run(self) -> None:
        n = 0
        while not self.halt.is_set():
            n += 1
            try:
                response = self.api.post("/api/v1/task/tasks/", {"title": f"{self.tag}-{n}"})
            except OutcomeUnknown:
                self.applied_answer_lost += 1
                self.ok_times.append(time.monotonic())
                continue
            except ClientError as exc:
                self.failures.append(repr(exc)[:200])
                continue
            if response.status == 201:
                self.acked.append(response.data["id"])
                self.ok_times.append(time.monotonic())
            else:
                self.failures.append(f"{response.status} {response.code}")


def _wait_state(cluster, server: str, state: str, timeout: float) -> float:
    started = time.monotonic()
    wait_for(
        lambda: cluster.lb.server_states().get(server) == state,
        timeout=timeout,
        interval=0.01,
        what=f"{server} {state} in HAProxy",
    )
    return time.monotonic() - started


def failover(
    cluster, *, username: str, password: str, clients: int, before: float, after: float
) -> dict:
    for server in ("node-a", "node-b"):
        _wait_state(cluster, server, "UP", 30)
    writers = [
        _Writer(cluster.lb.url, cluster.ca_file, username, password, f"bench-fo{i}")
        for i in range(clients)
    ]
    for writer in writers:
        writer.start()
    time.sleep(before)
    killed_at = time.monotonic()
    cluster.node(1).kill()
    detection = _wait_state(cluster, "node-a", "DOWN", 10)
    time.sleep(after)
    for writer in writers:
        writer.halt.set()
    for writer in writers:
        writer.join(timeout=30)
    cluster.node(1).start(tied=cluster.tied)
    readmitted = _wait_state(cluster, "node-a", "UP", 60)
    cluster.wait_in_sync()
    acked = [i for w in writers for i in w.acked]
    back = [min((t for t in w.ok_times if t > killed_at), default=None) for w in writers]
    return {
        "clients": clients,
        "acknowledged_writes": len(acked),
        "applied_answer_lost": sum(w.applied_answer_lost for w in writers),
        "failed_operations": sum(len(w.failures) for w in writers),
        "failures": [f for w in writers for f in w.failures][:20],
        "detection_s": round(detection, 3),
        "recovery_s": None if None in back else round(max(back) - killed_at, 3),
        "readmitted_after_restart_s": round(readmitted, 3),
        "acknowledged_writes_missing": {
            db.name: len(set(acked) - _rows_on(db, acked)) for db in cluster.pair.nodes
        },
    }


def _rows_on(db, ids: list[int]) -> set[int]:
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ",".join(str(int(i)) for i in ids[start : start + 500])
        query = f"SELECT id FROM platform.task_task WHERE id IN ({chunk})"  # noqa: S608 - ints
        found |= {row[0] for row in db.execute(query)}
    return found
