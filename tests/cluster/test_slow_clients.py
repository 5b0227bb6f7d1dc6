"""Slow clients through the balancer: nginx holds them, gunicorn's sync workers never see them.

1,000 connections drip-feed a header block and 200 a body, for 30 s, each reconnecting
a second after the server cuts it (tests/cluster/slowclients.py, its own process, from
127.0.0.1). Meanwhile a normal client (from 127.0.0.6, so limit_conn per address
tells them apart) makes 500 encrypted reads through HAProxy. The same client's 500
reads just before the attack are the baseline. Figures go to
var/test-artifacts/front-door.json.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.cluster.conftest import PASSWORD
from tests.cluster.net import client_from

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
PROJECT = Path(__file__).resolve().parents[2]
ATTACK_SECONDS = 30
RAMP_SECONDS = 3
HEADER_DRIPS, BODY_DRIPS, READS = 1000, 200, 500


def reads(api, path: str, n: int) -> dict:
    """`n` sequential encrypted reads: latency figures (ms) and the failures."""
    times, failures = [], []
    started = time.monotonic()
    for _ in range(n):
        begun = time.perf_counter()
        try:
            status = api.get(path).status
        except Exception as exc:  # any failure counts, whatever its kind
            failures.append(repr(exc)[:200])
            continue
        times.append((time.perf_counter() - begun) * 1000)
        if status != 200:
            failures.append(f"status {status}")
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2) if times else None,
        "p99_ms": round(times[max(0, int(len(times) * 0.99) - 1)], 2) if times else None,
        "failures": failures,
        "started": started,
        "ended": time.monotonic(),
    }


class StateWatch(threading.Thread):
    """HAProxy's view of the two nodes, every 100 ms, until stopped."""

    def __init__(self, cluster):
        super().__init__(daemon=True)
        self.cluster, self.seen, self.halt = cluster, [], threading.Event()

    def run(self):
        while not self.halt.is_set():
            self.seen.append(self.cluster.lb.server_states())
            time.sleep(0.1)


def attack(cluster) -> subprocess.Popen:
    command = [sys.executable, "-m", "tests.cluster.slowclients", "--port", str(cluster.ports.lb)]
    command += ["--ca-file", str(cluster.ca_file), "--seconds", str(ATTACK_SECONDS)]
    command += ["--headers", str(HEADER_DRIPS), "--bodies", str(BODY_DRIPS)]
    command += ["--ramp", str(RAMP_SECONDS)]
    return subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.PIPE, text=True)


def worker_timeouts(cluster) -> int:
    return sum(node.log_path.read_text().count("WORKER TIMEOUT") for node in cluster.nodes)


def test_slow_clients_through_the_balancer_leave_a_normal_client_unharmed(cluster):
    api = client_from(cluster, "127.0.0.6", retries=0)
    assert api.login("alice", PASSWORD).status == 200
    task = api.post("/api/v1/task/tasks/", {"title": "under attack"}).data["id"]
    path = f"/api/v1/task/tasks/{task}/"
    timeouts_before = worker_timeouts(cluster)
    reads(api, path, 50)  # warm: the worker's caches, the connection
    unloaded = reads(api, path, READS)

    attacker = attack(cluster)
    watch = StateWatch(cluster)
    try:
        time.sleep(RAMP_SECONDS + 2)  # every slow connection open
        watch.start()
        attacked = reads(api, path, READS)
        out, _ = attacker.communicate(timeout=ATTACK_SECONDS + 60)
    finally:
        watch.halt.set()
        if attacker.poll() is None:
            attacker.kill()
    watch.join(timeout=5)
    slow = json.loads(out)
    figures = {
        "attack": {
            "header_drip_connections": HEADER_DRIPS,
            "body_drip_connections": BODY_DRIPS,
            "seconds": ATTACK_SECONDS,
            "from": "127.0.0.1 (one address)",
            "connections_held": slow,
        },
        "normal_client": {
            "requests": READS,
            "unloaded": {k: unloaded[k] for k in ("p50_ms", "p99_ms")},
            "under_attack": {k: attacked[k] for k in ("p50_ms", "p99_ms")},
            "failures_unloaded": len(unloaded["failures"]),
            "failures_under_attack": len(attacked["failures"]),
            "under_attack_seconds": round(attacked["ended"] - attacked["started"], 2),
        },
        "haproxy_state_samples": len(watch.seen),
        "samples_with_a_node_not_up": sum(set(s.values()) != {"UP"} for s in watch.seen),
        "gunicorn_worker_timeouts": worker_timeouts(cluster) - timeouts_before,
    }
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "front-door.json").write_text(json.dumps(figures, indent=2))

    # The attack was real: the slow connections were open while the client measured.
    assert slow["headers"]["open_steady_median"] >= 0.75 * HEADER_DRIPS, slow
    assert slow["bodies"]["open_steady_median"] > 0, slow
    # Every measured read fell inside the attack's window.
    assert attacked["ended"] - attacked["started"] < ATTACK_SECONDS - RAMP_SECONDS - 2
    # And it harmed nobody else.
    assert unloaded["failures"] == [] and attacked["failures"] == [], figures
    assert attacked["p99_ms"] <= 3 * unloaded["p99_ms"], figures
    assert figures["samples_with_a_node_not_up"] == 0 and len(watch.seen) > 10, figures
    assert figures["gunicorn_worker_timeouts"] == 0
